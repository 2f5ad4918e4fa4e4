"""The Ledger: an eventsourcing Application that records signed statements.

A statement is recorded only if its bytes are canonical, it names this
ledger's origin, its signature verifies under the key its kind needs (a
filed, active seal of the right department; the platform key; or, for
``seal.make``, the new seal's own key), the lifecycle allows it, its
identifiers check, and its subject is not a duplicate (the rules are in
:mod:`elicense.ledger.rules`). A refusal raises a typed
:class:`~elicense.errors.RefusedError` and records nothing.

Batches are saved in one transaction, in statement order (so the ledger order
the verifier judges by is the order the checks were made in). By default a
batch is all-or-nothing and the error names every refused statement; with
``partial=True`` the valid ones are recorded and the refusals returned. A
concurrent write that recorded first surfaces as
:class:`~elicense.errors.ConflictError`, never as a lost update.

This module sets up the storage and runs batches; the checks of one statement
are :mod:`elicense.ledger.judging`, and the reads (``get_seal``, ``history``,
``notifications`` …) are :class:`~elicense.ledger.reads.LedgerReads`, the base
class of :class:`Ledger`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Mapper,
    PersistenceError,
)
from eventsourcing.popo import POPOApplicationRecorder

from elicense.acts import PLATFORM_PREFIX, Signed, Statement, decode_signed, decode_statement
from elicense.codec import Clock, utc_now
from elicense.domain.base import LedgerAggregate, recording
from elicense.domain.license_type import LicenseType
from elicense.domain.platform import Platform
from elicense.domain.seal import Seal
from elicense.errors import (
    BatchRefusedError,
    ConflictError,
    EncodingError,
    InvalidStatementError,
    NotFoundError,
    RefusedError,
    StorageError,
)
from elicense.ledger import rules
from elicense.ledger.judging import check_and_apply, preverify, verify_jobs
from elicense.ledger.mapper import RecordMapper, StoredRecordError
from elicense.ledger.reads import LedgerReads
from elicense.ledger.storage import (
    DEFAULT_LEDGER,
    MemoryLedgerRecorder,
    describe,
    settings_for,
)
from elicense.ledger.verifyproc import VerifyWorkers

__all__ = ["BatchResult", "Ledger", "Receipt"]

_PROCESS_MIN = 64  # below this, sending a batch to a verify process costs more than it saves


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """Proof of recording handed back for one accepted statement.

    Attributes:
        index: the statement's index in its batch.
        kind: the statement kind.
        subject: the statement subject.
        aggregate_id: the aggregate the event belongs to.
        version: the event's version in its aggregate.
        position: the event's position in the ledger's global order.
        event_hash: SHA-256 of the stored record bytes.
        refused: the reason code when the ledger recorded the statement as a
            refusal (a validly signed ``use.request`` that failed a policy check is
            recorded as ``Use.Refused``); ``None`` when it recorded the act itself.
    """

    index: int
    kind: str
    subject: str
    aggregate_id: UUID
    version: int
    position: int
    event_hash: bytes
    refused: str | None = None


class _Judged:
    """One run of a batch's checks: the events to record and the refusals."""

    __slots__ = ("accepted", "events", "refusals", "stable", "ws")

    def __init__(
        self, ws: rules.WorkingSet, stable: tuple[dict[UUID, LedgerAggregate], int] | None
    ) -> None:
        self.ws = ws
        self.stable = stable
        self.events: list[Any] = []
        self.accepted: list[tuple[int, Statement, bytes]] = []
        self.refusals: list[tuple[int, RefusedError]] = []


class BatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a batch recorded and what it refused (partial mode)."""

    receipts: list[Receipt]
    refusals: list[tuple[int, RefusedError]] = []


class Ledger(LedgerReads):
    """The e-license ledger.

    Args:
        dsn: ``memory:``, a SQLite path or ``sqlite:///…``, or ``postgresql://…``
            (see :mod:`elicense.ledger.storage`). Default ``ELICENSE_LEDGER`` or
            ``./elicense.db``.
        env: extra eventsourcing settings, overriding those derived from ``dsn``.
        verify_threads: threads that verify a batch's signatures (cryptography
            releases the GIL); default: the number of cores.
        verify_processes: worker processes that verify a large batch's signatures
            *while* this process runs the other checks (threads cannot overlap with
            Python work: each signature would wait for the GIL). Default 0: none.
            Started on the first batch of at least 64 statements; the program must
            be import-safe (``if __name__ == "__main__":``), as for any ``spawn``
            process pool. A batch in which a signature fails is judged again with
            the results, so the outcome is the same as without them.
        clock: the ledger's time: what the rules judge at (seal validity, consent
            expiry …) and each recorded event's time. Default: the system clock.
    """

    name = "elicense"

    def __init__(
        self,
        dsn: str | os.PathLike[str] | None = None,
        *,
        env: dict[str, str] | None = None,
        verify_threads: int | None = None,
        verify_processes: int = 0,
        clock: Clock = utc_now,
    ) -> None:
        self.clock = clock
        self.dsn = os.fspath(dsn or os.environ.get("ELICENSE_LEDGER") or DEFAULT_LEDGER)
        settings = settings_for(self.dsn)
        settings.update(env or {})
        try:
            super().__init__(env=settings)
        except PersistenceError as e:  # unreachable, missing schema, no rights …
            raise StorageError(f"cannot open the ledger in {describe(self.dsn)}: {e}") from None
        self._platform: Platform | None = None
        self._threads = verify_threads or os.cpu_count() or 1
        self._pool = (
            ThreadPoolExecutor(self._threads - 1, "elicense-verify") if self._threads > 1 else None
        )
        self._verify_processes = verify_processes
        self._workers: VerifyWorkers | None = None
        # Seals and license types read by earlier batches of license acts, valid while
        # nothing but this ledger wrote since (_stable_at: the store's newest position).
        self._stable: dict[UUID, LedgerAggregate] = {}
        self._stable_at = -1

    def construct_mapper(self) -> Mapper[UUID]:
        return RecordMapper()

    def construct_recorder(self) -> ApplicationRecorder:
        recorder = super().construct_recorder()
        if type(recorder) is POPOApplicationRecorder:  # the POPO factory ignores the topic
            return MemoryLedgerRecorder()
        return recorder

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        if self._workers is not None:
            self._workers.close()
            self._workers = None
        super().close()

    # -- identity ------------------------------------------------------------------------------

    @property
    def platform(self) -> Platform:
        """The platform aggregate (origin and keys).

        Raises:
            NotFoundError: the store holds no established ledger yet.
        """
        if self._platform is None:
            found = self._load(Platform.id_for())
            if found is None:
                raise NotFoundError(
                    "this store holds no ledger yet: establish one first "
                    "(Ledger.establish or `elicense init`)",
                    code="ledger.not_established",
                )
            assert isinstance(found, Platform)
            self._platform = found
        return self._platform

    @property
    def origin(self) -> str:
        """The ledger's origin, which every statement must name."""
        return self.platform.origin

    def establish(self, *, origin: str, name: str, signer: Any) -> Receipt:
        """Found this ledger: record the platform's self-signed establishing statement.

        Args:
            origin: the ledger's origin, e.g. ``elicense:city.example``.
            name: the platform's name.
            signer: the platform key (a :class:`~elicense.crypto.keys.Signer`).
        """
        from elicense.acts import EstablishLedger

        key = signer.public_key
        act = EstablishLedger(
            origin=origin,
            subject=origin,
            expected_version=0,
            seal=PLATFORM_PREFIX + key.key_id,
            alg=key.alg,
            signed_at=self.clock(),
            name=name,
            platform_key=key.spki,
        )
        return self.submit(act.sign(signer))

    # -- writing -------------------------------------------------------------------------------

    def submit(self, signed: Signed | bytes) -> Receipt:
        """Record one signed statement.

        Raises:
            RefusedError: refused; nothing recorded. ``.code`` says why.
        """
        try:
            return self.submit_many([signed]).receipts[0]
        except BatchRefusedError as e:
            raise e.refusals[0][1] from None

    def submit_many(self, items: Iterable[Signed | bytes], *, partial: bool = False) -> BatchResult:
        """Record a batch of signed statements in one transaction, in order.

        Args:
            items: signed statements (or their canonical JSON bytes).
            partial: record the valid ones and return the refusals, instead of
                refusing the whole batch.

        Raises:
            BatchRefusedError: (not partial) some statements were refused; nothing
                recorded; ``.refusals`` names every one and why.
            ConflictError: another writer recorded an event of the same subject
                first; nothing recorded.
        """
        batch = list(items)
        refusals: list[tuple[int, RefusedError]] = []
        parsed: list[tuple[int, Signed, Statement]] = []
        for i, item in enumerate(batch):
            try:
                signed = item if isinstance(item, Signed) else decode_signed(item)
                parsed.append((i, signed, decode_statement(signed.statement)))
            except EncodingError as e:
                refusals.append((i, InvalidStatementError(str(e), code="statement.malformed")))
        offload = self._verify_processes > 0 and len(parsed) >= _PROCESS_MIN
        with recording(self.clock):
            judged = self._judge(parsed, offload=offload)
        if judged is None:  # a signature the worker process checked failed: judge again
            with recording(self.clock):
                judged = self._judge(parsed, offload=False)
            assert judged is not None
        refusals += judged.refusals
        events, accepted, stable = judged.events, judged.accepted, judged.stable
        refusals.sort(key=lambda r: r[0])
        if refusals and not partial:
            raise BatchRefusedError(refusals, len(batch))
        if not events:
            return BatchResult(receipts=[], refusals=refusals)
        try:
            # The event store directly, in statement order: Application.save would
            # regroup events by aggregate, and the ledger order must be the order
            # in which the checks were made.
            recordings = self.events.put(events)
        except IntegrityError:
            raise ConflictError(
                "another writer recorded events of the same subjects first; "
                "nothing of this batch was recorded: re-read and resubmit"
            ) from None
        if stable is not None:
            self._keep_stable(judged.ws, stable[1], recordings)
        receipts = [
            Receipt(
                index=i,
                kind=act.kind,
                subject=act.subject,
                aggregate_id=r.notification.originator_id,  # type: ignore[arg-type]
                version=r.notification.originator_version,
                position=r.notification.id,
                event_hash=head,  # the aggregate hashed the record when applying it
                refused=getattr(r.domain_event, "refusal_code", None),
            )
            for (i, act, head), r in zip(accepted, recordings, strict=True)
        ]
        return BatchResult(receipts=receipts, refusals=refusals)

    def _stable_for(
        self, parsed: Sequence[tuple[int, Signed, Statement]]
    ) -> tuple[dict[UUID, LedgerAggregate], int] | None:
        """The seals and types earlier batches read, and the store's newest position
        now, for a batch of license acts only (their handlers read seals and types,
        never change them); ``None`` for any other batch.

        The cache is trusted only while the newest position is the one this ledger's
        last write left: any other writer's event empties it, so a seal revoked
        elsewhere is read afresh, exactly as without the cache.
        """
        if not parsed or not all(act.kind.startswith("license.") for _, _, act in parsed):
            return None
        newest = self.max_position()
        if newest != self._stable_at:
            self._stable = {}
        return self._stable, newest

    def _keep_stable(self, ws: rules.WorkingSet, newest_before: int, recordings: Any) -> None:
        """After a recorded batch of license acts: keep its seals and types if this
        batch's events directly follow the position read before any of its reads (no
        other writer's event between), else forget them all."""
        self._stable, self._stable_at = {}, -1
        first, last = recordings[0].notification.id, recordings[-1].notification.id
        if first != newest_before + 1 or last - first + 1 != len(recordings):
            return
        kept: dict[UUID, LedgerAggregate] = {}
        for agg_id, agg in ws.loaded().items():
            if isinstance(agg, Seal | LicenseType):
                if agg.pending_events:  # changed by the batch after all: trust nothing
                    return
                kept[agg_id] = agg
        if len(kept) <= 4096:
            self._stable, self._stable_at = kept, last

    def _judge(
        self, parsed: Sequence[tuple[int, Signed, Statement]], *, offload: bool
    ) -> _Judged | None:
        """Check and apply ``parsed`` in order on a fresh working set.

        With ``offload`` the signatures are checked in a worker process meanwhile and
        taken as valid until its answer comes; ``None`` when one of them failed
        (nothing of this run is kept: the caller judges again without offloading).
        """
        stable = self._stable_for(parsed)
        ws = rules.WorkingSet(self._load, self._load_many, stable[0] if stable else None)
        ws.prefetch(i for _, _, act in parsed for i in rules.prefetch_ids(act))
        platform = self._platform_or_none()
        workers = self._verify_workers() if offload else None
        jobs = verify_jobs(ws, platform, parsed)
        if workers is not None:
            try:
                workers.submit([(k.alg, k.spki, data, sig) for _, k, data, sig in jobs])
                known = {i: (k, True) for i, k, _, _ in jobs}  # until the workers answer
            except OSError:  # a worker died: verify in this process from now on
                self._drop_workers()
                workers = None
        if workers is None:
            known = preverify(jobs, self._pool, self._threads)
        now = self.clock()
        judged = _Judged(ws, stable)
        for i, signed, act in parsed:
            try:
                agg = check_and_apply(ws, platform, signed, act, known.get(i), now)
            except StoredRecordError as e:  # e.g. the signing seal's row, read outside a handler
                e2 = RefusedError(str(e), code="ledger.record.corrupt", subject=act.subject)
                judged.refusals.append((i, e2))
                continue
            except RefusedError as e:
                if e.subject is None:
                    e.subject = act.subject
                judged.refusals.append((i, e))
                continue
            new = agg.collect_events()
            assert len(new) == 1, "every accepted statement records exactly one event"
            judged.events.extend(new)
            judged.accepted.append((i, act, agg.head_hash))
            if isinstance(agg, Platform):
                platform = agg
        if workers is not None:
            try:
                verified = workers.results()
            except OSError:
                self._drop_workers()
                return None
            if not all(verified):
                return None
        return judged

    def _drop_workers(self) -> None:
        """A worker died: stop the others and verify in this process from now on."""
        if self._workers is not None:
            self._workers.close()
        self._workers, self._verify_processes = None, 0

    def _verify_workers(self) -> VerifyWorkers:
        if self._workers is None:
            self._workers = VerifyWorkers(self._verify_processes)
        return self._workers

    def _platform_or_none(self) -> Platform | None:
        try:
            return self.platform
        except NotFoundError:
            return None
