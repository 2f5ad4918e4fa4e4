"""``elicense demo``: run a city's e-license platform end to end on SQLite."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from elicense.cli._common import EXIT_OK, add_json_flag, emit, fail
from elicense.cli._log_demo import log_phase, log_text
from elicense.cli._reuse_demo import DEFAULT_USES, SEED_USES, reuse_phase, reuse_text

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add ``demo``."""
    p = sub.add_parser(
        "demo",
        help="found a demo city, issue and verify licenses (SQLite)",
        description="Found a city's e-license platform in a fresh directory: seals filed, "
        "license types defined, licenses issued in batches, some amended, suspended and "
        "revoked, then every license exported and verified offline.",
    )
    p.add_argument("--dir", metavar="DIR", help="fresh directory (default ./elicense-demo[-N])")
    p.add_argument("--licenses", type=int, default=20_000, help="licenses to issue (20,000)")
    p.add_argument("--approvals", type=int, help="approvals to issue (default: city proportion)")
    p.add_argument(
        "--scale",
        choices=["city"],
        help="city: 153,218 licenses, 2,889 approvals and the seeds' 43,543 uses",
    )
    p.add_argument("--alg", help="signing algorithm (default: sm2-sm3 if installed, else P-256)")
    p.add_argument(
        "--no-log",
        action="store_true",
        help="skip the transparency-log phase (follow, checkpoint, log-path verification, audit)",
    )
    p.add_argument("--seed", type=int, default=2026, help="seed of the city's random data")
    p.add_argument(
        "--uses",
        type=int,
        help="reuse phase: uses recorded as used (default 10,000; --uses 43543 or --scale "
        "city records the seeds' 43,543; 0 skips the phase)",
    )
    add_json_flag(p)
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from elicense.demo import CITY_APPROVALS, CITY_LICENSES, fresh_directory, run_demo

    licenses, approvals = args.licenses, args.approvals
    if args.scale == "city":
        licenses, approvals = CITY_LICENSES, CITY_APPROVALS
    if licenses < 1:
        fail("--licenses must be at least 1")
    try:
        directory = fresh_directory(args.dir)
    except FileExistsError as e:
        fail(str(e))
    if not args.json:
        print(f"elicense demo: writing the ledger and keys into {directory.resolve()}")
    bars: dict[str, Any] = {}
    total = licenses + (approvals if approvals is not None else licenses * 2889 // 153218)

    def tick(stage: str, n: int) -> None:
        if stage not in bars:
            for b in bars.values():
                b.close()
            label = {"issue": "issuing", "verify": "verifying", "reuse": "reusing"}[stage]
            bars[stage] = tqdm(
                total=args.uses if stage == "reuse" else total,
                desc=label,
                unit=" use" if stage == "reuse" else " lic",
                file=sys.stderr,
                disable=True if args.json else None,
                leave=False,
            )
        bars[stage].update(n)

    if args.uses is None:
        args.uses = SEED_USES if args.scale == "city" else DEFAULT_USES
    if args.uses < 0:
        fail("--uses must be at least 0")
    report = run_demo(
        directory,
        licenses=licenses,
        approvals=approvals,
        alg=args.alg,
        seed=args.seed,
        progress=tick,
        reuse=reuse_phase(args, tick) if args.uses else None,
        log=None if args.no_log else log_phase(args.seed),
    )
    for b in bars.values():
        b.close()
    obj = asdict(report) | {
        "ok": True,
        "issue_rate": report.issue_rate,
        "verify_rate": report.verify_rate,
    }
    emit(args, obj, _text(report))
    return EXIT_OK


def _text(r: Any) -> str:
    lines = [
        f"ledger      {r.ledger} (SQLite), signatures {r.alg}",
        f"founded     platform key, {r.departments} departments with filed seals, "
        f"{r.types} license and approval types",
        f"issued      {r.issued:,} licenses and {r.approvals:,} approvals in "
        f"{r.issue_seconds:.1f} s — {r.issue_rate:,.0f}/s, signing and checks included",
        "lifecycle   " + ", ".join(f"{v:,} {k}" for k, v in r.lifecycle.items()),
        f"trust       bundle of {r.bundle_bytes / 1e6:.1f} MB signed by the platform",
        f"verified    {r.verified:,} exported documents offline in {r.verify_seconds:.1f} s — "
        f"{r.verify_rate:,.0f}/s on all cores (export took {r.export_seconds:.1f} s)",
    ]
    for outcome, n in sorted(r.outcomes.items(), key=lambda kv: -kv[1]):
        lines.append(f"              {n:>8,}  {outcome}")
    lines.append("by type and status:")
    statuses = sorted({s for v in r.by_type.values() for s in v})
    lines.append(f"  {'':26}" + "".join(f"{s:>8}" for s in statuses))
    for name, counts in sorted(r.by_type.items()):
        pad = 26 - sum(2 if ord(c) > 127 else 1 for c in name)
        lines.append(
            f"  {name}{' ' * max(pad, 1)}" + "".join(f"{counts.get(s, 0):>8,}" for s in statuses)
        )
    lines.append("files:")
    for k, v in r.files.items():
        lines.append(f"  {k:16} {v}")
    if r.reuse:
        lines += reuse_text(r.reuse)
    if r.log:
        lines += log_text(r.log)
    lines.append(f"try:  elicense verify --ledger {r.ledger} {r.sample}")
    if r.reuse:
        lines.append(f"      elicense stats --ledger {r.ledger} --check")
    if r.log:
        lines.append(f"      elicense log audit --ledger {r.ledger}")
    return "\n".join(lines)
