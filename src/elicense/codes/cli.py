"""Command-line ``--json`` error codes for errors without a code of their own.

Each code is documented in docs/codes.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "alg.unsupported": Code(
        "cli",
        "cli",
        "the key or document names a signature algorithm this installation does not support",
    ),
    "file.unreadable": Code(
        "cli", "cli", "a file named on the command line cannot be read (OSError)"
    ),
    "input.invalid": Code(
        "cli", "cli", "any other error without a code of its own: the input is not usable"
    ),
    "key.unusable": Code("cli", "cli", "a key file does not hold a usable key (KeyFormatError)"),
    "ledger.unavailable": Code(
        "cli", "cli", "the ledger's store cannot be opened or read (StorageError)"
    ),
    "usage.invalid": Code(
        "cli", "cli", "the command line itself is wrong: unknown option, missing argument"
    ),
}
"""cli code → its entry."""
