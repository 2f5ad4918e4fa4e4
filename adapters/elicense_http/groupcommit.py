"""Group commit: uses that arrive together are recorded in one ledger transaction.

A use recorded on its own costs one transaction (its commit, its reads of the
license, the consent and the sharing list); recording four together costs
about a third as much per use (measured: ≈ 900 µs a use alone, ≈ 320 µs a use
in fours, SQLite). The HTTP service answers each department's request on its
own, so the requests that reach the ledger while a batch is being recorded are
gathered on the event loop and recorded together by the next one — with
:meth:`~elicense.reuse.service.ReuseService.use_many` in partial mode — and
each request gets its own answer: a use recorded (used, or refused by a rule),
or the error that says it was not validly made (nothing recorded), the same
answer it would have had alone.

Nobody waits for a batch to fill: a request that finds no batch in flight
waits one turn of the event loop (so the requests read in the same turn join
it) and is recorded. Batches are recorded one at a time: on the event loop
itself (SQLite: no thread hop, measured faster), or in a worker thread while
the loop goes on reading and authenticating the next requests (PostgreSQL:
the loop does not wait out the network round trips).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import anyio.to_thread

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Records items in batches: what queued while the previous batch was recorded.

    Args:
        record: items → one answer per item, in order: a result, or an exception to raise
            in that item's caller. Called from one thread at a time by this object; an
            exception it raises is every item's answer.
        limit: the largest batch.
        in_thread: record in a worker thread (the loop reads on meanwhile: for a store
            across the network); else on the event loop itself (no thread hop: SQLite).
    """

    def __init__(
        self,
        record: Callable[[Sequence[Item]], Sequence[Result | BaseException]],
        *,
        limit: int = 32,
        in_thread: bool = True,
    ) -> None:
        self._record = record
        self._limit = limit
        self._in_thread = in_thread
        self._pending: list[tuple[Item, asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None
        self.batches = 0
        """Batches recorded so far."""
        self.items = 0
        """Items recorded so far (``items / batches``: the mean batch)."""

    async def submit(self, item: Item) -> Result:
        """Record ``item`` with the others that queue meanwhile; its answer."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        result: Result = await future
        return result

    async def _drain(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # one more turn: the requests read meanwhile join
                batch = self._pending[: self._limit]
                del self._pending[: self._limit]
                items = [item for item, _ in batch]
                try:
                    if self._in_thread:
                        answers = await anyio.to_thread.run_sync(self._answers, items)
                    else:
                        answers = self._answers(items)
                except BaseException as e:  # cancelled: nobody is left waiting for ever
                    for _, future in [*batch, *self._pending]:
                        if not future.done():
                            future.set_exception(RuntimeError(f"not recorded: {e!r}"))
                    self._pending.clear()
                    raise
                for (_, future), answer in zip(batch, answers, strict=True):
                    if future.done():  # the caller went away; what is recorded stays
                        continue
                    if isinstance(answer, BaseException):
                        future.set_exception(answer)
                    else:
                        future.set_result(answer)
        finally:
            self._draining = None

    def _answers(self, items: Sequence[Item]) -> Sequence[Result | BaseException]:
        answers: Sequence[Result | BaseException]
        try:
            answers = self._record(items)
            if len(answers) != len(items):
                raise RuntimeError(f"{len(answers)} answers for a batch of {len(items)}")
        except Exception as e:  # every item's answer
            answers = [e] * len(items)
        self.batches += 1
        self.items += len(items)
        return answers
