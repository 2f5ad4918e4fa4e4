"""A seal's state and the one rule for "may this seal sign now" — pure, shared.

:func:`seal_refusal` is the one rule for "may this seal sign now": the ledger
applies it at write time and the verifier re-applies it to the seal's state
at each entry's position. The folds (:func:`made` … :func:`revoked`) are what
each seal event does to the state: the :class:`~elicense.domain.seal.Seal`
aggregate applies them, and so does the verifier's replay of a seal's history
(:mod:`elicense.verify.trust`), so the two cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from elicense.acts import MakeSeal, RevokeSeal, Statement
from elicense.errors import SealRefusedError

__all__ = [
    "SealStatus",
    "SealView",
    "filed",
    "made",
    "reinstated",
    "revoked",
    "seal_refusal",
    "suspended",
]


class SealStatus(StrEnum):
    """Where a seal stands."""

    MADE = "made"  # 已采集, not yet filed
    ACTIVE = "active"  # 已备案
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class SealView(Protocol):
    """What :func:`seal_refusal` needs to know of a seal."""

    @property
    def code(self) -> str: ...
    @property
    def status(self) -> SealStatus: ...
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def compromised_since(self) -> datetime | None: ...


def seal_refusal(seal: SealView | None, at: datetime, code: str = "") -> SealRefusedError | None:
    """Why ``seal`` may not sign an entry recorded at ``at``; ``None`` when it may.

    Args:
        seal: the seal's state at the entry's position (``None``: unknown seal).
        at: the entry's recorded time.
        code: the seal code, for the message when ``seal`` is unknown.
    """
    if seal is None:
        return SealRefusedError(f"seal {code!r} is not known to this ledger", code="seal.unknown")
    if seal.compromised_since is not None and at >= seal.compromised_since:
        return SealRefusedError(
            f"seal {seal.code} is compromised since {seal.compromised_since.isoformat()}; "
            f"entry recorded at {at.isoformat()}",
            code="seal.compromised",
        )
    if seal.status is SealStatus.MADE:
        return SealRefusedError(f"seal {seal.code} is not filed", code="seal.not_filed")
    if seal.status is SealStatus.SUSPENDED:
        return SealRefusedError(f"seal {seal.code} is suspended", code="seal.suspended")
    if seal.status is SealStatus.REVOKED:
        return SealRefusedError(f"seal {seal.code} is revoked", code="seal.revoked")
    if at < seal.valid_from:
        return SealRefusedError(
            f"seal {seal.code} is valid from {seal.valid_from.isoformat()}, "
            f"entry recorded at {at.isoformat()}",
            code="seal.not_yet_valid",
        )
    if at > seal.valid_until:
        return SealRefusedError(
            f"seal {seal.code} expired at {seal.valid_until.isoformat()}, "
            f"entry recorded at {at.isoformat()}",
            code="seal.expired",
        )
    return None


# -- what each seal event does to the state ---------------------------------------------------


def made(seal: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``seal.made``: a new seal, as its self-signed ``seal.make`` describes it (采集)."""
    assert isinstance(act, MakeSeal)
    seal.code = act.subject
    seal.department = act.department
    seal.department_name = act.department_name
    seal.name = act.name
    seal.kind = act.seal_kind.value
    seal.alg = act.alg
    seal.public_key = act.public_key
    seal.valid_from = act.valid_from
    seal.valid_until = act.valid_until
    seal.status = SealStatus.MADE
    seal.compromised_since = None
    seal.ses_seal = b""
    seal.made = act


def filed(seal: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``seal.filed`` (备案): active, with the GB/T 38540 ``SES_Seal`` the filing carried."""
    seal.status = SealStatus.ACTIVE
    seal.ses_seal = annex


def suspended(seal: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``seal.suspended``."""
    seal.status = SealStatus.SUSPENDED


def reinstated(seal: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``seal.reinstated``: active again."""
    seal.status = SealStatus.ACTIVE


def revoked(seal: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``seal.revoked``: for good; since when its key is compromised, if the revocation says."""
    assert isinstance(act, RevokeSeal)
    seal.status = SealStatus.REVOKED
    seal.compromised_since = act.compromised_since
