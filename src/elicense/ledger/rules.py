"""What the ledger checks before it records a statement, kind by kind.

Each handler receives the working set of the batch (aggregates read or
changed so far), the resolved signer and the decoded statement. It raises a
:class:`~elicense.errors.RefusedError` — recording nothing — or calls the
aggregate command that records the event. Rules spanning two aggregates (is
this seal filed, does this department issue this type) live here, in the
application, not in an aggregate.

Handlers are registered per statement kind with the signer the kind needs,
so a new kind (consent, use …) plugs in without touching the pipeline.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from elicense import acts
from elicense.crypto.suites import PublicKey, key_id, public_key
from elicense.domain.base import LedgerAggregate
from elicense.domain.license import License
from elicense.domain.license_file import LicenseFile
from elicense.domain.license_type import (
    LicenseType,
    data_problems,
    issue_refusal,
    template_refusal,
)
from elicense.domain.platform import Platform
from elicense.domain.seal import Seal
from elicense.errors import (
    ConflictError,
    DuplicateError,
    ElicenseError,
    EncodingError,
    IdentifierError,
    InvalidStatementError,
    KeyFormatError,
    NotAuthorisedError,
    NotFoundError,
    UnsupportedAlgorithmError,
)
from elicense.ids import (
    LicenseId,
    parse_license_id,
    validate_holder_code,
)
from elicense.ids import validate_uscc as _validate_uscc
from elicense.statement import Signed, Statement

__all__ = ["ANNEX_KINDS", "HANDLERS", "Context", "SignerRole", "WorkingSet", "handler"]

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


@dataclass(frozen=True)
class Registered:
    """A handler, the signer its kind needs, and the aggregates it will read."""

    role: SignerRole
    fn: Handler
    targets: Targets | None = None


HANDLERS: dict[str, Registered] = {}

ANNEX_KINDS: set[str] = {"seal.file"}
"""Kinds whose signed statements may carry an annex (each handler checks its own)."""


def handler(
    kind: str, role: SignerRole, targets: Targets | None = None
) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of ``kind``, signed by ``role``.

    ``targets(act)`` names the aggregate ids the handler will read, so a batch
    can read them all in one query; it may raise, and then nothing is prefetched.
    """

    def deco(fn: Handler) -> Handler:
        HANDLERS[kind] = Registered(role, fn, targets)
        return fn

    return deco


def prefetch_ids(act: Statement) -> list[Any]:
    """The aggregate ids handling ``act`` will read (best effort, never raises)."""
    ids: list[Any] = []
    if not act.by_platform and act.kind != "seal.make":
        ids.append(Seal.id_for(act.seal))
    reg = HANDLERS.get(act.kind)
    if reg is not None and reg.targets is not None:
        with contextlib.suppress(ElicenseError, ValueError):  # the handler reports it
            ids.extend(reg.targets(act))
    return ids


def _license_targets(act: Statement) -> list[Any]:
    lid = parse_license_id(act.subject, conformant_only=True)
    ids = [License.id_for(lid)]
    if act.kind in ("license.issue", "license.amend", "license.renew"):
        ids.append(LicenseType.id_for(lid.type_code))
    return ids


def _seal_targets(act: Statement) -> list[Any]:
    return [Seal.id_for(act.subject)]


def type_targets(act: Statement) -> list[Any]:
    return [LicenseType.id_for(act.subject)]


# -- shared checks ----------------------------------------------------------------------------


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


# -- platform and seals -----------------------------------------------------------------------

_SEAL_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


@handler("seal.make", SignerRole.SELF, _seal_targets)
def _make_seal(ctx: Context, signed: Signed, act: acts.MakeSeal) -> LedgerAggregate:
    if not _SEAL_CODE.fullmatch(act.subject):
        raise InvalidStatementError(
            f"seal code must be 1–64 of [0-9A-Za-z._-], found {act.subject!r}",
            code="statement.identifier.invalid",
            subject=act.subject,
        )
    valid_uscc(act.department, "department", act.subject)
    if ctx.ws.seal(act.subject) is not None:
        raise DuplicateError(f"seal {act.subject} already exists", subject=act.subject)
    expect_version(act, None)
    seal = Seal.make(signed)
    ctx.ws.add(seal)
    return seal


def _existing_seal(ctx: Context, act: Statement) -> Seal:
    seal = ctx.ws.seal(act.subject)
    if seal is None:
        raise NotFoundError(f"seal {act.subject} does not exist", subject=act.subject)
    expect_version(act, seal)
    return seal


@handler("seal.file", SignerRole.PLATFORM, _seal_targets)
def _file_seal(ctx: Context, signed: Signed, act: acts.FileSeal) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    if act.key_id != key_id(seal.public_key):
        raise InvalidStatementError(
            f"filing names key {act.key_id}, seal {seal.code} has key {key_id(seal.public_key)}",
            code="seal.key.mismatch",
            subject=act.subject,
        )
    if signed.annex:
        check_ses_annex(ctx, seal, signed.annex)
    seal.file(signed, ses_seal=signed.annex)
    return seal


SesAnnexCheck = Callable[[Context, Seal, bytes], None]
_ses_checks: list[SesAnnexCheck] = []


def register_ses_annex_check(check: SesAnnexCheck) -> None:
    """Install the check of a filing's GB/T 38540 SES_Seal annex (from the SES module)."""
    _ses_checks[:] = [check]


def check_ses_annex(ctx: Context, seal: Seal, annex: bytes) -> None:
    """Refuse a filing whose SES_Seal annex does not describe this seal."""
    if not _ses_checks:
        with contextlib.suppress(ImportError):  # GB/T 38540 support registers its check
            importlib.import_module("elicense.crypto.ses.filing")
    if not _ses_checks:
        raise InvalidStatementError(
            "filing carries an SES_Seal annex but no GB/T 38540 support is loaded",
            code="seal.annex.unsupported",
            subject=seal.code,
        )
    _ses_checks[0](ctx, seal, annex)


@handler("seal.suspend", SignerRole.PLATFORM, _seal_targets)
def _suspend_seal(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.suspend(signed)
    return seal


@handler("seal.reinstate", SignerRole.PLATFORM, _seal_targets)
def _reinstate_seal(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.reinstate(signed)
    return seal


@handler("seal.revoke", SignerRole.PLATFORM, _seal_targets)
def _revoke_seal(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.revoke(signed)
    return seal


# -- license types ----------------------------------------------------------------------------

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


@handler("type.define", SignerRole.SEAL, type_targets)
def _define_type(ctx: Context, signed: Signed, act: acts.DefineType) -> LedgerAggregate:
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


@handler("type.revise", SignerRole.SEAL, type_targets)
def _revise_type(ctx: Context, signed: Signed, act: acts.ReviseType) -> LedgerAggregate:
    ltype = existing_type(ctx, act)
    _check_definition(act)
    ltype.revise(signed)
    return ltype


@handler("type.retire", SignerRole.SEAL, type_targets)
def _retire_type(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    ltype = existing_type(ctx, act)
    ltype.retire(signed)
    return ltype


# -- licenses ---------------------------------------------------------------------------------


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


@handler("license.issue", SignerRole.SEAL, _license_targets)
def _issue(ctx: Context, signed: Signed, act: acts.IssueLicense) -> LedgerAggregate:
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


@handler("license.amend", SignerRole.SEAL, _license_targets)
def _amend(ctx: Context, signed: Signed, act: acts.AmendLicense) -> LedgerAggregate:
    lic = _existing_license(ctx, act)
    ltype = ctx.ws.license_type(lic.type_code)
    if ltype is None:
        raise NotFoundError(f"license type {lic.type_code!r} is not defined", code="type.unknown")
    _require_template(ltype, act)
    _problems(data_problems(ltype, act.changes, partial=True), act)
    lic.amend(signed)
    return lic


@handler("license.renew", SignerRole.SEAL, _license_targets)
def _renew(ctx: Context, signed: Signed, act: acts.RenewLicense) -> LedgerAggregate:
    lic = _existing_license(ctx, act)
    if act.valid_until is not None and act.valid_until < lic.valid_from:
        _problems([f"valid_until {act.valid_until} is before valid_from {lic.valid_from}"], act)
    ltype = ctx.ws.license_type(lic.type_code)
    if act.valid_until is None and ltype is not None and not ltype.validity.unlimited:
        _problems([f"license type {ltype.code} has limited validity: valid_until is required"], act)
    lic.renew(signed)
    return lic


def _simple(method: str) -> Handler:
    def fn(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
        lic = _existing_license(ctx, act)
        getattr(lic, method)(signed)
        return lic

    fn.__name__ = f"_{method}"
    return fn


handler("license.suspend", SignerRole.SEAL, _license_targets)(_simple("suspend"))
handler("license.reinstate", SignerRole.SEAL, _license_targets)(_simple("reinstate"))
handler("license.revoke", SignerRole.SEAL, _license_targets)(_simple("revoke"))
handler("license.expire", SignerRole.SEAL_OR_PLATFORM, _license_targets)(_simple("expire"))


def _file_targets(act: Statement) -> list[Any]:
    assert isinstance(act, acts.RecordLicenseFile)
    lid = parse_license_id(act.subject, conformant_only=True)
    return [License.id_for(lid), LicenseFile.id_for(act.sha256)]


@handler("file.record", SignerRole.SEAL, _file_targets)
def _record_file(ctx: Context, signed: Signed, act: acts.RecordLicenseFile) -> LedgerAggregate:
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


@handler("ledger.establish", SignerRole.PLATFORM)
def _establish(ctx: Context, signed: Signed, act: acts.EstablishLedger) -> LedgerAggregate:
    if ctx.platform is not None:
        raise DuplicateError(
            f"this store already holds ledger {ctx.platform.origin!r}", subject=act.subject
        )
    if act.subject != act.origin:
        raise InvalidStatementError(
            "ledger.establish: subject must equal origin", subject=act.subject
        )
    expect_version(act, None)
    platform = Platform.establish(signed)
    ctx.ws.add(platform)
    return platform
