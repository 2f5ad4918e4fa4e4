"""The License aggregate (电子证照): issued, amended, renewed, suspended, reinstated,
revoked, expired.

One aggregate holds a license's whole history across identifier versions:
its id comes from the identifier without version and check character, and
变更 (amend) and 延续 (renew) raise the identifier's version and keep the
previous identifiers as lineage. Every command is guarded by the national
lifecycle table (:mod:`elicense.lifecycle`), the same table the verifier
re-judges recorded histories with.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import (
    AmendLicense,
    Holder,
    IssueLicense,
    RenewLicense,
    RevokeLicense,
    Signed,
    Statement,
    SuspendLicense,
    decode_statement,
)
from elicense.domain.base import LedgerAggregate, deterministic_id
from elicense.ids import LicenseId, parse_license_id
from elicense.lifecycle import OPERATION_OF_KIND, LicenseStatus, Operation, next_status

__all__ = ["License"]


class License(LedgerAggregate):
    """One license and its history."""

    WIRE_NAME = wire.LICENSE

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        license_id: LicenseId
        lineage: tuple[str, ...]
        license_number: str
        holder: Holder
        issued_on: date
        valid_from: date
        valid_until: date | None
        jurisdiction: str
        service_item: str
        data: dict[str, str]
        file_digest: bytes
        status: LicenseStatus
        operation: Operation
        suspended_until: date | None

    @staticmethod
    def id_for(license_id: LicenseId) -> UUID:
        """The aggregate id of a license (any version of its identifier)."""
        return deterministic_id("license", license_id.key)

    @property
    def identifier(self) -> str:
        """The current 电子证照标识."""
        return str(self.license_id)

    @property
    def type_code(self) -> str:
        """The license type's code."""
        return self.license_id.type_code

    @property
    def issuer(self) -> str:
        """The issuing department's code."""
        issuer = self.license_id.issuer_code
        assert issuer is not None  # the ledger records conformant identifiers only
        return issuer

    def status_on(self, day: date) -> LicenseStatus:
        """The status on ``day``: a valid license past its validity is expired."""
        if (
            self.status is LicenseStatus.VALID
            and self.valid_until is not None
            and day > self.valid_until
        ):
            return LicenseStatus.EXPIRED
        return self.status

    # -- commands ------------------------------------------------------------------------------

    @classmethod
    def issue(cls, signed: Signed) -> License:
        """新发: record a new license from its ``license.issue`` statement."""
        act = decode_statement(signed.statement)
        next_status(None, act.kind, subject=act.subject)
        return cls._create_from(cls.Issued, cls.id_for(parse_license_id(act.subject)), signed)

    def amend(self, signed: Signed) -> None:
        """变更: change fields; the identifier's version grows."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Amended, signed)

    def renew(self, signed: Signed) -> None:
        """延续: extend validity; the identifier's version grows."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Renewed, signed)

    def suspend(self, signed: Signed) -> None:
        """暂扣."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Suspended, signed)

    def reinstate(self, signed: Signed) -> None:
        """暂扣发还."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Reinstated, signed)

    def revoke(self, signed: Signed) -> None:
        """注销 / 撤销 / 吊销, by the statement's reason code."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Revoked, signed)

    def expire(self, signed: Signed) -> None:
        """失效."""
        self._guard(decode_statement(signed.statement))
        self._record(self.Expired, signed)

    def _guard(self, act: Statement) -> None:
        reason = act.reason_code if isinstance(act, RevokeLicense) else None
        next_status(self.status, act.kind, reason, subject=self.identifier)

    # -- events --------------------------------------------------------------------------------

    class Issued(LedgerAggregate.Created):
        TOPIC = wire.LICENSE_ISSUED

        def apply(self, lic: License) -> None:
            act = self.act
            assert isinstance(act, IssueLicense)
            lic.license_id = parse_license_id(act.subject)
            lic.lineage = ()
            lic.license_number = act.license_number
            lic.holder = act.holder
            lic.issued_on = act.issued_on
            lic.valid_from = act.valid_from
            lic.valid_until = act.valid_until
            lic.jurisdiction = act.jurisdiction
            lic.service_item = act.service_item
            lic.data = dict(act.data)
            lic.file_digest = act.file_digest
            lic.suspended_until = None
            _advance(lic, act)

    class Amended(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_AMENDED

        def apply(self, lic: License) -> None:
            act = self.act
            assert isinstance(act, AmendLicense)
            _next_version(lic)
            lic.data = {**lic.data, **act.changes}
            if act.holder_name is not None:
                lic.holder = Holder(
                    name=act.holder_name, code=lic.holder.code, code_kind=lic.holder.code_kind
                )
            _advance(lic, act)

    class Renewed(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_RENEWED

        def apply(self, lic: License) -> None:
            act = self.act
            assert isinstance(act, RenewLicense)
            _next_version(lic)
            lic.valid_until = act.valid_until
            _advance(lic, act)

    class Suspended(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_SUSPENDED

        def apply(self, lic: License) -> None:
            act = self.act
            assert isinstance(act, SuspendLicense)
            lic.suspended_until = act.until
            _advance(lic, act)

    class Reinstated(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_REINSTATED

        def apply(self, lic: License) -> None:
            lic.suspended_until = None
            _advance(lic, self.act)

    class Revoked(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_REVOKED

        def apply(self, lic: License) -> None:
            _advance(lic, self.act)

    class Expired(LedgerAggregate.Event):
        TOPIC = wire.LICENSE_EXPIRED

        def apply(self, lic: License) -> None:
            _advance(lic, self.act)


def _advance(lic: License, act: Statement) -> None:
    """Move ``lic`` to the status the lifecycle table gives for ``act``."""
    reason = act.reason_code if isinstance(act, RevokeLicense) else None
    current = lic.__dict__.get("status")
    lic.status = next_status(current, act.kind, reason, subject=act.subject)
    lic.operation = OPERATION_OF_KIND[act.kind]


def _next_version(lic: License) -> None:
    lic.lineage = (*lic.lineage, lic.identifier)
    lic.license_id = lic.license_id.next_version()
