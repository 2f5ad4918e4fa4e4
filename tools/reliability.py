"""The reliability program: kill -9, corrupted rows and fuzzing, one JSON summary.

Usage (from the repository root, with the test extras installed)::

    python tools/reliability.py [--short | --long] [--postgres] [--seed N]

- **kills during ingest**: a child process records signed issuances and
  acknowledges each record after the ledger returned; it is SIGKILLed at random
  moments. Every acknowledged record must be in the ledger, no batch half-written.
- **kills during the log follower**: exactly-once afterwards (leaves = events up
  to the tracked position), and the final audit finds nothing.
- **corrupted rows**: tests/test_corruption.py's bit flips in event rows and log
  nodes, each detected and located by the audit.
- **fuzzing** every public parser of outside bytes with mutants of real exported
  originals: license documents (signature and log path), verify-me payload text,
  the trust bundle, the GB/T 38540 seal (.esl), an OFD file, a license PDF.
  Counted: cases, unhandled exceptions, ``verifier.internal_error`` verdicts and
  mutants accepted as valid although they mean something no original means.

``--short`` (the default, about a minute; run by tests/test_reliability.py):
3 + 3 kills, 40 + 15 flips, 20,000 fuzz cases. ``--long`` (before a release):
20 + 20 kills, 1,000 + 200 flips, 1,000,000 fuzz cases. ``--postgres`` also runs
the kills and the flips on PostgreSQL (``ELICENSE_TEST_POSTGRES_DSN``, a fresh
schema, dropped afterwards). Prints one JSON object; exit 0 when nothing was
lost, broken, missed, unhandled or accepted, else 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rel_world import ROOT, build_world

MODES = {
    "short": {"kills": 3, "event_flips": 40, "log_flips": 15, "fuzz_cases": 20_000},
    "long": {"kills": 20, "event_flips": 1_000, "log_flips": 200, "fuzz_cases": 1_000_000},
}
PG_DSN = os.environ.get("ELICENSE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """GmSSL prints a line on fd 2 for every failed SM2 verification: millions when
    fuzzing. Silenced at the descriptor while fuzzing (outcomes are counted, not printed)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile's "Duplicate name" for rebuilt OFDs
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def _postgres_schema() -> Iterator[str]:
    import psycopg

    schema = "rel_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_DSN}?schema={schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def _backends(folder: Path, postgres: bool) -> Iterator[tuple[str, Any]]:
    """``(name, a context manager giving a fresh DSN)`` for each backend asked for."""

    @contextlib.contextmanager
    def sqlite() -> Iterator[str]:
        yield str(folder / f"ledger-{uuid.uuid4().hex[:8]}.db")

    yield "sqlite", sqlite
    if postgres:
        yield "postgresql", _postgres_schema


def failures(report: dict[str, Any]) -> list[str]:
    """Every figure of ``report`` that must be zero and is not, as ``path = value``."""
    out: list[str] = []
    for backend, r in report.get("kills", {}).items():
        for path, value in (
            ("ingest.lost", r["ingest"]["lost"]),
            ("ingest.half_written_batches", r["ingest"]["half_written_batches"]),
            ("follower.not_exactly_once", r["follower"]["not_exactly_once"]),
            ("audit.findings", len(r["audit"]["findings"]) + (not r["audit"]["ok"])),
        ):
            if value:
                out.append(f"kills.{backend}.{path} = {value}")
    for backend, r in report.get("corruption", {}).items():
        for part in ("event_rows", "log_nodes"):
            if r[part]["missed"]:
                out.append(f"corruption.{backend}.{part}.missed = {r[part]['missed']}")
        if not r["audit_clean_before_and_after"]:
            out.append(f"corruption.{backend}.audit_clean_before_and_after = false")
    fuzz = report.get("fuzz", {})
    for key in ("unhandled", "internal_error", "accepted", "mutator_errors"):
        if fuzz.get(key):
            out.append(f"fuzz.{key} = {fuzz[key]}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--short",
        action="store_const",
        const="short",
        dest="mode",
        help="about a minute (default): 3+3 kills, 55 flips, 20,000 cases",
    )
    size.add_argument("--long", action="store_const", const="long", dest="mode",
                      help="for releases: 20+20 kills, 1,200 flips, 1,000,000 cases")  # fmt: skip
    p.add_argument("--postgres", action="store_true", help="kills and flips on PostgreSQL too")
    p.add_argument("--seed", type=int, default=17, help="seed of every random choice")
    p.add_argument("--kills", type=int, help="kills of each kind (overrides the mode)")
    p.add_argument("--flips", type=int, help="event-row flips (overrides; log: a fifth)")
    p.add_argument("--fuzz-cases", type=int, help="fuzz cases in all (overrides the mode)")
    p.add_argument("--only", choices=["kills", "corruption", "fuzz"], action="append",
                   help="run only these parts (repeatable)")  # fmt: skip
    p.add_argument("--save", metavar="DIR", help="write failing fuzz inputs here")
    p.add_argument("--out", metavar="FILE", help="also write the JSON here, after each part")
    args = p.parse_args(argv)
    mode = dict(MODES[args.mode or "short"])
    if args.kills is not None:
        mode["kills"] = args.kills
    if args.flips is not None:
        mode["event_flips"], mode["log_flips"] = args.flips, max(args.flips // 5, 15)
    if args.fuzz_cases is not None:
        mode["fuzz_cases"] = args.fuzz_cases
    parts = set(args.only or ["kills", "corruption", "fuzz"])
    started = time.time()
    report: dict[str, Any] = {
        "program": "tools/reliability.py",
        "mode": args.mode or "short",
        "seed": args.seed,
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }

    def partial() -> None:  # what is known so far survives a crash or a kill
        if args.out:
            report["seconds"] = round(time.time() - started, 1)
            Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")

    with tempfile.TemporaryDirectory(prefix="elicense-reliability-") as tmp:
        folder = Path(tmp)
        if "kills" in parts:
            from _rel_kills import kill_run

            report["kills"] = {}
            for name, fresh in _backends(folder, args.postgres):
                with fresh() as dsn:
                    report["kills"][name] = kill_run(dsn, folder, mode["kills"], args.seed)
                partial()
        if "corruption" in parts:
            from _rel_corrupt import corruption_run

            report["corruption"] = {}
            for name, fresh in _backends(folder, args.postgres):
                with fresh() as dsn:
                    report["corruption"][name] = corruption_run(
                        dsn, mode["event_flips"], mode["log_flips"], args.seed
                    )
                partial()
        if "fuzz" in parts:
            from _rel_fuzz import fuzz

            world = build_world(str(folder / "fuzz.db"), seed=args.seed)
            try:
                with _quiet_stderr():
                    save = Path(args.save) if args.save else None
                    report["fuzz"] = {"targets": {}}

                    def done(name: str, figures: dict[str, Any]) -> None:
                        report["fuzz"]["targets"][name] = figures
                        partial()

                    report["fuzz"] = fuzz(
                        world, mode["fuzz_cases"], args.seed, save=save, on_target=done
                    )
            finally:
                world.close()
    report["seconds"] = round(time.time() - started, 1)
    report["failures"] = failures(report)
    report["ok"] = not report["failures"]
    partial()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
