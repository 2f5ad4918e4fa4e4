"""Corrupted rows: tests/test_corruption.py's flips, counted for the report.

Each flip changes one bit of one stored value — an event row's column or a
byte of the log's node table — runs the audit and restores the row; every
change must be detected (a finding) and located (at the flipped position or
naming the flipped node), and nothing else accused. The flips and their
judgement are the test module's own functions, so the program and the suite
cannot drift apart.
"""

from __future__ import annotations

import random
from typing import Any

import _rel_world  # noqa: F401 - puts src, adapters and tests on sys.path

__all__ = ["corruption_run"]


def corruption_run(dsn: str, event_flips: int, log_flips: int, seed: int) -> dict[str, Any]:
    """``event_flips`` event-row flips and ``log_flips`` log-node flips on ``dsn``."""
    import test_corruption as tc

    led = tc.Ledger(dsn)
    try:
        clean_before = led.audit().ok
        rng = random.Random(seed)
        events, nodes = tc.Tally(), tc.Tally()
        while sum(events.flips.values()) < event_flips:
            tc._event_flip(led, rng, events)
        while sum(nodes.flips.values()) < log_flips:
            tc._log_flip(led, rng, nodes)
        clean_after = led.audit().ok
    finally:
        led.close()

    def figures(t: Any) -> dict[str, Any]:
        total = sum(t.flips.values())
        return {
            "flips": total,
            "by_kind": dict(sorted(t.flips.items())),
            "detected": t.detected,
            "located": t.located,
            "missed": total - t.located,
            "redrawn": t.redrawn,
            "examples": t.failures[:3],
        }

    return {
        "event_rows": figures(events),
        "log_nodes": figures(nodes),
        "audit_clean_before_and_after": clean_before and clean_after,
    }
