"""Verifying a license identifier: the status offline, the ledger's history online.

An identifier alone proves nothing offline (the bundle only knows its status);
against a live ledger the license's history is replayed from the store and
judged like a document's, and with the ledger's log its newest record must be
the logged one (:mod:`elicense.verify.ledgerlog`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from elicense.domain.state import deterministic_id
from elicense.errors import ElicenseError
from elicense.ids import parse_license_id
from elicense.lifecycle import LicenseStatus
from elicense.verdict import Verdict, VerdictBuilder
from elicense.verify.history import check_license_history
from elicense.verify.judgment import judge_status

__all__ = ["verify_identifier", "verify_payload_text"]


def verify_identifier(verifier: Any, identifier: str, at: datetime) -> Verdict:
    """Verify a license identifier: offline only its status is known; online the
    ledger's history is replayed and judged (and held to the log, when given)."""
    b = VerdictBuilder(subject=identifier)
    try:
        lid = parse_license_id(identifier)
    except ElicenseError as e:
        b.error("identifier.invalid", str(e))
        return b.build()
    trust = verifier.trust
    if not trust.online:
        entry = trust.license_status(lid.key) if lid.conformant else None
        b.indeterminate(
            "document.identifier_only",
            "an identifier alone proves nothing offline; give the exported document",
        )
        if entry is not None:
            b.status = LicenseStatus.from_code(entry.status).value
        return b.build()

    ledger: Any = verifier.source
    events = ledger.history(deterministic_id("license", lid.key))
    if not events:
        b.error("license.not_in_ledger", f"license {lid.key} is not in this ledger")
        return b.build()
    st = check_license_history(events, trust, b, license_key=lid.key)
    if b.failed:
        return b.build()
    if verifier.ledger_log is not None:
        from_log = verifier.ledger_log.check(events, lid.key, trust, b)
        if b.failed:
            b.status = from_log.value if from_log is not None else None
            return b.build()
    if lid.version < st.id_version:
        current = str(msgspec.structs.replace(lid, version=st.id_version))
        b.evidence["current_identifier"] = current
        b.error(
            "license.superseded",
            f"{identifier} was superseded by version {st.id_version:03d} (变更/延续): {current}",
        )
    elif lid.version > st.id_version:
        b.error(
            "license.version.unknown",
            f"the ledger's newest version of {lid.key} is {st.id_version:03d}",
        )
    judge_status(st, st.status, at, b)
    return b.build()


def verify_payload_text(verifier: Any, text: str, at: datetime) -> Verdict:
    """Verify a verify-me payload's text (the QR) with ``verifier``'s trust; an invalid
    status names the identifier that replaced the license's, when the source knows it."""
    from elicense.payload import verify_payload

    trust = verifier.trust
    verdict = verify_payload(
        text,
        platform_keys=trust.platform_keys(),
        origin=trust.origin,
        status_of=trust.slot_status,
        at=at,
        max_status_age=verifier.max_age,
    )
    slot = verdict.evidence.get("status_slot")
    if verdict.status == "invalid" and isinstance(slot, int):
        replaced = trust.replaced_by(slot)
        if replaced is not None:
            verdict.evidence["current_identifier"] = replaced
    return verdict
