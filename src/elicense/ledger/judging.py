"""Judging one signed statement for the Ledger: its signer, its signature, its handler.

The Ledger (:mod:`elicense.ledger.application`) runs :func:`check_and_apply` on each
statement of a batch in order, against the batch's working set
(:class:`elicense.ledger.rules.WorkingSet`): the statement must name this ledger, be
signed by the key its kind needs (:func:`signer`: the statement's own key, the
platform's, or a filed seal's), by a seal in force, and pass its kind's handler in
:mod:`elicense.ledger.rules`. Before that pass, the signatures whose key is already
known (:func:`stored_key`) are verified on all cores (:func:`verify_jobs`,
:func:`preverify`), and the pass reuses those results. Nothing here keeps state:
the working set, the platform and the thread pool are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from elicense.acts import PLATFORM_PREFIX, Signed, Statement
from elicense.crypto.suites import PublicKey
from elicense.domain.base import LedgerAggregate
from elicense.domain.platform import Platform
from elicense.domain.seal import Seal, seal_refusal
from elicense.errors import (
    InvalidStatementError,
    NotAuthorisedError,
    NotFoundError,
    RefusedError,
    SealRefusedError,
    SignatureRefusedError,
)
from elicense.ledger import rules
from elicense.ledger.mapper import StoredRecordError
from elicense.wire import signing_input

__all__ = [
    "PARALLEL_MIN",
    "check_and_apply",
    "preverify",
    "signer",
    "stored_key",
    "verify_chunk",
    "verify_jobs",
]

PARALLEL_MIN = 16  # below this, a thread pool costs more than it saves


def verify_chunk(chunk: list[tuple[int, PublicKey, bytes, bytes]]) -> list[bool]:
    """Verify each ``(index, key, signing input, signature)`` of ``chunk``."""
    return [key.verify(sig, data) for _, key, data, sig in chunk]


def check_and_apply(
    ws: rules.WorkingSet,
    platform: Platform | None,
    signed: Signed,
    act: Statement,
    known: tuple[PublicKey, bool] | None,
    now: Any,
) -> LedgerAggregate:
    """Check ``act`` against the working set ``ws`` and apply it there; the aggregate it
    changed, with one new event pending. ``known``: the key and result of a signature
    verified up front (:func:`preverify`), used when the check finds the same key.

    Raises:
        RefusedError: the statement is refused (a subclass says which check).
    """
    reg = rules.RULES.get(act.kind)
    if reg is None:
        raise InvalidStatementError(
            f"no ledger handler for statement kind {act.kind!r}", code="statement.kind.unknown"
        )
    if act.kind != "ledger.establish":
        if platform is None:
            raise NotFoundError(
                "this store holds no ledger yet: establish one first",
                code="ledger.not_established",
            )
        if act.origin != platform.origin:
            raise InvalidStatementError(
                f"statement is for ledger {act.origin!r}, this is {platform.origin!r}",
                code="statement.origin.mismatch",
            )
    key, seal = signer(ws, platform, act, reg.role)
    ok = known[1] if known is not None and known[0] is key else None
    if ok is None:
        ok = key.verify(signed.signature, signing_input(act.kind, signed.statement))
    if not ok:
        raise SignatureRefusedError(
            f"signature of {act.kind} on {act.subject} does not verify under {act.seal}"
        )
    if seal is not None:
        refusal = seal_refusal(seal, now)
        if refusal is not None:
            raise refusal
    if signed.annex and act.kind not in rules.ANNEX_KINDS:
        raise InvalidStatementError(f"{act.kind} takes no annex", code="statement.annex.unexpected")
    ctx = rules.Context(ws=ws, platform=platform, seal=seal, now=now)
    try:
        return reg.fn(ctx, signed, act)
    except StoredRecordError as e:
        raise RefusedError(str(e), code="ledger.record.corrupt") from None


def signer(
    ws: rules.WorkingSet,
    platform: Platform | None,
    act: Statement,
    role: rules.SignerRole,
) -> tuple[PublicKey, Seal | None]:
    """The key that must have signed ``act``, and the signing seal if a seal signs."""
    if role is rules.SignerRole.SELF:
        own = getattr(act, "public_key", b"")
        return rules.signer_key(act.alg, own, act.subject), None
    if act.by_platform:
        if role not in (rules.SignerRole.PLATFORM, rules.SignerRole.SEAL_OR_PLATFORM):
            raise NotAuthorisedError(
                f"{act.kind} must be signed by a department seal, not the platform",
                code="authority.seal_required",
            )
        if act.kind == "ledger.establish":
            own = getattr(act, "platform_key", b"")
            return rules.signer_key(act.alg, own, act.subject), None
        assert platform is not None
        pk = platform.keys.get(act.seal[len(PLATFORM_PREFIX) :])
        if pk is None:
            raise SealRefusedError(
                f"{act.seal} is not a key of this platform", code="platform.key.unknown"
            )
        if pk.alg != act.alg:
            raise InvalidStatementError(
                f"statement says {act.alg}, platform key is {pk.alg}",
                code="statement.alg.mismatch",
            )
        return rules.signer_key(pk.alg, pk.spki, act.subject), None
    if role is rules.SignerRole.PLATFORM:
        raise NotAuthorisedError(
            f"{act.kind} must be signed by the platform key", code="authority.platform_required"
        )
    seal = ws.seal(act.seal)
    if seal is None:
        raise SealRefusedError(
            f"seal {act.seal!r} is not known to this ledger", code="seal.unknown"
        )
    if seal.alg != act.alg:
        raise InvalidStatementError(
            f"statement says {act.alg}, seal {seal.code} is {seal.alg}",
            code="statement.alg.mismatch",
        )
    return rules.signer_key(seal.alg, seal.public_key, act.subject), seal


def preverify(
    jobs: list[tuple[int, PublicKey, bytes, bytes]],
    pool: ThreadPoolExecutor | None,
    threads: int,
) -> dict[int, tuple[PublicKey, bool]]:
    """Verify ``jobs`` (:func:`verify_jobs`) on ``threads`` cores: index -> (key, verified).

    The calling thread verifies one share itself while ``pool``'s threads verify
    the others (cryptography releases the GIL), then the checks run. Doing
    it up front rather than interleaved with the Python checks avoids
    threads queueing for the GIL. Keys never change once recorded (a
    seal's key is fixed when it is made), so a signature verified here
    stays verified whatever the batch does.
    """
    parallel = all(k.parallel for k in {id(j[1]): j[1] for j in jobs}.values())
    if pool is None or len(jobs) < PARALLEL_MIN or not parallel:
        results = verify_chunk(jobs)
    else:
        size = -(-len(jobs) // threads)
        futures = [
            pool.submit(verify_chunk, jobs[k : k + size]) for k in range(size, len(jobs), size)
        ]
        results = verify_chunk(jobs[:size])
        for f in futures:
            results.extend(f.result())
    return {j[0]: (j[1], ok) for j, ok in zip(jobs, results, strict=True)}


def verify_jobs(
    ws: rules.WorkingSet,
    platform: Platform | None,
    parsed: Sequence[tuple[int, Signed, Statement]],
) -> list[tuple[int, PublicKey, bytes, bytes]]:
    """``(index, key, signing input, signature)`` of every statement whose key is
    known before the batch runs (:func:`stored_key`)."""
    jobs: list[tuple[int, PublicKey, bytes, bytes]] = []
    for i, signed, act in parsed:
        key = stored_key(ws, platform, act)
        if key is not None:
            jobs.append((i, key, signing_input(act.kind, signed.statement), signed.signature))
    return jobs


def stored_key(ws: rules.WorkingSet, platform: Platform | None, act: Statement) -> PublicKey | None:
    """The key that must have signed ``act``, as the batch's checks will find it if
    they run before any statement of the batch is applied; ``None`` when that is not
    yet known (the sequential pass reports the precise error)."""
    reg = rules.RULES.get(act.kind)
    if reg is None:
        return None
    try:
        return signer(ws, platform, act, reg.role)[0]
    except Exception:
        return None
