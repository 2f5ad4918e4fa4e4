"""The SQL half of benchmarks/log.py: follower append throughput and proofs from SQL.

Synthetic stored events (real record bytes, one license each, as an issuance
wave records them) are written straight into the event store's table, then the
log follower appends them page by page, one transaction per page, as it does in
production. Reported: leaves/s over the whole run and per tenth of it (growth
with log size), the share of time in the database transaction, and the time
to make inclusion and consistency proofs from the stored nodes at the end.

Run through benchmarks/log.py (not a test; prints nothing itself).
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from typing import Any

from elicense import wire
from elicense.ledger.application import Ledger
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore

__all__ = ["append_bench"]

_TOPIC = wire.LICENSE_ISSUED


def _fill_sqlite(path: str, records: list[bytes], events: int) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    rows = ((uuid.uuid4().hex, 1, _TOPIC, records[i % len(records)]) for i in range(events))
    with conn:
        conn.executemany(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
    conn.close()


def _fill_postgres(dsn: str, schema: str, records: list[bytes], events: int) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(
            f'COPY "{schema}".elicense_events (originator_id, originator_version, topic, state) '
            "FROM STDIN"
        ) as copy:
            for i in range(events):
                copy.write_row((uuid.uuid4(), 1, _TOPIC, records[i % len(records)]))
        conn.commit()


def append_bench(target: str, records: list[bytes], events: int, page: int) -> dict[str, Any]:
    """Append ``events`` synthetic events to a fresh log at ``target`` (a SQLite path or a
    PostgreSQL DSN, where a scratch schema is made and dropped)."""
    schema = None
    dsn = target
    if target.startswith("postgresql://"):
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        dsn = f"{target}?schema={schema}"
    try:
        ledger = Ledger(dsn)
        if schema is None:
            _fill_sqlite(target, records, events)
        else:
            _fill_postgres(target, schema, records, events)
        store = SqlLogStore.open(dsn)
        follower = LogFollower(store, page=page)
        in_db = 0.0
        append = store.append

        def timed_append(**kwargs: Any) -> None:
            nonlocal in_db
            t = time.perf_counter()
            append(**kwargs)
            in_db += time.perf_counter() - t

        store.append = timed_append  # type: ignore[method-assign]
        tenth = max(page, events // 10)
        marks: list[float] = []
        proofs: list[tuple[int, float]] = []
        rng = random.Random(1)
        log = SqlLog(store, "bench")
        done, proof_time = 0, 0.0
        start = last = time.perf_counter()
        while n := follower.step():
            done += n
            if done % tenth < n:
                now = time.perf_counter()
                marks.append(tenth / (now - last))
                for _ in range(50):  # proof generation at this size, not counted as appending
                    log.inclusion_proof(rng.randrange(done), done)
                spent = time.perf_counter() - now
                proofs.append((done, spent / 50 * 1e6))
                proof_time += spent
                last = time.perf_counter()
        total = time.perf_counter() - start - proof_time
        assert follower.size == events, (follower.size, events)
        leaves = [rng.randrange(events) for _ in range(500)]
        t = time.perf_counter()
        for leaf in leaves:
            log.inclusion_proof(leaf, events)
        inclusion_us = (time.perf_counter() - t) / len(leaves) * 1e6
        sizes = [rng.randrange(1, events) for _ in range(200)]
        t = time.perf_counter()
        for m in sizes:
            log.consistency_proof(m, events)
        consistency_us = (time.perf_counter() - t) / len(sizes) * 1e6
        store.close()
        ledger.close()
        return {
            "events": events,
            "page": page,
            "leaves_per_s": round(events / total),
            "leaves_per_s_by_tenth": [round(m) for m in marks],
            "first_over_last_tenth": round(marks[0] / marks[-1], 2) if marks else None,
            "db_transaction_share": round(in_db / total, 2),
            "median_tenth_leaves_per_s": round(statistics.median(marks)) if marks else None,
            "inclusion_proof_us": round(inclusion_us, 1),
            "inclusion_proof_us_by_size": {size: round(us, 1) for size, us in proofs},
            "consistency_proof_us": round(consistency_us, 1),
            "target_leaves_per_s": 50_000 if schema is None else None,
        }
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
