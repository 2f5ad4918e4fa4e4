"""Opening a ledger from the CLI: every way it can fail, answered in one line.

Before eventsourcing touches the store, :func:`probe` looks at it the way an
operator would: is the SQLite path a directory, an empty file, not SQLite at
all, or a SQLite file without the ledger's table? Is the PostgreSQL server
reachable, does the database and role exist (5 s at most), is the ``postgres``
extra installed, does the schema hold the ledger's table? Only ``init`` may
open a store that holds no ledger yet, so no other command creates a file,
table or schema; read-only commands also open with ``CREATE_TABLE=no``.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elicense.cli._common import fail, ledger_dsn

__all__ = ["CONNECT_TIMEOUT", "open_store", "probe"]

CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL server before saying it cannot be reached."""

SQLITE_EVENTS = "stored_events"  # eventsourcing's SQLite application recorder
POSTGRES_EVENTS = "elicense_events"  # eventsourcing's PostgreSQL recorder: <app name>_events
_SQLITE_MAGIC = b"SQLite format 3\x00"
_INIT_HINT = "create one with `elicense init`, or pass --ledger"


def probe(dsn: str, *, must_exist: bool) -> None:
    """Refuse, in one line, a ledger DSN that cannot be opened (or holds no ledger).

    Raises:
        UsageError: what was expected and what was found at ``dsn``.
    """
    if dsn in ("memory:", ":memory:"):
        return
    from elicense.ledger.storage import is_postgres  # eventsourcing loads on use only

    if is_postgres(dsn):
        _probe_postgres(dsn, must_exist=must_exist)
    elif "://" not in dsn or dsn.startswith("sqlite:///"):
        _probe_sqlite(dsn.removeprefix("sqlite:///"), must_exist=must_exist)


def _probe_sqlite(path_text: str, *, must_exist: bool) -> None:
    path = Path(path_text).expanduser()
    if path.is_dir():
        fail(f"ledger {path_text}: expected a SQLite file, found a directory")
    if not path.exists():
        if must_exist:
            fail(f"no ledger at {path_text} ({_INIT_HINT})")
        return
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as e:
        fail(f"ledger {path_text}: cannot be read ({e.strerror or e})")
    if not head:
        if must_exist:
            fail(f"no ledger at {path_text}: the file is empty ({_INIT_HINT})")
        return
    if head != _SQLITE_MAGIC:
        fail(f"ledger {path_text}: expected a SQLite database, found a file of other data")
    if must_exist and not _sqlite_has_events(path):
        fail(f"no ledger at {path_text}: the SQLite file holds no elicense tables ({_INIT_HINT})")


def _sqlite_has_events(path: Path) -> bool:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT)
    except sqlite3.Error as e:
        fail(f"ledger {path}: cannot be opened ({e})")
    try:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SQLITE_EVENTS,)
        ).fetchone()
    except sqlite3.DatabaseError as e:
        fail(f"ledger {path}: expected a SQLite database, found one SQLite refuses ({e})")
    finally:
        conn.close()
    return row is not None


def _probe_postgres(dsn: str, *, must_exist: bool) -> None:
    where = _describe(dsn)
    try:
        import psycopg
    except ImportError:
        fail(
            f"ledger {where}: PostgreSQL ledgers need the postgres extra "
            "(pip install 'elicense[postgres]'); psycopg is not installed"
        )
    parts = urlsplit(dsn)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    try:
        conn = psycopg.connect(
            dbname=unquote(parts.path.lstrip("/")),
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            connect_timeout=CONNECT_TIMEOUT,
        )
    except psycopg.Error as e:
        fail(f"ledger {where}: cannot connect: {_pg_reason(str(e))}")
    try:
        found = conn.execute(  # reads the catalogue only: no table, no schema created
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name = %s)",
            (schema, POSTGRES_EVENTS),
        ).fetchone()
    finally:
        conn.close()
    if must_exist and not (found and found[0]):
        fail(
            f"no ledger at {where}: schema {schema!r} holds no table {POSTGRES_EVENTS} "
            f"(wrong database or schema? {_INIT_HINT})"
        )


def _pg_reason(message: str) -> str:
    """The part of a libpq message that names the cause, on one line."""
    lowered = message.lower()
    for needle, said in (
        ("connection refused", "connection refused (is the server running on that port?)"),
        ("timeout expired", f"no answer within {CONNECT_TIMEOUT} s"),
    ):
        if needle in lowered:
            return said
    for line in message.splitlines():
        if "FATAL:" in line:
            return line.split("FATAL:", 1)[1].strip()
    return " ".join(message.split())


def _describe(dsn: str) -> str:
    from elicense.ledger.storage import describe

    return describe(dsn)


def open_store(dsn: str, *, must_exist: bool, read_only: bool) -> Any:
    """The :class:`~elicense.ledger.application.Ledger` at ``dsn``, probed first.

    Raises:
        UsageError: the store cannot be opened or (``must_exist``) holds no ledger.
    """
    from eventsourcing.persistence import PersistenceError

    from elicense.ledger.application import Ledger

    probe(dsn, must_exist=must_exist)
    env = {"CREATE_TABLE": "no"} if read_only else {}
    from elicense.ledger.storage import is_postgres

    if is_postgres(dsn):
        env["POSTGRES_CONNECT_TIMEOUT"] = str(CONNECT_TIMEOUT)
    try:
        return Ledger(dsn, env=env)
    except PersistenceError as e:
        fail(f"ledger {_describe(dsn)}: cannot be opened: {' '.join(str(e).split())}")


def open_ledger(
    args: argparse.Namespace, *, must_exist: bool = True, read_only: bool = False
) -> Any:
    """Open the ledger named by ``--ledger`` (imported lazily: the CLI is the composition root).

    Args:
        args: the parsed command line.
        must_exist: refuse a store that holds no ledger yet (only ``init`` passes False).
        read_only: the command only reads: open without creating tables.

    Raises:
        UsageError: the store cannot be opened or holds no ledger (see :mod:`._open`).
    """
    return open_store(ledger_dsn(args), must_exist=must_exist, read_only=read_only)
