"""Authenticated reuse: 授权用证 for departments, reads of recorded uses, and the
holder's own record — the service behind :mod:`elicense_http.reuseroutes`.

A use goes to :class:`~elicense.reuse.service.ReuseService` exactly as the
library takes it: a use not validly made raises (nothing recorded); a validly
made use that a rule refuses is recorded as ``Use.Refused``; otherwise the use
is recorded and the platform signs the view. Reads come from the reuse
projection (:class:`~elicense_sql.reuse.ReuseProjection`) in the ledger's
database, caught up before each read.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from elicense.acts import RequestUse, Signed, decode_statement
from elicense.domain.consent import Consent
from elicense.errors import BatchRefusedError, ConflictError, NotFoundError
from elicense.ledger.application import Ledger, Receipt
from elicense.ledger.storage import is_postgres
from elicense.reuse.facts import UseRow
from elicense.reuse.service import ReuseService, UseOutcome
from elicense_http.auth import Authenticator, AuthStore, Caller, HolderSession
from elicense_http.groupcommit import GroupCommit
from elicense_http.httpsig import AuthError
from elicense_http.problems import ServiceError

__all__ = ["Access"]


class _Use(NamedTuple):
    """A department's use waiting to be recorded, with what it asks for."""

    signed: Signed
    copy_days: int
    user_name: str
    by_holder: bool  # named by holder and type: the locator reads the projection

    @property
    def options(self) -> tuple[int, str]:
        return self.copy_days, self.user_name


class Access:
    """Authentication, uses and reads over one ledger (thread-safe; per-thread readers).

    Args:
        ledger: the ledger.
        signer: the platform key.
        window: seconds a signature's ``created`` may lie in the past.
        write_lock: the lock the other writing routes hold (one writer per ledger object).
    """

    def __init__(
        self,
        ledger: Ledger,
        signer: Any,
        *,
        window: int = 120,
        write_lock: threading.Lock | None = None,
    ) -> None:
        self.ledger = ledger
        self._write = write_lock or threading.Lock()  # the ledger's caches: one writer
        self.store = AuthStore(ledger.dsn, write_lock=self._write)
        self.auth = Authenticator(ledger, self.store, signer, window=window)
        self._local = threading.local()
        self.reuse = ReuseService(ledger, signer, locator=self._licenses_of)
        self.uses_recorder: GroupCommit[_Use, UseOutcome] = GroupCommit(
            self._record_uses, in_thread=is_postgres(ledger.dsn)
        )
        """Records uses in batches (:mod:`elicense_http.groupcommit`)."""

    # -- the projection ------------------------------------------------------------------------

    def projection(self) -> Any:
        """This thread's reuse projection, caught up with the ledger."""
        if self.ledger.dsn == "memory:":
            raise ServiceError(404, "reads.unavailable", "reads need a SQL store")
        proj = getattr(self._local, "projection", None)
        if proj is None:
            from elicense_sql.connection import SqlStore
            from elicense_sql.reuse import ReuseProjection

            proj = ReuseProjection(SqlStore(self.ledger.dsn))
            self._local.projection = proj
        for _ in range(5):
            try:
                proj.run(self.ledger)
                break
            except ConflictError:  # another worker applied the page first: read on
                continue
        return proj

    def _licenses_of(self, holder: str, type_code: str) -> Sequence[str]:
        result: Sequence[str] = self.projection().licenses_of(holder, type_code)
        return result

    def forget_thread_state(self) -> None:
        """Drop this thread's connections (after a store error)."""
        proj = getattr(self._local, "projection", None)
        self._local.projection = None
        self.store.forget_thread_state()
        if proj is not None:
            with contextlib.suppress(Exception):  # already gone
                proj.store.close()

    # -- department uses -----------------------------------------------------------------------

    async def use(
        self,
        caller: Caller,
        signed: Signed,
        *,
        copy_days: int | None,
        user_name: str,
        method: str,
        route: str,
    ) -> UseOutcome:
        """Submit the department's signed use; the view (and copy) when it is used.

        Recorded with the uses that queue meanwhile (:attr:`uses_recorder`), answered as
        it would be alone.

        Raises:
            ServiceError: 400 not a ``use.request``; 403 ``auth.department.mismatch``
                (the use is another department's: audited, nothing recorded).
            BatchRefusedError: the use is not validly made; nothing recorded.
            ConflictError: another worker recorded events of its subjects first.
        """
        try:
            act = decode_statement(signed.statement)
        except Exception as e:
            raise ServiceError(400, "statement.malformed", f"statement: {e}") from None
        if not isinstance(act, RequestUse):
            raise ServiceError(
                400, "statement.kind.unexpected", f"expected use.request, got {act.kind}"
            )
        if act.user != caller.department:
            error = AuthError(
                "auth.department.mismatch",
                f"the request is signed by a seal of {caller.department}; the use is {act.user}'s",
                status=403,
                keyid=caller.keyid,
            )
            self.auth.refuse(error, method=method, route=route)
            raise ServiceError(403, error.code, str(error))
        by_holder = bool(act.holder and not act.license)
        return await self.uses_recorder.submit(_Use(signed, copy_days or 0, user_name, by_holder))

    def _record_uses(self, batch: Sequence[_Use]) -> list[UseOutcome | BaseException]:
        """Record a batch of uses (:mod:`elicense_http.groupcommit`): each answer is what
        ``ReuseService.use`` gives or raises for that use alone."""
        answers: list[UseOutcome | BaseException] = []
        with self._write:
            if any(u.by_holder for u in batch):
                self.projection()  # the locator reads the projection: catch it up first
            start = 0
            while start < len(batch):  # runs of uses asking for the same copy
                end = start + 1
                while end < len(batch) and batch[end].options == batch[start].options:
                    end += 1
                run = batch[start:end]
                try:
                    answers += self._record_run(run)
                except ConflictError as e:
                    # Another worker recorded events of the same subjects first (nothing of
                    # the run is recorded): each use alone, so only the one that collides
                    # hears of it — the answer each would have had without the others.
                    if len(run) == 1:
                        answers.append(e)
                    else:
                        answers += [self._record_alone(u) for u in run]
                start = end
        return answers

    def _record_alone(self, use: _Use) -> UseOutcome | BaseException:
        try:
            return self._record_run([use])[0]
        except ConflictError as e:
            return e

    def _record_run(self, run: Sequence[_Use]) -> list[UseOutcome | BaseException]:
        """Uses asking for the same copy, in one transaction (raises ConflictError)."""
        first = run[0]
        results = self.reuse.use_many(
            [u.signed for u in run],
            copy_for=timedelta(days=first.copy_days) if first.copy_days else None,
            user_names={"": first.user_name},
            partial=True,
        )
        answers: dict[int, UseOutcome | BaseException] = {
            o.receipt.index: o for o in results.outcomes
        }
        for index, error in results.refusals:
            answers[index] = BatchRefusedError([(0, error)], 1)  # as for the use alone
        return [answers[i] for i in range(len(run))]  # each: recorded or refused

    def uses(self, caller: Caller, **filters: str | None) -> list[UseRow]:
        """The caller department's own recorded uses, filtered."""
        rows: list[UseRow] = self.projection().uses(department=caller.department, **filters)
        return rows

    # -- holders -------------------------------------------------------------------------------

    def holder_uses(self, session: HolderSession) -> list[UseRow]:
        """Every recorded use of the holder's licenses (who used them, why, when)."""
        rows: list[UseRow] = self.projection().uses(holder=session.holder)
        return rows

    def consent(self, code: str) -> Consent:
        """The consent ``code``.

        Raises:
            NotFoundError: no such consent.
        """
        agg, _ = self.ledger.replayed_history(Consent.id_for(code))
        if not isinstance(agg, Consent):
            raise NotFoundError(f"consent {code} does not exist", subject=code)
        return agg

    def withdraw(self, session: HolderSession, code: str, reason: str) -> Receipt:
        """The holder withdraws their consent ``code`` (the platform signs the act).

        Raises:
            NotFoundError: no such consent, or it is another holder's (not revealed).
            RefusedError: already withdrawn; nothing recorded.
        """
        consent = self.consent(code)
        if consent.holder != session.holder:
            raise NotFoundError(f"consent {code} does not exist", subject=code)
        with self._write:
            return self.reuse.withdraw_consent(
                code,
                reason=reason,
                authentication=session.authentication,
                authentication_ref=session.authentication_ref,
            )
