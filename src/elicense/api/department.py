"""A department's acts: its seal, license types, licenses, their files, uses.

Online (``Department.online(ledger, …)``) each act reads the version it is made
against from the ledger, signs, submits and returns the ledger's ``Receipt``;
a refusal raises the ledger's typed error. ``Department.signing(ledger, …)``
reads the versions the same way but hands the signed statements back, for a
batch or a file. Offline (``Department.offline(origin,
…)``) each act returns the ``Signed`` statement for ``elicense submit`` later,
and an act on an existing subject takes ``expected_version``.

Example::

    dept = Department.online(ledger, seal_key, seal="SJ-0001")
    dept.issue(identifier, license_number="…", holder=Holder(...), issued_on=today,
               valid_from=today, data={...})
    dept.revoke(identifier, reason_code=RevocationReason.REVOKED_BY_LAW, reason="吊销")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from elicense import acts
from elicense.acts import Signed
from elicense.api._desk import Clock, Desk, handed_back, license_version
from elicense.codec import utc_now
from elicense.crypto.keys import Signer
from elicense.ids import parse_license_id
from elicense.lifecycle import RevocationReason
from elicense.signatory import Signatory

if TYPE_CHECKING:
    from elicense.ledger.application import Ledger, Receipt

__all__ = ["Department"]

R = TypeVar("R")


def _type_version(code: str) -> Any:
    return lambda ledger: ledger.get_license_type(code).version


class Department(Desk[R]):
    """The acts a department signs with one of its filed seals (``seal``)."""

    @classmethod
    def online(
        cls, ledger: Ledger, signer: Signer, *, seal: str, clock: Clock = utc_now
    ) -> Department[Receipt]:
        """Acts recorded on ``ledger`` as they are signed."""
        signatory = Signatory(origin=ledger.origin, seal=seal, signer=signer)
        return Department(signatory, ledger=ledger, finish=ledger.submit, clock=clock)

    @classmethod
    def signing(
        cls, ledger: Ledger, signer: Signer, *, seal: str, clock: Clock = utc_now
    ) -> Department[Signed]:
        """Acts made against ``ledger``'s current versions and handed back signed, to
        submit together (``Ledger.submit_many``) or write out."""
        signatory = Signatory(origin=ledger.origin, seal=seal, signer=signer)
        return Department(signatory, ledger=ledger, finish=handed_back, clock=clock)

    @classmethod
    def offline(
        cls, origin: str, signer: Signer, *, seal: str, clock: Clock = utc_now
    ) -> Department[Signed]:
        """Acts signed for ledger ``origin`` and handed back, to submit later."""
        signatory = Signatory(origin=origin, seal=seal, signer=signer)
        return Department(signatory, ledger=None, finish=handed_back, clock=clock)

    # -- the seal (采集: made by its own key) --------------------------------------------------

    def make_seal(
        self,
        *,
        department: str,
        department_name: str,
        name: str,
        seal_kind: acts.SealKind,
        valid_from: datetime,
        valid_until: datetime,
        picture: bytes = b"",
        picture_type: str = "PNG",
        picture_width_mm: int = 40,
        picture_height_mm: int = 40,
    ) -> R:
        """``seal.make``: this desk's seal, signed by its own key (proof of possession)."""
        return self._act(
            acts.MakeSeal,
            self.signatory.seal,
            version=None,
            department=department,
            department_name=department_name,
            name=name,
            seal_kind=seal_kind,
            public_key=self.signatory.signer.public_key.spki,
            valid_from=valid_from,
            valid_until=valid_until,
            picture=picture,
            picture_type=picture_type,
            picture_width_mm=picture_width_mm,
            picture_height_mm=picture_height_mm,
        )

    # -- license types (证照目录) ----------------------------------------------------------------

    def define_type(
        self,
        code: str,
        *,
        name: str,
        schema: Iterable[acts.FieldSpec] = (),
        issuers: Iterable[str] = (),
        validity: acts.Validity | None = None,
        license_kind: acts.LicenseKind = acts.LicenseKind.LICENSE,
        holder_kind: acts.HolderKind = acts.HolderKind.ANY,
        template: str = "",
    ) -> R:
        """``type.define``: a new license type (its code: the authority's USCC + 3 digits)."""
        return self._act(
            acts.DefineType,
            code,
            version=None,
            **_definition(name, schema, issuers, validity, license_kind, holder_kind, template),
        )

    def revise_type(
        self,
        code: str,
        *,
        name: str,
        schema: Iterable[acts.FieldSpec] = (),
        issuers: Iterable[str] = (),
        validity: acts.Validity | None = None,
        license_kind: acts.LicenseKind = acts.LicenseKind.LICENSE,
        holder_kind: acts.HolderKind = acts.HolderKind.ANY,
        template: str = "",
        expected_version: int | None = None,
    ) -> R:
        """``type.revise``: restate the whole definition; the template version grows."""
        return self._act(
            acts.ReviseType,
            code,
            version=expected_version,
            current=_type_version(code),
            **_definition(name, schema, issuers, validity, license_kind, holder_kind, template),
        )

    def retire_type(self, code: str, *, reason: str, expected_version: int | None = None) -> R:
        """``type.retire``: no new licenses of this type."""
        return self._act(
            acts.RetireType,
            code,
            version=expected_version,
            current=_type_version(code),
            reason=reason,
        )

    def share_type(
        self,
        code: str,
        *,
        user: str,
        service_items: Iterable[str],
        fields: Iterable[str],
        note: str = "",
        expected_version: int | None = None,
    ) -> R:
        """``type.share``: department ``user`` may see ``fields`` for ``service_items``."""
        return self._act(
            acts.ShareType,
            code,
            version=expected_version,
            current=_type_version(code),
            user=user,
            service_items=tuple(service_items),
            fields=tuple(fields),
            note=note,
        )

    def unshare_type(
        self,
        code: str,
        *,
        user: str,
        reason: str,
        service_items: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> R:
        """``type.unshare``: take ``user`` off the sharing list (for some or all items)."""
        return self._act(
            acts.UnshareType,
            code,
            version=expected_version,
            current=_type_version(code),
            user=user,
            service_items=tuple(service_items),
            reason=reason,
        )

    # -- licenses (签发, 变更, 延续, 暂扣, 注销/撤销/吊销) ---------------------------------------

    def issue(
        self,
        identifier: str,
        *,
        license_number: str,
        holder: acts.Holder,
        issued_on: date,
        valid_from: date,
        valid_until: date | None = None,
        data: Mapping[str, str] | None = None,
        jurisdiction: str = "",
        service_item: str = "",
        file_digest: bytes = b"",
        template: Mapping[str, Any] | None = None,
    ) -> R:
        """``license.issue`` (新发): ``identifier`` is the new license's, version 001.

        Online the statement is bound to the type's template in force; offline pass
        ``template`` (``LicenseType.binding()``: ``template_version``, ``template_digest``).
        """
        return self._act(
            acts.IssueLicense,
            identifier,
            version=None,
            **self._binding(identifier, template),
            license_number=license_number,
            holder=holder,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            data=dict(data or {}),
            jurisdiction=jurisdiction,
            service_item=service_item,
            file_digest=file_digest,
        )

    def amend(
        self,
        identifier: str,
        *,
        changes: Mapping[str, str],
        reason: str,
        holder_name: str | None = None,
        template: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> R:
        """``license.amend`` (变更): change fields; the identifier's version grows."""
        return self._act(
            acts.AmendLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            **self._binding(identifier, template),
            changes=dict(changes),
            reason=reason,
            holder_name=holder_name,
        )

    def renew(
        self,
        identifier: str,
        *,
        valid_until: date | None,
        reason: str,
        expected_version: int | None = None,
    ) -> R:
        """``license.renew`` (延续): a new validity; the identifier's version grows."""
        return self._act(
            acts.RenewLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            valid_until=valid_until,
            reason=reason,
        )

    def suspend(
        self,
        identifier: str,
        *,
        reason: str,
        until: date | None = None,
        expected_version: int | None = None,
    ) -> R:
        """``license.suspend`` (暂扣)."""
        return self._act(
            acts.SuspendLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            reason=reason,
            until=until,
        )

    def reinstate(self, identifier: str, *, reason: str, expected_version: int | None = None) -> R:
        """``license.reinstate`` (暂扣发还)."""
        return self._act(
            acts.ReinstateLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            reason=reason,
        )

    def revoke(
        self,
        identifier: str,
        *,
        reason_code: RevocationReason,
        reason: str,
        expected_version: int | None = None,
    ) -> R:
        """``license.revoke``: 注销 (``CANCELLED``), 撤销 (``WITHDRAWN``) or 吊销 (``REVOKED``)
        by ``reason_code``, with the reason in words."""
        return self._act(
            acts.RevokeLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            reason_code=reason_code,
            reason=reason,
        )

    def record_file(self, identifier: str, *, media_type: str, sha256: bytes, sm3: bytes) -> R:
        """``file.record``: a license file (PDF, OFD) of ``identifier``, by its digests."""
        return self._act(
            acts.RecordLicenseFile,
            identifier,
            version=None,
            media_type=media_type,
            sha256=sha256,
            sm3=sm3,
        )

    # -- uses (用证) -------------------------------------------------------------------------------

    def request_use(
        self,
        subject: str,
        *,
        service_item: str,
        purpose: str,
        consent: str = "",
        license: str = "",
        holder: str = "",
        license_type: str = "",
        fields: Iterable[str] = (),
        annex: bytes = b"",
    ) -> R:
        """``use.request``: use a license for ``service_item`` (``subject``:
        ``<this department's USCC>/<request number>``)."""
        return self._act(
            acts.RequestUse,
            subject,
            version=None,
            annex=annex,
            service_item=service_item,
            purpose=purpose,
            consent=consent,
            license=license,
            holder=holder,
            license_type=license_type,
            fields=tuple(fields),
        )

    def _binding(self, identifier: str, template: Mapping[str, Any] | None) -> dict[str, Any]:
        if template is not None:
            return {
                "template_version": template["template_version"],
                "template_digest": template["template_digest"],
            }
        if self.ledger is None:
            raise ValueError(
                f"{identifier}: signing offline needs template= (the type's binding: "
                "template_version and template_digest of the definition in force)"
            )
        return self.ledger.template_binding(parse_license_id(identifier).type_code)


def _definition(
    name: str,
    schema: Iterable[acts.FieldSpec],
    issuers: Iterable[str],
    validity: acts.Validity | None,
    license_kind: acts.LicenseKind,
    holder_kind: acts.HolderKind,
    template: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "schema": tuple(schema),
        "issuers": tuple(issuers),
        "validity": validity or acts.Validity(),
        "license_kind": license_kind,
        "holder_kind": holder_kind,
        "template": template,
    }
