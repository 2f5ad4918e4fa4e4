"""The msgspec mapper: stored event bytes are the canonical record bytes.

eventsourcing's default mapper serialises ``vars(event)`` with its JSON
transcoder; this one writes the event's :class:`~elicense.record.EventRecord`
instead, so the ``state`` column holds exactly the bytes the hash chain and
the transparency log hash. Reading checks that the row's id, version and topic
columns agree with the record, and that the record is canonical: a changed
byte in any column is an error, never a silently different event.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from elicense.acts import decode_statement
from elicense.domain.base import record_bytes
from elicense.domain.catalog import event_from_record
from elicense.errors import EncodingError
from elicense.record import EventRecord, decode_record

__all__ = ["RecordMapper", "StoredRecordError", "checked_record"]


class StoredRecordError(EncodingError):
    """A stored row whose bytes or columns do not form a valid event record.

    Attributes:
        aggregate_id: the row's aggregate id column.
        version: the row's version column.
    """

    def __init__(self, message: str, *, aggregate_id: object, version: int) -> None:
        super().__init__(message)
        self.aggregate_id = aggregate_id
        self.version = version


def checked_record(stored_event: StoredEvent) -> EventRecord:
    """The record a stored row holds, refusing a row whose columns the record denies.

    Raises:
        StoredRecordError: the bytes are not a canonical record, or the row's id,
            version or topic column differs from the record's.
    """
    return _checked(stored_event, bytes(stored_event.state))


def _corrupt(stored_event: StoredEvent, problem: str) -> StoredRecordError:
    return StoredRecordError(
        f"stored event of aggregate {stored_event.originator_id} version "
        f"{stored_event.originator_version}: {problem}",
        aggregate_id=stored_event.originator_id,
        version=stored_event.originator_version,
    )


def _checked(stored_event: StoredEvent, state: bytes) -> EventRecord:
    try:
        rec = decode_record(state)
    except EncodingError as e:
        raise _corrupt(stored_event, str(e)) from None
    if (
        str(rec.aggregate_id) != str(stored_event.originator_id)
        or rec.version != stored_event.originator_version
        or rec.topic != stored_event.topic
    ):
        raise _corrupt(
            stored_event,
            "columns (id, version, topic) do not match the record "
            f"(expected {rec.aggregate_id} v{rec.version} {rec.topic})",
        )
    return rec


class RecordMapper(Mapper[UUID]):
    """Maps ledger events to and from canonical record bytes."""

    def __init__(self, transcoder: Transcoder | None = None, **_: Any) -> None:
        # Compression and encryption would change the bytes the chain hashes: not supported.
        self.transcoder = transcoder  # type: ignore[assignment]
        self.compressor = None
        self.cipher = None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """The stored form: id, version, topic columns and the canonical record bytes."""
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=domain_event.TOPIC,
            state=record_bytes(domain_event),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """Rebuild the event from a stored row, refusing rows that do not add up."""
        state = bytes(stored_event.state)
        rec = _checked(stored_event, state)
        try:
            decode_statement(rec.statement)  # applying the event decodes it (cached): fail here
            return event_from_record(rec, state)
        except EncodingError as e:
            raise _corrupt(stored_event, str(e)) from None
