"""``elicense demo``: run a city's e-license platform end to end on SQLite.

The demo city lives outside the library, in the :mod:`elicense_demo` package
(installed with elicense); the command imports it only when it runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from elicense.cli._common import add_json_flag

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
    from elicense_demo.cli import run

    return run(args)
