"""The act that founds a ledger: ``ledger.establish``, signed by the platform key."""

from __future__ import annotations

from elicense.acts.base import Statement


class EstablishLedger(Statement, frozen=True, kw_only=True, tag="ledger.establish"):
    """The platform founds a ledger and names its key (self-signed)."""

    name: str
    platform_key: bytes
