"""The event store's table, read as the log reads it: in notification order, in pages.

The same query as eventsourcing's ``select_notifications`` (``id >= start
ORDER BY id LIMIT n``) on the same table — ``stored_events`` keyed by rowid on
SQLite, ``elicense_events`` keyed by ``notification_id`` on PostgreSQL (in the
DSN's schema) — but answering plain tuples on the log's own connection: no
``UUID`` or ``Notification`` object per row, which makes reading three to four
times cheaper and matters at 50,000 leaves a second. Nothing here writes.

On PostgreSQL, eventsourcing inserts under a table lock, so notification ids
become visible in order: a page read never skips an id that commits later.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple
from uuid import UUID

from elicense.log.audit import StoredRow
from elicense_sql.connection import Dialect, SqlStore

__all__ = ["EventRow", "EventTable"]


class EventRow(NamedTuple):
    """One stored event, as the follower needs it."""

    position: int
    aggregate: bytes  # the 16 bytes of the aggregate id
    version: int
    topic: str
    state: bytes


class EventTable:
    """The ledger's event table on ``store``'s connection.

    Args:
        store: a connection to the ledger's database.
        table: the events table (default: eventsourcing's name for the ledger's recorder).
    """

    def __init__(self, store: SqlStore, table: str | None = None) -> None:
        self.store = store
        self.postgres = store.dialect is Dialect.POSTGRESQL
        self.table = table or ("elicense_events" if self.postgres else "stored_events")
        self.id = "notification_id" if self.postgres else "rowid"

    def select(self, start: int, limit: int) -> list[EventRow]:
        """Up to ``limit`` events from position ``start`` on, in order."""
        rows = self.store.query(
            f"SELECT {self.id}, originator_id, originator_version, topic, state "
            f"FROM {self.table} WHERE {self.id} >= ? ORDER BY {self.id} LIMIT ?",
            (start, limit),
        )
        if self.postgres:
            return [EventRow(p, a.bytes, v, t, bytes(s)) for p, a, v, t, s in rows]
        try:
            return [EventRow(p, bytes.fromhex(a), v, t, s) for p, a, v, t, s in rows]
        except (ValueError, TypeError):  # a tampered id column somewhere in the page
            return [EventRow(p, _id_bytes(a), v, t, s) for p, a, v, t, s in rows]

    def rows(self, page: int = 5_000) -> Iterator[StoredRow]:
        """Every stored row with all its columns, in position order (for the audit)."""
        start = 0
        while True:
            found = self.store.query(
                f"SELECT {self.id}, originator_id, originator_version, topic, state "
                f"FROM {self.table} WHERE {self.id} > ? ORDER BY {self.id} LIMIT ?",
                (start, page),
            )
            for position, aggregate, version, topic, state in found:
                ident = aggregate if isinstance(aggregate, UUID) else _uuid(aggregate)
                yield StoredRow(int(position), str(ident), int(version), topic, bytes(state))
            if len(found) < page:
                return
            start = int(found[-1][0])

    def max_position(self) -> int:
        """The newest event's position (0 when empty)."""
        rows = self.store.query(f"SELECT MAX({self.id}) FROM {self.table}")
        return int(rows[0][0] or 0)


def _id_bytes(text: object) -> bytes:
    try:
        return bytes.fromhex(text) if isinstance(text, str) and len(text) == 32 else b""
    except ValueError:
        pass
    # not eventsourcing's hex: a tampered column, logged as found
    return str(text).encode()[:16].ljust(16, b"\x00")


def _uuid(text: str) -> str:
    try:
        return str(UUID(hex=text))
    except ValueError:
        return text  # a tampered id column: reported as found
