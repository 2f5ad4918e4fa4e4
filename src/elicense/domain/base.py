"""The base of every ledger aggregate: events that carry their signed statement.

Every event of every aggregate carries the statement that caused it (its
canonical bytes and signature, verbatim), the hash of the aggregate's
previous event (``prev_hash``) and an optional platform annex. Applying an
event decodes its statement (cached) and advances the aggregate's
``head_hash``, so an aggregate always knows the hash its next event must
chain to.

The canonical record of an event (:class:`~elicense.record.EventRecord`) is
computed once and kept on the event object, so the store writes the very
bytes the chain hashed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from elicense.acts import Signed, Statement, decode_statement
from elicense.codec import Clock, utc_now
from elicense.domain.state import ID_NAMESPACE, deterministic_id
from elicense.record import GENESIS_HASH, EventRecord, record_hash

__all__ = [
    "ID_NAMESPACE",
    "LedgerAggregate",
    "deterministic_id",
    "record_bytes",
    "recording",
    "replay",
]

A = TypeVar("A", bound="LedgerAggregate")

_CLOCK: ContextVar[Clock] = ContextVar("elicense_recording_clock", default=utc_now)


@contextmanager
def recording(clock: Clock) -> Iterator[None]:
    """Within, events are stamped with ``clock`` (the ledger's, ``Ledger(clock=)``)."""
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


_RECORD_ATTR = "_record_bytes"


def record_bytes(event: Any) -> bytes:
    """The canonical record bytes of ``event`` (computed once, then kept on the event)."""
    data: bytes | None = event.__dict__.get(_RECORD_ATTR)
    if data is None:
        data = EventRecord(
            aggregate_id=event.originator_id,
            version=event.originator_version,
            topic=_topic(type(event)),
            recorded_at=event.timestamp,
            prev_hash=event.prev_hash,
            statement=event.statement,
            signature=event.signature,
            annex=event.annex,
        ).encode()
        object.__setattr__(event, _RECORD_ATTR, data)
    return data


class LedgerAggregate(Aggregate):
    """An aggregate whose every event is a signed statement, chained by hash."""

    head_hash = GENESIS_HASH  # advanced by every event (not annotated: see Seal)
    WIRE_NAME = ""
    """The aggregate's wire name (:mod:`elicense.wire`), the prefix of its events' names."""

    class Event(Aggregate.Event):
        """An event carrying the signed statement that caused it."""

        @staticmethod
        def create_timestamp() -> datetime:
            """The event's recorded time: the recording ledger's clock (:func:`recording`)."""
            return _CLOCK.get()()

        statement: bytes
        signature: bytes
        prev_hash: bytes
        annex: bytes

        @property
        def act(self) -> Statement:
            """The decoded statement (cached by bytes)."""
            return decode_statement(self.statement)

        def mutate(self, aggregate: Any) -> Any:
            agg: Any = super().mutate(aggregate)
            agg.head_hash = record_hash(record_bytes(self))
            return agg

    class Created(Event, Aggregate.Created):
        """The first event of an aggregate.

        Builds the aggregate directly instead of through eventsourcing's generic
        ``CanInitAggregate.mutate``, which inspects ``__init__`` signatures on
        every creation (a measurable share of bulk issuance); ledger aggregates
        take no constructor arguments, their state comes from ``apply``.
        """

        def mutate(self, aggregate: Any) -> Any:
            assert aggregate is None
            # The aggregate's wire name was registered with eventsourcing by
            # elicense.domain.catalog, which whoever decoded this event imported.
            return self.create(resolve_topic(self.originator_topic))

        def create(self, cls: Any) -> Any:
            """Build the new ``cls`` aggregate this event starts."""
            agg = cls.__new__(cls)
            agg.__base_init__(self.originator_id, self.originator_version, self.timestamp)
            self.apply(agg)
            agg.head_hash = record_hash(record_bytes(self))
            return agg

    @classmethod
    def _create_from(
        cls: type[A],
        event_class: type[Any],
        aggregate_id: uuid.UUID,
        signed: Signed,
        annex: bytes = b"",
    ) -> A:
        event = event_class(
            originator_id=aggregate_id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=event_class.create_timestamp(),
            originator_topic=cls.WIRE_NAME,
            statement=signed.statement,
            signature=signed.signature,
            prev_hash=GENESIS_HASH,
            annex=annex,
        )
        agg: A = event.create(cls)
        agg.pending_events.append(event)
        return agg

    def _record(self, event_class: type[Any], signed: Signed, annex: bytes = b"") -> None:
        """Trigger ``event_class`` for ``signed``, chained to the current head."""
        self.trigger_event(
            event_class,
            statement=signed.statement,
            signature=signed.signature,
            prev_hash=self.head_hash,
            annex=annex,
        )


def _topic(cls: Any) -> str:
    """The wire name of an event class (its ``TOPIC``, docs/wire-format.md)."""
    topic: str | None = getattr(cls, "TOPIC", None)
    if not topic or ":" in topic:
        # Never let eventsourcing fall back to a Python path in stored bytes.
        raise TypeError(f"{cls.__qualname__} has no wire name (TOPIC) in elicense.wire")
    return topic


def replay(events: Any, aggregate: Any = None) -> Any:
    """Apply ``events`` in order to ``aggregate`` (``None`` to start a new one)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
