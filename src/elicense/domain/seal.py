"""The Seal aggregate (电子印章): made, filed, suspended, reinstated, revoked.

A seal is a department's key pair with a name, kind, picture and validity
window. It signs nothing until the platform files it (备案). A revocation may
say since when the key is compromised; entries recorded from then on are
reported untrusted even though they precede the revocation in the ledger.

What each event does to the seal's state, and :func:`seal_refusal` ("may this
seal sign now"), live in :mod:`elicense.domain.state.seal`, shared with the
verifier.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import MakeSeal, Signed, decode_statement
from elicense.domain.base import LedgerAggregate
from elicense.domain.state import deterministic_id
from elicense.domain.state import seal as state
from elicense.domain.state.seal import SealStatus, SealView, seal_refusal
from elicense.errors import TransitionRefusedError

__all__ = ["Seal", "SealStatus", "SealView", "seal_refusal"]


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
            state.made(seal, self.act, self.statement, self.annex)

    def file(self, signed: Signed, ses_seal: bytes = b"") -> None:
        """备案: the platform files this seal (with its GB/T 38540 SES_Seal, if made)."""
        self._require(SealStatus.MADE, "seal.file")
        self._record(self.Filed, signed, annex=ses_seal)

    class Filed(LedgerAggregate.Event):
        TOPIC = wire.SEAL_FILED

        def apply(self, seal: Seal) -> None:
            state.filed(seal, self.act, self.statement, self.annex)

    def suspend(self, signed: Signed) -> None:
        """Suspend an active seal."""
        self._require(SealStatus.ACTIVE, "seal.suspend")
        self._record(self.Suspended, signed)

    class Suspended(LedgerAggregate.Event):
        TOPIC = wire.SEAL_SUSPENDED

        def apply(self, seal: Seal) -> None:
            state.suspended(seal, self.act, self.statement, self.annex)

    def reinstate(self, signed: Signed) -> None:
        """End a suspension."""
        self._require(SealStatus.SUSPENDED, "seal.reinstate")
        self._record(self.Reinstated, signed)

    class Reinstated(LedgerAggregate.Event):
        TOPIC = wire.SEAL_REINSTATED

        def apply(self, seal: Seal) -> None:
            state.reinstated(seal, self.act, self.statement, self.annex)

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
            state.revoked(seal, self.act, self.statement, self.annex)

    def _require(self, status: SealStatus, kind: str) -> None:
        if self.status is not status:
            raise TransitionRefusedError(
                f"{kind} needs a {status} seal; seal {self.code} is {self.status}",
                code="lifecycle.transition.refused",
                subject=self.code,
            )
