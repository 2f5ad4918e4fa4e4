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
from elicense.acts import EstablishLedger, Signed
from elicense.crypto.suites import key_id
from elicense.domain.base import LedgerAggregate, deterministic_id

__all__ = ["Platform", "PlatformKey"]


class PlatformKey:
    """One platform public key: algorithm and DER SubjectPublicKeyInfo."""

    __slots__ = ("alg", "key_id", "spki")

    def __init__(self, alg: str, spki: bytes) -> None:
        self.alg = alg
        self.spki = spki
        self.key_id = key_id(spki)

    def __repr__(self) -> str:
        return f"PlatformKey({self.alg}, {self.key_id})"


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
            act = self.act
            assert isinstance(act, EstablishLedger)
            platform.origin = act.origin
            platform.name = act.name
            key = PlatformKey(act.alg, act.platform_key)
            platform.keys = {key.key_id: key}
