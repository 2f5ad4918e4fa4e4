"""A license type's state and the rules that read it — pure, shared by ledger and verifier.

:func:`issue_refusal` (may this department issue this type) and
:func:`template_refusal` (is a statement bound to the template in force) are
applied by the ledger at write time and re-applied by the verifier at each
entry's position; :func:`data_problems` checks license fields against the
schema. The folds (:func:`defined` … :func:`unshared`) are what each type
event does to the state: the :class:`~elicense.domain.license_type.LicenseType`
aggregate applies them, and so does the verifier's replay.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol

from elicense.acts import (
    DefineType,
    FieldSpec,
    FieldType,
    ShareType,
    Statement,
    UnshareType,
)
from elicense.codec import sha256
from elicense.errors import (
    ConflictError,
    InvalidStatementError,
    NotAuthorisedError,
    NotFoundError,
    RefusedError,
    TransitionRefusedError,
)

__all__ = [
    "LicenseTypeView",
    "data_problems",
    "defined",
    "issue_refusal",
    "retired",
    "revised",
    "shared",
    "template_refusal",
    "unshared",
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


# -- what each license-type event does to the state -------------------------------------------


def _restate(ltype: Any, act: Statement) -> None:
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


def defined(ltype: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``type.defined``: template version 1, its digest the statement's SHA-256."""
    _restate(ltype, act)
    ltype.template_version = 1
    ltype.template_digest = sha256(statement)
    ltype.retired = False
    ltype.sharing = {}


def revised(ltype: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``type.revised``: the whole definition restated; the template version grows."""
    _restate(ltype, act)
    ltype.template_version += 1
    ltype.template_digest = sha256(statement)


def retired(ltype: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``type.retired``: no new licenses of this type."""
    ltype.retired = True


def shared(ltype: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``type.shared``: a department may see these fields for these service items."""
    assert isinstance(act, ShareType)
    fields = frozenset(act.fields)
    ltype.sharing = {**ltype.sharing, **{(act.user, i): fields for i in act.service_items}}


def unshared(ltype: Any, act: Statement, statement: bytes, annex: bytes) -> None:
    """``type.unshared``: a department's entries (for some or all items) leave the list."""
    assert isinstance(act, UnshareType)
    items = set(act.service_items)
    ltype.sharing = {
        (user, item): fields
        for (user, item), fields in ltype.sharing.items()
        if user != act.user or (items and item not in items)
    }
