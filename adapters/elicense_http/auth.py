"""Who is calling: RFC 9421 signatures checked against the ledger's seals and platform
keys, a replay table and an audit table shared by every worker (in the ledger's
database), and holder sessions any worker can check.

A department signs with a **filed seal** (``keyid`` = the seal code); the
platform's front end signs with a **platform key** (``keyid`` =
``platform:<key id>``). A request is accepted when, in this order:

1. it carries one signature covering ``@method``, ``@target-uri`` and
   ``content-digest``, with ``created`` and ``keyid``;
2. its ``Content-Digest`` matches the body (RFC 9530);
3. ``created`` lies within the window (default 120 s back, 10 s ahead) and
   ``expires``, if given, has not passed;
4. the seal is known, filed, not suspended, revoked, compromised or out of
   its validity (the ledger's own :func:`~elicense.domain.seal.seal_refusal`),
   and ``alg``, if given, is the seal's;
5. the signature verifies with the seal's filed public key;
6. the signature was not seen before (``http_signatures_seen``: one row per
   accepted signature, a primary key the database enforces across workers).

Every failure is 401 problem+json with an ``auth.*`` code, a row in
``http_auth_audit`` and a JSON line on the ``elicense_http.audit`` logger —
never an entry in the ledger.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from elicense.crypto.suites import public_key
from elicense.domain.seal import Seal, seal_refusal
from elicense.errors import NotFoundError
from elicense.ledger.application import Ledger
from elicense.ledger.storage import settings_for
from elicense_http.httpsig import (
    AuthError,
    der_signature,
    parse_signature,
    signature_base,
    verify_content_digest,
)

__all__ = ["AuthStore", "Authenticator", "Caller", "HolderSession"]

_audit = logging.getLogger("elicense_http.audit")
PLATFORM_PREFIX: Final = "platform:"
SESSION_LABEL: Final = b"elicense/v2/http.session\x00"

_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS http_signatures_seen (signature_hash TEXT PRIMARY KEY, "
    "keyid TEXT NOT NULL, created BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS http_signatures_seen_created ON http_signatures_seen (created)",
    "CREATE TABLE IF NOT EXISTS http_auth_audit (at_us BIGINT NOT NULL, status INTEGER NOT NULL, "
    "code TEXT NOT NULL, keyid TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, "
    "pid INTEGER NOT NULL, detail TEXT NOT NULL)",
)


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated caller.

    Attributes:
        keyid: the ``keyid`` that signed (seal code or ``platform:<key id>``).
        department: the seal's department (USCC); empty for the platform.
        platform: whether the platform key signed.
    """

    keyid: str
    department: str = ""
    platform: bool = False


class HolderSession(msgspec.Struct, frozen=True, kw_only=True):
    """A holder-scoped session: who, until when, and how the platform authenticated them.

    Attributes:
        holder: the holder's code (公民身份号码 or USCC).
        expires: unix seconds.
        authentication: the platform's method (``face``, ``e-id`` …).
        authentication_ref: the platform's reference to that authentication.
        nonce: random, so two sessions differ.
    """

    holder: str
    expires: int
    authentication: str
    authentication_ref: str
    nonce: str


class AuthStore:
    """The replay and audit tables in the ledger's database (one connection per thread).

    With a ``memory:`` ledger the tables live in this process (one process by definition).
    """

    def __init__(self, dsn: str, *, write_lock: Any = None) -> None:
        self.dsn = dsn
        self._local = threading.local()
        self._memory: set[str] | None = set() if dsn == "memory:" else None
        self.audited: list[tuple[Any, ...]] = []  # memory: only
        self._lock = threading.Lock()
        # SQLite has one writer: a replay row written while this process's ledger
        # transaction holds the file would wait in SQLite's busy loop (sleeps of
        # milliseconds), so this process's writes to the file take turns on one lock.
        self._write = (
            write_lock
            if settings_for(dsn).get("PERSISTENCE_MODULE") == ("eventsourcing.sqlite")
            else None
        )
        if self._memory is None:
            with self._store().transaction() as s:
                for ddl in _TABLES:
                    s.execute(ddl)

    def _store(self) -> Any:
        store = getattr(self._local, "store", None)
        if store is None:
            from elicense_sql.connection import SqlStore

            store = SqlStore(self.dsn)
            # A replay row need not reach the disk on its own: the use it guards commits
            # after it on the same log (WAL), durably, and that flush carries it too.
            if store.dialect.value == "sqlite":
                store.execute("PRAGMA synchronous=NORMAL")
            else:
                store.execute("SET synchronous_commit TO OFF")
            self._local.store = store
            self._local.inserts = 0
        return store

    def first_seen(self, signature: bytes, keyid: str, created: int, horizon: int) -> bool:
        """Record an accepted signature; ``False`` if any worker recorded it before.

        Rows whose ``created`` is older than ``horizon`` are purged now and then (a
        signature that old is refused by the window before it gets here).
        """
        digest = hashlib.sha256(signature).hexdigest()
        if self._memory is not None:
            with self._lock:
                if digest in self._memory:
                    return False
                self._memory.add(digest)
                return True
        store = self._store()
        with self._write or contextlib.nullcontext():
            cur = store.execute(
                "INSERT INTO http_signatures_seen (signature_hash, keyid, created) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (digest, keyid, created),
            )
            self._local.inserts += 1
            if self._local.inserts % 512 == 0:
                store.execute("DELETE FROM http_signatures_seen WHERE created < ?", (horizon,))
        return bool(cur.rowcount == 1)

    def audit(self, row: tuple[Any, ...]) -> None:
        """Append one refusal ``(at_us, status, code, keyid, method, route, pid, detail)``."""
        if self._memory is not None:
            self.audited.append(row)
            return
        with self._write or contextlib.nullcontext():
            self._store().execute(
                "INSERT INTO http_auth_audit (at_us, status, code, keyid, method, route, pid, "
                "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def audit_rows(self) -> list[tuple[Any, ...]]:
        """Every audit row, oldest first."""
        if self._memory is not None:
            return list(self.audited)
        rows: list[tuple[Any, ...]] = self._store().query(
            "SELECT at_us, status, code, keyid, method, route, pid, detail FROM http_auth_audit "
            "ORDER BY at_us"
        )
        return rows

    def forget_thread_state(self) -> None:
        """Drop this thread's connection (after a store error)."""
        store = getattr(self._local, "store", None)
        self._local.store = None
        if store is not None:
            try:
                store.close()
            except Exception:  # already gone
                _audit.debug("closing the auth store failed", exc_info=True)


class Authenticator:
    """Checks signed requests against the ledger (see the module's list).

    Args:
        ledger: the ledger (seals and platform keys).
        store: the replay and audit tables.
        signer: the platform key (signs and checks holder sessions).
        window: seconds a signature's ``created`` may lie in the past.
        skew: seconds it may lie in the future.
        clock: unix seconds now (tests pass their own).
    """

    def __init__(
        self,
        ledger: Ledger,
        store: AuthStore,
        signer: Any,
        *,
        window: int = 120,
        skew: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.signer = signer
        self.window = window
        self.skew = skew
        self.clock = clock
        self._seals: dict[str, Seal] = {}

    def authenticate(
        self,
        *,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        route: str,
        platform: bool = False,
    ) -> Caller:
        """The caller of a request, or :class:`AuthError` (audited).

        Args:
            headers: lowercase field name → combined value.
            route: the route template (for the audit; never the path's values).
            platform: require the platform key (holder assertions) instead of a seal.
        """
        keyid = ""
        try:
            sig = parse_signature(headers.get("signature-input"), headers.get("signature"))
            keyid = sig.keyid[:128]
            verify_content_digest(headers.get("content-digest"), body)
            now = int(self.clock())
            if not now - self.window <= sig.created <= now + self.skew:
                raise AuthError(
                    "auth.created.outside_window",
                    f"created {sig.created} is outside [{now - self.window}, {now + self.skew}]",
                )
            expires = sig.params.get("expires")
            if isinstance(expires, int) and expires < now:
                raise AuthError("auth.expired", f"the signature expired at {expires}")
            caller, alg, spki = self._signer_of(sig.keyid, now, platform)
            if "alg" in sig.params and sig.params["alg"] != alg:
                raise AuthError(
                    "auth.alg.mismatch", f"alg {sig.params['alg']!r}; the key's alg is {alg!r}"
                )
            values = {k: v.strip() for k, v in headers.items()}
            values["@method"] = method.upper()
            values["@target-uri"] = url
            base = signature_base(sig, values)
            if not public_key(alg, spki).verify(der_signature(alg, sig.signature), base):
                raise AuthError("auth.signature.invalid", f"the signature of {keyid!r} fails")
            horizon = now - self.window - self.skew - 60
            if not self.store.first_seen(sig.signature, sig.keyid, sig.created, horizon):
                raise AuthError("auth.replayed", "this signature was presented before")
            return caller
        except AuthError as e:
            e.keyid = e.keyid or keyid
            self.refuse(e, method=method, route=route)
            raise

    def _signer_of(self, keyid: str, now: int, platform: bool) -> tuple[Caller, str, bytes]:
        if platform:
            keys = self.ledger.platform.keys
            key = keys.get(keyid.removeprefix(PLATFORM_PREFIX))
            if not keyid.startswith(PLATFORM_PREFIX) or key is None:
                raise AuthError("auth.platform.unknown", f"{keyid!r} is not a platform key")
            return Caller(keyid=keyid, platform=True), key.alg, key.spki
        seal = self._seal(keyid)
        refusal = seal_refusal(seal, datetime.fromtimestamp(now, UTC), keyid)
        if refusal is not None:
            raise AuthError("auth." + refusal.code, str(refusal))
        assert seal is not None
        return Caller(keyid=keyid, department=seal.department), seal.alg, seal.public_key

    def _seal(self, code: str) -> Seal | None:
        """The seal's current state: cached, but only while the store holds no newer
        event of it (one indexed read), so a suspension stops the next request."""
        cached = self._seals.get(code)
        if cached is not None:
            recorder: Any = self.ledger.recorder
            if not recorder.select_events(cached.id, gt=cached.version, limit=1):
                return cached
        try:
            seal = self.ledger.get_seal(code)
        except NotFoundError:
            return None
        if len(self._seals) > 10_000:
            self._seals.clear()
        self._seals[code] = seal
        return seal

    def refuse(self, error: AuthError, *, method: str, route: str) -> None:
        """Write a refusal to the audit table and the audit logger."""
        at_us = int(self.clock() * 1_000_000)
        detail = str(error)[:500]
        row = (at_us, error.status, error.code, error.keyid, method, route, os.getpid(), detail)
        _audit.warning(
            json.dumps(
                {
                    "event": "auth.refused",
                    "status": error.status,
                    "code": error.code,
                    "keyid": error.keyid,
                    "method": method,
                    "route": route,
                    "pid": os.getpid(),
                },
                ensure_ascii=False,
            )
        )
        self.store.audit(row)

    # -- holder sessions -----------------------------------------------------------------------

    def issue_session(self, session: HolderSession) -> str:
        """A token for ``session``: its JSON and the platform's signature, base64url."""
        payload = msgspec.json.encode(session)
        sig = self.signer.sign(SESSION_LABEL + payload)
        return f"{_b64(payload)}.{_b64(sig)}"

    def session(self, token: str | None) -> HolderSession:
        """The holder session a token stands for.

        Raises:
            AuthError: ``auth.session.missing``, ``auth.session.invalid``,
                ``auth.session.expired``.
        """
        if not token:
            raise AuthError("auth.session.missing", "expected the holder session cookie")
        try:
            head, _, tail = token.partition(".")
            payload, sig = _unb64(head), _unb64(tail)
            ok = self.signer.public_key.verify(sig, SESSION_LABEL + payload)
            session = msgspec.json.decode(payload, type=HolderSession) if ok else None
        except (ValueError, msgspec.DecodeError):
            session = None
        if session is None:
            raise AuthError("auth.session.invalid", "the session token does not verify")
        if session.expires < self.clock():
            raise AuthError("auth.session.expired", f"the session expired at {session.expires}")
        return session


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
