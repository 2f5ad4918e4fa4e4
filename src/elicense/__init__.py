"""elicense: an e-license (电子证照) and electronic-seal (电子印章) ledger.

The facade names what most callers need::

    from elicense import Ledger, Department, PlatformOperator, Verifier, Verdict, acts

``Ledger`` records signed acts; ``Department`` and ``PlatformOperator``
(:mod:`elicense.api`) sign them — online against the ledger's versions, or
offline; ``Verifier`` answers every input with a ``Verdict``; the errors are
the tree of :mod:`elicense.errors`. Everything else lives in its module.
``Ledger``, the two desks and ``Verifier`` are loaded on first use, so
``import elicense`` loads neither the event store, nor pyhanko, nor a web
framework, nor a database driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from elicense import acts
from elicense.crypto.keys import generate_key, load_private_key, load_public_key, read_key_file
from elicense.errors import (
    BatchRefusedError,
    ConflictError,
    ElicenseError,
    EncodingError,
    IdentifierError,
    RefusedError,
    TrustError,
)
from elicense.ids import LicenseId
from elicense.signatory import Signatory
from elicense.verdict import Finding, Outcome, Severity, Verdict, VerificationError

if TYPE_CHECKING:
    from elicense.api import Department, PlatformOperator
    from elicense.ledger.application import Ledger, Receipt
    from elicense.verify.verifier import Verifier

__version__ = "0.1.0"

__all__ = [
    "BatchRefusedError",
    "ConflictError",
    "Department",
    "ElicenseError",
    "EncodingError",
    "Finding",
    "IdentifierError",
    "Ledger",
    "LicenseId",
    "Outcome",
    "PlatformOperator",
    "Receipt",
    "RefusedError",
    "Severity",
    "Signatory",
    "TrustError",
    "Verdict",
    "VerificationError",
    "Verifier",
    "__version__",
    "acts",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "read_key_file",
]

_LAZY = {
    "Department": "elicense.api",
    "Ledger": "elicense.ledger.application",
    "PlatformOperator": "elicense.api",
    "Receipt": "elicense.ledger.application",
    "Verifier": "elicense.verify.verifier",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'elicense' has no attribute {name!r}")
