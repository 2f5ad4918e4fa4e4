"""Signature checks of a batch in worker processes (``Ledger(verify_processes=N)``).

A worker imports only the signing suites and holds nothing of the ledger: it
is handed ``(alg, public key, signing input, signature)`` tuples and answers
one byte per check, 1 when the signature verifies.

The ledger talks to each worker over a bare pipe, from the thread that
submits: a ``ProcessPoolExecutor`` would move the bytes with helper threads,
and each of their steps would wait for the GIL that the submitting thread
holds while it runs the batch's other checks — the very overlap wanted.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import msgspec

from elicense.crypto.suites import public_key

__all__ = ["VerifyWorkers", "verify_jobs"]

Job = tuple[str, bytes, bytes, bytes]


def verify_jobs(jobs: Sequence[Job]) -> bytes:
    """One byte per ``(alg, spki, data, signature)``: 1 if it verifies, else 0."""
    return bytes(public_key(alg, spki).verify(sig, data) for alg, spki, data, sig in jobs)


def _serve(conn: Connection) -> None:
    """A worker's loop: a msgpack list of jobs in, their result bytes out; b"" ends it."""
    jobs = msgspec.msgpack.Decoder(list[tuple[str, bytes, bytes, bytes]])
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not data:
            return
        try:
            conn.send_bytes(verify_jobs(jobs.decode(data)))
        except Exception:  # a job that cannot even be read: say "not verified" for all
            conn.send_bytes(b"")


class VerifyWorkers:
    """``count`` worker processes, each at the end of a pipe (spawned: the program
    must be import-safe).

    Raises (from :meth:`results`):
        OSError: a worker died; the caller verifies in process instead.
    """

    def __init__(self, count: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._workers: list[tuple[Any, Connection]] = []
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="elicense-verify")
            proc.start()
            child.close()
            self._workers.append((proc, parent))
        self._sizes: list[int] = []

    def submit(self, jobs: Sequence[Job]) -> None:
        """Send ``jobs`` to the workers, split evenly (answers: :meth:`results`)."""
        n = len(self._workers)
        size = -(-len(jobs) // n)
        self._sizes = []
        for k, (_, conn) in enumerate(self._workers):
            part = jobs[k * size : (k + 1) * size]
            conn.send_bytes(msgspec.msgpack.encode(part))
            self._sizes.append(len(part))

    def results(self) -> bytes:
        """The answers to the last :meth:`submit`, in job order."""
        out = []
        for (_, conn), size in zip(self._workers, self._sizes, strict=True):
            try:
                answer = conn.recv_bytes()
            except EOFError:
                raise OSError("a signature-verifying worker process ended") from None
            out.append(answer if len(answer) == size else bytes(size))
        return b"".join(out)

    def close(self) -> None:
        """Stop the workers."""
        for proc, conn in self._workers:
            with contextlib.suppress(OSError):
                conn.send_bytes(b"")
            conn.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self._workers = []
