"""Bulk issuance: licenses recorded per second, signing and checks included.

A city is founded, then licenses are issued in batches of 100 statements
(no follower or projection running): each statement is built and signed by
a department seal and checked and recorded by the ledger. Two ways, in one
run, on SQLite (a temporary file) and PostgreSQL (``ELICENSE_TEST_POSTGRES_DSN``,
default the local server; skipped with a note if unreachable):

- ``sequential``: one thread signs a batch, then the ledger records it;
- ``pipelined``: a department thread signs the next batch while the ledger
  records the previous one (how a department system feeds the platform).

Usage: python benchmarks/ingest.py [--licenses 20000] [--alg ecdsa-p256-sha256]
Targets (issue 2): ≥ 4,000/s on SQLite and ≥ 2,000/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import emit, machine  # noqa: E402

from elicense.ledger.application import Ledger  # noqa: E402
from elicense.scenario import LICENSE_TYPES, City  # noqa: E402

BATCH = 100
PG_DSN = os.environ.get("ELICENSE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _sequential(city: City, ledger: Ledger, start: int, n: int) -> float:
    t = time.perf_counter()
    for b in range(start, start + n, BATCH):
        batch = [city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i)
                 for i in range(b, min(b + BATCH, start + n))]
        ledger.submit_many(batch)
    return n / (time.perf_counter() - t)


def _pipelined(city: City, ledger: Ledger, start: int, n: int) -> float:
    q: queue.Queue[list[Any] | None] = queue.Queue(maxsize=4)

    def sign() -> None:
        for b in range(start, start + n, BATCH):
            q.put([city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i)
                   for i in range(b, min(b + BATCH, start + n))])
        q.put(None)

    t = time.perf_counter()
    worker = threading.Thread(target=sign, daemon=True)
    worker.start()
    while (batch := q.get()) is not None:
        ledger.submit_many(batch)
    worker.join()
    return n / (time.perf_counter() - t)


def run(dsn: str, licenses: int, alg: str) -> dict[str, Any]:
    city = City(alg=alg)
    ledger = Ledger(dsn)
    try:
        ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
        ledger.submit_many(city.founding())
        _sequential(city, ledger, 10_000_000, 500)  # warm caches and connections
        half = licenses // 2
        seq = _sequential(city, ledger, 0, half)
        pipe = _pipelined(city, ledger, half, licenses - half)
        return {"sequential_per_s": seq, "pipelined_per_s": pipe,
                "recorded": ledger.max_position()}
    finally:
        ledger.close()


def _postgres() -> tuple[str | None, str | None]:
    try:
        import psycopg
    except ImportError:
        return None, "psycopg not installed (pip install 'elicense[postgres]')"
    schema = "bench_" + uuid.uuid4().hex[:10]
    try:
        with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5) as c:
            c.execute(f"CREATE SCHEMA {schema}")
    except Exception as e:  # report, do not fail: this is a benchmark
        return None, f"PostgreSQL unreachable at {PG_DSN}: {e}"
    return f"{PG_DSN}?schema={schema}", None


def _drop(dsn: str) -> None:
    import psycopg

    schema = dsn.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_DSN, autocommit=True) as c:
        c.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=20_000)
    parser.add_argument("--alg", default="ecdsa-p256-sha256")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(str(Path(tmp) / "bench.db"), args.licenses, args.alg)
    dsn, why = _postgres()
    if dsn is None:
        results["postgresql"] = {"skipped": why}
    else:
        try:
            results["postgresql"] = run(dsn, args.licenses, args.alg)
        finally:
            _drop(dsn)
    emit({"benchmark": "ingest (licenses/s, signing and checks included, batches of 100)",
          "alg": args.alg, "licenses": args.licenses, "results": results,
          "targets": {"sqlite_min_per_s": 4000, "postgresql_min_per_s": 2000},
          "machine": machine()})


if __name__ == "__main__":
    main()
