"""Shared helpers for benchmark programs (not a test module).

Benchmarks are programs that print one JSON object. They compare side by
side in one run — rounds of the measured path and of its baseline are
interleaved and the medians compared — because these machines are shared
and noisy: ratios are meaningful, absolute times less so.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["PG_DSN", "drop_schema", "emit", "interleaved", "machine", "postgres_schema"]

PG_DSN = os.environ.get("ELICENSE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_schema() -> tuple[str | None, str | None]:
    """A ledger DSN in a fresh PostgreSQL schema, or ``None`` and why not (never raises)."""
    import uuid

    try:
        import psycopg
    except ImportError:
        return None, "psycopg not installed (pip install 'elicense[postgres]')"
    schema = "bench_" + uuid.uuid4().hex[:10]
    try:
        with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5) as c:
            c.execute(f"CREATE SCHEMA {schema}")
    except Exception as e:  # report, do not fail: this is a benchmark
        return None, f"PostgreSQL unreachable at {PG_DSN}: {e}"
    return f"{PG_DSN}?schema={schema}", None


def drop_schema(dsn: str) -> None:
    """Drop the schema :func:`postgres_schema` made."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as c:
        c.execute(f"DROP SCHEMA {dsn.rsplit('schema=', 1)[1]} CASCADE")


def machine() -> dict[str, Any]:
    """Facts about where the benchmark ran."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def interleaved(fns: dict[str, Callable[[], int]], rounds: int = 7) -> dict[str, dict[str, float]]:
    """Run each function ``rounds`` times, alternating; each returns the operation count.

    Returns, per name, the median seconds per operation and its spread.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t = time.perf_counter()
            ops = fn()
            samples[name].append((time.perf_counter() - t) / ops)
    return {
        name: {
            "median_us": statistics.median(s) * 1e6,
            "min_us": min(s) * 1e6,
            "max_us": max(s) * 1e6,
        }
        for name, s in samples.items()
    }


def emit(result: dict[str, Any]) -> None:
    """Print the result as one JSON object."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
