"""The ``elicense`` command: the composition root.

This package is the one place in ``src/`` that wires adapters in (imported
lazily, inside the commands that need them). Each command group lives in its
own module exposing ``register(subparsers)``; :data:`COMMAND_MODULES` lists them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import msgspec

from elicense.cli._common import EXIT_INPUT, UsageError
from elicense.errors import ElicenseError, ProofError

__all__ = ["build_parser", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "setup",
    "submit",
    "verify",
    "ses",
    "ofd",
    "log",
    "demo",
    "reuse",
    "serve",
    "pdf",
)
"""Modules under :mod:`elicense.cli` that each add commands via ``register(subparsers)``."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="elicense",
        description="E-license (电子证照) and electronic-seal (电子印章) ledger.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"elicense.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``elicense`` command; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    try:
        return int(args.func(args))
    except (UsageError, ElicenseError, OSError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        if getattr(args, "json", False):
            code = getattr(e, "code", None) or type(e).__name__
            out = {"ok": False, "error": {"code": code, "message": str(e)}}
            sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
        print(f"elicense: error: {message}", file=sys.stderr)
        # A refusal (a code) is a "no"; a proof the log cannot give is not an answer.
        refused = hasattr(e, "code") and not isinstance(e, UsageError | ProofError)
        return 1 if refused else EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
