"""Conventions shared by every ``elicense`` command.

- ``--json`` prints exactly one JSON object on stdout;
- exit 0 for yes/valid, 1 for no/invalid, 2 for a usage or input error;
- without ``--json`` output is readable and a failure says why in one line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

import msgspec

__all__ = ["EXIT_INPUT", "EXIT_NO", "EXIT_OK", "UsageError", "add_json_flag", "emit", "fail"]

EXIT_OK = 0
EXIT_NO = 1
EXIT_INPUT = 2


class UsageError(Exception):
    """A usage or input error: the command exits 2 with this message."""


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the common ``--json`` flag."""
    parser.add_argument(
        "--json", action="store_true", help="print exactly one JSON object on stdout"
    )


def emit(args: argparse.Namespace, obj: dict[str, Any], text: str | None = None) -> None:
    """Print ``obj`` as one JSON object with ``--json``, else ``text`` (or a readable dump)."""
    if getattr(args, "json", False):
        sys.stdout.write(msgspec.json.encode(obj).decode() + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")
    else:
        for k, v in obj.items():
            sys.stdout.write(f"{k}: {v}\n")
    sys.stdout.flush()


def fail(message: str) -> NoReturn:
    """Abort the command with a usage/input error (exit 2)."""
    raise UsageError(message)
