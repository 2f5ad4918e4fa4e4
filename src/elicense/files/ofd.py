"""Issuing a license as a sealed OFD file, from the ledger, and recording it there.

::

    from elicense.files.ofd import issue_license_ofd

    issued = issue_license_ofd(
        ledger, "…电子证照标识…", key=seal_key, seal="SEAL-1",
        platform_signer=platform_key, host="zwfw.example.gov.cn",
    )
    Path("license.ofd").write_bytes(issued.data)   # issued.receipt: the file.record

What the page shows comes from the ledger (:func:`license_sheet`): the
type's name as title; holder, number, the type's fields in its schema order
with their labels; issuer, dates and the 电子证照标识; the verify-me QR
(:func:`~elicense.ledger.payloads.license_payload`). The seal is the
department's filed GB/T 38540 seal (the filing annex) and signs with the
department's SM2 key; the file's SHA-256 and SM3 are recorded as a
``file.record`` (``application/ofd``) signed by the same seal.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgspec

from elicense.api import Department
from elicense.codec import utc_now
from elicense.crypto.gm import sm3
from elicense.crypto.keys import Signer
from elicense.errors import OfdWriteError
from elicense.ledger.payloads import license_payload
from elicense.ofd.font import find_font
from elicense.ofd.sign import Stamp, seal_ofd
from elicense.ofd.writer import PAGE_ID, STAMP_BOX, LicenseSheet, write_license

__all__ = ["IssuedOfd", "issue_license_ofd", "license_sheet"]


class IssuedOfd(msgspec.Struct, frozen=True, kw_only=True):
    """A sealed license file and its record on the ledger."""

    data: bytes
    sha256: bytes
    sm3: bytes
    receipt: Any | None
    """The ledger's receipt of the ``file.record`` (``None`` when not recorded)."""


def license_sheet(ledger: Any, identifier: str, *, qr: str, seal: Any) -> LicenseSheet:
    """What the page of license ``identifier`` shows, read from ``ledger``.

    Raises:
        NotFoundError: no such license or type.
    """
    lic = ledger.get_license(identifier)
    ltype = ledger.get_license_type(lic.type_code)
    rows: list[tuple[str, str]] = [
        ("持证主体", lic.holder.name),
        ("证件号码", lic.holder.code),
        ("证照编号", lic.license_number),
    ]
    for spec in ltype.schema:
        value = lic.data.get(spec.name)
        if value:
            rows.append((spec.label or spec.name, str(value)))
    until = lic.valid_until.isoformat() if lic.valid_until else "长期"
    rows += [
        ("发证机关", seal.department_name),
        ("发证日期", lic.issued_on.isoformat()),
        ("有效期限", f"{lic.valid_from.isoformat()} 至 {until}"),
        ("电子证照标识", lic.identifier),
    ]
    return LicenseSheet(
        title=ltype.name,
        rows=tuple(rows),
        identifier=lic.identifier,
        qr=qr,
        seal_name=seal.name,
        department=seal.department_name,
        issued_on=lic.issued_on,
    )


def issue_license_ofd(
    ledger: Any,
    identifier: str,
    *,
    key: Signer,
    seal: str,
    platform_signer: Signer,
    host: str,
    at: datetime | None = None,
    font: bytes | str | Path | None = None,
    continued: bool = False,
    record: bool = True,
) -> IssuedOfd:
    """Write, seal and (by default) record the OFD file of license ``identifier``.

    Args:
        ledger: the ledger holding the license, its type and the seal.
        identifier: the license's current 电子证照标识.
        key: the department's SM2 seal key.
        seal: the seal's code (filed, with its GB/T 38540 seal as the filing annex).
        platform_signer: the platform key (signs the verify-me QR payload).
        host: the platform's public verification host (in the QR).
        at: the signing time (default now).
        font: a CJK TrueType font (bytes or path; default: :func:`~.font.find_font`).
        continued: leave the signature list open for later signatures.
        record: submit the ``file.record`` to ``ledger``.

    Raises:
        OfdWriteError: no usable font; the seal was filed without a GB/T 38540 seal, or
            ``key`` is not its key; the license does not fit one page.
        NotFoundError, ConflictError, RefusedError: from the ledger.
    """
    at = at or utc_now()
    filed = ledger.get_seal(seal)
    if not filed.ses_seal:
        raise OfdWriteError(
            f"seal {seal} was filed without a GB/T 38540 seal (the filing annex): file it again "
            "with one to issue OFD files"
        )
    font_bytes = font if isinstance(font, bytes) else find_font(font).read_bytes()
    qr = license_payload(ledger, identifier, platform_signer, host=host, at=at)
    sheet = license_sheet(ledger, identifier, qr=qr, seal=filed)
    doc_id = uuid5(NAMESPACE_URL, f"{ledger.origin}/{identifier}/{at.isoformat()}").hex
    files = write_license(sheet, font_bytes, doc_id=doc_id)
    data = seal_ofd(
        files,
        seal=filed.ses_seal,
        key=key,
        at=at,
        stamp=Stamp(page=PAGE_ID, box=STAMP_BOX),
        continued=continued,
    )
    sha, gm = hashlib.sha256(data).digest(), sm3(data)
    receipt = None
    if record:
        desk = Department.online(ledger, key, seal=seal)
        receipt = desk.record_file(identifier, media_type="application/ofd", sha256=sha, sm3=gm)
    return IssuedOfd(data=data, sha256=sha, sm3=gm, receipt=receipt)
