"""What each event of the platform, a seal and a license type does to its state — pure.

The aggregates of :mod:`elicense.domain` apply these folds, and the verifier
replays a trust bundle's histories with the very same functions
(:mod:`elicense.verify.trust`), so the ledger and the verifier cannot disagree
on what an event does. Nothing here imports eventsourcing: a department's
verifier does not need it.

A fold takes the state (any object with attributes: an aggregate, or a
:class:`State`), the event's decoded statement, the statement's bytes and the
event's annex.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from elicense import wire
from elicense.acts import Statement
from elicense.domain.state import license_type, platform, seal

__all__ = ["CREATES", "FOLDS", "ID_NAMESPACE", "Fold", "State", "deterministic_id"]

Fold = Callable[[Any, Statement, bytes, bytes], None]

FOLDS: Final[dict[str, Fold]] = {
    wire.PLATFORM_ESTABLISHED: platform.established,
    wire.SEAL_MADE: seal.made,
    wire.SEAL_FILED: seal.filed,
    wire.SEAL_SUSPENDED: seal.suspended,
    wire.SEAL_REINSTATED: seal.reinstated,
    wire.SEAL_REVOKED: seal.revoked,
    wire.TYPE_DEFINED: license_type.defined,
    wire.TYPE_REVISED: license_type.revised,
    wire.TYPE_RETIRED: license_type.retired,
    wire.TYPE_SHARED: license_type.shared,
    wire.TYPE_UNSHARED: license_type.unshared,
}
"""Event name → what it does to the state of its aggregate."""

CREATES: Final = frozenset({wire.PLATFORM_ESTABLISHED, wire.SEAL_MADE, wire.TYPE_DEFINED})
"""The events that start an aggregate (version 1, and only version 1)."""


class State:
    """An aggregate's state outside the ledger: the attributes the folds set."""

    def __repr__(self) -> str:
        return f"State({vars(self)!r})"


ID_NAMESPACE = uuid.UUID("5e3b0c56-6f1e-5c2a-9a57-0e1ce05e0001")
"""Namespace of deterministic aggregate ids (uuid5), so the store rejects duplicates."""


@lru_cache(maxsize=65536)  # uuid5 is a SHA-1 and an object; ids are asked for repeatedly
def deterministic_id(kind: str, key: str) -> uuid.UUID:
    """The aggregate id of the ``kind`` aggregate with natural key ``key``."""
    return uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}")
