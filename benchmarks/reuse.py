"""Recording a use vs recording an issuance, same batch size, one run.

A demo city is founded, its sharing lists granted, a base of licenses issued
and type-scoped consents recorded for their holders. Then, in interleaved
rounds, batches of 100 pre-signed statements are recorded:

- ``issue``: ``license.issue`` statements (new licenses);
- ``use``: ``use.request`` statements of those base licenses under the
  consents (each recorded as ``Used``, with its disclosure);
- ``use_with_view``: the same through the platform's ``ReuseService``,
  which also reads back each ``Used`` record and license version and signs
  the field-minimised view the department receives.

Signing by the departments is done before timing: what is measured is the
ledger's work (decode, signature check, rules, store). SQLite in a
temporary file; PostgreSQL (``ELICENSE_TEST_POSTGRES_DSN``, default the local
server) when reachable.

Usage: python benchmarks/reuse.py [--batches 5] [--rounds 9] [--alg ecdsa-p256-sha256]
Target (issue 5): use ≤ 1.5 × issue.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters"))

from _common import drop_schema, emit, machine, postgres_schema

from elicense.acts import Signed, decode_statement
from elicense.codec import utc_now
from elicense.ledger.application import Ledger
from elicense.reuse.service import ReuseService
from elicense_demo.reuse_scenario import SHARING, ReuseCity
from elicense_demo.scenario import City

BATCH = 100
BASE = 2_000  # licenses that the measured uses use


def _prepare(city: City, reuse: ReuseCity, ledger: Ledger) -> list[tuple[Any, str, str]]:
    """Found the city, share, issue the base licenses, record consents; return use targets."""
    ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
    ledger.submit_many(city.founding())
    ledger.submit_many(list(reuse.sharing_statements()))
    by_number = {e.number: e for e in SHARING}
    specs = [reuse.specs[e.number] for e in SHARING]
    targets: list[tuple[Any, str, str]] = []
    batch: list[Signed] = []
    until = utc_now() + timedelta(days=30)
    for n in range(BASE):
        spec = specs[n % len(specs)]
        issued = city.issuance(spec, n)
        holder = decode_statement(issued.statement).holder.code  # type: ignore[attr-defined]
        entry = by_number[spec.number]
        code = f"CN{n:08d}"
        batch += [
            issued,
            reuse.consent(code, holder=holder, number=spec.number, entry=entry, valid_until=until),
        ]
        targets.append((entry, decode_statement(issued.statement).subject, code))
        if len(batch) >= BATCH:
            ledger.submit_many(batch)
            batch = []
    if batch:
        ledger.submit_many(batch)
    return targets


def run(dsn: str, batches: int, rounds: int, alg: str) -> dict[str, Any]:
    city = City(alg=alg)
    reuse = ReuseCity(city)
    ledger = Ledger(dsn)
    try:
        targets = _prepare(city, reuse, ledger)
        service = ReuseService(ledger, city.platform_key)
        specs = list(reuse.specs.values())
        n_issue, n_use = 10_000_000, 0

        def issues() -> list[list[Signed]]:
            nonlocal n_issue
            out = []
            for _ in range(batches):
                out.append(
                    [
                        city.issuance(specs[i % len(specs)], i)
                        for i in range(n_issue, n_issue + BATCH)
                    ]
                )
                n_issue += BATCH
            return out

        def uses() -> list[list[Signed]]:
            nonlocal n_use
            out = []
            for _ in range(batches):
                batch = []
                for i in range(n_use, n_use + BATCH):
                    entry, lid, code = targets[i % len(targets)]
                    batch.append(reuse.use(i, entry=entry, consent=code, license=lid))
                out.append(batch)
                n_use += BATCH
            return out

        def timed(fn: Any, work: list[list[Signed]]) -> float:
            t = time.perf_counter()
            for b in work:
                fn(b)
            return (time.perf_counter() - t) / (len(work) * BATCH)

        def record_uses(b: list[Signed]) -> None:
            result = ledger.submit_many(b)
            assert all(r.refused is None for r in result.receipts), "every measured use is used"

        for _ in range(2):  # warm caches and connections
            timed(ledger.submit_many, issues())
            timed(record_uses, uses())
        samples: dict[str, list[float]] = {"issue": [], "use": [], "use_with_view": []}
        for _ in range(rounds):  # prepared (signed) outside the timings, interleaved
            work = {"issue": issues(), "use": uses(), "use_with_view": uses()}
            samples["issue"].append(timed(ledger.submit_many, work["issue"]))
            samples["use"].append(timed(record_uses, work["use"]))
            samples["use_with_view"].append(timed(service.use_many, work["use_with_view"]))
        med = {k: statistics.median(v) * 1e6 for k, v in samples.items()}

        def ratio(name: str) -> float:  # per round, then the median: noise hits both sides
            return round(
                statistics.median(
                    u / i for u, i in zip(samples[name], samples["issue"], strict=True)
                ),
                3,
            )

        return {
            "per_statement_us": {k: round(v, 1) for k, v in med.items()},
            "spread_us": {
                k: [round(min(v) * 1e6, 1), round(max(v) * 1e6, 1)] for k, v in samples.items()
            },
            "use_over_issue": ratio("use"),
            "use_with_view_over_issue": ratio("use_with_view"),
            "statements_per_sample": batches * BATCH,
            "recorded": ledger.max_position(),
        }
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5, help="batches of 100 per sample")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--alg", default="ecdsa-p256-sha256")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(str(Path(tmp) / "bench.db"), args.batches, args.rounds, args.alg)
    dsn, why = (None, "--no-postgres") if args.no_postgres else postgres_schema()
    if dsn is None:
        results["postgresql"] = {"skipped": why}
    else:
        try:
            results["postgresql"] = run(dsn, args.batches, args.rounds, args.alg)
        finally:
            drop_schema(dsn)
    emit(
        {
            "benchmark": "recording a use vs recording an issuance (batches of 100, pre-signed)",
            "alg": args.alg,
            "results": results,
            "target": {"use_over_issue_max": 1.5},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
