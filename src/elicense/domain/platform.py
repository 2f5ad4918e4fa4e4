"""The Platform aggregate: the ledger's origin and the platform's public keys.

One per store. Its first event is the platform's self-signed
``ledger.establish`` statement, which fixes the ledger's origin (every
statement must name it) and the platform key that files seals, records
consents and signs checkpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import Signed
from elicense.domain.base import LedgerAggregate
from elicense.domain.state import deterministic_id
from elicense.domain.state import platform as state
from elicense.domain.state.platform import PlatformKey

__all__ = ["Platform", "PlatformKey"]


class Platform(LedgerAggregate):
    """The ledger operator's identity within the ledger."""

    WIRE_NAME = wire.PLATFORM

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        origin: str
        name: str
        keys: dict[str, PlatformKey]

    @staticmethod
    def id_for() -> UUID:
        """The one platform aggregate id of a store."""
        return deterministic_id("platform", "ledger")

    @classmethod
    def establish(cls, signed: Signed) -> Platform:
        """Found the ledger from the platform's self-signed statement."""
        return cls._create_from(cls.Established, cls.id_for(), signed)

    class Established(LedgerAggregate.Created):
        TOPIC = wire.PLATFORM_ESTABLISHED

        def apply(self, platform: Platform) -> None:
            state.established(platform, self.act, self.statement, self.annex)
