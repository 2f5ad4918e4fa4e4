"""Consent acts (授权): the platform records a holder's grant and withdrawal."""

from __future__ import annotations

import re
from typing import Any

from elicense.acts import (
    GrantConsent,
    Signed,
    Statement,
)
from elicense.domain.consent import Consent
from elicense.domain.license import License
from elicense.domain.license_type import (
    LicenseType,
)
from elicense.errors import (
    DuplicateError,
    IdentifierError,
    InvalidStatementError,
    NotAuthorisedError,
    NotFoundError,
)
from elicense.ids import validate_holder_code as _validate_holder_code
from elicense.ledger.rules.pipeline import (
    Context,
    canonical_license_id,
    expect_version,
    parse_quietly,
    valid_uscc,
)
from elicense.ledger.rules.types import type_code

_CONSENT_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,95}")


def targets(act: Statement) -> list[Any]:
    ids: list[Any] = [Consent.id_for(act.subject)]
    if isinstance(act, GrantConsent):
        if act.license:
            ids.append(License.id_for(parse_quietly(act.license)))
        else:
            ids.append(LicenseType.id_for(act.license_type))
    return ids


def grant(ctx: Context, signed: Signed, act: GrantConsent) -> Consent:
    code = act.subject
    if not _CONSENT_CODE.fullmatch(code):
        raise InvalidStatementError(
            f"consent code must be 1–96 of [0-9A-Za-z._:-], found {code!r}",
            code="statement.identifier.invalid",
            subject=code,
        )
    try:
        canonical_holder = _validate_holder_code(act.holder, act.holder_code_kind)
    except IdentifierError as e:
        raise InvalidStatementError(
            f"holder: {e}", code="statement.identifier.invalid", subject=code
        ) from None
    if canonical_holder != act.holder:
        raise InvalidStatementError(
            f"holder code {act.holder!r} is not in canonical spelling ({canonical_holder!r})",
            code="statement.identifier.invalid",
            subject=code,
        )
    valid_uscc(act.user, "user department", code)
    if act.license:
        lic = ctx.ws.license(canonical_license_id(act.license, "license", code))
        if lic is None:
            raise NotFoundError(f"license {act.license} does not exist", subject=code)
        if lic.holder.code != act.holder:
            raise NotAuthorisedError(
                f"consent.grant: license {act.license} is not held by the consenting holder",
                code="consent.holder.mismatch",
                subject=code,
            )
    else:
        named = type_code(act.license_type, "license_type", code)
        if ctx.ws.license_type(named) is None:
            raise NotFoundError(f"license type {named} does not exist", subject=code)
    if act.valid_until <= ctx.now:
        raise InvalidStatementError(
            f"consent.grant: valid_until {act.valid_until.isoformat()} is not after the "
            f"ledger's time {ctx.now.isoformat()}",
            code="consent.expired",
            subject=code,
        )
    if ctx.ws.get(Consent, Consent.id_for(code)) is not None:
        raise DuplicateError(f"consent {code} already exists", subject=code)
    expect_version(act, None)
    consent = Consent.grant(signed)
    ctx.ws.add(consent)
    return consent


def withdraw(ctx: Context, signed: Signed, act: Statement) -> Consent:
    consent = ctx.ws.get(Consent, Consent.id_for(act.subject))
    if consent is None:
        raise NotFoundError(f"consent {act.subject} does not exist", subject=act.subject)
    expect_version(act, consent)
    consent.withdraw(signed)
    return consent
