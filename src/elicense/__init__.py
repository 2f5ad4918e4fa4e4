"""elicense: an e-license (电子证照) and electronic-seal (电子印章) ledger.

The facade re-exports the names most callers need; everything else lives in
its module. Importing this package loads neither pyhanko, nor a web
framework, nor a database driver.
"""

from elicense.errors import (
    BatchRefusedError,
    ConflictError,
    ElicenseError,
    EncodingError,
    IdentifierError,
    RefusedError,
    VerificationError,
)
from elicense.verify.verdict import Finding, Outcome, Severity, Verdict

__version__ = "0.1.0"

__all__ = [
    "BatchRefusedError",
    "ConflictError",
    "ElicenseError",
    "EncodingError",
    "Finding",
    "IdentifierError",
    "Outcome",
    "RefusedError",
    "Severity",
    "VerificationError",
    "Verdict",
    "__version__",
]
