"""Signature-path verification of exported license documents vs bare signature verifies.

For licenses with k = 1, 2, 3, 5 signed events: ``Verifier.verify`` of the
exported document (trust bundle already loaded) against k bare
``cryptography`` verifies of the very same statement bytes with the same
keys, interleaved in one run. Then ``verify_many`` on all cores against one
thread (median of several runs).

Usage: python benchmarks/verify.py [--alg ecdsa-p256-sha256] [--docs 300] [--rounds 7]
Target (issue 2): ratio ≤ 1.15 per k; verify_many ≥ 1.7× one thread on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import emit, interleaved, machine

from elicense import acts
from elicense.ledger.application import Ledger
from elicense.ledger.export import SealCache, export_license, export_trust_bundle
from elicense.record import decode_record
from elicense.scenario import LICENSE_TYPES, City
from elicense.statement import decode_statement, signing_input
from elicense.verify.formats import decode_document
from elicense.verify.verifier import Verifier

KS = (1, 2, 3, 5)


def _history(city: City, spec: object, serial: int, k: int) -> list[object]:
    """Statements after the issuance that give the license k events in all."""
    d = city.departments[spec.department]  # type: ignore[attr-defined]
    lid = city.license_id(spec, serial)  # type: ignore[arg-type]
    out = []
    steps = [
        ("amend", acts.AmendLicense, {"changes": {}, "reason": "变更"}),
        ("suspend", acts.SuspendLicense, {"reason": "暂扣"}),
        ("reinstate", acts.ReinstateLicense, {"reason": "发还"}),
        ("renew", acts.RenewLicense, {"valid_until": date(2040, 1, 1), "reason": "延续"}),
    ]
    current = lid
    for version, (name, cls, fields) in enumerate(steps[: k - 1], start=1):
        out.append(d.signatory.sign(cls, subject=str(current), expected_version=version, **fields))
        if name in ("amend", "renew"):
            current = current.next_version()
    return out


def build(
    alg: str, docs: int
) -> tuple[Verifier, dict[int, list[bytes]], dict[int, list[tuple[object, bytes, bytes]]]]:
    city = City(alg=alg)
    ledger = Ledger("memory:")
    ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
    ledger.submit_many(city.founding())
    specs = [s for s in LICENSE_TYPES if s.years]  # renewable types
    plan: dict[int, list[tuple[object, int]]] = {k: [] for k in KS}
    serial = 0
    for k in KS:
        for _ in range(docs):
            spec = specs[serial % len(specs)]
            plan[k].append((spec, serial))
            serial += 1
    for k in KS:
        batch = []
        for spec, n in plan[k]:
            batch.append(city.issuance(spec, n))  # type: ignore[arg-type]
            batch += _history(city, spec, n, k)
            if len(batch) >= 100:
                ledger.submit_many(batch)
                batch = []
        if batch:
            ledger.submit_many(batch)
    bundle = export_trust_bundle(ledger, city.platform_key)
    verifier = Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key])
    seals = SealCache(ledger)
    exported = {
        k: [export_license(ledger, str(city.license_id(s, n)), seals) for s, n in plan[k]]  # type: ignore[arg-type]
        for k in KS
    }
    keys = {d.seal_code: d.key.public_key for d in city.departments}
    bare: dict[int, list[tuple[object, bytes, bytes]]] = {}
    for k in KS:
        items = []
        for doc in exported[k]:
            for pr in decode_document(doc).events:
                rec = decode_record(pr.record)
                act = decode_statement(rec.statement)
                items.append(
                    (keys[act.seal], rec.signature, signing_input(act.kind, rec.statement))
                )
        bare[k] = items
    ledger.close()
    return verifier, exported, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alg", default="ecdsa-p256-sha256")
    parser.add_argument("--docs", type=int, default=300, help="documents per k")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    verifier, exported, bare = build(args.alg, args.docs)
    for k in KS:  # every document must verify, or the timing means nothing
        bad = [v for v in verifier.verify_many(exported[k]) if not v.ok and v.status != "suspended"]
        assert not bad, bad[0].to_dict()

    per_k = {}
    for k in KS:
        docs, items = exported[k], bare[k]

        def ours(docs: list[bytes] = docs) -> int:
            for d in docs:
                verifier.verify(d)
            return len(docs)

        def baseline(items: list[tuple[object, bytes, bytes]] = items, n: int = len(docs)) -> int:
            for key, sig, data in items:
                key.verify(sig, data)  # type: ignore[attr-defined]
            return n  # per document: k bare verifies

        r = interleaved({"elicense_verify": ours, "bare_k_verifies": baseline}, args.rounds)
        per_k[f"k={k}"] = {
            **r,
            "ratio": r["elicense_verify"]["median_us"] / r["bare_k_verifies"]["median_us"],
        }

    docs = [d for k in KS for d in exported[k]]
    verifier.verify_many(docs)  # start the worker pool once: it persists across calls
    speedups = []
    for _ in range(5):
        t = time.perf_counter()
        for d in docs:
            verifier.verify(d)
        one = time.perf_counter() - t
        t = time.perf_counter()
        verifier.verify_many(docs)
        many = time.perf_counter() - t
        speedups.append(one / many)
    mode = "processes" if verifier._processes is not None else "threads"
    verifier.close()
    emit(
        {
            "benchmark": "verify (signature path, exported documents)",
            "alg": args.alg,
            "documents_per_k": args.docs,
            "per_k": per_k,
            "verify_many": {
                "workers": verifier.workers,
                "mode": mode,
                "speedup_runs": speedups,
                "speedup_median": statistics.median(speedups),
            },
            "targets": {"ratio_max": 1.15, "verify_many_speedup_min_on_2_cores": 1.7},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
