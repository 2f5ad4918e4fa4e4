"""Judging a license's status: the trust source's word, the document's history, the date.

Shared by the signature path (:mod:`elicense.verify.verifier`) and the
identifier path (:mod:`elicense.verify.online`); the log path judges against
the signed status list instead (:mod:`elicense.verify.logpath`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from elicense.errors import ElicenseError
from elicense.ids import parse_license_id
from elicense.lifecycle import LicenseStatus
from elicense.verdict import VerdictBuilder
from elicense.verify.history import HistoryState

__all__ = ["check_trust_age", "judge_status", "names_current_identifier", "status_against_trust"]


def check_trust_age(trust: Any, max_age: timedelta, b: VerdictBuilder, at: datetime) -> None:
    """Indeterminate when the trust bundle is older than ``max_age`` at ``at``."""
    issued = trust.issued_at
    if issued is None:
        return
    age = at - issued
    b.evidence["trust_issued_at"] = issued
    if age > max_age:
        b.indeterminate(
            "trust.stale",
            f"trust bundle is {age} old, older than the accepted {max_age}",
        )
    else:
        b.passed("trust.fresh")


def names_current_identifier(text: str, st: HistoryState) -> bool:
    """Whether ``text`` is the identifier the history ``st`` ends at, spelled exactly."""
    if st.last_subject_version == st.id_version:
        return text == st.last_subject  # the current identifier is in a statement
    try:  # amended or renewed: the current identifier's check char is not in any statement
        lid = parse_license_id(text)
    except ElicenseError:
        return False
    same = lid.conformant and lid.key == st.key and lid.version == st.id_version
    return same and str(lid) == text  # as written: parse_license_id normalises case, spaces


def status_against_trust(
    events: Any, st: HistoryState, trust: Any, b: VerdictBuilder
) -> LicenseStatus | None:
    """The license's status as the trust source holds it, its history compared with
    the document's (version and digest); ``None`` when they disagree."""
    assert st.key is not None
    assert st.status is not None
    entry = trust.license_status(st.key)
    b.evidence["as_of"] = trust.as_of
    if entry is None:
        if events[0].position > trust.as_of:
            b.indeterminate(
                "status.unknown",
                f"the license was recorded at position {events[0].position}, after the "
                f"trust source's newest position {trust.as_of}",
                subject=st.key,
            )
            return st.status
        b.error(
            "license.not_in_ledger",
            "the trust source does not know this license although it covers its positions",
            subject=st.key,
        )
        return None
    if entry.version > st.version:
        b.error(
            "document.superseded",
            f"the ledger holds version {entry.version} of this license's history, "
            f"the document only {st.version}",
            subject=st.key,
        )
        return LicenseStatus.from_code(entry.status)
    if entry.version < st.version:
        newer = events[entry.version].position
        if newer > trust.as_of:
            b.indeterminate(
                "status.stale",
                f"the document's version {entry.version + 1} (position {newer}) is newer "
                f"than the trust source (position {trust.as_of})",
                subject=st.key,
            )
            return st.status
        b.error(
            "document.history.mismatch",
            "the document's history differs from the ledger's",
            subject=st.key,
        )
        return None
    if entry.digest != st.digest:
        b.error(
            "document.history.mismatch",
            "the document's records or positions differ from the ledger's",
            subject=st.key,
        )
        return None
    b.passed("status.current")
    return LicenseStatus.from_code(entry.status)


def judge_status(
    st: HistoryState, status: LicenseStatus | None, at: datetime, b: VerdictBuilder
) -> None:
    """The verdict's status: valid only when the license is valid and unexpired at ``at``."""
    if status is None:
        return
    today: date = at.date()
    if status is LicenseStatus.VALID and st.valid_until is not None and today > st.valid_until:
        status = LicenseStatus.EXPIRED
        b.error(
            "license.expired",
            f"the license was valid until {st.valid_until.isoformat()}; judged on "
            f"{today.isoformat()}",
        )
    elif status is not LicenseStatus.VALID:
        b.error(status.finding, f"the license is {status} ({status.code} {status.label})")
    else:
        b.passed("license.status")
    b.status = status.value
    b.evidence.update(
        status_code=status.code,
        license=st.key,
        version=st.version,
        identifier_version=st.id_version,
        position=st.last_position,
        seals=st.seals,
    )
