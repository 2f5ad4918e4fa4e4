"""Acts on licenses: issue, amend, renew, suspend, reinstate, revoke, expire; ``file.record``."""

from __future__ import annotations

from datetime import date

import msgspec

from elicense.acts.base import Statement, check_order
from elicense.ids import HolderCodeKind
from elicense.lifecycle import RevocationReason


class Holder(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """持证主体: who a license belongs to."""

    name: str
    code: str
    code_kind: HolderCodeKind


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
        check_order(self.valid_from, self.valid_until, "license validity")


class AmendLicense(Statement, frozen=True, kw_only=True, tag="license.amend"):
    """变更: change fields; the identifier's version grows. Bound to the template in force."""

    template_version: int
    template_digest: bytes
    changes: dict[str, str]
    reason: str
    holder_name: str | None = None


class RenewLicense(Statement, frozen=True, kw_only=True, tag="license.renew"):
    """延续: extend validity; the identifier's version grows."""

    valid_until: date | None
    reason: str


class SuspendLicense(Statement, frozen=True, kw_only=True, tag="license.suspend"):
    """暂扣: temporary withdrawal."""

    reason: str
    until: date | None = None


class ReinstateLicense(Statement, frozen=True, kw_only=True, tag="license.reinstate"):
    """暂扣发还: end of a suspension."""

    reason: str


class RevokeLicense(Statement, frozen=True, kw_only=True, tag="license.revoke"):
    """注销 / 撤销 / 吊销: permanent end, by reason code."""

    reason_code: RevocationReason
    reason: str


class ExpireLicense(Statement, frozen=True, kw_only=True, tag="license.expire"):
    """失效: record the end of validity (expiry is also derived at verification)."""

    reason: str = ""


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
