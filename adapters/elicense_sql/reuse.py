"""The reuse projection: usage records, sharing lists, catalogue and stored licenses
in SQL tables (SQLite and PostgreSQL), and the statistics computed from them.

:class:`ReuseProjection` reads the ledger's events in global order and writes
the facts of :mod:`elicense.reuse.facts` into its tables. Each page of events
is applied in one transaction together with the new tracking position, and
the position only moves from the value the page was read after, so every
event is applied exactly once, even with two workers or after a crash.

Queries: uses by holder (who used the holder's licenses, and why), by
license, by department, by service item; the holder's licenses of a type (the
:data:`~elicense.reuse.service.Locator` for uses by holder and type); and
:meth:`ReuseProjection.statistics`, which counts in SQL what
:meth:`elicense.reuse.stats.Replay.statistics` counts in memory — the two
must agree (docs/statistics.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from elicense.errors import ConflictError
from elicense.reuse.facts import (
    LicenseStored,
    SharingGranted,
    SharingWithdrawn,
    TypeDefined,
    TypeRetired,
    UseRow,
    micros,
    read_facts,
)
from elicense.reuse.stats import Statistics, bounds
from elicense_sql.connection import SqlStore

__all__ = ["ReuseProjection"]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS reuse_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reuse_types (type_code TEXT PRIMARY KEY, "
    "defined_us BIGINT NOT NULL, retired_us BIGINT)",
    "CREATE TABLE IF NOT EXISTS reuse_sharing (type_code TEXT NOT NULL, user_dept TEXT NOT NULL, "
    "service_item TEXT NOT NULL, granted_position BIGINT NOT NULL, granted_us BIGINT NOT NULL, "
    "withdrawn_us BIGINT, PRIMARY KEY (type_code, user_dept, service_item, granted_position))",
    "CREATE TABLE IF NOT EXISTS reuse_licenses (license_key TEXT PRIMARY KEY, "
    "identifier TEXT NOT NULL, type_code TEXT NOT NULL, holder TEXT NOT NULL, "
    "issued_us BIGINT NOT NULL, position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS reuse_licenses_holder ON reuse_licenses (holder, type_code)",
    "CREATE TABLE IF NOT EXISTS reuse_uses (position BIGINT PRIMARY KEY, "
    "use_id TEXT NOT NULL UNIQUE, recorded_us BIGINT NOT NULL, user_dept TEXT NOT NULL, "
    "service_item TEXT NOT NULL, purpose TEXT NOT NULL, consent TEXT NOT NULL, "
    "license TEXT NOT NULL, license_key TEXT NOT NULL, type_code TEXT NOT NULL, "
    "holder TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT NOT NULL, fields TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS reuse_uses_license ON reuse_uses (license_key)",
    "CREATE INDEX IF NOT EXISTS reuse_uses_holder ON reuse_uses (holder)",
    "CREATE INDEX IF NOT EXISTS reuse_uses_user ON reuse_uses (user_dept)",
    "CREATE INDEX IF NOT EXISTS reuse_uses_item ON reuse_uses (service_item)",
    "CREATE INDEX IF NOT EXISTS reuse_uses_time ON reuse_uses (recorded_us)",
)
_USE_COLUMNS = (
    "u.position, u.recorded_us, u.use_id, u.user_dept, u.service_item, u.purpose, u.consent, "
    "u.license, u.type_code, u.holder, u.outcome, u.code, u.fields"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LIVE = "granted_us < ? AND (withdrawn_us IS NULL OR withdrawn_us >= ?)"


def _time(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class ReuseProjection:
    """Reuse read models in the ledger's database, kept by :meth:`run`.

    Args:
        store: a connection to the ledger's database.
        name: the tracking name (one row in ``reuse_tracking``).
    """

    def __init__(self, store: SqlStore, name: str = "reuse") -> None:
        self.store = store
        self.name = name
        with store.transaction():
            for ddl in _TABLES:
                store.execute(ddl)
            store.execute(
                "INSERT INTO reuse_tracking (name, position) SELECT ?, 0 WHERE NOT EXISTS "
                "(SELECT 1 FROM reuse_tracking WHERE name = ?)",
                (name, name),
            )

    @property
    def position(self) -> int:
        """The position of the last event applied."""
        rows = self.store.query("SELECT position FROM reuse_tracking WHERE name = ?", (self.name,))
        return int(rows[0][0])

    # -- keeping up ----------------------------------------------------------------------------

    def run(self, ledger: Any, *, page: int = 2000) -> int:
        """Apply every event recorded after :attr:`position`; return how many were read."""
        start = self.position
        read = 0
        while True:
            items = ledger.recorder.select_notifications(start + 1, page)
            if not items:
                return read
            self.apply(start, [(n.id, n.topic, bytes(n.state)) for n in items])
            start = items[-1].id
            read += len(items)

    def apply(self, after: int, events: list[tuple[int, str, bytes]]) -> None:
        """Apply ``events`` (read after position ``after``) and track, in one transaction.

        Raises:
            ConflictError: the tracked position is no longer ``after`` (another
                worker applied them first); nothing written.
        """
        if not events:
            return
        uses: list[tuple[Any, ...]] = []
        licenses: list[tuple[Any, ...]] = []
        s = self.store
        with s.transaction():
            # Move the tracking position first: the row lock (PostgreSQL) or the write lock
            # (SQLite) makes a second worker wait, then find the position moved on.
            cur = s.execute(
                "UPDATE reuse_tracking SET position = ? WHERE name = ? AND position = ?",
                (events[-1][0], self.name, after),
            )
            if cur.rowcount != 1:
                raise ConflictError(
                    f"projection {self.name}: events after position {after} were applied by "
                    "another worker; nothing written",
                    code="projection.conflict",
                )
            for position, topic, state in events:
                fact = read_facts(position, topic, state)
                if fact is None:
                    continue
                if isinstance(fact, UseRow):
                    uses.append(_use_values(fact))
                elif isinstance(fact, LicenseStored):
                    licenses.append(
                        (
                            fact.license_key,
                            fact.identifier,
                            fact.type_code,
                            fact.holder,
                            fact.at,
                            fact.position,
                        )
                    )
                else:
                    self._flush(uses, licenses)
                    self._apply_catalogue(fact)
            self._flush(uses, licenses)

    def _flush(self, uses: list[tuple[Any, ...]], licenses: list[tuple[Any, ...]]) -> None:
        # Licenses first: a use's holder comes from a license stored before it.
        if licenses:
            self.store.executemany(
                "INSERT INTO reuse_licenses (license_key, identifier, type_code, holder, "
                "issued_us, position) VALUES (?, ?, ?, ?, ?, ?)",
                licenses,
            )
            licenses.clear()
        if uses:
            self.store.executemany(
                "INSERT INTO reuse_uses (position, recorded_us, use_id, user_dept, service_item, "
                "purpose, consent, license, license_key, type_code, holder, outcome, code, fields) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(NULLIF(?, ''), (SELECT holder "
                "FROM reuse_licenses WHERE license_key = ?), ''), ?, ?, ?)",
                uses,
            )
            uses.clear()

    def _apply_catalogue(self, fact: Any) -> None:
        s = self.store
        if isinstance(fact, TypeDefined):
            s.execute(
                "INSERT INTO reuse_types (type_code, defined_us) VALUES (?, ?)",
                (fact.type_code, fact.at),
            )
        elif isinstance(fact, TypeRetired):
            s.execute(
                "UPDATE reuse_types SET retired_us = ? WHERE type_code = ?",
                (fact.at, fact.type_code),
            )
        elif isinstance(fact, SharingGranted):
            for item in fact.items:
                key = (fact.type_code, fact.user, item)
                s.execute(
                    "INSERT INTO reuse_sharing (type_code, user_dept, service_item, "
                    "granted_position, granted_us) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM reuse_sharing WHERE type_code = ? AND user_dept = ? AND "
                    "service_item = ? AND withdrawn_us IS NULL)",
                    (fact.type_code, fact.user, item, fact.position, fact.at, *key),
                )
        elif isinstance(fact, SharingWithdrawn):
            where = "type_code = ? AND user_dept = ? AND withdrawn_us IS NULL"
            params: tuple[Any, ...] = (fact.at, fact.type_code, fact.user)
            if fact.items:
                where += f" AND service_item IN ({', '.join('?' * len(fact.items))})"
                params = (*params, *fact.items)
            s.execute(f"UPDATE reuse_sharing SET withdrawn_us = ? WHERE {where}", params)

    # -- queries -------------------------------------------------------------------------------

    def uses(
        self,
        *,
        holder: str | None = None,
        license: str | None = None,
        department: str | None = None,
        service_item: str | None = None,
        limit: int | None = None,
    ) -> list[UseRow]:
        """Recorded uses in ledger order, filtered (``license``: any version's identifier)."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("holder", holder),
            ("license_key", license.rsplit(".", 2)[0] if license else None),
            ("user_dept", department),
            ("service_item", service_item),
        ):
            if value is not None:
                where.append(f"u.{column} = ?")
                params.append(value)
        sql = f"SELECT {_USE_COLUMNS} FROM reuse_uses u"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY u.position"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_row(r) for r in self.store.query(sql, params)]

    def stored(self) -> list[tuple[str, str, str]]:
        """Every stored license as ``(first identifier, type code, holder code)``, in order."""
        rows = self.store.query(
            "SELECT identifier, type_code, holder FROM reuse_licenses ORDER BY position"
        )
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def licenses_of(self, holder: str, type_code: str) -> list[str]:
        """The holder's licenses of a type (first identifiers), newest first (a locator)."""
        rows = self.store.query(
            "SELECT identifier FROM reuse_licenses WHERE holder = ? AND type_code = ? "
            "ORDER BY position DESC",
            (holder, type_code),
        )
        return [str(r[0]) for r in rows]

    def statistics(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Statistics:
        """The statistics for ``[since, until)``, counted in SQL (docs/statistics.md)."""
        lo, hi = bounds(since, until)
        q = self.store.query
        period = "recorded_us >= ? AND recorded_us < ?"

        def grouped(column: str, outcome: str) -> dict[str, int]:
            rows = q(
                f"SELECT {column}, COUNT(*) FROM reuse_uses WHERE outcome = ? AND {period} "
                f"GROUP BY {column}",
                (outcome, lo, hi),
            )
            return {str(k): int(n) for k, n in rows}

        by_department = grouped("user_dept", "used")
        refused = grouped("code", "refused")
        listed = f"SELECT service_item FROM reuse_sharing WHERE {_LIVE}"
        live_types = "defined_us < ? AND (retired_us IS NULL OR retired_us >= ?)"
        stored = {
            str(k): int(n)
            for k, n in q(
                "SELECT type_code, COUNT(*) FROM reuse_licenses WHERE issued_us < ? "
                "GROUP BY type_code",
                (hi,),
            )
        }
        return Statistics(
            since=since,
            until=until,
            uses=sum(by_department.values()),
            refused=sum(refused.values()),
            uses_by_department=by_department,
            uses_by_item=grouped("service_item", "used"),
            uses_by_type=grouped("type_code", "used"),
            refused_by_code=refused,
            items_listed=int(
                q(f"SELECT COUNT(DISTINCT service_item) FROM ({listed}) l", (hi, hi))[0][0]
            ),
            items_used=int(
                q(
                    f"SELECT COUNT(DISTINCT service_item) FROM reuse_uses WHERE outcome = 'used' "
                    f"AND {period} AND service_item IN ({listed})",
                    (lo, hi, hi, hi),
                )[0][0]
            ),
            types_defined=int(
                q(f"SELECT COUNT(*) FROM reuse_types WHERE {live_types}", (hi, hi))[0][0]
            ),
            types_opened=int(
                q(
                    f"SELECT COUNT(DISTINCT type_code) FROM reuse_sharing WHERE {_LIVE} AND "
                    f"type_code IN (SELECT type_code FROM reuse_types WHERE {live_types})",
                    (hi, hi, hi, hi),
                )[0][0]
            ),
            stored=sum(stored.values()),
            stored_by_type=stored,
        )


def _use_values(r: UseRow) -> tuple[Any, ...]:
    return (
        r.position,
        micros(r.recorded_at),
        r.use,
        r.user,
        r.service_item,
        r.purpose,
        r.consent,
        r.license,
        r.license_key,
        r.type_code,
        r.holder,
        r.license_key,
        r.outcome,
        r.code,
        ",".join(r.fields),
    )


def _row(r: tuple[Any, ...]) -> UseRow:
    return UseRow(
        position=int(r[0]),
        recorded_at=_time(int(r[1])),
        use=r[2],
        user=r[3],
        service_item=r[4],
        purpose=r[5],
        consent=r[6],
        license=r[7],
        type_code=r[8],
        holder=r[9],
        outcome=r[10],
        code=r[11],
        fields=tuple(r[12].split(",")) if r[12] else (),
    )
