"""The transparency-log phase of ``elicense demo``, wired to the SQL log store.

The follower appends every recorded event to the log (RFC 9162 Merkle tree in
SQL tables), the platform signs a checkpoint with its status lists, a trust
bundle carrying them is exported, a sample of licenses is exported with
inclusion proofs and verified on the log path (no signature per license),
and the audit recomputes every leaf from the stored events.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

__all__ = ["SAMPLE", "log_phase", "log_sample", "log_text"]

SAMPLE = 2_000
"""Licenses verified on the log path in the default run (their export reads proofs)."""


def log_sample(ids: list[str], seed: int, k: int = SAMPLE) -> list[str]:
    """The licenses the log phase verifies: drawn from a stream of their own.

    ``random.Random(seed).sample`` over a population of the plan's size would
    pick exactly the lifecycle phase's first picks (all of them amended, so
    every sampled license would read valid).
    """
    return random.Random(f"log-sample-{seed}").sample(ids, k=min(k, len(ids)))


def log_phase(seed: int) -> Any:
    """The log phase as a ``run_demo(log=…)`` hook, wired to :mod:`elicense_sql`."""

    def phase(ledger: Any, city: Any, ids: list[str], directory: Path) -> dict[str, Any]:
        from elicense.ledger.export import SealCache, export_license, export_trust_bundle
        from elicense.verify.verifier import Verifier
        from elicense_sql.follower import LogFollower
        from elicense_sql.log_proofs import SqlLog
        from elicense_sql.log_store import SqlLogStore

        out: dict[str, Any] = {}
        with SqlLogStore.open(ledger.dsn) as store:
            log = SqlLog(store, ledger.origin)
            t = time.perf_counter()
            out["appended"] = LogFollower(store).catch_up()
            out["append_seconds"] = time.perf_counter() - t
            cp = log.checkpoint(city.platform_key).decoded()
            out["checkpoint"] = {"tree_size": cp.tree_size, "root_hash": cp.root_hash.hex()}
            bundle = export_trust_bundle(ledger, city.platform_key, log)
            path = directory / "trust-bundle-with-log.json"
            path.write_bytes(bundle)
            out["bundle"] = str(path)
            sample = log_sample(ids, seed)
            seals = SealCache(ledger)
            docs = [export_license(ledger, i, seals, log) for i in sample]
            (directory / "sample-license-with-proof.json").write_bytes(docs[0])
            with Verifier.from_bundle(
                bundle, platform_keys=[city.platform_key.public_key]
            ) as verifier:
                t = time.perf_counter()
                verdicts = [verifier.verify(d) for d in docs]
                out["verify_seconds"] = time.perf_counter() - t
            out["verified"] = len(verdicts)
            out["on_log_path"] = sum(v.evidence.get("path") == "log" for v in verdicts)
            outcomes: dict[str, int] = {}
            for v in verdicts:
                key = f"{v.outcome}" + (f" ({v.status})" if v.status else "")
                outcomes[key] = outcomes.get(key, 0) + 1
            out["outcomes"] = outcomes
            t = time.perf_counter()
            keys = {k.key_id: k for k in [city.platform_key.public_key]}
            report = log.audit(keys.get)
            out["audit_seconds"] = time.perf_counter() - t
            out["audit_ok"] = report.ok
            out["audit_findings"] = len(report.findings)
        return out

    return phase


def log_text(r: dict[str, Any]) -> list[str]:
    """The log phase's lines of the demo's report."""
    rate = r["appended"] / r["append_seconds"] if r["append_seconds"] else 0.0
    per = r["verify_seconds"] / r["verified"] * 1e6 if r["verified"] else 0.0
    cp = r["checkpoint"]
    lines = [
        f"log         {r['appended']:,} events appended in {r['append_seconds']:.1f} s "
        f"({rate:,.0f}/s); checkpoint of {cp['tree_size']:,} signed, root "
        f"{cp['root_hash'][:16]}…",
        f"            {r['verified']:,} licenses with inclusion proofs verified in "
        f"{r['verify_seconds']:.2f} s ({per:.0f} µs each, one thread), "
        f"{r['on_log_path']:,} on the log path with no signature verified",
    ]
    for outcome, n in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]):
        lines.append(f"              {n:>8,}  {outcome}")
    lines.append(
        f"audit       every leaf recomputed from the stored events in {r['audit_seconds']:.1f} s: "
        + ("no tampering found" if r["audit_ok"] else f"{r['audit_findings']} problem(s)")
    )
    return lines
