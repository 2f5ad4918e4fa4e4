"""Acts on license types: define, revise, retire, by the defining authority's seal."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from elicense.acts.base import Statement


class LicenseKind(StrEnum):
    """证照 or 批文."""

    LICENSE = "license"
    APPROVAL = "approval"


class HolderKind(StrEnum):
    """Who may hold licenses of a type."""

    PERSON = "person"
    ORGANISATION = "organisation"
    ANY = "any"


class FieldType(StrEnum):
    """Type of one field of a license type (扩展业务信息)."""

    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    CODE = "code"


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One field of a license type's schema."""

    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False


class Validity(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How long a license of a type is valid from its start; all zero = no expiry."""

    years: int = 0
    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.years, self.months, self.days) < 0:
            raise ValueError("validity parts must be ≥ 0")

    @property
    def unlimited(self) -> bool:
        """Whether licenses of the type never expire."""
        return not (self.years or self.months or self.days)


class DefineType(Statement, frozen=True, kw_only=True, tag="type.define"):
    """A defining authority defines a license type (catalog entry + template).

    ``issuers`` lists the departments (USCC) allowed to issue licenses of it.
    """

    name: str
    license_kind: LicenseKind = LicenseKind.LICENSE
    holder_kind: HolderKind = HolderKind.ANY
    schema: tuple[FieldSpec, ...] = ()
    validity: Validity = Validity()
    issuers: tuple[str, ...] = ()
    template: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [f.name for f in self.schema]
        if len(set(names)) != len(names):
            raise ValueError("schema field names must be unique")


class ReviseType(DefineType, frozen=True, kw_only=True, tag="type.revise"):
    """The defining authority revises a type: the whole definition is restated."""


class RetireType(Statement, frozen=True, kw_only=True, tag="type.retire"):
    """The defining authority retires a type: no new licenses of it."""

    reason: str
