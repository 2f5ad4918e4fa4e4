"""The one exception tree of elicense.

Every error the library raises on purpose is an :class:`ElicenseError`.
Errors that callers would naturally catch as a builtin also inherit it
(``EncodingError`` is a ``ValueError``), so ``except ValueError`` keeps
working for code that does not know elicense.

::

    ElicenseError
    ├── EncodingError (ValueError)          bytes that do not decode to what was expected
    │   ├── NonCanonicalError               decodes, but is not the canonical encoding
    │   └── OfdFormatError                  an OFD container or its XML refused (coded)
    ├── IdentifierError (ValueError)        a 证照标识, USCC or 身份号码 that does not check
    ├── ProofError (ValueError)             a Merkle proof that is malformed or does not verify
    ├── PayloadError (ValueError)           a verify-me payload (QR text) that cannot be opened
    ├── KeyFormatError (ValueError)         a key or key file that cannot be used
    ├── OfdWriteError (ValueError)          an OFD cannot be written or sealed as asked
    ├── UnsupportedAlgorithmError           an algorithm no installed suite provides
    ├── StorageError                        a DSN or database problem
    ├── RefusedError                        the ledger refused a statement; nothing recorded
    │   ├── SignatureRefusedError           the signature does not verify
    │   ├── SealRefusedError                seal unknown, not filed, suspended, revoked …
    │   ├── NotAuthorisedError              the signer may not perform this act
    │   ├── InvalidStatementError           malformed fields, bad identifiers, wrong origin
    │   ├── TransitionRefusedError          the lifecycle does not allow this act now
    │   ├── DuplicateError                  the subject already exists
    │   ├── NotFoundError                   the subject does not exist
    │   └── ConflictError                   stale expected version or a concurrent write
    ├── BatchRefusedError                   an all-or-nothing batch had refusals
    ├── TrustError                          a trust bundle or anchor that cannot be trusted
    ├── PdfError                            a license PDF that cannot be made (font, picture, key)
    └── VerificationError                   raised by ``Verdict.raise_for_failure``
                                            (defined beside the verdict, :mod:`elicense.verdict`)

A :class:`RefusedError` carries a stable dotted ``code`` (the same vocabulary
as verification findings) so department systems can branch on it without
parsing messages.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BatchRefusedError",
    "ConflictError",
    "DuplicateError",
    "ElicenseError",
    "EncodingError",
    "IdentifierError",
    "InvalidStatementError",
    "KeyFormatError",
    "NonCanonicalError",
    "NotAuthorisedError",
    "NotFoundError",
    "OfdFormatError",
    "OfdWriteError",
    "PayloadError",
    "PdfError",
    "ProofError",
    "RefusedError",
    "SealRefusedError",
    "SignatureRefusedError",
    "StorageError",
    "TransitionRefusedError",
    "TrustError",
    "UnsupportedAlgorithmError",
]


class ElicenseError(Exception):
    """Base class of every error elicense raises on purpose."""


class EncodingError(ElicenseError, ValueError):
    """Bytes that do not decode to the structure that was expected."""


class NonCanonicalError(EncodingError):
    """Bytes that decode, but are not the canonical encoding of what they say.

    Signed and hashed bytes must be canonical so that no byte can change
    without the meaning (and the verdict) changing.
    """


class OfdFormatError(EncodingError):
    """An OFD (GB/T 33190) container or one of its XML files that is refused.

    Attributes:
        code: stable dotted code, ``ofd.container.*`` (the zip: size, entries,
            compression ratio, paths) or ``ofd.xml.*`` (entities, depth, syntax).
        subject: the container path concerned, if any.
    """

    def __init__(self, message: str, *, code: str, subject: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subject = subject


class IdentifierError(ElicenseError, ValueError):
    """An identifier (证照标识, 统一社会信用代码, 身份号码) that is malformed or does not check.

    Attributes:
        field: which identifier or which part of it is wrong.
        expected: the expected check character, when the check failed.
    """

    def __init__(self, message: str, *, field: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.expected = expected


class ProofError(ElicenseError, ValueError):
    """A transparency-log proof or log structure that is malformed or does not verify.

    Attributes:
        code: stable dotted code: ``log.proof.malformed`` (wrong length, size,
            index or hash size: no hash was compared), ``log.inclusion.invalid`` or
            ``log.consistency.invalid`` (well formed, but the roots do not match).
    """

    def __init__(self, message: str, *, code: str = "log.proof.malformed") -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[object, ...]:  # keep code across pickling
        return (_rebuild_proof_error, (str(self), self.code))


def _rebuild_proof_error(message: str, code: str) -> ProofError:
    return ProofError(message, code=code)


class PayloadError(ElicenseError, ValueError):
    """A verify-me payload (the text a QR code carries) that cannot be opened.

    Attributes:
        code: stable dotted code: ``payload.malformed`` (not the text, CBOR or
            COSE_Sign1 structure expected), ``payload.alg.unknown``,
            ``payload.key.unknown`` (no platform key has the payload's kid),
            ``payload.signature.invalid`` or ``payload.claims.invalid`` (signed,
            but off the claims schema).
        signer: the platform key the payload names (``platform:<key id>``), once found.
    """

    def __init__(self, message: str, *, code: str, signer: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.signer = signer

    def __reduce__(self) -> tuple[object, ...]:  # keep code and signer across pickling
        return (_rebuild_payload_error, (str(self), self.code, self.signer))


def _rebuild_payload_error(message: str, code: str, signer: str | None) -> PayloadError:
    return PayloadError(message, code=code, signer=signer)


class KeyFormatError(ElicenseError, ValueError):
    """A key, key file or certificate that cannot be loaded or used."""


class OfdWriteError(ElicenseError, ValueError):
    """An OFD file cannot be written or sealed as asked: no usable font, a seal that was not
    filed with a GB/T 38540 seal, a key not in the seal's list, a document already locked."""


class UnsupportedAlgorithmError(ElicenseError):
    """An algorithm identifier no installed signing suite provides.

    The message names the extra to install when one would provide it.
    """


class StorageError(ElicenseError):
    """A DSN that cannot be used or a database that cannot be reached."""


class RefusedError(ElicenseError):
    """The ledger refused a statement; nothing was recorded.

    Attributes:
        code: stable dotted reason code, e.g. ``seal.revoked``.
        subject: the subject of the refused statement, when known.
    """

    default_code = "statement.refused"

    def __init__(self, message: str, *, code: str | None = None, subject: str | None = None):
        super().__init__(message)
        self.code = code or self.default_code
        self.subject = subject

    def __reduce__(self) -> tuple[object, ...]:  # keep code/subject across pickling
        return (_rebuild_refusal, (type(self), str(self), self.code, self.subject))


def _rebuild_refusal(
    cls: type[RefusedError], message: str, code: str, subject: str | None
) -> RefusedError:
    return cls(message, code=code, subject=subject)


class SignatureRefusedError(RefusedError):
    """The statement's signature does not verify under the named key."""

    default_code = "statement.signature.invalid"


class SealRefusedError(RefusedError):
    """The signing seal is unknown, not filed, suspended, revoked, expired or compromised."""

    default_code = "seal.not_active"


class NotAuthorisedError(RefusedError):
    """The signer's department may not perform this act on this subject."""

    default_code = "authority.not_authorised"


class InvalidStatementError(RefusedError):
    """The statement is malformed: wrong origin, bad identifiers, fields off schema."""

    default_code = "statement.invalid"


class TransitionRefusedError(RefusedError):
    """The lifecycle does not allow this act in the subject's current state."""

    default_code = "lifecycle.transition.refused"


class DuplicateError(RefusedError):
    """The subject of a creating act already exists."""

    default_code = "subject.duplicate"


class NotFoundError(RefusedError):
    """The subject of the act does not exist in this ledger."""

    default_code = "subject.not_found"


class ConflictError(RefusedError):
    """The statement was made against a version that is no longer current.

    Raised for a statement signed against a stale version and for a
    concurrent write that recorded another event first: never a lost update.
    """

    default_code = "subject.version.conflict"


class BatchRefusedError(ElicenseError):
    """An all-or-nothing batch was refused because some statements were refused.

    Attributes:
        refusals: ``(index, error)`` for every refused statement, in batch order.
    """

    def __init__(self, refusals: Sequence[tuple[int, RefusedError]], size: int) -> None:
        self.refusals = list(refusals)
        self.size = size
        lines = [f"{len(self.refusals)} of {size} statements refused; nothing recorded:"]
        lines += [f"  [{i}] {e.code}: {e}" for i, e in self.refusals[:20]]
        if len(self.refusals) > 20:
            lines.append(f"  … and {len(self.refusals) - 20} more")
        super().__init__("\n".join(lines))


class TrustError(ElicenseError):
    """A trust bundle or trust anchor that cannot be trusted (bad signature, unpinned key).

    Attributes:
        code: stable dotted code, e.g. ``trust.signature.invalid``.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class PdfError(ElicenseError):
    """A license PDF that cannot be made: no CJK font, an unusable seal picture or key."""
