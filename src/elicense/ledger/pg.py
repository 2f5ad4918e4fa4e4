"""PostgreSQL recorder with positions; imported only for ``postgresql://`` DSNs.

Loads psycopg (the ``postgres`` extra), so nothing else imports this module
at import time.

**Opening from many processes at once.** Every ``Ledger(dsn)`` runs
eventsourcing's schema creation: ``CREATE TYPE``, ``CREATE TABLE IF NOT EXISTS``,
an index and an unconditional ``CREATE OR REPLACE FUNCTION``. None of these is
safe to run concurrently in PostgreSQL (two sessions collide on a catalog row:
``tuple concurrently updated``, a duplicate ``pg_type`` key). So the recorder
skips it when everything exists (one catalog query) and otherwise runs it
holding an advisory lock of the schema (:func:`~elicense.ledger.storage.ddl_lock_key`),
checking again once it holds it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.errors import DuplicateObject
from psycopg.sql import SQL, Identifier

from elicense.ledger.storage import ddl_lock_key

__all__ = ["PostgresLedgerRecorder"]


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, plus positions; schema creation serialised."""

    def create_table(self) -> None:
        """eventsourcing's schema creation, skipped when it is all there, else run by one
        process at a time (module docstring), on the one connection that holds the lock."""
        with self.datastore.get_connection() as conn:
            if not self._schema_complete(conn):
                key = ddl_lock_key(self.datastore.schema)
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    if not self._schema_complete(conn):
                        self._create_schema(conn)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        self.datastore.register_type_adapters()

    def _create_schema(self, conn: Any) -> None:
        """What eventsourcing's ``create_table`` runs, on ``conn``: each type in its own
        transaction (there is no ``CREATE TYPE IF NOT EXISTS``), then the rest in one."""
        for statement in self.sql_create_statements:
            if "CREATE TYPE" in statement.as_string():
                with contextlib.suppress(DuplicateObject), conn.transaction():
                    conn.execute(statement, prepare=False)
        with conn.transaction(), conn.cursor() as curs:
            self._create_table(curs)

    def _schema_complete(self, conn: Any) -> bool:
        """Whether the events table, its index, the composite type and the insert function
        all exist in the schema."""
        schema = self.datastore.schema

        def q(name: str) -> str:  # a quoted, schema-qualified name for to_reg*()
            return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))

        kind = q(self.stored_event_type_name)
        names: dict[str, Any] = {
            "table": q(self.events_table_name),
            "index": q(self.notification_id_index_name),
            "type": kind,
            "function": f"{q(self.pg_function_name_insert_events)}({kind}[])",
        }
        with conn.cursor() as curs:
            curs.execute(
                "SELECT to_regnamespace(%(schema)s) IS NOT NULL "
                "AND to_regclass(%(table)s) IS NOT NULL AND to_regclass(%(index)s) IS NOT NULL "
                "AND to_regtype(%(type)s) IS NOT NULL "
                "AND to_regprocedure(%(function)s) IS NOT NULL AS complete",
                {"schema": '"' + schema.replace('"', '""') + '"', **names},
            )
            row = curs.fetchone()
        return bool(row and row["complete"])

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of several aggregates in one query (absent ones left out)."""
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(originator_ids),), prepare=True)
            for row in curs.fetchall():
                oid = row["originator_id"]
                found.setdefault(oid, []).append(
                    StoredEvent(oid, row["originator_version"], row["topic"], bytes(row["state"]))
                )
        return found

    def select_positioned(self, originator_id: UUID) -> list[tuple[int, StoredEvent]]:
        """The aggregate's stored events in version order, each with its notification id."""
        statement = SQL(
            "SELECT notification_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = %s ORDER BY originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_id,), prepare=True)
            return [
                (
                    row["notification_id"],
                    StoredEvent(
                        originator_id, row["originator_version"], row["topic"], bytes(row["state"])
                    ),
                )
                for row in curs.fetchall()
            ]
