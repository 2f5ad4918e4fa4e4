"""The service behind the routes: one ledger, per-thread log readers and verifiers,
submissions with idempotent replays, and waiting for inclusion.

Handlers run in worker threads (the ledger and the SQL tables are synchronous),
so whatever holds a connection that is not thread-safe is kept per thread.
Nothing kept here is needed for correctness: a second worker process, or a
restart, answers the same from the database.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from typing import Any

from elicense.acts import Signed, decode_statement
from elicense.errors import (
    BatchRefusedError,
    ConflictError,
    DuplicateError,
    RefusedError,
    StorageError,
)
from elicense.ledger import rules
from elicense.ledger.application import BatchResult, Ledger, Receipt
from elicense.log.evidence import LogEvidence
from elicense.record import decode_record
from elicense.verdict import Verdict

__all__ = ["Service", "Submitted"]


class Submitted:
    """A submission's outcome: the receipts (fresh or found), the partial refusals, and
    whether every receipt was already in the ledger (a replay)."""

    __slots__ = ("receipts", "refusals", "replayed")

    def __init__(
        self, receipts: list[Receipt], refusals: list[tuple[int, RefusedError]], replayed: bool
    ) -> None:
        self.receipts = receipts
        self.refusals = refusals
        self.replayed = replayed


class Service:
    """What the routes call.

    Args:
        ledger: the ledger (shared by the threads of this process).
        signer: the platform key (signs the trust bundle).
    """

    def __init__(self, ledger: Ledger, signer: Any) -> None:
        self.ledger = ledger
        self.dsn = ledger.dsn
        self.signer = signer
        self._local = threading.local()
        self._write = threading.Lock()  # the ledger's caches assume one writer per instance
        self._bundle: tuple[tuple[int, int], bytes] | None = None
        self._note: tuple[Any, bytes] | None = None

    # -- per-thread readers --------------------------------------------------------------------

    def log(self) -> Any:
        """This thread's :class:`~elicense_sql.log_proofs.SqlLog` (``None`` for memory:)."""
        log = getattr(self._local, "log", None)
        if log is None and self.dsn != "memory:":
            from elicense_sql.log_proofs import SqlLog
            from elicense_sql.log_store import SqlLogStore

            log = SqlLog(SqlLogStore.open(self.dsn), self.ledger.origin)
            self._local.log = log
        return log

    def verifier(self) -> Any:
        """This thread's online verifier (replays the ledger, proves into the log)."""
        v = getattr(self._local, "verifier", None)
        if v is None:
            from elicense.verify.verifier import Verifier

            v = Verifier.from_ledger(self.ledger, log=self.log(), workers=1)
            self._local.verifier = v
        return v

    def forget_thread_state(self) -> None:
        """Drop this thread's connections (after a store error: reconnect next time)."""
        log = getattr(self._local, "log", None)
        self._local.log = None
        self._local.verifier = None
        if log is not None:
            with contextlib.suppress(Exception):  # the connection is gone already
                log.store.close()

    # -- writing -------------------------------------------------------------------------------

    def submit(self, statements: Sequence[Signed], *, partial: bool) -> Submitted:
        """Record ``statements`` (one transaction), or find them already recorded.

        A statement refused as a duplicate or a stale version whose exact bytes and
        signature the ledger already holds is answered with the receipt of that
        record (idempotent replay): the answer comes from the ledger, so it is the
        same in every worker. In an all-or-nothing batch whose refusals are all such
        replays, the others are submitted again on their own.

        Raises:
            BatchRefusedError: (not partial) refusals that are not replays.
            ConflictError: a concurrent writer won; nothing recorded.
        """
        with self._write:
            try:
                result: BatchResult = self.ledger.submit_many(statements, partial=partial)
            except BatchRefusedError as e:
                found = self._recorded(statements, e.refusals)
                if len(found) < len(e.refusals):
                    raise
                rest = [i for i in range(len(statements)) if i not in found]
                fresh: list[Receipt] = []
                if rest:
                    again = self.ledger.submit_many([statements[i] for i in rest])
                    fresh = [_reindex(r, rest[r.index]) for r in again.receipts]
                receipts = sorted([*found.values(), *fresh], key=lambda r: r.index)
                return Submitted(receipts, [], replayed=not rest)
            except ConflictError:
                # Another worker recorded the same subjects first: if it recorded exactly
                # these statements, this is a concurrent replay and gets the same answer.
                everything = [(i, ConflictError("")) for i in range(len(statements))]
                found = self._recorded(statements, everything)
                if len(found) < len(statements):
                    raise
                return Submitted([found[i] for i in range(len(statements))], [], replayed=True)
        refusals = list(result.refusals)
        found = self._recorded(statements, refusals) if refusals else {}
        refusals = [(i, e) for i, e in refusals if i not in found]
        receipts = sorted([*result.receipts, *found.values()], key=lambda r: r.index)
        return Submitted(receipts, refusals, replayed=bool(found) and not result.receipts)

    def _recorded(
        self, statements: Sequence[Signed], refusals: Sequence[tuple[int, RefusedError]]
    ) -> dict[int, Receipt]:
        """The receipts of refused statements the ledger already holds, verbatim."""
        found: dict[int, Receipt] = {}
        for i, err in refusals:
            if not isinstance(err, DuplicateError | ConflictError):
                continue
            receipt = self._find(statements[i], i)
            if receipt is not None:
                found[i] = receipt
        return found

    def _find(self, signed: Signed, index: int) -> Receipt | None:
        act = decode_statement(signed.statement)
        reg = rules.RULES.get(act.kind)
        if reg is None or reg.targets is None:
            return None
        try:
            targets = reg.targets(act)
        except Exception:
            return None
        recorder: Any = self.ledger.recorder
        for aggregate_id in targets:
            for position, stored in recorder.select_positioned(aggregate_id):
                data = bytes(stored.state)
                record = decode_record(data)
                if record.statement != signed.statement or record.signature != signed.signature:
                    continue
                event = self.ledger.mapper.to_domain_event(stored)
                from elicense.codec import sha256

                return Receipt(
                    index=index,
                    kind=act.kind,
                    subject=act.subject,
                    aggregate_id=record.aggregate_id,
                    version=record.version,
                    position=position,
                    event_hash=sha256(data),
                    refused=getattr(event, "refusal_code", None),
                )
        return None

    def wait_for_inclusion(
        self, receipts: Sequence[Receipt], timeout: float
    ) -> list[LogEvidence | None]:
        """Per receipt, its evidence once a checkpoint covers it (polls the log's
        tables, so whichever process is the writer, the wait ends when it signs)."""
        log = self.log()
        if log is None or not receipts:
            return [None] * len(receipts)
        newest = max(r.position for r in receipts)
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            log.trust_material()  # picks up a checkpoint signed by another process
            if log.evidence(newest) is not None or time.monotonic() >= deadline:
                break
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)
        return [log.evidence(r.position) for r in receipts]

    # -- reading -------------------------------------------------------------------------------

    def leaf_index(self, leaf_hash: str) -> int:
        """The index of the leaf whose hash is ``leaf_hash`` (hex), scanning the stored
        leaf chunks (the log keeps no hash index: O(leaves / 256) row reads).

        Raises:
            ServiceError: 400 for a malformed hash, 404 ``log.hash.unknown``.
        """
        from elicense_http.problems import ServiceError

        try:
            wanted = bytes.fromhex(leaf_hash)
        except ValueError:
            wanted = b""
        if len(wanted) != 32:
            raise ServiceError(400, "request.query.invalid", "leaf_hash: expected 64 hex digits")
        log = self.log()
        size = log.store.state()[1] if log is not None else 0
        for chunk in range(-(-size // 256)):
            data = log.store._stored_chunk(chunk)  # level 0: key == chunk
            at = data.find(wanted)
            while at >= 0 and at % 32:
                at = data.find(wanted, at + 1)
            if at >= 0 and chunk * 256 + at // 32 < size:
                return int(chunk * 256 + at // 32)
        raise ServiceError(404, "log.hash.unknown", "no leaf with that hash")

    def checkpoint_at(self, at: Any) -> int | None:
        """The tree size of the newest checkpoint signed at or before ``at``."""
        log = self.log()
        best = None
        for signed in log.signed_checkpoints() if log is not None else []:
            cp = signed.decoded()
            if cp.timestamp <= at:
                best = cp.tree_size
        return best

    def cached_note(self, checkpoint: Any, make: Any) -> bytes:
        """The signed note of ``checkpoint`` (signed once per checkpoint in this process)."""
        key = (checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp)
        found = self._note
        if found is None or found[0] != key:
            found = (key, make(checkpoint, self.signer))
            self._note = found
        return found[1]

    def verify(self, document: bytes | str) -> Verdict:
        """The verdict ``elicense verify --json`` gives for ``document`` online."""
        try:
            verdict: Verdict = self.verifier().verify(document)
        except StorageError:  # this thread's connections are broken: reconnect next time
            self.forget_thread_state()
            raise
        return verdict

    def verify_json(self, document: bytes | str) -> bytes:
        """:meth:`verify` as the verdict's JSON bytes (``Verdict.to_json``)."""
        return self.verify(document).to_json()

    def trust_bundle(self) -> bytes:
        """The platform-signed trust bundle with the newest checkpoint and status lists
        (re-signed only when the ledger or the log moved on)."""
        from elicense.ledger.export import export_trust_bundle

        log = self.log()
        material = log.trust_material() if log is not None else None
        key = (
            self.ledger.max_position(),
            material.checkpoint.decoded().tree_size if material else -1,
        )
        if self._bundle is None or self._bundle[0] != key:
            self._bundle = (key, export_trust_bundle(self.ledger, self.signer, log))
        return self._bundle[1]


def _reindex(receipt: Receipt, index: int) -> Receipt:
    import msgspec

    return msgspec.structs.replace(receipt, index=index)
