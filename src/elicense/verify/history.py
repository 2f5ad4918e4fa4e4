"""Re-judging one license's recorded history: the verifier's hot path.

For each record, in order: versions and positions in sequence; hash chain;
statement for this ledger, against the right version and subject; topic
agrees with the statement kind; signature under the signing seal's key; the
seal in force *at the record's position* and not compromised at its recorded
time; the seal's department is the license's issuer (and, for an issuance,
an issuer of the license type at that position); the lifecycle table allows
the act. Findings name the license and the version.

Speed (this runs once per verified license, next to one signature check per
record): records and statements are decoded into lean views of just the
fields the checks need, and identifiers are split rather than re-checked.
That is sound because nothing here can yield ``valid`` unless the history's
digest — every record byte and every position — equals the one the ledger
(or the platform's signed trust bundle) holds, and the ledger checked
canonical form and identifiers when it recorded them; every statement byte
is covered by its signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import msgspec

from elicense.acts import PLATFORM_PREFIX
from elicense.domain.state.license_type import issue_refusal, template_refusal
from elicense.domain.state.seal import seal_refusal
from elicense.errors import ElicenseError, InvalidStatementError, NotFoundError, RefusedError
from elicense.ids import LICENSE_ID_ROOT
from elicense.lifecycle import EVENT_OF_KIND, LicenseStatus, RevocationReason, next_status
from elicense.record import PositionedRecord
from elicense.verdict import VerdictBuilder
from elicense.verify.chain import ChainProblem, walk
from elicense.verify.trust import TrustView
from elicense.wire import signing_input

__all__ = ["HistoryState", "check_license_history", "split_identifier"]


PASSES = (
    "chain.linked",
    "statement.signature",
    "seal.in_force",
    "authority.issuer",
    "lifecycle.transitions",
)
"""The checks a history that raised no finding has passed."""

_ROOT = LICENSE_ID_ROOT + "."
_VERSIONING = frozenset({"license.amend", "license.renew"})


class _Head(msgspec.Struct, frozen=True):
    """The fields of a license statement the checks read."""

    kind: str
    origin: str
    subject: str
    expected_version: int
    seal: str
    alg: str
    valid_until: date | None = None
    reason_code: str | None = None
    template_version: int | None = None
    template_digest: bytes | None = None


def _template(ltype: Any, act: _Head, type_code: str) -> RefusedError | None:
    """The template binding of an issuance or amendment, re-judged at its position."""
    if ltype is None:
        return NotFoundError(f"license type {type_code!r} is not defined", code="type.unknown")
    if act.template_version is None or act.template_digest is None:
        return InvalidStatementError(
            f"{act.kind} carries no template binding", code="template.mismatch"
        )
    return template_refusal(ltype, act.template_version, act.template_digest)


_head = msgspec.json.Decoder(_Head)


def split_identifier(text: str) -> tuple[str, str, str, int] | None:
    """``(key, type code, issuer code, version)`` of a conformant identifier's text.

    Splits without re-computing the check character (see the module docstring).
    """
    if not text.startswith(_ROOT):
        return None
    parts = text.split(".")
    if len(parts) != 10 or not parts[8].isdigit():
        return None
    return text[: -(len(parts[8]) + len(parts[9]) + 2)], parts[5], parts[6], int(parts[8])


class HistoryState(msgspec.Struct, kw_only=True):
    """What a checked history establishes.

    Attributes:
        key: the license key (identifier without version and check).
        type_code, issuer: from the identifier.
        version: the number of records that passed (the aggregate version).
        id_version: the identifier's version after them (grows on amend/renew).
        last_subject: the subject of the last statement.
        last_subject_version: the identifier version ``last_subject`` names.
        status: the lifecycle status after them.
        valid_until: the validity end in force.
        digest: :func:`~elicense.documents.history_digest` of the records that passed.
        seals: codes of the seals that signed.
        last_position: the position of the last record that passed.
    """

    key: str | None = None
    type_code: str = ""
    issuer: str = ""
    version: int = 0
    id_version: int = 0
    last_subject: str = ""
    last_subject_version: int = 0
    status: LicenseStatus | None = None
    valid_until: date | None = None
    digest: bytes = b""
    seals: list[str] = []
    last_position: int = 0


def check_license_history(
    events: Sequence[PositionedRecord],
    trust: TrustView,
    b: VerdictBuilder,
    *,
    license_key: str | None = None,
) -> HistoryState:
    """Re-judge ``events`` (one license's records) against ``trust``; findings go to ``b``.

    Args:
        license_key: the license key the caller expects, so that findings about the first
            record (before it names its license) still name the license.

    Returns what was established; after an error the state is that of the
    last record that passed.
    """
    st = HistoryState(key=license_key)
    if not events:
        b.error("history.empty", "no license records to check")
        return st
    origin = trust.origin
    seal_at = trust.seal_at
    head_decode = _head.decode
    digest = hashlib.sha256()
    parts: tuple[str, str, str, int] | None = None
    seals: dict[str, None] = {}
    walked = walk(events)
    try:
        for n, pr, rec, record_hash in walked:
            position = pr.position
            try:
                act = head_decode(rec.statement)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError) as e:
                # ValueError: UnicodeDecodeError for invalid UTF-8 inside a string
                b.error("record.malformed", f"record {n}: {e}", subject=st.key, version=n)
                return st
            kind = act.kind
            if act.origin != origin:
                b.error(
                    "statement.origin.mismatch",
                    f"statement is for ledger {act.origin!r}, expected {origin!r}",
                    subject=st.key,
                    version=n,
                )
                return st
            if EVENT_OF_KIND.get(kind) != rec.topic or act.expected_version != n - 1:
                b.error(
                    "record.statement.mismatch",
                    f"a {kind} statement against version {act.expected_version} "
                    f"recorded as {rec.topic} version {n}",
                    subject=st.key,
                    version=n,
                )
                return st
            subject = act.subject
            # The same subject as the previous statement, with no version raised since,
            # names the same identifier: its parts are known.
            if parts is None or subject != st.last_subject or st.id_version != parts[3]:
                parts = split_identifier(subject)
                if parts is None:
                    b.error(
                        "statement.identifier.invalid",
                        f"bad identifier {subject}",
                        subject=st.key,
                        version=n,
                    )
                    return st
                if n == 1:
                    st.key, st.type_code, st.issuer, st.id_version = parts
                    if kind != "license.issue" or st.id_version != 1:
                        b.error(
                            "history.start",
                            f"a license history starts with license.issue of version 001, "
                            f"found {kind} of version {st.id_version:03d}",
                            subject=st.key,
                            version=n,
                        )
                        return st
                elif parts[0] != st.key or parts[3] != st.id_version:
                    b.error(
                        "statement.subject.mismatch",
                        f"statement names {subject}, the license is {st.key} "
                        f"version {st.id_version:03d}",
                        subject=st.key,
                        version=n,
                    )
                    return st
            # -- signer ---------------------------------------------------------------------------
            seal = None
            if act.seal.startswith(PLATFORM_PREFIX):
                key = trust.platform_key(act.seal[len(PLATFORM_PREFIX) :])
                if kind != "license.expire" or key is None:
                    b.error(
                        "authority.seal_required",
                        f"{kind} signed by {act.seal}: only license.expire may be signed by "
                        "a known platform key",
                        subject=st.key,
                        version=n,
                    )
                    return st
            else:
                seal = seal_at(act.seal, position)
                if seal is None:
                    b.error(
                        "seal.unknown",
                        f"seal {act.seal} is not known at position {position}",
                        subject=st.key,
                        version=n,
                    )
                    return st
                if seal.alg != act.alg:
                    b.error(
                        "statement.alg.mismatch",
                        f"statement says {act.alg}, seal {seal.code} is {seal.alg}",
                        subject=st.key,
                        version=n,
                    )
                    return st
                key = seal.key
            if not key.verify(rec.signature, signing_input(kind, rec.statement)):
                b.error(
                    "statement.signature.invalid",
                    f"signature of {kind} does not verify under {act.seal}",
                    subject=st.key,
                    version=n,
                )
                return st
            if seal is not None:
                refusal: RefusedError | None = seal_refusal(seal, rec.recorded_at)
                if refusal is None and seal.department != st.issuer:
                    b.error(
                        "authority.not_issuer",
                        f"seal {seal.code} belongs to {seal.department}, the issuer is {st.issuer}",
                        subject=st.key,
                        version=n,
                    )
                    return st
                if refusal is None and (n == 1 or kind == "license.amend"):
                    ltype = trust.type_at(st.type_code, position)
                    if n == 1:
                        refusal = issue_refusal(ltype, seal.department, st.type_code)
                    if refusal is None:
                        refusal = _template(ltype, act, st.type_code)
                if refusal is not None:
                    b.error(
                        refusal.code,
                        f"at position {position}: {refusal}",
                        subject=st.key,
                        version=n,
                    )
                    return st
                seals[seal.code] = None
            # -- lifecycle ------------------------------------------------------------------------
            try:
                reason = RevocationReason(act.reason_code) if act.reason_code is not None else None
                st.status = next_status(st.status, kind, reason)
            except (ElicenseError, ValueError) as e:
                b.error("lifecycle.transition.refused", str(e), subject=st.key, version=n)
                return st
            if kind == "license.issue" or kind == "license.renew":
                st.valid_until = act.valid_until
            if kind in _VERSIONING:
                st.id_version += 1
            st.version = n
            st.last_subject = subject
            st.last_subject_version = parts[3]
            st.last_position = position
            digest.update(position.to_bytes(8, "big") + record_hash)
    except ChainProblem as e:
        b.error(e.code, str(e), subject=st.key, version=e.version)
        return st
    finally:
        walked.close()
    b.passed_all(PASSES)
    st.digest = digest.digest()
    st.seals = list(seals)
    return st
