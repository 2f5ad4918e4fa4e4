"""RFC 9457 problem details carrying the ledger's stable codes, and the one table
from code to HTTP status.

Every refusal and every bad request answers ``application/problem+json``::

    {"type": "https://elicense.dev/problems/<code>", "title": "...", "status": 409,
     "detail": "...", "code": "subject.version.conflict", "refusals": [...]}

``code`` is the same dotted code the library raises (``RefusedError.code``,
``TrustError.code`` …) or one of the service's own ``request.*`` and
``store.*`` codes; clients branch on it, never on ``detail``.

==========================  ======  =============================================
refusal                     status  codes (examples)
==========================  ======  =============================================
malformed                   400     ``request.malformed``, ``statement.malformed``,
                                    ``statement.kind.unknown``, ``request.query.invalid``
unauthenticated             401     ``statement.signature.invalid``, ``seal.unknown``,
                                    ``platform.key.unknown``, ``seal.key.mismatch``
forbidden                   403     ``authority.*``, ``seal.revoked``, ``seal.suspended``,
                                    ``seal.not_filed`` … (any other seal refusal)
unknown                     404     ``subject.not_found``, ``type.unknown``,
                                    ``ledger.not_established``, ``log.*.unknown``
stale or conflicting        409     ``subject.version.conflict``, ``subject.duplicate``
refused by a rule           422     ``lifecycle.transition.refused``, ``statement.*``,
                                    ``consent.*``, ``sharing.*``, ``type.retired`` …
too large                   413     ``request.too_large``
unsupported media type      415     ``request.media_type.unsupported``
store unavailable           503     ``store.unavailable`` (with ``Retry-After``)
==========================  ======  =============================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgspec

from elicense.errors import (
    ConflictError,
    DuplicateError,
    ElicenseError,
    EncodingError,
    NotAuthorisedError,
    NotFoundError,
    ProofError,
    RefusedError,
    SealRefusedError,
    SignatureRefusedError,
    StorageError,
    TrustError,
)

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "ProblemRefusal",
    "ServiceError",
    "problem_for",
    "status_for",
]

PROBLEM_JSON: Final = "application/problem+json"
TYPE_BASE: Final = "https://elicense.dev/problems/"

_BY_CODE: Final[dict[str, int]] = {
    "statement.malformed": 400,
    "statement.kind.unknown": 400,
    "seal.unknown": 401,
    "platform.key.unknown": 401,
    "seal.key.mismatch": 401,
    "type.unknown": 404,
    "ledger.not_established": 404,
    "ledger.record.corrupt": 503,
}
_BY_CLASS: Final[tuple[tuple[type[BaseException], int], ...]] = (
    (SignatureRefusedError, 401),
    (NotAuthorisedError, 403),
    (SealRefusedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (DuplicateError, 409),
    (RefusedError, 422),
    (EncodingError, 400),
    (ProofError, 400),
    (StorageError, 503),
)
_TITLES: Final[dict[int, str]] = {
    400: "malformed request",
    401: "unauthenticated",
    403: "forbidden",
    404: "unknown",
    409: "stale or conflicting",
    413: "request too large",
    415: "unsupported media type",
    422: "refused by a rule",
    503: "store unavailable",
    504: "timed out",
}


class ProblemRefusal(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One refused statement of a batch.

    Attributes:
        index: the statement's index in the submitted batch.
        code: the ledger's stable reason code.
        message: what was expected and what was found.
        subject: the statement's subject, when known.
    """

    index: int
    code: str
    message: str
    subject: str | None = None


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem detail with elicense's ``code`` extension member.

    Attributes:
        type: a URI naming the problem type (``https://elicense.dev/problems/<code>``).
        title: a short summary of the status class.
        status: the HTTP status.
        code: the stable dotted code (see the module's table).
        detail: what was expected and what was found.
        refusals: every refused statement of a batch, in batch order.
    """

    type: str
    title: str
    status: int
    code: str
    detail: str = ""
    refusals: tuple[ProblemRefusal, ...] = ()


class ServiceError(Exception):
    """A request the service refuses itself (not a ledger refusal).

    Attributes:
        status: the HTTP status.
        code: the stable dotted code.
        headers: extra response headers (e.g. ``Retry-After``).
    """

    def __init__(
        self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.headers = headers or {}


def status_for(code: str, error: BaseException | None = None) -> int:
    """The HTTP status of a refusal ``code`` (raised as ``error``), per the module's table."""
    found = _BY_CODE.get(code)
    if found is not None:
        return found
    if error is not None:
        for cls, status in _BY_CLASS:
            if isinstance(error, cls):
                return status
    if code.startswith(("request.", "statement.malformed")):
        return 400
    if code.endswith((".unknown", ".not_found")):
        return 404
    return 422


def problem(status: int, code: str, detail: str, **extra: Any) -> Problem:
    """A problem of ``status`` with ``code``."""
    return Problem(
        type=TYPE_BASE + code,
        title=_TITLES.get(status, "error"),
        status=status,
        code=code,
        detail=detail,
        **extra,
    )


def problem_for(error: BaseException, refusals: Sequence[tuple[int, RefusedError]] = ()) -> Problem:
    """The problem answering ``error`` (a library or service error)."""
    if isinstance(error, ServiceError):
        return problem(error.status, error.code, str(error))
    if refusals:
        first = refusals[0][1]
        listed = tuple(
            ProblemRefusal(index=i, code=e.code, message=str(e), subject=e.subject)
            for i, e in refusals
        )
        return problem(status_for(first.code, first), first.code, str(error), refusals=listed)
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return problem(status_for(code, error), code, str(error))
    if isinstance(error, StorageError):
        return problem(503, "store.unavailable", str(error))
    if isinstance(error, EncodingError):
        return problem(400, "request.malformed", str(error))
    if isinstance(error, TrustError | ElicenseError):
        return problem(422, "request.refused", str(error))
    return problem(400, "request.malformed", str(error))
