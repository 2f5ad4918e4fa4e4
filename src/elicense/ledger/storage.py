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
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from elicense.errors import StorageError

__all__ = ["DEFAULT_LEDGER", "PositionedRecorder", "describe", "settings_for"]

DEFAULT_LEDGER = "./elicense.db"


class PositionedRecorder(Protocol):
    """A recorder that also answers with each event's global position."""

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """The aggregate's stored events in version order, each with its notification id."""
        ...

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of several aggregates in one query (absent ones left out)."""
        ...


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
    if text.startswith(("postgresql://", "postgres://")):
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
        "APPLICATION_RECORDER_TOPIC": "elicense.ledger.pg:PostgresLedgerRecorder",
    }
    if "schema" in query:
        settings["POSTGRES_SCHEMA"] = query["schema"][0]
    return settings


def describe(dsn: str | os.PathLike[str]) -> str:
    """A human description of ``dsn`` without its password."""
    text = os.fspath(dsn)
    if text.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(text)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"PostgreSQL {parts.username or 'postgres'}@{netloc}{parts.path}"
    if text in ("memory:", ":memory:"):
        return "in-memory store"
    return f"SQLite {text}"


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus positions and batch reads."""

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
        return found

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """See :class:`PositionedRecorder`."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_version, topic, state FROM {self.events_table_name} "
                "WHERE originator_id=? ORDER BY originator_version",
                (originator_id.hex,),
            )
            return [
                (row[0], StoredEvent(originator_id, row[1], row[2], row[3])) for row in c.fetchall()
            ]


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
