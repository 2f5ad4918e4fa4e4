"""The Seal aggregate (电子印章): made, filed, suspended, reinstated, revoked.

A seal is a department's key pair with a name, kind, picture and validity
window. It signs nothing until the platform files it (备案). A revocation may
say since when the key is compromised; entries recorded from then on are
reported untrusted even though they precede the revocation in the ledger.

:func:`seal_refusal` is the one rule for "may this seal sign now": the ledger
applies it at write time and the verifier re-applies it to the seal's state
at each entry's position.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from elicense import wire
from elicense.acts import MakeSeal, RevokeSeal, Signed, decode_statement
from elicense.domain.base import LedgerAggregate, deterministic_id
from elicense.errors import SealRefusedError, TransitionRefusedError

__all__ = ["Seal", "SealStatus", "SealView", "seal_refusal"]


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


class Seal(LedgerAggregate):
    """A department's electronic seal."""

    WIRE_NAME = wire.SEAL

    if TYPE_CHECKING:  # set by the events; not annotated at runtime (eventsourcing
        # would turn annotations into constructor arguments)
        code: str
        department: str
        department_name: str
        name: str
        kind: str
        alg: str
        public_key: bytes
        valid_from: datetime
        valid_until: datetime
        status: SealStatus
        compromised_since: datetime | None
        ses_seal: bytes  # the GB/T 38540 SES_Seal made at filing (empty before)
        made: MakeSeal  # the seal.make statement (name, picture … as the department made it)

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the seal with code ``code``."""
        return deterministic_id("seal", code)

    @classmethod
    def make(cls, signed: Signed) -> Seal:
        """采集: record a new seal from its self-signed ``seal.make`` statement."""
        act = decode_statement(signed.statement)
        assert isinstance(act, MakeSeal)
        return cls._create_from(cls.Made, cls.id_for(act.subject), signed)

    class Made(LedgerAggregate.Created):
        TOPIC = wire.SEAL_MADE

        def apply(self, seal: Seal) -> None:
            act = self.act
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

    def file(self, signed: Signed, ses_seal: bytes = b"") -> None:
        """备案: the platform files this seal (with its GB/T 38540 SES_Seal, if made)."""
        self._require(SealStatus.MADE, "seal.file")
        self._record(self.Filed, signed, annex=ses_seal)

    class Filed(LedgerAggregate.Event):
        TOPIC = wire.SEAL_FILED

        def apply(self, seal: Seal) -> None:
            seal.status = SealStatus.ACTIVE
            seal.ses_seal = self.annex

    def suspend(self, signed: Signed) -> None:
        """Suspend an active seal."""
        self._require(SealStatus.ACTIVE, "seal.suspend")
        self._record(self.Suspended, signed)

    class Suspended(LedgerAggregate.Event):
        TOPIC = wire.SEAL_SUSPENDED

        def apply(self, seal: Seal) -> None:
            seal.status = SealStatus.SUSPENDED

    def reinstate(self, signed: Signed) -> None:
        """End a suspension."""
        self._require(SealStatus.SUSPENDED, "seal.reinstate")
        self._record(self.Reinstated, signed)

    class Reinstated(LedgerAggregate.Event):
        TOPIC = wire.SEAL_REINSTATED

        def apply(self, seal: Seal) -> None:
            seal.status = SealStatus.ACTIVE

    def revoke(self, signed: Signed) -> None:
        """Revoke for good (from any state but revoked)."""
        if self.status is SealStatus.REVOKED:
            raise TransitionRefusedError(
                f"seal {self.code} is already revoked",
                code="lifecycle.transition.refused",
                subject=self.code,
            )
        self._record(self.Revoked, signed)

    class Revoked(LedgerAggregate.Event):
        TOPIC = wire.SEAL_REVOKED

        def apply(self, seal: Seal) -> None:
            act = self.act
            assert isinstance(act, RevokeSeal)
            seal.status = SealStatus.REVOKED
            seal.compromised_since = act.compromised_since

    def _require(self, status: SealStatus, kind: str) -> None:
        if self.status is not status:
            raise TransitionRefusedError(
                f"{kind} needs a {status} seal; seal {self.code} is {self.status}",
                code="lifecycle.transition.refused",
                subject=self.code,
            )
