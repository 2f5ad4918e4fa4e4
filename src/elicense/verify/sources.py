"""Trust sources: a signed trust bundle (offline) or a live ledger (online).

Both answer the same questions (:class:`~elicense.verify.trust.TrustView`
plus a license's status entry), so one verification code path serves both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from elicense.codec import decode_canonical
from elicense.crypto.keys import load_public_key
from elicense.crypto.suites import PublicKey
from elicense.documents import (
    SignedBundle,
    StatusEntry,
    TrustBundle,
    decode_document,
    history_digest,
)
from elicense.domain.state import deterministic_id
from elicense.errors import ElicenseError, TrustError
from elicense.lifecycle import LicenseStatus
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.statusdoc import SignedStatusList
from elicense.record import PositionedRecord
from elicense.verify.trust import (
    SealSnapshot,
    Timeline,
    TimelineError,
    TypeSnapshot,
    platform_keys_of,
    seal_timeline,
    type_timeline,
)
from elicense.wire import signing_input

__all__ = [
    "BundleTrust",
    "LedgerReader",
    "LedgerTrust",
    "pin_keys",
]

_SLOT_STATUS = {0: "valid", 1: "invalid", 2: "suspended", 3: "invalid"}
"""A per-license status list's 2 bits, as the payload verifier names them (3 is unused)."""


def pin_keys(keys: Iterable[PublicKey | bytes | str]) -> dict[str, PublicKey]:
    """Platform keys the caller trusts: PublicKey objects, PEM/DER bytes or PEM text."""
    pinned: dict[str, PublicKey] = {}
    for k in keys:
        if isinstance(k, str):
            k = k.encode()
        key = k if isinstance(k, PublicKey) else load_public_key(k)
        pinned[key.key_id] = key
    if not pinned:
        raise TrustError(
            "no platform key pinned: a trust bundle is only as good as the key it is checked with",
            code="trust.key.none",
        )
    return pinned


class BundleTrust:
    """Trust from a platform-signed bundle, checked against pinned platform keys.

    Loading verifies the bundle's signature and every seal and type history
    in it once; afterwards lookups are binary searches.
    """

    online = False

    def __init__(self, bundle: TrustBundle, platform: dict[str, PublicKey]) -> None:
        self.bundle = bundle
        self.origin = bundle.origin
        self.as_of = bundle.as_of
        self.issued_at: datetime | None = bundle.issued_at
        self._platform = platform
        try:
            self._seals = {h.key: seal_timeline(h.events, platform) for h in bundle.seals}
            self._seal_events = {h.key: h.events for h in bundle.seals}
            self._types = {h.key: type_timeline(h.events, self.seal_at) for h in bundle.types}
        except TimelineError as e:
            raise TrustError(f"trust bundle history does not verify: {e}", code=e.code) from None
        for key, entry in bundle.licenses.items():  # every entry, now: not at each verify (D8)
            try:
                LicenseStatus.from_code(entry.status)
                if entry.version < 1 or len(entry.digest) != 32:
                    raise ValueError(
                        f"expected a version >= 1 and a 32-byte digest, found version "
                        f"{entry.version} and {len(entry.digest)} bytes"
                    )
            except ValueError as e:
                raise TrustError(
                    f"trust bundle: license {key}: {e}", code="trust.malformed"
                ) from None
        lst = bundle.license_status
        try:
            self._slot_statuses = lst.statuses() if lst is not None else None
        except ValueError as e:
            raise TrustError(f"trust bundle: {e}", code="trust.malformed") from None
        self._slot_count = lst.size if lst is not None else 0

    @classmethod
    def load(cls, data: bytes, pinned: dict[str, PublicKey]) -> BundleTrust:
        """Verify and load a :class:`SignedBundle`.

        Raises:
            TrustError: malformed, signed by an unpinned key, or a bad signature.
        """
        try:
            signed = decode_document(data)
        except ElicenseError as e:
            raise TrustError(f"trust bundle: {e}", code="trust.malformed") from None
        if not isinstance(signed, SignedBundle):
            raise TrustError("not a signed trust bundle", code="trust.malformed")
        key = pinned.get(signed.key_id)
        if key is None or key.alg != signed.alg:
            raise TrustError(
                f"trust bundle signed by key {signed.key_id}, which is not pinned "
                f"(pinned: {', '.join(pinned)})",
                code="trust.key.unpinned",
            )
        if not key.verify(signed.signature, signing_input("trust.bundle", signed.bundle)):
            raise TrustError(
                "trust bundle signature does not verify", code="trust.signature.invalid"
            )
        try:
            bundle = decode_canonical(signed.bundle, TrustBundle, what="trust bundle")
            platform = platform_keys_of(bundle.platform.events)
        except (ElicenseError, TimelineError) as e:
            raise TrustError(f"trust bundle: {e}", code="trust.malformed") from None
        if signed.key_id not in platform:
            raise TrustError(
                "trust bundle signed by a key its platform records do not hold",
                code="trust.key.unknown",
            )
        return cls(bundle, platform)

    def platform_key(self, key_id: str) -> PublicKey | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        return self._platform.get(key_id)

    def platform_keys(self) -> list[PublicKey]:
        """Every platform key the bundle's platform records hold."""
        return list(self._platform.values())

    def compromised_since(self, code: str) -> datetime | None:
        """When seal ``code`` was compromised, per its newest record (``None``: not)."""
        tl = self._seals.get(code)
        latest = tl.latest if tl is not None else None
        return latest.compromised_since if latest is not None else None

    def seal_algs(self) -> set[str]:
        """The signature algorithms of the seals in the bundle."""
        return {tl.latest.alg for tl in self._seals.values() if tl.latest is not None}

    def seal_at(self, code: str, position: int) -> SealSnapshot | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        tl = self._seals.get(code)
        return tl.at(position) if tl is not None else None

    def type_at(self, code: str, position: int) -> TypeSnapshot | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        tl = self._types.get(code)
        return tl.at(position) if tl is not None else None

    def seal_events(self, code: str) -> tuple[Any, ...] | None:
        """The seal's records as the bundle has them."""
        return self._seal_events.get(code)

    def license_status(self, key: str) -> StatusEntry | None:
        """The bundle's status entry for license ``key``."""
        return self.bundle.licenses.get(key)

    def history_digest(self, key: str) -> tuple[int, bytes] | None:
        """The bundle's record count and history digest of license ``key``."""
        entry = self.bundle.licenses.get(key)
        return None if entry is None else (entry.version, entry.digest)

    def slot_status(self, slot: int) -> tuple[str, datetime] | None:
        """The signed per-license status list's answer for ``slot`` and the list's time
        (the bundle's), or ``None`` when the bundle has no such slot."""
        statuses = self._slot_statuses
        if statuses is None or not 0 <= slot < self._slot_count:
            return None
        assert self.issued_at is not None
        return _SLOT_STATUS[statuses[slot]], self.issued_at

    def replaced_by(self, slot: int) -> str | None:
        """Offline a bundle cannot name a replacing identifier (it holds no identifiers)."""
        return None

    def log_material(self) -> tuple[SignedCheckpoint, tuple[SignedStatusList, ...]] | None:
        """The bundle's signed checkpoint and the status lists tied to it, if it has them."""
        cp = self.bundle.checkpoint
        return None if cp is None else (cp, self.bundle.status_lists)

    def license_file(self, sha256: bytes) -> Any:
        """A bundle holds no license files."""
        return None


class LedgerReader(Protocol):
    """What online verification reads of a live ledger (an :class:`elicense.Ledger`)."""

    @property
    def origin(self) -> str: ...
    @property
    def platform(self) -> Any: ...
    def max_position(self) -> int: ...
    def history(self, aggregate_id: UUID) -> list[PositionedRecord]: ...
    def license_slots(self) -> Any: ...
    def license_file(self, sha256: bytes) -> Any: ...
    def store_failure(self, exc: BaseException) -> bool: ...


class TimelineCache:
    """Seal and license-type timelines an online verifier built, kept with the records
    they were built from: a timeline is reused only while the ledger returns exactly the
    same records (compared byte for byte, no hashing), so a history that grew or changed
    is replayed and checked again. A type's timeline depends on its seals only through
    what ``seal.make`` fixed (key, department, first position), which no later record
    changes. Shared by the :class:`LedgerTrust` snapshots of one verifier."""

    def __init__(self) -> None:
        self.seals: dict[str, tuple[tuple[PositionedRecord, ...], Timeline | None]] = {}
        self.types: dict[str, tuple[tuple[PositionedRecord, ...], Timeline | None]] = {}
        self.platform: tuple[Any, dict[str, PublicKey]] | None = None

    def platform_keys(self, keys: Any) -> dict[str, PublicKey]:
        """The platform's public keys, parsed once per distinct key set."""
        cached = self.platform
        if cached is None or cached[0] != keys:
            cached = self.platform = (
                dict(keys),
                {kid: load_public_key(k.spki) for kid, k in keys.items()},
            )
        return cached[1]


class LedgerTrust:
    """Trust read from a live ledger (online verification); built per verification."""

    online = True
    issued_at: datetime | None = None

    def __init__(self, ledger: LedgerReader, cache: TimelineCache | None = None) -> None:
        self._ledger = ledger
        self._cache = cache or TimelineCache()
        self.origin: str = ledger.origin
        self.as_of: int = ledger.max_position()
        self._platform = self._cache.platform_keys(ledger.platform.keys)
        self._seals: dict[str, Timeline | None] = {}
        self._types: dict[str, Timeline | None] = {}
        self._license_slots: Any = None

    def platform_key(self, key_id: str) -> PublicKey | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        return self._platform.get(key_id)

    def platform_keys(self) -> list[PublicKey]:
        """Every platform key the ledger's platform records hold."""
        return list(self._platform.values())

    def _seal_timeline(self, code: str) -> Timeline | None:
        if code not in self._seals:
            self._seals[code] = self._timeline(
                "seal", code, self._cache.seals, seal_timeline, self._platform
            )
        return self._seals[code]

    def _timeline(
        self,
        kind: str,
        code: str,
        cache: dict[str, tuple[tuple[PositionedRecord, ...], Timeline | None]],
        build: Any,
        context: Any,
    ) -> Timeline | None:
        """The timeline of ``kind`` ``code``: the cached one while the ledger returns the
        same records byte for byte, else replayed and checked again (and cached)."""
        events = tuple(self._ledger.history(deterministic_id(kind, code)))
        seen = cache.get(code)
        if seen is not None and seen[0] == events:
            return seen[1]
        timeline = _named(code, build, events, context)
        cache[code] = (events, timeline)
        return timeline

    def compromised_since(self, code: str) -> datetime | None:
        """When seal ``code`` was compromised, per its newest record (``None``: not)."""
        tl = self._seal_timeline(code)
        latest = tl.latest if tl is not None else None
        return latest.compromised_since if latest is not None else None

    def seal_at(self, code: str, position: int) -> SealSnapshot | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        tl = self._seal_timeline(code)
        return tl.at(position) if tl is not None else None

    def type_at(self, code: str, position: int) -> TypeSnapshot | None:
        """See :class:`~elicense.verify.trust.TrustView`."""
        if code not in self._types:
            self._types[code] = self._timeline(
                "type", code, self._cache.types, type_timeline, self.seal_at
            )
        tl = self._types[code]
        return tl.at(position) if tl is not None else None

    def seal_algs(self) -> set[str] | None:
        """Not known without reading every seal of the ledger."""
        return None

    def log_material(self) -> tuple[SignedCheckpoint, tuple[SignedStatusList, ...]] | None:
        """A live ledger's log is read through its own source (``Verifier.from_ledger(log=)``)."""
        return None

    def license_file(self, sha256: bytes) -> Any:
        """The ledger's ``file.record`` of a license file with this SHA-256, or ``None``."""
        return self._ledger.license_file(sha256)

    def seal_events(self, code: str) -> tuple[Any, ...] | None:
        """The seal's records as the ledger has them."""
        events = self._ledger.history(deterministic_id("seal", code))
        return tuple(events) if events else None

    def _slots(self) -> Any:
        if self._license_slots is None:
            self._license_slots = self._ledger.license_slots()
        return self._license_slots

    def slot_status(self, slot: int) -> tuple[str, datetime] | None:
        """The ledger's status of ``slot`` now (a replay of the ledger), or ``None``."""
        from elicense.codec import utc_now

        bits = self._slots().status(slot)
        return None if bits is None else (_SLOT_STATUS[bits], utc_now())

    def replaced_by(self, slot: int) -> str | None:
        """The identifier that replaced ``slot``'s, after an amendment or renewal."""
        current: str | None = self._slots().current_identifier(slot)
        return current

    def history_digest(self, key: str) -> tuple[int, bytes] | None:
        """The ledger's record count and history digest of license ``key`` (its records as
        stored, hashed; no signature is checked: the ledger is the source)."""
        events = self._ledger.history(deterministic_id("license", key))
        return (len(events), history_digest(events)) if events else None

    def license_status(self, key: str) -> StatusEntry | None:
        """The ledger's status entry for license ``key``, computed from its records."""
        from elicense.verdict import VerdictBuilder
        from elicense.verify.history import check_license_history

        events = self._ledger.history(deterministic_id("license", key))
        if not events:
            return None
        st = check_license_history(events, self, VerdictBuilder(), license_key=key)
        if st.status is None:
            return None
        return StatusEntry(
            status=st.status.code, version=len(events), digest=history_digest(events)
        )


def _named(code: str, build: Any, events: Any, arg: Any) -> Timeline | None:
    """``build(events, arg)``, or ``None`` without events; a history that does not verify
    raises TimelineError naming ``code`` (the ledger's own records are corrupt)."""
    if not events:
        return None
    try:
        return build(events, arg)  # type: ignore[no-any-return]
    except TimelineError as e:
        raise TimelineError(
            f"history of {code} does not verify at version {e.version}: {e}",
            code=e.code,
            version=e.version,
            subject=code,
        ) from None
