"""The platform's state: its keys. Pure, shared by the Platform aggregate and the verifier."""

from __future__ import annotations

from typing import Any

from elicense.acts import EstablishLedger, Statement
from elicense.crypto.suites import key_id

__all__ = ["PlatformKey", "established"]


class PlatformKey:
    """One platform public key: algorithm and DER SubjectPublicKeyInfo."""

    __slots__ = ("alg", "key_id", "spki")

    def __init__(self, alg: str, spki: bytes) -> None:
        self.alg = alg
        self.spki = spki
        self.key_id = key_id(spki)

    def __repr__(self) -> str:
        return f"PlatformKey({self.alg}, {self.key_id})"


def established(platform: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``ledger.established``: the ledger's origin, name and first platform key."""
    assert isinstance(act, EstablishLedger)
    platform.origin = act.origin
    platform.name = act.name
    key = PlatformKey(act.alg, act.platform_key)
    platform.keys = {key.key_id: key}
