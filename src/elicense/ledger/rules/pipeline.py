"""What every rule works with: the batch's working set, the context, shared checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from elicense.acts import (
    Signed,
    Statement,
)
from elicense.crypto.suites import PublicKey, public_key
from elicense.domain.base import LedgerAggregate
from elicense.domain.license import License
from elicense.domain.license_type import (
    LicenseType,
)
from elicense.domain.platform import Platform
from elicense.domain.seal import Seal
from elicense.errors import (
    ConflictError,
    EncodingError,
    IdentifierError,
    InvalidStatementError,
    KeyFormatError,
    NotAuthorisedError,
    UnsupportedAlgorithmError,
)
from elicense.ids import LicenseId, parse_license_id
from elicense.ids import validate_uscc as _validate_uscc

AGG = TypeVar("AGG", bound=LedgerAggregate)


class SignerRole(Enum):
    """Who must sign a kind of statement."""

    PLATFORM = "platform"
    SEAL = "seal"
    SELF = "self"  # the new seal's own key (seal.make)
    SEAL_OR_PLATFORM = "seal-or-platform"


class WorkingSet:
    """Aggregates of one batch: read once, changed in order, saved together."""

    def __init__(
        self,
        get: Callable[[Any], LedgerAggregate | None],
        get_many: Callable[[list[Any]], dict[Any, LedgerAggregate]] | None = None,
        known: dict[Any, LedgerAggregate] | None = None,
    ) -> None:
        self._get = get
        self._get_many = get_many
        self._aggs: dict[Any, LedgerAggregate | None] = dict(known) if known else {}

    def loaded(self) -> dict[Any, LedgerAggregate | None]:
        """Every aggregate this batch has read or created, by id (``None``: absent)."""
        return self._aggs

    def prefetch(self, aggregate_ids: Iterable[Any]) -> None:
        """Read all these aggregates in one query (those absent become ``None``)."""
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self._aggs]
        if not wanted or self._get_many is None:
            return
        try:
            found = self._get_many(wanted)
        except EncodingError:  # a corrupt row: read one by one, so only its statement is refused
            return
        for i in wanted:
            self._aggs[i] = found.get(i)

    def get(self, cls: type[AGG], aggregate_id: Any) -> AGG | None:
        """The aggregate as this batch has it so far, or ``None``."""
        if aggregate_id not in self._aggs:
            self._aggs[aggregate_id] = self._get(aggregate_id)
        agg = self._aggs[aggregate_id]
        if agg is not None and not isinstance(agg, cls):
            raise InvalidStatementError(
                f"aggregate {aggregate_id} is a {type(agg).__name__}, not a {cls.__name__}"
            )
        return agg

    def add(self, agg: LedgerAggregate) -> None:
        """A new aggregate created by this batch."""
        self._aggs[agg.id] = agg

    def seal(self, code: str) -> Seal | None:
        """The seal with ``code``, or ``None``."""
        return self.get(Seal, Seal.id_for(code))

    def license_type(self, code: str) -> LicenseType | None:
        """The license type with ``code``, or ``None``."""
        return self.get(LicenseType, LicenseType.id_for(code))

    def license(self, license_id: LicenseId) -> License | None:
        """The license with ``license_id`` (any version), or ``None``."""
        return self.get(License, License.id_for(license_id))


@dataclass(frozen=True)
class Context:
    """What a handler knows beyond the statement."""

    ws: WorkingSet
    platform: Platform | None
    seal: Seal | None  # the signing seal, when a seal signs
    now: datetime


Handler = Callable[[Context, Signed, Any], LedgerAggregate]


Targets = Callable[[Any], Iterable[Any]]


def expect_version(act: Statement, agg: LedgerAggregate | None) -> None:
    """Refuse a statement made against another version than the current one."""
    current = agg.version if agg is not None else 0
    if act.expected_version != current:
        raise ConflictError(
            f"{act.kind} on {act.subject} was signed against version {act.expected_version}, "
            f"the current version is {current}",
            subject=act.subject,
        )


def valid_uscc(code: str, what: str, subject: str) -> str:
    """``code`` checked as a USCC, or an InvalidStatementError naming ``what``."""
    try:
        return _validate_uscc(code)
    except IdentifierError as e:
        raise InvalidStatementError(
            f"{what}: {e}", code="statement.identifier.invalid", subject=subject
        ) from None


def signer_key(alg: str, spki: bytes, subject: str) -> PublicKey:
    """Parse the public key a statement names."""
    try:
        return public_key(alg, spki)
    except UnsupportedAlgorithmError as e:
        raise InvalidStatementError(
            str(e), code="statement.alg.unsupported", subject=subject
        ) from None
    except KeyFormatError as e:
        raise InvalidStatementError(
            f"public key: {e}", code="statement.key.invalid", subject=subject
        ) from None


def require_department(ctx: Context, department: str, act: Statement, code: str) -> None:
    """Refuse unless the signing seal belongs to ``department``."""
    assert ctx.seal is not None
    if ctx.seal.department != department:
        raise NotAuthorisedError(
            f"{act.kind} on {act.subject} must be signed by a seal of {department}; "
            f"seal {ctx.seal.code} belongs to {ctx.seal.department}",
            code=code,
            subject=act.subject,
        )


@lru_cache(maxsize=65536)  # a batch names each license twice (prefetch, check); ids are pure
def parse_quietly(text: str) -> LicenseId:
    return parse_license_id(text, conformant_only=True)


def canonical_license_id(text: str, what: str, subject: str) -> LicenseId:
    try:
        lid = parse_quietly(text)
    except IdentifierError as e:
        raise InvalidStatementError(
            f"{what}: {e}", code="statement.identifier.invalid", subject=subject
        ) from None
    if not lid.conformant or str(lid) != text:
        raise InvalidStatementError(
            f"{what}: {text!r} is not a GB/T 36904 identifier in canonical spelling",
            code="statement.identifier.invalid",
            subject=subject,
        )
    return lid
