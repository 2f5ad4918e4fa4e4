"""The event record: what the ledger stores for every recorded act.

The ledger wraps each signed statement in an :class:`EventRecord` (aggregate
id, version, topic, recorded time, hash of the aggregate's previous event,
the statement's bytes, its signature, and an optional annex of facts the
platform adds). Its canonical bytes are exactly the bytes the event store
keeps in its ``state`` column, and

- the event hash is ``SHA-256(record bytes)`` — the next event of the same
  aggregate carries it as ``prev_hash``, so one license's history verifies on
  its own;
- the transparency log's leaf is ``SHA-256(0x00 ‖ record bytes)``, so a changed
  byte in any stored row is a changed leaf.

The record repeats the id, version and topic columns: a reader compares
them with the row, so a changed column cannot go unnoticed either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from elicense.codec import ENCODER, decode_canonical, require_utc, sha256

__all__ = [
    "GENESIS_HASH",
    "MAX_POSITION",
    "EventRecord",
    "PositionedRecord",
    "decode_record",
    "record_hash",
]

GENESIS_HASH = b"\x00" * 32

MAX_POSITION = 2**63 - 1
"""The largest position a store can hold (PostgreSQL BIGINT, SQLite INTEGER); a decoded
position outside 1..MAX_POSITION is malformed, not something to compute with."""
"""``prev_hash`` of an aggregate's first event."""


class EventRecord(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One recorded event, in canonical form.

    Attributes:
        aggregate_id: the aggregate (license, seal, type …) the event belongs to.
        version: the event's position in its aggregate's sequence, from 1.
        topic: the event class (e.g. ``elicense.domain.license:License.Issued``).
        recorded_at: when the ledger recorded it (UTC).
        prev_hash: SHA-256 of the aggregate's previous record; 32 zero bytes for version 1.
        statement: the signed statement's canonical bytes, verbatim.
        signature: the signature over the statement's signing input, verbatim.
        annex: facts the platform adds to the event (e.g. the GB/T 38540 seal of a
            filing); its meaning depends on the topic. Omitted when empty, so
            records written before a kind gained an annex still decode unchanged.
    """

    aggregate_id: UUID
    version: int
    topic: str
    recorded_at: datetime
    prev_hash: bytes
    statement: bytes
    signature: bytes
    annex: bytes = b""

    def __post_init__(self) -> None:
        require_utc(self.recorded_at, "recorded_at")
        if self.version < 1:
            raise ValueError(f"version must be ≥ 1, found {self.version}")
        if len(self.prev_hash) != 32:
            raise ValueError(f"prev_hash must be 32 bytes, found {len(self.prev_hash)}")

    def encode(self) -> bytes:
        """The canonical bytes (what the store keeps and the log hashes)."""
        return ENCODER.encode(self)


class PositionedRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A stored record with its position in the ledger's global order.

    ``record`` holds the stored bytes exactly as the store keeps them.
    """

    position: Annotated[int, msgspec.Meta(ge=1, le=MAX_POSITION)]
    record: bytes


def decode_record(data: bytes) -> EventRecord:
    """Decode stored record bytes, insisting they are canonical."""
    return decode_canonical(data, EventRecord, what="event record")


def record_hash(data: bytes) -> bytes:
    """The event hash of stored record bytes."""
    return sha256(data)
