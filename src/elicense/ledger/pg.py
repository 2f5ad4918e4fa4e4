"""PostgreSQL recorder with positions; imported only for ``postgresql://`` DSNs.

Loads psycopg (the ``postgres`` extra), so nothing else imports this module
at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

__all__ = ["PostgresLedgerRecorder"]


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, plus positions."""

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
