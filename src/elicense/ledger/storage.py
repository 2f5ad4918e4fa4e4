"""Choosing the event store: a DSN becomes eventsourcing settings.

=========================================  ==========================================
DSN                                        store
=========================================  ==========================================
``memory:``                                eventsourcing's in-memory (POPO) recorder
``./elicense.db``, ``sqlite:///rel.db``    eventsourcing's SQLite recorder, one file
``postgresql://user:pw@host:port/db``      eventsourcing's PostgreSQL recorder
``…?schema=name``                          (PostgreSQL) tables in schema ``name``
=========================================  ==========================================

The recorders are eventsourcing's own, subclassed only to add
:meth:`select_positioned`: an aggregate's stored events with their
notification ids — the ledger's global order, against which every statement
is judged. ``POSTGRES_ENABLE_DB_FUNCTIONS`` stays off (it mis-orders events in
eventsourcing 9.5.6).

**Re-spelled ids (SQLite).** SQLite keeps ``originator_id`` as text and
eventsourcing reads an aggregate with ``originator_id = <uuid.hex>``: a row
whose id someone re-spelled in the database (upper case, hyphens, braces,
``urn:uuid:``) would silently drop out of its aggregate, and the next act on
it would record a second event of the same version beside it. The SQLite
recorder therefore keeps a partial index of the rows whose id is *not* in
eventsourcing's spelling — empty in a sound store, so it costs one cheap test
per insert — and every read of an aggregate probes it: a re-spelled row of the
aggregate is a :class:`~elicense.ledger.mapper.StoredRecordError`, never a
shorter history. Other changes to the id column (another id altogether) look
like a deleted row to the ledger; the log's audit names both
(``audit.event.columns``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from elicense.errors import StorageError

__all__ = [
    "DEFAULT_LEDGER",
    "PositionedRecorder",
    "ddl_lock_key",
    "describe",
    "is_postgres",
    "is_store_failure",
    "settings_for",
]

DEFAULT_LEDGER = "./elicense.db"


class PositionedRecorder(Protocol):
    """A recorder that also answers with each event's global position."""

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """The aggregate's stored events in version order, each with its notification id."""
        ...

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of several aggregates in one query (absent ones left out)."""
        ...


def is_postgres(dsn: str | os.PathLike[str]) -> bool:
    """Whether ``dsn`` names a PostgreSQL store."""
    return os.fspath(dsn).startswith(("postgresql://", "postgres://"))


def settings_for(dsn: str | os.PathLike[str]) -> dict[str, str]:
    """eventsourcing environment settings for ``dsn`` (see the module table).

    Raises:
        StorageError: the DSN names no supported store.
    """
    text = os.fspath(dsn)
    if text in ("memory:", ":memory:"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.popo",
            "APPLICATION_RECORDER_TOPIC": f"{__name__}:MemoryLedgerRecorder",
        }
    if is_postgres(text):
        return _postgres_settings(text)
    if "://" in text and not text.startswith("sqlite:///"):
        raise StorageError(
            f"unsupported ledger DSN {text!r}: expected a SQLite path, sqlite:///PATH, "
            "postgresql://… or memory:"
        )
    # SQLAlchemy style: sqlite:///relative.db, sqlite:////absolute/path.db
    path = text.removeprefix("sqlite:///")
    if not path:
        raise StorageError("empty SQLite path in ledger DSN")
    parent = Path(path).expanduser().resolve().parent
    if not parent.is_dir():
        raise StorageError(f"cannot create ledger {path!r}: folder {parent} does not exist")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(path).expanduser()),
        "SQLITE_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": f"{__name__}:SQLiteLedgerRecorder",
    }


def _postgres_settings(dsn: str) -> dict[str, str]:
    parts = urlsplit(dsn)
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise StorageError(f"PostgreSQL DSN {dsn!r} names no database")
    query = parse_qs(parts.query)
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(dbname),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "4",
        # a store that does not answer is an error within seconds, not a 30 s wait
        # (eventsourcing's default): callers answer 503 / exit 2 and retry
        "POSTGRES_CONNECT_TIMEOUT": "1",
        "APPLICATION_RECORDER_TOPIC": "elicense.ledger.pg:PostgresLedgerRecorder",
    }
    if "schema" in query:
        settings["POSTGRES_SCHEMA"] = query["schema"][0]
    return settings


def ddl_lock_key(schema: str) -> int:
    """The PostgreSQL advisory lock key under which elicense creates tables in ``schema``
    (one process at a time: concurrent DDL collides on catalog rows)."""
    digest = hashlib.sha256(f"elicense/ddl/{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_store_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is the store failing to answer (SQLite, PostgreSQL, a broken
    connection, or a :class:`~elicense.errors.StorageError`), not a refusal or a bug:
    what a service answers with 503 and a retry, never as a verdict on a document."""
    import sqlite3
    import sys

    from eventsourcing.persistence import IntegrityError, PersistenceError

    if isinstance(exc, StorageError | sqlite3.Error):
        return True
    if isinstance(exc, PersistenceError) and not isinstance(exc, IntegrityError):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


def describe(dsn: str | os.PathLike[str]) -> str:
    """A human description of ``dsn`` without its password."""
    text = os.fspath(dsn)
    if is_postgres(text):
        parts = urlsplit(text)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"PostgreSQL {parts.username or 'postgres'}@{netloc}{parts.path}"
    if text in ("memory:", ":memory:"):
        return "in-memory store"
    return f"SQLite {text}"


# The id as eventsourcing writes it (uuid.hex), from any spelling UUID() accepts.
_CANONICAL_ID = (
    "replace(replace(replace(replace(replace(lower(originator_id), 'urn:', ''), 'uuid:', ''), "
    "'-', ''), '{', ''), '}', '')"
)


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus positions and batch reads; reads refuse
    re-spelled ids (module docstring)."""

    def construct_create_table_statements(self) -> list[str]:
        """eventsourcing's table, and the (normally empty) index of re-spelled ids."""
        table = self.events_table_name
        return [
            *super().construct_create_table_statements(),
            f"CREATE INDEX IF NOT EXISTS {table}_respelled_id ON {table} ({_CANONICAL_ID}) "
            f"WHERE originator_id IS NOT {_CANONICAL_ID}",
        ]

    def _refuse_respelled(self, c: Any, hexes: Sequence[str]) -> None:
        """Raise StoredRecordError if a row of these aggregates has its id re-spelled."""
        c.execute(
            f"SELECT rowid, originator_id, originator_version, {_CANONICAL_ID} "
            f"FROM {self.events_table_name} "
            f"WHERE {_CANONICAL_ID} IN ({','.join('?' * len(hexes))}) "
            f"AND originator_id IS NOT {_CANONICAL_ID} ORDER BY rowid LIMIT 1",
            list(hexes),
        )
        row = c.fetchone()
        if row is None:
            return
        from elicense.ledger.mapper import StoredRecordError

        position, spelled, version, canonical = row
        aggregate = UUID(hex=canonical)
        raise StoredRecordError(
            f"stored event at position {position} (aggregate {aggregate} version {version}) "
            f"has its originator_id column spelled {spelled!r}, not {aggregate.hex!r}: the row "
            "was changed outside the ledger (`elicense log audit` names every such row)",
            aggregate_id=aggregate,
            version=version,
        )

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """eventsourcing's read of one aggregate, refusing a re-spelled row of it."""
        events = super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        key = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
        with self.datastore.transaction(commit=False) as c:
            self._refuse_respelled(c, [key])
        return events

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """See :class:`PositionedRecorder`."""
        found: dict[UUID, list[StoredEvent]] = {}
        by_hex = {i.hex: i for i in originator_ids}
        keys = list(by_hex)
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(keys), 500):  # stay under SQLite's parameter limit
                chunk = keys[start : start + 500]
                c.execute(
                    f"SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE originator_id IN "
                    f"({','.join('?' * len(chunk))}) ORDER BY originator_id, originator_version",
                    chunk,
                )
                for row in c.fetchall():
                    oid = by_hex[row[0]]
                    found.setdefault(oid, []).append(StoredEvent(oid, row[1], row[2], row[3]))
                self._refuse_respelled(c, chunk)
        return found

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """See :class:`PositionedRecorder`."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_version, topic, state FROM {self.events_table_name} "
                "WHERE originator_id=? ORDER BY originator_version",
                (originator_id.hex,),
            )
            rows = c.fetchall()
            self._refuse_respelled(c, [originator_id.hex])
        return [(row[0], StoredEvent(originator_id, row[1], row[2], row[3])) for row in rows]


class MemoryLedgerRecorder(POPOApplicationRecorder):
    """eventsourcing's in-memory recorder, plus positions and batch reads."""

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """See :class:`PositionedRecorder`."""
        found = {i: list(self.select_events(i)) for i in originator_ids}
        return {i: events for i, events in found.items() if events}

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """See :class:`PositionedRecorder`."""
        with self._database_lock:
            index = self._stored_events_index[str(originator_id)]
            return [(index[v] + 1, self._stored_events[index[v]]) for v in sorted(index)]
