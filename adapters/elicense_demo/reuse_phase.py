"""The reuse phase of ``elicense demo``, wired to the SQL read model, and its text.

Kept apart from :mod:`elicense_demo.cli` so the demo command only gains a
flag and two calls; the phase itself is :func:`elicense_demo.reuse_run.run_reuse_phase`.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

__all__ = ["DEFAULT_USES", "SEED_USES", "reuse_phase", "reuse_text"]

SEED_USES = 43_543
"""The seeds' 用证量 (one district, one year): ``--uses 43543`` or ``--scale city``."""
DEFAULT_USES = 10_000
"""Uses of the default run: with SM2 (the default suite, about 1 ms per verification
and holding the GIL) the seeds' 43,543 would take the default demo past two minutes
on two cores; with ``--alg ecdsa-p256-sha256`` they take about 45 s."""


def reuse_phase(args: argparse.Namespace, tick: Any) -> Any:
    """The reuse phase as a ``run_demo(reuse=…)`` hook, wired to :mod:`elicense_sql`."""

    def phase(ledger: Any, city: Any, trust: Any, directory: Any) -> dict[str, Any]:
        from elicense_demo.reuse_run import run_reuse_phase
        from elicense_sql import SqlStore
        from elicense_sql.reuse import ReuseProjection

        with SqlStore(ledger.dsn) as store:
            r = run_reuse_phase(
                ledger,
                city,
                trust,
                directory,
                model=ReuseProjection(store),
                uses=args.uses,
                seed=args.seed,
                progress=tick,
            )
        return asdict(r) | {"rate": r.rate}

    return phase


def reuse_text(u: dict[str, Any]) -> list[str]:
    """The demo's lines about the reuse phase (``u``: the phase's report as a dict)."""
    from elicense.cli.reuse import format_statistics
    from elicense.reuse.stats import Statistics

    stats = Statistics(**{k: v for k, v in u["statistics"].items() if not k.endswith("_rate")})
    lines = [
        f"reuse       {u['sharing_entries']} sharing-list entries; {u['consents']:,} consents "
        f"({u['withdrawn']} withdrawn); {u['uses']:,} uses recorded as used and "
        f"{u['refused']:,} as refused in {u['seconds']:.1f} s — {u['rate']:,.0f}/s, consents, "
        "signed views and checks included",
        f"            {u['views']:,} field-minimised views and {u['copies']:,} annotated copies "
        f"(加注件) signed by the platform; {u['by_holder_and_type']} uses by holder and type",
        f"read model  caught up in {u['projection_seconds']:.1f} s; a full replay "
        f"({u['replay_seconds']:.1f} s) " + ("agrees" if u["replay_agrees"] else "DISAGREES"),
    ]
    for code, n in sorted(u["unrecorded"].items()):
        lines.append(f"  UNEXPECTED: {n} statement(s) refused and not recorded: {code}")
    for outcome, n in sorted(u["verified"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  verified {n:>6,}  {outcome}")
    lines += ["statistics:"]
    lines += ["  " + x for x in format_statistics(stats, u["names"]).split("\n")]
    for k, v in u["files"].items():
        lines.append(f"  {k:16} {v}")
    return lines
