"""Bulk issuance: licenses recorded per second, signing and checks included.

A city is founded, then licenses are issued in batches of 100 statements
(no follower or projection running): each statement is built and signed by
a department seal and checked and recorded by the ledger. Four ways, in one
run, on SQLite (a temporary file) and PostgreSQL (``ELICENSE_TEST_POSTGRES_DSN``,
default the local server; skipped with a note if unreachable):

- ``sequential``: one thread signs a batch, then the ledger records it;
- ``threaded``: a department thread signs the next batch while the ledger
  records the previous one, in the same process (one GIL);
- ``processes``: a department *process* signs while the ledger process
  records — how it is deployed: department systems sign on their own
  machines and submit signed statements;
- ``processes_verify_worker``: the same, the ledger checking signatures in a
  worker process (``Ledger(verify_processes=1)``) while it runs the other
  checks. The targets are judged on the last two;
- ``ledger_only_presigned`` (not a target's measure: signing is not timed): the
  ledger with a verify worker recording batches signed beforehand, its own
  capacity when departments sign on their own machines.

Usage: python benchmarks/ingest.py [--licenses 20000] [--alg ecdsa-p256-sha256]
Targets (issue 2): ≥ 4,000/s on SQLite and ≥ 2,000/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters"))

from _common import drop_schema, emit, machine, postgres_schema

from elicense.ledger.application import Ledger
from elicense_demo.scenario import LICENSE_TYPES, City

BATCH = 100


def _sequential(city: City, ledger: Ledger, start: int, n: int) -> float:
    t = time.perf_counter()
    for b in range(start, start + n, BATCH):
        batch = [
            city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i)
            for i in range(b, min(b + BATCH, start + n))
        ]
        ledger.submit_many(batch)
    return n / (time.perf_counter() - t)


def _sign_in_process(keys: dict[str, bytes], alg: str, start: int, n: int, q: Any) -> None:
    """A department system: rebuild the city with the same keys, sign, hand over bytes."""
    from elicense.codec import canonical

    city = City(alg=alg, keys=keys)
    q.put("ready")
    for b in range(start, start + n, BATCH):
        q.put(
            [
                canonical(city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i))
                for i in range(b, min(b + BATCH, start + n))
            ]
        )
    q.put(None)


def _processes(city: City, ledger: Ledger, start: int, n: int) -> float:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    q = ctx.Queue(maxsize=8)
    proc = ctx.Process(target=_sign_in_process, args=(city.export_keys(), city.alg, start, n, q))
    proc.start()
    assert q.get() == "ready"  # the department system is up (its start is not timed)
    t = time.perf_counter()
    batch = q.get()
    while batch is not None:
        ledger.submit_many(batch)
        batch = q.get()
    elapsed = time.perf_counter() - t
    proc.join()
    return n / elapsed


def _presigned(city: City, ledger: Ledger, start: int, n: int) -> float:
    """The ledger's own capacity: batches signed beforehand (not timed), as when the
    departments sign on their own machines. Not the target's measure (it includes
    signing); shown so the two costs can be told apart."""
    from elicense.codec import canonical

    batches = [
        [
            canonical(city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i))
            for i in range(b, min(b + BATCH, start + n))
        ]
        for b in range(start, start + n, BATCH)
    ]
    t = time.perf_counter()
    for batch in batches:
        ledger.submit_many(batch)
    return n / (time.perf_counter() - t)


def _threaded(city: City, ledger: Ledger, start: int, n: int) -> float:
    q: queue.Queue[list[Any] | None] = queue.Queue(maxsize=4)

    def sign() -> None:
        for b in range(start, start + n, BATCH):
            q.put(
                [
                    city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i)
                    for i in range(b, min(b + BATCH, start + n))
                ]
            )
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
        quarter = licenses // 4
        seq = _sequential(city, ledger, 0, quarter)
        thr = _threaded(city, ledger, quarter, quarter)
        proc = _processes(city, ledger, 2 * quarter, quarter)
    finally:
        ledger.close()
    # The same deployment, the ledger verifying signatures in a worker process while
    # it runs the other checks (Ledger(verify_processes=1)).
    ledger = Ledger(dsn, verify_processes=1)
    try:
        _sequential(city, ledger, 20_000_000, 500)  # starts the worker, warms caches
        offload = _processes(city, ledger, 3 * quarter, licenses - 3 * quarter)
        presigned = _presigned(city, ledger, 30_000_000, quarter)
        return {
            "sequential_per_s": seq,
            "threaded_per_s": thr,
            "processes_per_s": proc,
            "processes_verify_worker_per_s": offload,
            "ledger_only_presigned_per_s": presigned,
            "recorded": ledger.max_position(),
        }
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=20_000)
    parser.add_argument("--alg", default="ecdsa-p256-sha256")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(str(Path(tmp) / "bench.db"), args.licenses, args.alg)
    dsn, why = postgres_schema()
    if dsn is None:
        results["postgresql"] = {"skipped": why}
    else:
        try:
            results["postgresql"] = run(dsn, args.licenses, args.alg)
        finally:
            drop_schema(dsn)
    emit(
        {
            "benchmark": "ingest (licenses/s, signing and checks included, batches of 100)",
            "alg": args.alg,
            "licenses": args.licenses,
            "results": results,
            "targets": {"sqlite_min_per_s": 4000, "postgresql_min_per_s": 2000},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
