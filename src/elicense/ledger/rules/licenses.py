"""License acts: issue, amend, renew, suspend, reinstate, revoke, expire; record a license file."""

from __future__ import annotations

from typing import Any

from elicense import acts
from elicense.acts import (
    Signed,
    Statement,
)
from elicense.domain.base import LedgerAggregate
from elicense.domain.license import License
from elicense.domain.license_file import LicenseFile
from elicense.domain.license_type import (
    LicenseType,
    data_problems,
    issue_refusal,
    template_refusal,
)
from elicense.errors import (
    ConflictError,
    DuplicateError,
    IdentifierError,
    InvalidStatementError,
    NotFoundError,
)
from elicense.ids import LicenseId, parse_license_id, validate_holder_code
from elicense.ledger.rules.pipeline import (
    Context,
    expect_version,
    require_department,
)


def targets(act: Statement) -> list[Any]:
    lid = parse_license_id(act.subject, conformant_only=True)
    ids = [License.id_for(lid)]
    if act.kind in ("license.issue", "license.amend", "license.renew"):
        ids.append(LicenseType.id_for(lid.type_code))
    return ids


def parse_subject(act: Statement) -> LicenseId:
    """The statement's subject as a conformant license identifier, written canonically."""
    try:
        lid = parse_license_id(act.subject, conformant_only=True)
    except IdentifierError as e:
        raise InvalidStatementError(
            f"license identifier: {e}", code="statement.identifier.invalid", subject=act.subject
        ) from None
    if str(lid) != act.subject:  # parse_license_id forgives case and whitespace; records may not
        raise InvalidStatementError(
            f"license identifier {act.subject!r} is not in canonical form; expected {lid}",
            code="statement.identifier.invalid",
            subject=act.subject,
        )
    return lid


def _problems(problems: list[str], act: Statement) -> None:
    if problems:
        raise InvalidStatementError(
            f"{act.kind} on {act.subject}: " + "; ".join(problems),
            code="statement.fields.invalid",
            subject=act.subject,
        )


_HOLDER_CODE_KINDS = {
    acts.HolderKind.PERSON: {acts.HolderCodeKind.RIC, acts.HolderCodeKind.OTHER},
    acts.HolderKind.ORGANISATION: {acts.HolderCodeKind.USCC, acts.HolderCodeKind.OTHER},
    acts.HolderKind.ANY: set(acts.HolderCodeKind),
}


def issue(ctx: Context, signed: Signed, act: acts.IssueLicense) -> LedgerAggregate:
    lid = parse_subject(act)
    if lid.version != 1:
        raise InvalidStatementError(
            f"license.issue needs identifier version 001, found {lid.version:03d}",
            code="statement.identifier.invalid",
            subject=act.subject,
        )
    ltype = ctx.ws.license_type(lid.type_code)
    assert ctx.seal is not None
    refusal = issue_refusal(ltype, ctx.seal.department, lid.type_code)
    if refusal is not None:
        refusal.subject = act.subject
        raise refusal
    assert ltype is not None
    require_department(ctx, lid.issuer_code or "", act, "authority.not_issuer")
    _require_template(ltype, act)
    problems = data_problems(ltype, act.data)
    try:
        validate_holder_code(act.holder.code, act.holder.code_kind)
    except IdentifierError as e:
        problems.append(f"holder code: {e}")
    if act.holder.code_kind not in _HOLDER_CODE_KINDS[ltype.holder_kind]:
        problems.append(
            f"license type {ltype.code} is held by a {ltype.holder_kind}, "
            f"holder code kind {act.holder.code_kind} does not fit"
        )
    if not ltype.validity.unlimited and act.valid_until is None:
        problems.append(f"license type {ltype.code} has limited validity: valid_until is required")
    if not act.holder.name.strip():
        problems.append("holder name is empty")
    _problems(problems, act)
    if ctx.ws.license(lid) is not None:
        raise DuplicateError(f"license {lid.key} already exists", subject=act.subject)
    expect_version(act, None)
    lic = License.issue(signed)
    ctx.ws.add(lic)
    return lic


def _require_template(ltype: LicenseType, act: acts.IssueLicense | acts.AmendLicense) -> None:
    refusal = template_refusal(ltype, act.template_version, act.template_digest)
    if refusal is not None:
        refusal.subject = act.subject
        raise refusal


def _current_license(ctx: Context, act: Statement) -> License:
    """The license ``act`` names, refusing one that is absent or not named by its current
    identifier (an act is recorded only on the current identifier)."""
    lid = parse_subject(act)
    lic = ctx.ws.license(lid)
    if lic is None:
        raise NotFoundError(f"license {act.subject} does not exist", subject=act.subject)
    if lic.identifier != act.subject:
        raise ConflictError(
            f"{act.kind} names {act.subject}, the license's current identifier is {lic.identifier}",
            subject=act.subject,
        )
    return lic


def _existing_license(ctx: Context, act: Statement) -> License:
    lic = _current_license(ctx, act)
    expect_version(act, lic)
    if ctx.seal is not None:
        require_department(ctx, lic.issuer, act, "authority.not_issuer")
    return lic


def amend(ctx: Context, signed: Signed, act: acts.AmendLicense) -> LedgerAggregate:
    lic = _existing_license(ctx, act)
    ltype = ctx.ws.license_type(lic.type_code)
    if ltype is None:
        raise NotFoundError(f"license type {lic.type_code!r} is not defined", code="type.unknown")
    _require_template(ltype, act)
    _problems(data_problems(ltype, act.changes, partial=True), act)
    lic.amend(signed)
    return lic


def renew(ctx: Context, signed: Signed, act: acts.RenewLicense) -> LedgerAggregate:
    lic = _existing_license(ctx, act)
    if act.valid_until is not None and act.valid_until < lic.valid_from:
        _problems([f"valid_until {act.valid_until} is before valid_from {lic.valid_from}"], act)
    ltype = ctx.ws.license_type(lic.type_code)
    if act.valid_until is None and ltype is not None and not ltype.validity.unlimited:
        _problems([f"license type {ltype.code} has limited validity: valid_until is required"], act)
    lic.renew(signed)
    return lic


def suspend(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    """Suspend (暂扣) a license, by a seal of its issuer."""
    lic = _existing_license(ctx, act)
    lic.suspend(signed)
    return lic


def reinstate(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    """Reinstate (暂扣发还) a suspended license, by a seal of its issuer."""
    lic = _existing_license(ctx, act)
    lic.reinstate(signed)
    return lic


def revoke(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    """Revoke a license — 注销, 撤销 or 吊销 by its reason code — by a seal of its issuer."""
    lic = _existing_license(ctx, act)
    lic.revoke(signed)
    return lic


def expire(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    """Record a license's expiry (过期失效), by a seal of its issuer or the platform."""
    lic = _existing_license(ctx, act)
    lic.expire(signed)
    return lic


def file_targets(act: Statement) -> list[Any]:
    assert isinstance(act, acts.RecordLicenseFile)
    lid = parse_license_id(act.subject, conformant_only=True)
    return [License.id_for(lid), LicenseFile.id_for(act.sha256)]


def record_file(ctx: Context, signed: Signed, act: acts.RecordLicenseFile) -> LedgerAggregate:
    """A file of the license's current identifier, by a seal of its issuer; once per digest."""
    lic = _current_license(ctx, act)
    require_department(ctx, lic.issuer, act, "authority.not_issuer")
    file_id = LicenseFile.id_for(act.sha256)
    if ctx.ws.get(LicenseFile, file_id) is not None:
        raise DuplicateError(
            f"a file with SHA-256 {act.sha256.hex()} is already recorded", subject=act.subject
        )
    expect_version(act, None)
    f = LicenseFile.record(signed)
    ctx.ws.add(f)
    return f
