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
from typing import NoReturn

import msgspec

from elicense.cli._common import EXIT_INPUT, EXIT_NO, UsageError
from elicense.errors import (
    BatchRefusedError,
    ElicenseError,
    IdentifierError,
    KeyFormatError,
    NotFoundError,
    RefusedError,
    StorageError,
    UnsupportedAlgorithmError,
)
from elicense.verdict import VerificationError

__all__ = ["EXIT_INTERRUPTED", "build_parser", "error_code", "exit_status", "main"]

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
    "check",
    "show",
    "seal_export",
)
"""Modules under :mod:`elicense.cli` that each add commands via ``register(subparsers)``."""


EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (what was wrong, where to look)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group registered."""
    from elicense import __version__

    parser = _Parser(
        prog="elicense",
        description="E-license (电子证照) and electronic-seal (电子印章) ledger.",
        epilog="exit status: 0 valid/done, 1 invalid or refused, 2 input or usage error, "
        "130 interrupted (README: 'Exit status').",
    )
    parser.add_argument("--version", action="version", version=f"elicense {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"elicense.cli.{name}").register(sub)
    return parser


def exit_status(error: BaseException) -> int:
    """The one rule (README "Exit status"): 1 when the ledger or a verifier said no by a
    rule, 2 for everything the user must fix (input, files, keys, trust, the ledger's
    store, names that do not exist), 130 for Ctrl-C."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, NotFoundError):
        return EXIT_INPUT
    if isinstance(error, RefusedError | BatchRefusedError | VerificationError):
        return EXIT_NO
    return EXIT_INPUT


_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (UsageError, "usage.invalid"),
    (KeyFormatError, "key.unusable"),
    (StorageError, "ledger.unavailable"),
    (IdentifierError, "identifier.invalid"),
    (UnsupportedAlgorithmError, "alg.unsupported"),
    (OSError, "file.unreadable"),
)


def error_code(error: BaseException) -> str:
    """A dotted code for ``--json`` errors: the error's own, else one per kind."""
    own = getattr(error, "code", None)
    if isinstance(own, str):
        return own
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return "input.invalid"


def error_line(error: BaseException) -> str:
    """One line saying what went wrong (the first line of the message, never cut)."""
    if isinstance(error, OSError) and error.filename is not None:
        text = f"{error.filename}: {error.strerror or error}"
    elif isinstance(error, RefusedError) and not isinstance(error, NotFoundError):
        text = f"refused ({error.code}): {error}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.splitlines()[0].split()) if text.strip() else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``elicense`` command; return the exit status (see :func:`exit_status`)."""
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help/--version
            return int(e.code or 0)
        return int(args.func(args))
    except KeyboardInterrupt as e:
        print(
            "elicense: interrupted (Ctrl-C): stopped before the next write; "
            "what was recorded is whole",
            file=sys.stderr,
        )
        return exit_status(e)
    except (UsageError, ElicenseError, OSError) as e:
        if getattr(args, "json", False):
            out = {"ok": False, "error": {"code": error_code(e), "message": str(e)}}
            sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
        print(f"elicense: error: {error_line(e)}", file=sys.stderr)
        return exit_status(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
