"""Verifying many documents in worker processes that each load the trust bundle once.

Verification is half Python, half signature checks; only processes run both
halves in parallel (threads overlap only the signature checks, and not at all
with a suite that holds the GIL, like the SM2 backend). Workers are spawned,
so the calling program must be import-safe (``if __name__ == "__main__":``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

import msgspec

from elicense.verdict import Verdict

__all__ = ["PROCESS_MIN", "BundleWorkers"]

PROCESS_MIN = 256
"""Documents below which verify_many does not start worker processes (spawning
costs about a second; an already running pool is used for any batch)."""

_WORKER: list[Any] = []
_verdicts = msgspec.msgpack.Decoder(list[Verdict])


def _start_worker(make_verifier: Callable[[], Any]) -> None:
    """Process-pool initializer: build this worker's verifier (loads the bundle) once."""
    _WORKER[:] = [make_verifier()]


def _verify_in_worker(docs: list[Any], at: datetime) -> bytes:
    # One msgpack blob per chunk: far cheaper to send back than pickled Structs.
    return msgspec.msgpack.encode([_WORKER[0].verify(d, at=at) for d in docs])


class BundleWorkers:
    """``workers - 1`` worker processes; the caller's process is the last worker.

    Args:
        workers: verifiers in all, this process included.
        make_verifier: a picklable callable building one worker's verifier
            (e.g. a ``functools.partial`` of ``Verifier.from_bundle``).
    """

    def __init__(self, workers: int, make_verifier: Callable[[], Any]) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            workers - 1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(make_verifier,),
        )

    def verify(
        self, chunks: Sequence[list[Any]], at: datetime, here: Callable[[list[Any]], list[Verdict]]
    ) -> list[Verdict]:
        """Verdicts of every chunk, in order; this process verifies every ``workers``-th
        chunk itself (``here``) while the worker processes take the rest."""
        mine = range(0, len(chunks), self.workers)
        futures = {
            i: self._pool.submit(_verify_in_worker, c, at)
            for i, c in enumerate(chunks)
            if i % self.workers
        }
        done = {i: here(chunks[i]) for i in mine}
        return [
            v
            for i in range(len(chunks))
            for v in (done[i] if i in done else _verdicts.decode(futures[i].result()))
        ]

    def shutdown(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown()
