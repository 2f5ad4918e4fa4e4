"""Signature-path verification of exported license documents vs bare signature verifies.

For licenses with k = 1, 2, 3, 5 signed events: ``Verifier.verify`` of the
exported document (trust bundle already loaded) against k bare
``cryptography`` verifies of the very same statement bytes with the same
keys (the library's own call, no elicense wrapper; for SM2 the suite's
verify), interleaved in one run. Then ``verify_many`` on all cores against
one thread (median of several runs).

A third column, ``format_floor``, times what any verifier of this document
format must do besides the signature checks, and nothing else: decode the
document, re-encode it to prove it canonical, decode each record and its
statement, hash each record for the chain and the history digest, build each
signing input, and the k bare verifies. Its ratio is the lowest this format
allows in this process, whatever the checks around it cost.

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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters"))

from _common import emit, interleaved, machine

from elicense.acts import decode_statement
from elicense.codec import ENCODER
from elicense.documents import decode_document, history_digest
from elicense.ledger.application import Ledger
from elicense.ledger.export import SealCache, export_license, export_trust_bundle
from elicense.record import decode_record
from elicense.verify.chain import lean_record
from elicense.verify.history import _head
from elicense.verify.inputs import doc_view
from elicense.verify.verifier import Verifier
from elicense.wire import signing_input
from elicense_demo.scenario import LICENSE_TYPES, City

KS = (1, 2, 3, 5)


def _history(city: City, spec: object, serial: int, k: int) -> list[object]:
    """Statements after the issuance that give the license k events in all."""
    d = city.departments[spec.department]  # type: ignore[attr-defined]
    lid = city.license_id(spec, serial)  # type: ignore[arg-type]
    desk = d.desk  # offline: the history is signed ahead, against known versions
    current = str(lid)
    out = [desk.amend(current, changes={}, reason="变更", template=city.binding(spec),
                      expected_version=1)]  # fmt: skip
    current = str(lid.next_version())
    if k > 2:
        out.append(desk.suspend(current, reason="暂扣", expected_version=2))
    if k > 3:
        out.append(desk.reinstate(current, reason="发还", expected_version=3))
    if k > 4:
        out.append(desk.renew(current, valid_until=date(2040, 1, 1), reason="延续",
                              expected_version=4))  # fmt: skip
    return out[: k - 1]


def _bare_verify(key: object) -> Any:
    """The signature library's own verify for ``key``, without elicense's wrapper."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = getattr(key, "_key", None)
    if isinstance(raw, ec.EllipticCurvePublicKey):
        ecdsa = ec.ECDSA(hashes.SHA256())
        return lambda sig, data: raw.verify(sig, data, ecdsa)
    if raw is not None and hasattr(raw, "verify"):  # Ed25519
        return raw.verify
    return key.verify  # type: ignore[attr-defined]  # SM2: the suite's call into gmssl-pyx


def _format_floor(docs: list[bytes], items: list[tuple[Any, bytes, bytes]]) -> int:
    """The steps the document format forces on any verifier (see the module docstring):
    the verifier's own decoders and digest, none of its checks."""
    it = iter(items)
    for data in docs:
        view = doc_view.decode(data)
        assert ENCODER.encode(view) == data
        for pr in view.events:
            rec = lean_record(pr.record)
            verify, sig, _ = next(it)
            verify(sig, signing_input(_head.decode(rec.statement).kind, rec.statement))
        history_digest(view.events)  # each record's hash: the chain's and the digest's
    return len(docs)


def build(
    alg: str, docs: int
) -> tuple[Verifier, dict[int, list[bytes]], dict[int, list[tuple[Any, bytes, bytes]]]]:
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
    keys = {d.seal_code: _bare_verify(d.key.public_key) for d in city.departments}
    bare: dict[int, list[tuple[Any, bytes, bytes]]] = {}
    for k in KS:
        items = []
        for doc in exported[k]:
            for pr in decode_document(doc).events:
                rec = decode_record(pr.record)
                act = decode_statement(rec.statement)
                data = signing_input(act.kind, rec.statement)
                keys[act.seal](rec.signature, data)  # raises unless it verifies
                items.append((keys[act.seal], rec.signature, data))
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

        def baseline(items: list[tuple[Any, bytes, bytes]] = items, n: int = len(docs)) -> int:
            for verify, sig, data in items:
                verify(sig, data)
            return n  # per document: k bare verifies

        def floor(docs: list[bytes] = docs, items: list[Any] = items) -> int:
            return _format_floor(docs, items)

        r = interleaved(
            {"elicense_verify": ours, "bare_k_verifies": baseline, "format_floor": floor},
            args.rounds,
        )
        bare_us = r["bare_k_verifies"]["median_us"]
        per_k[f"k={k}"] = {
            **r,
            "ratio": r["elicense_verify"]["median_us"] / bare_us,
            "format_floor_ratio": r["format_floor"]["median_us"] / bare_us,
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
