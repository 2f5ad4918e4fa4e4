"""The log follower: appends every recorded event to the log, exactly once.

It polls the ledger's notification log in pages of 1,000 or more — the query
of eventsourcing's ``select_notifications``, through
:class:`~elicense_sql.events.EventTable` (eventsourcing 9.5.6 has no
``subscribe()`` on SQLite; the follower polls on PostgreSQL too, which keeps
one code path) — hashes
each stored ``state`` into its leaf, extends the in-memory
:class:`~elicense.merkle_nodes.Frontier` and writes the page — leaves, new
nodes, the status heads it moves, the tracking row — in one transaction
(:meth:`~elicense_sql.log_store.SqlLogStore.append`). Killed anywhere, it
restarts from the tracking row and the frontier stored with it: no gap, no
duplicate; a second follower running at the same time is refused by the
tracking check instead of writing twice.

**Status projection.** With each leaf the log keeps its aggregate, version
and the license's status after it, from the topic alone (issued, amended,
renewed, reinstated → valid; suspended → suspended; revoked, expired →
invalid; anything else is not a license event). At each checkpoint the status
lists are built from that (:meth:`~elicense_sql.log_store.SqlLogStore.heads`):
a record is a license's newest unless a later record has the next version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from elicense.log.heads import HEAD_STATUS
from elicense_sql.events import EventTable
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import NOT_LICENSE, LeafColumns, SqlLogStore

__all__ = ["LogFollower"]

DEFAULT_PAGE = 1_000


class LogFollower:
    """Follows one ledger's notification log into its SQL log.

    Args:
        store: the log's tables.
        events: where the events are read (default: the ledger's event table on the
            store's connection, :class:`~elicense_sql.events.EventTable`).
        page: notifications per read and per transaction.
    """

    def __init__(
        self, store: SqlLogStore, *, events: EventTable | None = None, page: int = DEFAULT_PAGE
    ) -> None:
        if page < 1:
            raise ValueError(f"page must be ≥ 1, found {page}")
        self.events = events or EventTable(store.sql)
        self.store = store
        self.page = page
        self.reload()

    def reload(self) -> None:
        """Resume from the stored tracking row and frontier."""
        self.position, size = self.store.state()
        self.frontier = self.store.frontier(size)

    @property
    def size(self) -> int:
        """Leaves logged so far."""
        return self.frontier.size

    def step(self) -> int:
        """Log the next page of notifications; return how many leaves it appended."""
        items = self.events.select(self.position + 1, self.page)
        if not items:
            return 0
        leaf = self.store.algorithm._new
        size = self.frontier.size
        hashes = [leaf(b"\x00" + e.state).digest() for e in items]
        status = HEAD_STATUS.get
        columns = LeafColumns(
            [e.position for e in items],
            [e.aggregate for e in items],
            [e.version for e in items],
            bytes([status(e.topic, NOT_LICENSE) for e in items]),
        )
        frontier = self.frontier.copy()
        nodes = frontier.extend(hashes)
        self.store.append(
            expected=(self.position, size),
            leaves=columns,
            nodes=nodes,
            position=items[-1].position,
            size=frontier.size,
        )
        self.frontier, self.position = frontier, items[-1].position
        return len(items)

    def catch_up(self, on_page: Callable[[int], object] | None = None) -> int:
        """Log every notification recorded so far; return the leaves appended."""
        total = 0
        while n := self.step():
            total += n
            if on_page is not None:
                on_page(n)
        return total

    def run(
        self,
        *,
        interval: float = 1.0,
        stop: threading.Event | None = None,
        log: SqlLog | None = None,
        signer: Any = None,
        checkpoint_every: float | None = None,
        on_page: Callable[[int], object] | None = None,
    ) -> None:
        """Follow until ``stop`` is set: catch up, then poll every ``interval`` seconds.

        With ``log``, ``signer`` and ``checkpoint_every``, also sign a checkpoint (and
        its status lists) every ``checkpoint_every`` seconds when the log has grown.
        """
        stop = stop or threading.Event()
        last_checkpoint = time.monotonic()
        checkpointed = -1
        while not stop.is_set():
            grew = self.catch_up(on_page)
            due = checkpoint_every is not None and (
                time.monotonic() - last_checkpoint >= checkpoint_every
            )
            if due and log is not None and signer is not None and self.size != checkpointed:
                log.checkpoint(signer)
                checkpointed, last_checkpoint = self.size, time.monotonic()
            if not grew:
                stop.wait(interval)
