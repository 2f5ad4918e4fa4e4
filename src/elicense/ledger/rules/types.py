"""License-type acts: define, revise, retire; share and unshare (the sharing list)."""

from __future__ import annotations

import re
from typing import Any

from elicense import acts
from elicense.acts import (
    ShareType,
    Signed,
    Statement,
    UnshareType,
)
from elicense.domain.base import LedgerAggregate
from elicense.domain.license_type import (
    LicenseType,
)
from elicense.domain.sharing import unknown_fields
from elicense.errors import (
    DuplicateError,
    InvalidStatementError,
    NotFoundError,
)
from elicense.ledger.rules.pipeline import (
    Context,
    expect_version,
    require_department,
    valid_uscc,
)


def targets(act: Statement) -> list[Any]:
    return [LicenseType.id_for(act.subject)]


_TYPE_NUMBER = re.compile(r"\d{3}")


def type_code(code: str, what: str = "type code", subject: str | None = None) -> str:
    """``code`` if it is a license type code (the defining authority's USCC + 3 digits)."""
    subject = code if subject is None else subject
    if len(code) != 21 or not _TYPE_NUMBER.fullmatch(code[18:]):
        raise InvalidStatementError(
            f"{what} must be 21 characters (USCC + 3 digits), found {code!r}",
            code="statement.identifier.invalid",
            subject=subject,
        )
    valid_uscc(code[:18], f"{what}'s defining authority", subject)
    return code


def _check_definition(act: acts.DefineType) -> None:
    for issuer in act.issuers:
        valid_uscc(issuer, "issuer", act.subject)


def define(ctx: Context, signed: Signed, act: acts.DefineType) -> LedgerAggregate:
    code = type_code(act.subject)
    require_department(ctx, code[:18], act, "authority.not_defining_authority")
    _check_definition(act)
    if ctx.ws.license_type(code) is not None:
        raise DuplicateError(f"license type {code} already exists", subject=code)
    expect_version(act, None)
    ltype = LicenseType.define(signed)
    ctx.ws.add(ltype)
    return ltype


def existing_type(ctx: Context, act: Statement) -> LicenseType:
    """The license type ``act`` names, acted on by its defining authority at the version
    the statement expects."""
    code = type_code(act.subject)
    require_department(ctx, code[:18], act, "authority.not_defining_authority")
    ltype = ctx.ws.license_type(code)
    if ltype is None:
        raise NotFoundError(f"license type {code} does not exist", subject=code)
    expect_version(act, ltype)
    return ltype


def revise(ctx: Context, signed: Signed, act: acts.ReviseType) -> LedgerAggregate:
    ltype = existing_type(ctx, act)
    _check_definition(act)
    ltype.revise(signed)
    return ltype


def retire(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    ltype = existing_type(ctx, act)
    ltype.retire(signed)
    return ltype


def share(ctx: Context, signed: Signed, act: ShareType) -> LicenseType:
    ltype = existing_type(ctx, act)
    valid_uscc(act.user, "user department", act.subject)
    unknown = unknown_fields(ltype, act.fields)
    if unknown:
        raise InvalidStatementError(
            f"type.share on {act.subject}: {', '.join(unknown)} are not fields of the type "
            "(core names, or data.<schema field>)",
            code="sharing.fields.unknown",
            subject=act.subject,
        )
    ltype.grant_sharing(signed)
    return ltype


def unshare(ctx: Context, signed: Signed, act: UnshareType) -> LicenseType:
    ltype = existing_type(ctx, act)
    ltype.withdraw_sharing(signed)
    return ltype
