"""Transparency-log errors and ``elicense log audit`` findings.

Each code is documented in docs/log.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "audit.checkpoint.fork": Code(
        "log", "error", "two signed checkpoints of one size have different roots"
    ),
    "audit.checkpoint.invalid": Code(
        "log", "error", "a stored checkpoint does not verify under the platform keys"
    ),
    "audit.consistency.invalid": Code(
        "log", "error", "the log does not extend the `--since` checkpoint (RFC 9162 §2.1.4)"
    ),
    "audit.event.changed": Code(
        "log", "error", "a row's record bytes hash to another leaf than logged"
    ),
    "audit.event.columns": Code(
        "log",
        "error",
        "a row's id, version or topic column differs from its record, or is stored in another "
        "spelling or type than the event store writes",
    ),
    "audit.event.deleted": Code(
        "log", "error", "a logged position has no row (aggregate from the log)"
    ),
    "audit.event.reordered": Code("log", "error", "two rows swapped places (both positions named)"),
    "audit.event.unlogged": Code("log", "error", "a row inside the logged range the log never saw"),
    "audit.history.mismatch": Code(
        "log",
        "error",
        "the events as stored do not hash to a signed checkpoint: a range, from the last "
        "checkpoint that holds to the first that fails",
    ),
    "audit.log.mismatch": Code(
        "log", "error", "the log's own rows do not hash to a signed checkpoint"
    ),
    "audit.log.node": Code(
        "log",
        "error",
        "a stored node of the log does not hash from the leaves below it, is missing, or lies "
        "beyond the tree (names the node's level and index)",
    ),
    "log.consistency.invalid": Code(
        "log",
        "raised",
        "a consistency proof is well formed but does not lead from the old root to the new one",
    ),
    "log.follower.conflict": Code(
        "log",
        "raised",
        "another log follower moved the log while this one was appending: only one may run",
    ),
}
"""log code → its entry."""
