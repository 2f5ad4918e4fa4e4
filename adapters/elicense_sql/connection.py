"""One DB-API connection to the ledger's database, for elicense's own tables.

:class:`SqlStore` opens the same database the event store uses (a SQLite
file, or PostgreSQL with the DSN's ``?schema=``), speaks one placeholder
style (``?``, rewritten to ``%s`` for PostgreSQL), and runs work in
transactions, so a projection can write its rows and its tracking position
atomically (exactly once).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from elicense.errors import StorageError
from elicense.ledger.storage import settings_for

__all__ = ["Dialect", "SqlStore"]


class Dialect(Enum):
    """Which SQL database."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class SqlStore:
    """A connection to the ledger's database for elicense's own tables.

    Args:
        dsn: the ledger DSN (SQLite path, ``sqlite:///…`` or ``postgresql://…?schema=``).

    Not thread-safe: use one store per thread.
    """

    def __init__(self, dsn: str | os.PathLike[str]) -> None:
        self.dsn = os.fspath(dsn)
        settings = settings_for(self.dsn)
        module = settings["PERSISTENCE_MODULE"]
        if module == "eventsourcing.sqlite":
            self.dialect = Dialect.SQLITE
            conn = sqlite3.connect(
                settings["SQLITE_DBNAME"],
                timeout=30,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            self._conn: Any = conn
            self.schema = ""
        elif module == "eventsourcing.postgres":
            self.dialect = Dialect.POSTGRESQL
            try:
                import psycopg
            except ImportError:
                raise StorageError(
                    "PostgreSQL needs psycopg: pip install 'elicense[postgres]'"
                ) from None
            query = parse_qs(urlsplit(self.dsn).query)
            self.schema = query.get("schema", ["public"])[0]
            plain = self.dsn.split("?", 1)[0]
            try:
                self._conn = psycopg.connect(plain, autocommit=True)
            except psycopg.Error as e:
                raise StorageError(f"cannot connect to {plain}: {e}") from None
            self._conn.execute(f'SET search_path TO "{self.schema}"')
        else:
            raise StorageError(f"{self.dsn}: SQL tables need SQLite or PostgreSQL, not {module}")

    def sql(self, statement: str) -> str:
        """``statement`` with ``?`` placeholders in this dialect's style."""
        return statement if self.dialect is Dialect.SQLITE else statement.replace("?", "%s")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (autocommit outside :meth:`transaction`); return the cursor."""
        return self._conn.execute(self.sql(statement), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        cur = self._conn.cursor()
        cur.executemany(self.sql(statement), rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query."""
        return list(self.execute(statement, params).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[SqlStore]:
        """A transaction: committed when the block ends, rolled back on error."""
        if self.dialect is Dialect.SQLITE:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        else:
            with self._conn.transaction():
                yield self

    @contextmanager
    def snapshot(self) -> Iterator[SqlStore]:
        """A read-only transaction: every query in the block sees one state of the database
        (SQLite: a deferred transaction, one WAL snapshot; PostgreSQL: REPEATABLE READ)."""
        if self.dialect is Dialect.SQLITE:
            self._conn.execute("BEGIN")
            try:
                yield self
            finally:
                self._conn.execute("ROLLBACK")
        else:
            with self._conn.transaction(force_rollback=True):
                self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield self

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
