"""The LicenseType aggregate (证照目录 + 证照模板): defined, revised, retired, and its
sharing list (责任清单 / 需求清单) granted and withdrawn.

A license type is a catalog entry with a field schema, a validity rule and
the departments allowed to issue it. Its code is 21 characters: the defining
authority's USCC and a 3-digit type number, so the authority that may
define, revise and retire it is written in the code itself.

:func:`issue_refusal` and :func:`data_problems` are the rules for "may this
department issue a license of this type with these fields", shared by the
ledger (write time) and the verifier (re-judging at each entry's position).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from elicense import wire
from elicense.acts import (
    DefineType,
    FieldSpec,
    FieldType,
    HolderKind,
    LicenseKind,
    ShareType,
    Signed,
    UnshareType,
    Validity,
    decode_statement,
)
from elicense.codec import sha256
from elicense.domain.base import LedgerAggregate, deterministic_id
from elicense.domain.sharing import SharingList
from elicense.errors import (
    ConflictError,
    InvalidStatementError,
    NotAuthorisedError,
    NotFoundError,
    RefusedError,
    TransitionRefusedError,
)

__all__ = [
    "LicenseType",
    "LicenseTypeView",
    "data_problems",
    "issue_refusal",
    "template_refusal",
]


class LicenseTypeView(Protocol):
    """What the issuing rules need to know of a license type."""

    @property
    def code(self) -> str: ...
    @property
    def retired(self) -> bool: ...
    @property
    def issuers(self) -> frozenset[str]: ...
    @property
    def schema(self) -> tuple[FieldSpec, ...]: ...
    @property
    def template_version(self) -> int: ...
    @property
    def template_digest(self) -> bytes: ...


def issue_refusal(
    ltype: LicenseTypeView | None, department: str, code: str = ""
) -> RefusedError | None:
    """Why ``department`` may not issue a license of ``ltype``; ``None`` when it may."""
    if ltype is None:
        return NotFoundError(f"license type {code!r} is not defined", code="type.unknown")
    if ltype.retired:
        return TransitionRefusedError(f"license type {ltype.code} is retired", code="type.retired")
    if department not in ltype.issuers:
        return NotAuthorisedError(
            f"department {department} is not an issuer of license type {ltype.code}",
            code="authority.not_issuer",
        )
    return None


def template_refusal(
    ltype: LicenseTypeView, template_version: int, template_digest: bytes
) -> RefusedError | None:
    """Why a statement bound to ``template_version``/``template_digest`` does not fit the
    definition of ``ltype`` in force; ``None`` when it does.

    The binding names the type's template version and the SHA-256 of the canonical
    bytes of the definition statement in force (its ``type.define`` or latest
    ``type.revise``), so a license is never recorded against a template its
    issuer did not see.
    """
    if template_version != ltype.template_version:
        older = template_version < ltype.template_version
        return ConflictError(
            f"statement is bound to template version {template_version} of {ltype.code}, "
            f"the version in force is {ltype.template_version}",
            code="template.stale" if older else "template.mismatch",
        )
    if template_digest != ltype.template_digest:
        return InvalidStatementError(
            f"statement names template digest {template_digest.hex()[:16]}… for version "
            f"{template_version} of {ltype.code}, the definition in force has "
            f"{ltype.template_digest.hex()[:16]}…",
            code="template.mismatch",
        )
    return None


# ASCII only: str patterns' \d also matches full-width and other Unicode digits.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat also takes 20200101, 2020-W01-1


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def data_problems(
    ltype: LicenseTypeView, data: dict[str, str], *, partial: bool = False
) -> list[str]:
    """What is wrong with license fields ``data`` under the type's schema.

    Args:
        partial: ``data`` are changes to existing fields (required ones may be absent).
    """
    specs = {f.name: f for f in ltype.schema}
    problems = [f"unknown field {name!r}" for name in data if name not in specs]
    for spec in ltype.schema:
        value = data.get(spec.name)
        if value is None or value == "":
            if spec.required and not partial:
                problems.append(f"required field {spec.name!r} ({spec.label}) is missing")
            continue
        if spec.type is FieldType.DATE:
            if not _is_date(value):
                problems.append(f"field {spec.name!r} must be a date YYYY-MM-DD, found {value!r}")
        elif spec.type is FieldType.NUMBER and not _NUMBER.fullmatch(value):
            problems.append(f"field {spec.name!r} must be a number, found {value!r}")
    return problems


def _restate(ltype: LicenseType, act: object) -> None:
    """Set the definition of ``ltype`` from a define or revise statement."""
    assert isinstance(act, DefineType)
    ltype.code = act.subject
    ltype.defining_authority = act.subject[:18]
    ltype.name = act.name
    ltype.license_kind = act.license_kind
    ltype.holder_kind = act.holder_kind
    ltype.schema = act.schema
    ltype.validity = act.validity
    ltype.issuers = frozenset(act.issuers)
    ltype.template = act.template


class LicenseType(LedgerAggregate):
    """A license type: catalog entry and template."""

    WIRE_NAME = wire.LICENSE_TYPE

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        code: str
        defining_authority: str
        name: str
        license_kind: LicenseKind
        holder_kind: HolderKind
        schema: tuple[FieldSpec, ...]
        validity: Validity
        issuers: frozenset[str]
        template: str
        template_version: int
        template_digest: bytes
        retired: bool
        sharing: SharingList  # (user, service item) -> fields; see elicense.domain.sharing

    def binding(self) -> dict[str, int | bytes]:
        """The template binding an issuance or amendment signed now must carry:
        ``template_version`` and ``template_digest`` (keyword arguments of the statement)."""
        return {"template_version": self.template_version, "template_digest": self.template_digest}

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the type with code ``code``."""
        return deterministic_id("type", code)

    @classmethod
    def define(cls, signed: Signed) -> LicenseType:
        """Record a new license type."""
        return cls._create_from(
            cls.Defined, cls.id_for(decode_statement(signed.statement).subject), signed
        )

    class Defined(LedgerAggregate.Created):
        TOPIC = wire.TYPE_DEFINED

        def apply(self, ltype: LicenseType) -> None:
            _restate(ltype, self.act)
            ltype.template_version = 1
            ltype.template_digest = sha256(self.statement)
            ltype.retired = False
            ltype.sharing = {}

    def revise(self, signed: Signed) -> None:
        """Restate the whole definition; the template version grows."""
        self._require_current("type.revise")
        self._record(self.Revised, signed)

    class Revised(LedgerAggregate.Event):
        TOPIC = wire.TYPE_REVISED

        def apply(self, ltype: LicenseType) -> None:
            _restate(ltype, self.act)
            ltype.template_version += 1
            ltype.template_digest = sha256(self.statement)

    def retire(self, signed: Signed) -> None:
        """No new licenses of this type from now on."""
        self._require_current("type.retire")
        self._record(self.Retired, signed)

    class Retired(LedgerAggregate.Event):
        TOPIC = wire.TYPE_RETIRED

        def apply(self, ltype: LicenseType) -> None:
            ltype.retired = True

    # -- sharing list (责任清单 / 需求清单; statements in elicense.acts.reuse) ----------------

    def grant_sharing(self, signed: Signed) -> None:
        """Let a department use licenses of this type for some service items."""
        self._require_current("type.share")
        self._record(self.SharingGranted, signed)

    class SharingGranted(LedgerAggregate.Event):
        TOPIC = wire.TYPE_SHARED

        def apply(self, ltype: LicenseType) -> None:
            act = self.act
            assert isinstance(act, ShareType)
            fields = frozenset(act.fields)
            ltype.sharing = {**ltype.sharing, **{(act.user, i): fields for i in act.service_items}}

    def withdraw_sharing(self, signed: Signed) -> None:
        """Take a department's entries (for some or all service items) off the list."""
        act = decode_statement(signed.statement)
        assert isinstance(act, UnshareType)
        listed = {item for user, item in self.sharing if user == act.user}
        missing = sorted(set(act.service_items) - listed)
        if not listed or missing:
            what = ", ".join(missing) if listed else "any service item"
            raise TransitionRefusedError(
                f"type.unshare: department {act.user} is not on the sharing list of "
                f"{self.code} for {what}",
                code="sharing.not_granted",
                subject=self.code,
            )
        self._record(self.SharingWithdrawn, signed)

    class SharingWithdrawn(LedgerAggregate.Event):
        TOPIC = wire.TYPE_UNSHARED

        def apply(self, ltype: LicenseType) -> None:
            act = self.act
            assert isinstance(act, UnshareType)
            items = set(act.service_items)
            ltype.sharing = {
                (user, item): fields
                for (user, item), fields in ltype.sharing.items()
                if user != act.user or (items and item not in items)
            }

    def _require_current(self, kind: str) -> None:
        if self.retired:
            raise TransitionRefusedError(
                f"{kind}: license type {self.code} is retired",
                code="type.retired",
                subject=self.code,
            )
