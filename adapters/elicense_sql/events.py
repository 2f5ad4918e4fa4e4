"""The event store's table, read as the log reads it: in notification order, in pages.

The same query as eventsourcing's ``select_notifications`` (``id >= start
ORDER BY id LIMIT n``) on the same table — ``stored_events`` keyed by rowid on
SQLite, ``elicense_events`` keyed by ``notification_id`` on PostgreSQL (in the
DSN's schema) — but answering plain tuples on the log's own connection: no
``UUID`` or ``Notification`` object per row, which makes reading three to four
times cheaper and matters at 50,000 leaves a second. Nothing here writes.

On PostgreSQL, eventsourcing inserts under a table lock, so notification ids
become visible in order: a page read never skips an id that commits later.

For the audit, :meth:`EventTable.rows` reads every column as stored, byte for
byte: SQLite's columns are dynamically typed text, so the same UUID re-spelled
(upper case, hyphens, braces, ``urn:uuid:``) or a version stored as text is a
changed row — eventsourcing's reads match the exact spelling it wrote, and a
re-spelled row silently drops out of its aggregate. PostgreSQL's typed columns
(``uuid``, ``bigint``) admit one spelling only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple
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
        """Every stored row with all its columns exactly as stored, in position order (for
        the audit): a column in another spelling or type than the store writes is named
        in the row's ``problem``."""
        columns = (
            "originator_id, originator_version, topic, state"
            if self.postgres
            else _SQLITE_EXACT  # bytes and storage class of each column
        )
        start = 0
        while True:
            found = self.store.query(
                f"SELECT {self.id}, {columns} "
                f"FROM {self.table} WHERE {self.id} > ? ORDER BY {self.id} LIMIT ?",
                (start, page),
            )
            for row in found:
                yield _postgres_row(*row) if self.postgres else _sqlite_row(*row)
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


_SQLITE_EXACT = ", ".join(
    f"CAST({c} AS BLOB), typeof({c})" if c != "originator_version" else f"{c}, typeof({c})"
    for c in ("originator_id", "originator_version", "topic", "state")
)
_HEX_ID = re.compile(rb"[0-9a-f]{32}")  # uuid.hex: the one spelling eventsourcing writes


def _shown(value: Any) -> str:
    """A stored value as text for a message (bytes that are not UTF-8 escaped)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return "NULL" if value is None else str(value)


def _sqlite_row(
    position: int,
    ident: bytes | None,
    id_type: str,
    version: Any,
    version_type: str,
    topic: bytes | None,
    topic_type: str,
    state: bytes | None,
    state_type: str,
) -> StoredRow:
    problems = []
    if id_type == "text" and ident is not None and _HEX_ID.fullmatch(ident):
        aggregate = str(UUID(hex=ident.decode()))
    else:
        aggregate = _shown(ident)
        problems.append(
            f"originator_id column holds {id_type} {aggregate!r}, not the 32 lower-case hex "
            "digits the event store writes and reads"
        )
    if version_type != "integer":
        problems.append(f"originator_version column holds {version_type} {_shown(version)!r}")
        version = -1
    text = _shown(topic)
    if topic_type != "text" or topic is None or text.encode() != topic:
        problems.append(f"topic column holds {topic_type} {text!r}")
    if state_type != "blob":
        problems.append(f"state column holds {state_type}, not a blob")
    return StoredRow(
        int(position), aggregate, int(version), text, state or b"", "; ".join(problems) or None
    )


def _postgres_row(
    position: int, ident: UUID, version: int, topic: str | None, state: bytes | None
) -> StoredRow:
    problems = []
    if topic is None:
        problems.append("topic column is NULL")
    if state is None:
        problems.append("state column is NULL")
    return StoredRow(
        int(position),
        str(ident),
        int(version),
        topic or "",
        bytes(state or b""),
        "; ".join(problems) or None,
    )
