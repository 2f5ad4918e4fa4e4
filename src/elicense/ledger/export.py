"""Exporting from a ledger: license documents and signed trust bundles.

Both carry stored records verbatim (never re-encoded) with their positions.
The trust bundle is built by streaming the notification log page by page: a
city's ledger is never held in memory, only one small status entry per license.
"""

from __future__ import annotations

import hashlib
from typing import Any

from elicense import wire
from elicense.acts import PLATFORM_PREFIX, decode_statement
from elicense.codec import Clock, canonical, utc_now
from elicense.documents import (
    History,
    LicenseDocument,
    SignedBundle,
    StatusEntry,
    TrustBundle,
)
from elicense.domain.license import License
from elicense.domain.seal import Seal
from elicense.errors import NotFoundError
from elicense.ids import parse_license_id
from elicense.ledger.application import Ledger
from elicense.ledger.mapper import checked_record
from elicense.lifecycle import LIFECYCLE, LicenseStatus, RevocationReason
from elicense.log.evidence import LogSource, require_included
from elicense.log.slots import LicenseSlots
from elicense.record import PositionedRecord, decode_record
from elicense.wire import signing_input

__all__ = [
    "SealCache",
    "export_license",
    "export_trust_bundle",
    "license_document",
    "sign_bundle",
    "trust_bundle",
]

_FILING_VERSIONS = 2  # seal.make and seal.file


class SealCache:
    """Seal filing records by code, read once (they never change once recorded)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._filings: dict[str, History] = {}

    def filing(self, code: str) -> History:
        """The seal's ``seal.make`` and ``seal.file`` records."""
        found = self._filings.get(code)
        if found is None:
            events = tuple(self._ledger.history(Seal.id_for(code))[:_FILING_VERSIONS])
            found = History(key=code, events=events)
            if len(events) == _FILING_VERSIONS:
                self._filings[code] = found
        return found


def license_document(
    ledger: Ledger,
    identifier: str,
    seals: SealCache | None = None,
    log: LogSource | None = None,
) -> LicenseDocument:
    """The :class:`LicenseDocument` of the license with ``identifier`` (any version).

    The license is replayed first, so a corrupt stored row fails the export
    (``StoredRecordError``) instead of leaving the platform as a document.
    With ``log``, the document carries the log's evidence for its newest record
    (when a checkpoint covers it), for the verifier's log path — checked first: a
    proof that does not lead from the record to the checkpoint's root raises
    ``ProofError`` instead of leaving as a document that cannot verify.
    """
    lic, history = ledger.replayed_history(License.id_for(parse_license_id(identifier)))
    if not isinstance(lic, License):
        raise NotFoundError(f"license {identifier} does not exist in this ledger")
    events = tuple(history)
    seals = seals or SealCache(ledger)
    seal_codes: dict[str, None] = {}
    for pr in events:
        act = decode_statement(decode_record(pr.record).statement)
        if not act.seal.startswith(PLATFORM_PREFIX):
            seal_codes[act.seal] = None
    evidence = log.evidence(events[-1].position) if log is not None else None
    if evidence is not None:
        require_included(evidence, events[-1].record, events[-1].position)
    return LicenseDocument(
        origin=ledger.origin,
        license=lic.identifier,
        events=events,
        seals=tuple(seals.filing(code) for code in sorted(seal_codes)),
        log=evidence,
    )


def export_license(
    ledger: Ledger,
    identifier: str,
    seals: SealCache | None = None,
    log: LogSource | None = None,
) -> bytes:
    """The canonical bytes of the license's exported document (with log evidence if ``log``)."""
    return canonical(license_document(ledger, identifier, seals, log))


_HISTORY_PREFIXES = {wire.SEAL: "seal", wire.LICENSE_TYPE: "type", wire.PLATFORM: "platform"}


class _Running:
    """A license's status while streaming: key, status, version, digest so far."""

    __slots__ = ("digest", "key", "status", "version")

    def __init__(self) -> None:
        self.key = ""
        self.status = LicenseStatus.VALID
        self.version = 0
        self.digest = hashlib.sha256()


def trust_bundle(
    ledger: Ledger, log: LogSource | None = None, *, host: str = "", clock: Clock = utc_now
) -> TrustBundle:
    """The ledger's :class:`TrustBundle` as of its newest event (streams the log).

    With ``log``, the bundle also carries the log's latest signed checkpoint and
    its signed status lists, for the verifier's log path.
    """
    histories: dict[str, dict[Any, list[PositionedRecord]]] = {
        "seal": {},
        "type": {},
        "platform": {},
    }
    licenses: dict[Any, _Running] = {}
    slots = LicenseSlots()
    as_of = 0
    for n in ledger.notifications():
        as_of = n.id
        state = bytes(n.state)
        # What the platform signs is taken from the records, never from the id, version
        # and topic columns, which no hash covers: a row whose columns differ is refused.
        rec = checked_record(n)
        slots.apply(rec.aggregate_id, rec.topic, rec.statement, state)
        prefix = rec.topic.split(".", 1)[0]
        if prefix in _HISTORY_PREFIXES:
            histories[_HISTORY_PREFIXES[prefix]].setdefault(rec.aggregate_id, []).append(
                PositionedRecord(position=n.id, record=state)
            )
            continue
        step = LIFECYCLE.get(rec.topic)
        if step is None:
            continue  # other aggregates (consents, uses, files) carry no license status
        run = licenses.get(rec.aggregate_id)
        if run is None:
            run = licenses[rec.aggregate_id] = _Running()
        if step.after is None:  # a revocation: its reason code decides
            act: Any = decode_statement(rec.statement)
            run.status = RevocationReason(act.reason_code).status
        else:
            if rec.topic == wire.LICENSE_ISSUED:
                run.key = parse_license_id(decode_statement(rec.statement).subject).key
            run.status = step.after
        run.version = rec.version
        run.digest.update(n.id.to_bytes(8, "big"))
        run.digest.update(hashlib.sha256(state).digest())

    def keyed(kind: str) -> tuple[History, ...]:
        out = []
        for events in histories[kind].values():
            act = decode_statement(decode_record(events[0].record).statement)
            out.append(History(key=act.subject, events=tuple(events)))
        return tuple(sorted(out, key=lambda h: h.key))

    platform = keyed("platform")
    material = log.trust_material() if log is not None else None
    return TrustBundle(
        origin=ledger.origin,
        issued_at=clock(),
        as_of=as_of,
        platform=platform[0],
        seals=keyed("seal"),
        types=keyed("type"),
        licenses={
            r.key: StatusEntry(status=r.status.code, version=r.version, digest=r.digest.digest())
            for r in licenses.values()
        },
        checkpoint=material.checkpoint if material is not None else None,
        status_lists=material.status_lists if material is not None else (),
        license_status=slots.status_list(),
        verify_host=host,
    )


def export_trust_bundle(
    ledger: Ledger,
    signer: Any,
    log: LogSource | None = None,
    *,
    host: str = "",
    clock: Clock = utc_now,
) -> bytes:
    """The canonical bytes of the ledger's trust bundle, signed by the platform ``signer``
    (with the log's checkpoint and status lists if ``log``; ``host``: the platform's public
    verification host)."""
    return sign_bundle(trust_bundle(ledger, log, host=host, clock=clock), signer)


def sign_bundle(trust: TrustBundle, signer: Any) -> bytes:
    """The canonical bytes of ``trust`` signed by the platform ``signer``."""
    bundle = canonical(trust)
    key = signer.public_key
    signed = SignedBundle(
        bundle=bundle,
        key_id=key.key_id,
        alg=key.alg,
        signature=signer.sign(signing_input("trust.bundle", bundle)),
    )
    return canonical(signed)
