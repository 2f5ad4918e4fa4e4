"""elicense: an e-license (电子证照) and electronic-seal (电子印章) ledger.

The facade names what most callers need::

    from elicense import Ledger, Verifier, Signatory, generate_key

Everything else lives in its module. ``Ledger`` and ``Verifier`` are loaded
on first use, so ``import elicense`` loads neither the event store, nor
pyhanko, nor a web framework, nor a database driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from elicense.signatory import Signatory
from elicense.verdict import Finding, Outcome, Severity, Verdict, VerificationError

if TYPE_CHECKING:
    from elicense.ledger.application import Ledger
    from elicense.verify.verifier import Verifier

__version__ = "0.1.0"

__all__ = [
    "BatchRefusedError",
    "ConflictError",
    "ElicenseError",
    "EncodingError",
    "Finding",
    "IdentifierError",
    "Ledger",
    "Outcome",
    "RefusedError",
    "Severity",
    "Signatory",
    "TrustError",
    "Verdict",
    "VerificationError",
    "Verifier",
    "__version__",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "read_key_file",
]

_LAZY = {
    "Ledger": "elicense.ledger.application",
    "Verifier": "elicense.verify.verifier",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'elicense' has no attribute {name!r}")
