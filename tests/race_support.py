"""Worker of the concurrent-open test (not a test module): imported by spawned processes.

Each worker waits at a barrier with the others, then opens the ledger — a fresh
store (and its log's tables), then an established one it writes to — and reports, for every attempt,
``ok``, ``typed <Error>: …`` (an :class:`~elicense.errors.ElicenseError`) or
``untyped <module.Error>: …``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _attempt(action: Callable[[Any], None], arg: Any) -> str:
    from elicense.errors import ElicenseError

    try:
        action(arg)
    except ElicenseError as e:
        return f"typed {type(e).__name__}: {e}"
    except Exception as e:
        return f"untyped {type(e).__module__}.{type(e).__name__}: {e}"
    return "ok"


def open_and_write(
    fresh: list[str], existing: str, statements: list[bytes], barrier: Any, results: Any
) -> None:
    """One worker: per round, open a fresh store at the barrier, then open the established
    ledger at the barrier and record one statement (``statements[round]``)."""
    from elicense.ledger.application import Ledger
    from elicense_sql.log_store import SqlLogStore

    def open_fresh(dsn: str) -> None:
        Ledger(dsn).close()
        SqlLogStore.open(dsn).close()  # the log's tables, created by the first to come

    def open_and_submit(statement: bytes) -> None:
        ledger = Ledger(existing)
        try:
            ledger.submit(statement)
        finally:
            ledger.close()

    for n, dsn in enumerate(fresh):
        barrier.wait(timeout=120)
        results.put(("fresh", n, _attempt(open_fresh, dsn)))
        barrier.wait(timeout=120)
        results.put(("existing", n, _attempt(open_and_submit, statements[n])))
