"""The one log writer: whichever process wins the election follows the ledger into the
log and signs checkpoints; every other process only reads.

Election is by the database, so nothing of a worker's memory matters:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a key derived
  from the ledger's schema, held by a connection of its own for as long as the
  writer runs. If the writer's process dies, its connection drops and the lock
  goes with it; another worker's next attempt wins.
- SQLite: an exclusive ``flock`` on ``<ledger>.log-writer.lock`` beside the file
  (SQLite serves one machine; the kernel releases the lock with the process).

The follower itself refuses a second writer too (its tracking row,
:mod:`elicense_sql.follower`), so the election is for economy and for one
signer of checkpoints, not the last line of defence.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from typing import Any

from elicense.ledger.storage import settings_for

__all__ = ["Election", "LogWriter"]

_log = logging.getLogger("elicense_http.writer")


class Election:
    """Try to become the one log writer of the ledger at ``dsn``."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._held: Any = None

    @property
    def held(self) -> bool:
        """Whether this process holds the writer's lock."""
        return self._held is not None

    def try_acquire(self) -> bool:
        """Take the lock if free; never waits."""
        if self._held is not None:
            return True
        settings = settings_for(self.dsn)
        if settings["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            return self._try_postgres(settings)
        if settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            return self._try_file(settings["SQLITE_DBNAME"])
        self._held = True  # memory: one process by definition
        return True

    def _try_postgres(self, settings: dict[str, str]) -> bool:
        import psycopg

        key = int.from_bytes(
            hashlib.sha256(f"elicense-log-writer:{self.dsn}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        conn = psycopg.connect(self.dsn.split("?", 1)[0], autocommit=True)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        except BaseException:
            conn.close()
            raise
        if row is None or not row[0]:
            conn.close()
            return False
        self._held = conn
        return True

    def _try_file(self, path: str) -> bool:
        import fcntl

        fd = os.open(path + ".log-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._held = fd
        return True

    def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection can drop)."""
        if self._held is None:
            return False
        if isinstance(self._held, int) or self._held is True:
            return True
        try:
            self._held.execute("SELECT 1")
        except Exception:
            self.release()
            return False
        return True

    def release(self) -> None:
        """Give the lock up."""
        held, self._held = self._held, None
        if isinstance(held, bool) or held is None:
            return
        if isinstance(held, int):
            os.close(held)  # closing the descriptor drops the flock
        else:
            try:
                held.close()
            except Exception:
                _log.debug("closing the election connection failed", exc_info=True)


class LogWriter(threading.Thread):
    """A daemon thread: elect, then follow the ledger into the log and sign checkpoints.

    Args:
        dsn: the ledger's DSN.
        origin: the ledger's origin (checkpoints name it).
        signer: the platform key.
        interval: seconds between polls of the ledger.
        checkpoint_every: seconds between checkpoints while the log grows.
        retry: seconds between election attempts and after a store error.
    """

    def __init__(
        self,
        dsn: str,
        origin: str,
        signer: Any,
        *,
        interval: float = 0.05,
        checkpoint_every: float = 0.5,
        retry: float = 1.0,
    ) -> None:
        super().__init__(name="elicense-log-writer", daemon=True)
        self.dsn = dsn
        self.origin = origin
        self.signer = signer
        self.interval = interval
        self.checkpoint_every = checkpoint_every
        self.retry = retry
        self.election = Election(dsn)
        self.stop_event = threading.Event()
        self.checkpoints = 0

    @property
    def elected(self) -> bool:
        """Whether this process is the log writer now."""
        return self.election.held

    def stop(self) -> None:
        """Stop following and give up the election."""
        self.stop_event.set()
        self.join(timeout=10)

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if self.election.try_acquire():
                    _log.info("log writer elected (pid %d)", os.getpid())
                    self._follow()
            except Exception:  # the store went away: step down, retry later
                _log.warning("log writer: store error, retrying", exc_info=True)
            self.election.release()
            self.stop_event.wait(self.retry)

    def _follow(self) -> None:
        from elicense_sql.follower import LogFollower
        from elicense_sql.log_proofs import SqlLog
        from elicense_sql.log_store import SqlLogStore

        with SqlLogStore.open(self.dsn) as store:
            follower = LogFollower(store)
            log = SqlLog(store, self.origin)
            latest = log.latest()
            signed_size = latest.decoded().tree_size if latest is not None else -1
            last = 0.0
            while not self.stop_event.is_set():
                grew = follower.catch_up()
                now = time.monotonic()
                if follower.size != signed_size and now - last >= self.checkpoint_every:
                    log.checkpoint(self.signer)
                    self.checkpoints += 1
                    signed_size, last = follower.size, now
                    continue
                if not grew and not self.election.alive():
                    return
                # Wait even when the log grew: under a steady write load, following at
                # once after each catch-up appended a few leaves at a time and took the
                # GIL from the request handlers (measured: ~16 % of batched submission);
                # every `interval` it appends what came meanwhile in one page.
                self.stop_event.wait(self.interval)
