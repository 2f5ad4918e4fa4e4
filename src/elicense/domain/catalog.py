"""The catalogue of ledger aggregates and events, by wire name.

One literal table from each wire name of :mod:`elicense.wire` to the class
that carries it. Decoding a stored record looks its topic up here, never in
Python's module namespace, so a record names ``license.issued`` and not where
the class happens to live. The names are also registered with eventsourcing
(``register_topic``), so its own topic resolution agrees.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import register_topic

from elicense import wire
from elicense.domain.base import _RECORD_ATTR, LedgerAggregate
from elicense.domain.consent import Consent
from elicense.domain.license import License
from elicense.domain.license_file import LicenseFile
from elicense.domain.license_type import LicenseType
from elicense.domain.platform import Platform
from elicense.domain.seal import Seal
from elicense.domain.usage import Use
from elicense.errors import EncodingError
from elicense.record import EventRecord

__all__ = ["AGGREGATE_CLASSES", "EVENT_CLASSES", "event_from_record"]

AGGREGATE_CLASSES: dict[str, type[LedgerAggregate]] = {
    wire.PLATFORM: Platform,
    wire.SEAL: Seal,
    wire.LICENSE_TYPE: LicenseType,
    wire.LICENSE: License,
    wire.CONSENT: Consent,
    wire.USE: Use,
    wire.LICENSE_FILE: LicenseFile,
}

EVENT_CLASSES: dict[str, type[LedgerAggregate.Event]] = {
    wire.PLATFORM_ESTABLISHED: Platform.Established,
    wire.SEAL_MADE: Seal.Made,
    wire.SEAL_FILED: Seal.Filed,
    wire.SEAL_SUSPENDED: Seal.Suspended,
    wire.SEAL_REINSTATED: Seal.Reinstated,
    wire.SEAL_REVOKED: Seal.Revoked,
    wire.TYPE_DEFINED: LicenseType.Defined,
    wire.TYPE_REVISED: LicenseType.Revised,
    wire.TYPE_RETIRED: LicenseType.Retired,
    wire.TYPE_SHARED: LicenseType.SharingGranted,
    wire.TYPE_UNSHARED: LicenseType.SharingWithdrawn,
    wire.LICENSE_ISSUED: License.Issued,
    wire.LICENSE_AMENDED: License.Amended,
    wire.LICENSE_RENEWED: License.Renewed,
    wire.LICENSE_SUSPENDED: License.Suspended,
    wire.LICENSE_REINSTATED: License.Reinstated,
    wire.LICENSE_REVOKED: License.Revoked,
    wire.LICENSE_EXPIRED: License.Expired,
    wire.CONSENT_GRANTED: Consent.Granted,
    wire.CONSENT_WITHDRAWN: Consent.Withdrawn,
    wire.USE_RECORDED: Use.Used,
    wire.USE_REFUSED: Use.Refused,
    wire.FILE_RECORDED: LicenseFile.Recorded,
}

for _name, _agg in AGGREGATE_CLASSES.items():
    assert _name == _agg.WIRE_NAME, (_agg, _name)
    register_topic(_name, _agg)
for _name, _event in EVENT_CLASSES.items():
    assert _name == _event.TOPIC, (_event, _name)  # type: ignore[attr-defined]
    register_topic(_name, _event)


def event_from_record(rec: EventRecord, raw: bytes) -> Any:
    """Rebuild the domain event of a decoded record (``raw``: its stored bytes).

    Raises:
        EncodingError: the record's topic is no event name of this wire version
            (a ``module:Class`` topic is a v1 record, named as such).
    """
    cls = EVENT_CLASSES.get(rec.topic)
    if cls is None:
        if ":" in rec.topic:
            raise EncodingError(
                f"record topic {rec.topic!r} is wire format v1; this ledger reads "
                f"{wire.VERSION} only (no migration: make a new ledger)"
            )
        raise EncodingError(f"unknown event name {rec.topic!r}")
    state: dict[str, Any] = {
        "originator_id": rec.aggregate_id,
        "originator_version": rec.version,
        "timestamp": rec.recorded_at,
        "statement": rec.statement,
        "signature": rec.signature,
        "prev_hash": rec.prev_hash,
        "annex": rec.annex,
        _RECORD_ATTR: raw,
    }
    if issubclass(cls, LedgerAggregate.Created):
        state["originator_topic"] = rec.topic.split(".", 1)[0]
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event
