"""The statement kinds of the ledger core: platform, seals, license types, licenses.

Each class is one kind of signed act (see :mod:`elicense.statement` for what
every statement binds). The table says who signs each kind:

===================  ===============================  ==========================================
kind                 subject                          signed by
===================  ===============================  ==========================================
ledger.establish     the ledger origin                the platform key (self-signed)
seal.make            seal code                        the new seal's own key (proof of possession)
seal.file            seal code                        the platform key
seal.suspend         seal code                        the platform key
seal.reinstate       seal code                        the platform key
seal.revoke          seal code                        the platform key
type.define          type code (21 chars)             a seal of the defining authority
type.revise          type code                        a seal of the defining authority
type.retire          type code                        a seal of the defining authority
license.issue        license identifier (version 1)   a seal of the issuer named in the identifier
license.amend …      the current license identifier   a seal of the issuer (expire: or the platform)
file.record          the license identifier           a seal of the issuer
===================  ===============================  ==========================================

Field validation here is structural (types, non-empty, date order); the
ledger checks identifiers, schemas and authority.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import msgspec

from elicense.codec import require_utc
from elicense.domain.codes import RevocationReason
from elicense.ids import HolderCodeKind
from elicense.statement import Statement, register

__all__ = [
    "LICENSE_FILE_MEDIA_TYPES",
    "AmendLicense",
    "DefineType",
    "EstablishLedger",
    "ExpireLicense",
    "FieldSpec",
    "FieldType",
    "FileSeal",
    "Holder",
    "HolderCodeKind",
    "HolderKind",
    "IssueLicense",
    "LicenseKind",
    "MakeSeal",
    "RecordLicenseFile",
    "ReinstateLicense",
    "ReinstateSeal",
    "RenewLicense",
    "RetireType",
    "ReviseType",
    "RevokeLicense",
    "RevokeSeal",
    "SealKind",
    "SuspendLicense",
    "SuspendSeal",
    "Validity",
]


def _after(start: date | datetime, end: date | datetime | None, what: str) -> None:
    if end is not None and end < start:
        raise ValueError(f"{what}: end {end.isoformat()} is before start {start.isoformat()}")


# -- platform ---------------------------------------------------------------------------------


@register
class EstablishLedger(Statement, frozen=True, kw_only=True, tag="ledger.establish"):
    """The platform founds a ledger and names its key (self-signed)."""

    name: str
    platform_key: bytes


# -- seals ------------------------------------------------------------------------------------


class SealKind(StrEnum):
    """Kind of seal (印章类型)."""

    OFFICIAL = "official"  # 公章
    BUSINESS = "business"  # 业务专用章
    CONTRACT = "contract"  # 合同专用章
    FINANCE = "finance"  # 财务专用章
    INVOICE = "invoice"  # 发票专用章
    PERSONAL = "personal"  # 法定代表人名章 / 个人名章
    OTHER = "other"


@register
class MakeSeal(Statement, frozen=True, kw_only=True, tag="seal.make"):
    """采集/制章: a department makes a seal; signed by the new seal's own key.

    ``seal`` equals ``subject`` (the seal code) and ``alg`` is the seal's algorithm.
    """

    department: str
    department_name: str
    name: str
    seal_kind: SealKind
    public_key: bytes
    valid_from: datetime
    valid_until: datetime
    picture_type: str = "PNG"
    picture: bytes = b""
    picture_width_mm: int = 40
    picture_height_mm: int = 40

    def __post_init__(self) -> None:
        super().__post_init__()
        require_utc(self.valid_from, "valid_from")
        require_utc(self.valid_until, "valid_until")
        _after(self.valid_from, self.valid_until, "seal validity")
        if self.seal != self.subject:
            raise ValueError("seal.make is signed by the new seal itself: seal must equal subject")
        if self.picture_type not in ("GIF", "BMP", "JPG", "PNG", "SVG"):
            raise ValueError(f"picture_type must be GIF/BMP/JPG/PNG/SVG, found {self.picture_type}")


@register
class FileSeal(Statement, frozen=True, kw_only=True, tag="seal.file"):
    """备案: the platform accepts a seal; binds the exact key it accepts."""

    key_id: str
    note: str = ""


@register
class SuspendSeal(Statement, frozen=True, kw_only=True, tag="seal.suspend"):
    """The platform suspends a seal; it signs nothing until reinstated."""

    reason: str


@register
class ReinstateSeal(Statement, frozen=True, kw_only=True, tag="seal.reinstate"):
    """The platform ends a seal's suspension."""

    reason: str


@register
class RevokeSeal(Statement, frozen=True, kw_only=True, tag="seal.revoke"):
    """The platform revokes a seal for good.

    ``compromised_since``: when given, the seal's entries recorded at or after
    that time are reported untrusted.
    """

    reason: str
    compromised_since: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.compromised_since is not None:
            require_utc(self.compromised_since, "compromised_since")


# -- license types ----------------------------------------------------------------------------


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


@register
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


@register
class ReviseType(DefineType, frozen=True, kw_only=True, tag="type.revise"):
    """The defining authority revises a type: the whole definition is restated."""


@register
class RetireType(Statement, frozen=True, kw_only=True, tag="type.retire"):
    """The defining authority retires a type: no new licenses of it."""

    reason: str


# -- licenses ---------------------------------------------------------------------------------


class Holder(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """持证主体: who a license belongs to."""

    name: str
    code: str
    code_kind: HolderCodeKind


@register
class IssueLicense(Statement, frozen=True, kw_only=True, tag="license.issue"):
    """新发: issue a license. ``subject`` is its identifier, version 001.

    ``template_version`` and ``template_digest`` bind the statement to the license
    type's definition in force when it was signed (see :class:`TemplateBound`).
    """

    template_version: int
    template_digest: bytes
    license_number: str
    holder: Holder
    issued_on: date
    valid_from: date
    valid_until: date | None = None
    jurisdiction: str = ""
    service_item: str = ""
    data: dict[str, str] = {}
    file_digest: bytes = b""

    def __post_init__(self) -> None:
        super().__post_init__()
        _after(self.valid_from, self.valid_until, "license validity")


@register
class AmendLicense(Statement, frozen=True, kw_only=True, tag="license.amend"):
    """变更: change fields; the identifier's version grows. Bound to the template in force."""

    template_version: int
    template_digest: bytes
    changes: dict[str, str]
    reason: str
    holder_name: str | None = None


@register
class RenewLicense(Statement, frozen=True, kw_only=True, tag="license.renew"):
    """延续: extend validity; the identifier's version grows."""

    valid_until: date | None
    reason: str


@register
class SuspendLicense(Statement, frozen=True, kw_only=True, tag="license.suspend"):
    """暂扣: temporary withdrawal."""

    reason: str
    until: date | None = None


@register
class ReinstateLicense(Statement, frozen=True, kw_only=True, tag="license.reinstate"):
    """暂扣发还: end of a suspension."""

    reason: str


@register
class RevokeLicense(Statement, frozen=True, kw_only=True, tag="license.revoke"):
    """注销 / 撤销 / 吊销: permanent end, by reason code."""

    reason_code: RevocationReason
    reason: str


@register
class ExpireLicense(Statement, frozen=True, kw_only=True, tag="license.expire"):
    """失效: record the end of validity (expiry is also derived at verification)."""

    reason: str = ""


@register
class RecordLicenseFile(Statement, frozen=True, kw_only=True, tag="file.record"):
    """A license file handed out (PDF or OFD): its media type and digests.

    ``subject`` is the license identifier the file shows; ``expected_version``
    is 0 (the file is a new record; the license is not changed by it). Signed
    by a seal of the license's issuer. Recording a file never changes the
    license's status and never supersedes its records.
    """

    media_type: str
    sha256: bytes
    sm3: bytes

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.media_type not in LICENSE_FILE_MEDIA_TYPES:
            raise ValueError(
                f"media_type must be one of {', '.join(sorted(LICENSE_FILE_MEDIA_TYPES))}, "
                f"found {self.media_type!r}"
            )
        for name in ("sha256", "sm3"):
            if len(getattr(self, name)) != 32:
                raise ValueError(f"{name} must be 32 bytes, found {len(getattr(self, name))}")


LICENSE_FILE_MEDIA_TYPES = frozenset({"application/pdf", "application/ofd"})
"""Media types of license files (PDF, OFD per GB/T 33190)."""
