"""What the ledger checks for sharing lists, consents and uses.

Sharing-list and consent statements are
refused, and not recorded, like every other kind. Uses are different:

- a use statement that is **not validly made** — bad signature, unknown or
  inactive seal (checked by the pipeline before this handler), malformed
  subject, another department's request number, a duplicate (a replay), a
  malformed license identifier, a resolution annex that does not fit — is
  refused with a typed :class:`~elicense.errors.RefusedError` and **not
  recorded**, so nobody can fill the log in another department's name;
- a validly made use that fails a **policy** check is **recorded** as
  ``Use.Refused`` with a reason code (:data:`~elicense.domain.usage.REFUSAL_CODES`),
  and the ledger's receipt says so (``Receipt.refused``). The checks, in
  order: the license exists; the department is on the type's sharing list
  for the service item, and asks for no unlisted field; the named consent
  exists, is for this department, this service item and this license (holder,
  type or license), is not withdrawn and not expired *at the ledger's time*;
  the license is valid at the ledger's date. The first that fails is the
  reason.
- Otherwise the use is recorded as ``Used`` with the disclosed fields: those
  asked for (or, when none are named, all the list grants), within the fields
  the type defines — never beyond the sharing list."""

from __future__ import annotations

from typing import Any

from elicense.acts import (
    USE_SUBJECT,
    RequestUse,
    Signed,
    Statement,
    UseResolution,
)
from elicense.codec import decode_canonical
from elicense.domain.consent import Consent, consent_refusal
from elicense.domain.license import License
from elicense.domain.license_type import (
    LicenseType,
)
from elicense.domain.sharing import disclosable_fields, sharing_refusal
from elicense.domain.usage import Disclosure, Use, UseRefusal
from elicense.errors import (
    DuplicateError,
    ElicenseError,
    InvalidStatementError,
    NotAuthorisedError,
)
from elicense.ledger.rules.pipeline import (
    Context,
    canonical_license_id,
    expect_version,
    parse_quietly,
)
from elicense.ledger.rules.types import type_code
from elicense.lifecycle import LicenseStatus


def targets(act: Statement) -> list[Any]:
    assert isinstance(act, RequestUse)
    ids: list[Any] = [Use.id_for(act.subject)]
    if act.consent:
        ids.append(Consent.id_for(act.consent))
    if act.license:
        lid = parse_quietly(act.license)
        ids += [License.id_for(lid), LicenseType.id_for(lid.type_code)]
    else:
        ids.append(LicenseType.id_for(act.license_type))
    return ids


def request(ctx: Context, signed: Signed, act: RequestUse) -> Use:
    m = USE_SUBJECT.fullmatch(act.subject)
    if m is None:
        raise InvalidStatementError(
            f"a use's subject is <user USCC>/<request number>, found {act.subject!r}",
            code="statement.identifier.invalid",
            subject=act.subject,
        )
    assert ctx.seal is not None
    if m["user"] != ctx.seal.department:
        raise NotAuthorisedError(
            f"use {act.subject} names department {m['user']}; seal {ctx.seal.code} belongs to "
            f"{ctx.seal.department}",
            code="authority.not_user",
            subject=act.subject,
        )
    if ctx.ws.get(Use, Use.id_for(act.subject)) is not None:
        raise DuplicateError(f"use {act.subject} is already recorded", subject=act.subject)
    expect_version(act, None)
    use = judge_use(ctx, signed, act, _license_of(ctx, signed, act))
    ctx.ws.add(use)
    return use


def _license_of(ctx: Context, signed: Signed, act: RequestUse) -> License | None:
    """The license the use names (``None``: not found); structural faults raise."""
    if act.license:
        if signed.annex:
            raise InvalidStatementError(
                "a use naming its license takes no resolution annex",
                code="statement.annex.unexpected",
                subject=act.subject,
            )
        return ctx.ws.license(canonical_license_id(act.license, "license", act.subject))
    type_code(act.license_type, "license_type", act.subject)
    if not signed.annex:
        return None  # the platform found no license of this holder and type
    try:
        resolution = decode_canonical(signed.annex, UseResolution, what="use resolution")
    except ElicenseError as e:
        raise InvalidStatementError(
            str(e), code="statement.annex.malformed", subject=act.subject
        ) from None
    lic = ctx.ws.license(canonical_license_id(resolution.license, "resolution", act.subject))
    if lic is None or lic.holder.code != act.holder or lic.type_code != act.license_type:
        raise InvalidStatementError(
            f"the resolution names {resolution.license}, which is not a license of the "
            "holder and type the use names",
            code="use.resolution.mismatch",
            subject=act.subject,
        )
    return lic


def judge_use(ctx: Context, signed: Signed, act: RequestUse, lic: License | None) -> Use:
    """Record the use as ``Used`` or ``Refused`` (see the module docstring for the order)."""

    def refuse(code: str, message: str) -> Use:
        found = lic.identifier if lic is not None else ""
        return Use.record_refused(signed, UseRefusal(code=code, message=message, license=found))

    if lic is None:
        what = act.license or f"of holder and type {act.license_type}"
        return refuse("use.license.not_found", f"no license {what} in this ledger")
    ltype = ctx.ws.license_type(lic.type_code)
    assert ltype is not None  # a recorded license's type exists
    reason = sharing_refusal(ltype.sharing, act.user, act.service_item, act.fields)
    if reason is None:
        reason = consent_refusal(
            ctx.ws.get(Consent, Consent.id_for(act.consent)) if act.consent else None,
            code=act.consent,
            user=act.user,
            service_item=act.service_item,
            license_key=lic.license_id.key,
            type_code=lic.type_code,
            holder=lic.holder.code,
            at=ctx.now,
        )
    status = lic.status_on(ctx.now.date())
    if reason is None and status is not LicenseStatus.VALID:
        reason = (
            f"use.license.{status.value}",
            f"license {lic.identifier} is {status} ({status.code} {status.label})",
        )
    if reason is not None:
        return refuse(*reason)
    granted = ltype.sharing[(act.user, act.service_item)]
    fields = (set(act.fields) or granted) & granted & disclosable_fields(ltype)
    return Use.record_used(
        signed,
        Disclosure(
            license=lic.identifier,
            license_version=lic.version,
            status=status.code,
            fields=tuple(sorted(fields)),
        ),
    )
