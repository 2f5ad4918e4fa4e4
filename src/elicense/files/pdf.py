"""License PDFs: rendered from the ledger, signed with pyHanko (PAdES B-B), recorded.

::

    from elicense.files.pdf import make_license_pdf

    data = make_license_pdf(ledger, identifier, seal=department_signatory,
                            platform_signer=platform_key, host="zwfw.example.gov.cn")

The only module (with :mod:`.pdfverify`) that imports pyHanko. How a seal
signs, whatever its algorithm (docs/pdf.md):

- the PAdES signature is ECDSA P-256, which every PDF reader checks; its key
  is the seal's own key when the seal is P-256, else a P-256 *PDF key* the
  department holds beside its SM2 seal (no PAdES validator checks SM2);
- the seal itself signs a **binding** (attachment ``elicense-binding.json``):
  the license, the SHA-256 of the attached license document, the SHA-256 of the
  PDF key's SubjectPublicKeyInfo and the verify-me text — so an SM2 seal vouches
  for the P-256 signature with an SM2 signature a verifier checks against the
  filed seal;
- the final bytes are recorded on the ledger as ``file.record`` (SHA-256 and
  SM3), signed by the same seal: online verification is one digest lookup.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from datetime import datetime, timedelta
from typing import Any

import msgspec

from elicense.api import Department
from elicense.codec import canonical, utc_now
from elicense.crypto.gm import sm3
from elicense.crypto.suites import ECDSA_P256
from elicense.crypto.x509 import certificate_spki
from elicense.crypto.x509issue import issue_certificate
from elicense.documents import BINDING_NAME, DOCUMENT_NAME, FIELD_NAME, SealBinding, binding_input
from elicense.errors import PdfError
from elicense.files.render import SEAL_BOX, PageData, day_start, find_cjk_font, render_page

with warnings.catch_warnings():  # pyHanko's import touches cryptography's deprecated DSA
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = [
    "BINDING_NAME",
    "DOCUMENT_NAME",
    "FIELD_NAME",
    "SealBinding",
    "binding_input",
    "make_license_pdf",
    "page_data",
    "sign_pdf",
]

_MM = 72 / 25.4
_A4_HEIGHT = 297 * _MM


def page_data(ledger: Any, identifier: str, payload: str) -> PageData:
    """What the page of license ``identifier`` shows, read from ``ledger``."""
    lic = ledger.get_license(identifier)
    ltype = ledger.get_license_type(lic.type_code)
    seal = ledger.get_seal(_issuing_seal(ledger, lic))
    labels = {f.name: f.label for f in ltype.schema}
    values = [(labels[f.name], lic.data.get(f.name, "")) for f in ltype.schema]
    values += [(k, v) for k, v in sorted(lic.data.items()) if k not in labels]
    dates = [("发证日期", lic.issued_on.isoformat())]
    until = lic.valid_until.isoformat() if lic.valid_until else "长期"
    dates.append(("有效期限", f"{lic.valid_from.isoformat()} 至 {until}"))
    return PageData(
        title=ltype.name,
        identifier=identifier,
        number=lic.license_number,
        holder=[("持证主体", lic.holder.name), ("持证主体代码", lic.holder.code)],
        fields=values,
        department=seal.made.department_name,
        dates=dates,
        issued_on=day_start(lic.issued_on),
        payload=payload,
    )


def _issuing_seal(ledger: Any, lic: Any) -> str:
    from elicense.acts import decode_statement
    from elicense.record import decode_record

    first = ledger.history(type(lic).id_for(lic.license_id))[0]
    return str(decode_statement(decode_record(first.record).statement).seal)


def make_license_pdf(
    ledger: Any,
    identifier: str,
    *,
    seal: Any,
    platform_signer: Any,
    host: str,
    pdf_key: Any = None,
    at: datetime | None = None,
    record: bool = True,
) -> bytes:
    """Render, sign and record the license PDF of ``identifier``; return its bytes.

    Args:
        ledger: the ledger holding the license.
        identifier: the license's current 电子证照标识.
        seal: the issuing department's :class:`~elicense.signatory.Signatory` (a seal
            of the license's issuer): it signs the binding and the ``file.record``.
        platform_signer: the platform key (signs the verify-me payload).
        host: the platform's public verification host (in the QR).
        pdf_key: the P-256 key of the PAdES signature; default the seal's key when
            the seal is P-256 (an SM2 seal needs one).
        at: signing time (default: now).
        record: record the file on the ledger (``file.record``).

    Raises:
        PdfError: no CJK font, an unusable seal picture, no usable PDF key.
        RefusedError: the ledger refused the ``file.record`` (e.g. not the issuer's seal).
    """
    from elicense.files.picture import seal_image
    from elicense.ledger.export import export_license
    from elicense.ledger.payloads import license_payload

    at = at or utc_now()
    pdf_key = pdf_key if pdf_key is not None else seal.signer
    if pdf_key.alg != ECDSA_P256:
        raise PdfError(
            f"the PAdES signature needs an ECDSA P-256 key; seal {seal.seal} is {pdf_key.alg}: "
            "give a P-256 PDF key (--pdf-key) that the seal binds"
        )
    font = find_cjk_font()
    filed = ledger.get_seal(seal.seal)
    payload = license_payload(ledger, identifier, platform_signer, host=host, at=at)
    document = export_license(ledger, identifier)
    cert = issue_certificate(
        subject={"CN": filed.made.name, "O": filed.made.department_name, "OU": seal.seal},
        public_key=pdf_key.public_key,
        issuer_key=pdf_key,
        not_before=at - timedelta(minutes=5),
        not_after=max(filed.valid_until, at + timedelta(days=1)),
    )
    binding = SealBinding(
        license=identifier,
        seal=seal.seal,
        alg=seal.signer.alg,
        document_sha256=hashlib.sha256(document).digest(),
        signer_spki_sha256=hashlib.sha256(certificate_spki(cert)).digest(),
        payload=payload,
    )
    binding = msgspec.structs.replace(binding, signature=seal.signer.sign(binding_input(binding)))
    page = page_data(ledger, identifier, payload)
    unsigned = render_page(
        page,
        [
            (DOCUMENT_NAME, document, "application/json"),
            (BINDING_NAME, canonical(binding), "application/json"),
        ],
        font,
    )
    signed = sign_pdf(unsigned, pdf_key, cert, seal_image(filed.made, font))
    if record:
        desk = Department.online(ledger, seal.signer, seal=seal.seal)
        desk.record_file(
            identifier,
            media_type="application/pdf",
            sha256=hashlib.sha256(signed).digest(),
            sm3=sm3(signed),
        )
    return signed


def sign_pdf(unsigned: bytes, key: Any, cert: bytes, picture: Any) -> bytes:
    """Sign ``unsigned`` as PAdES B-B with a visible seal (``picture``, a Pillow image).

    Args:
        unsigned: the rendered PDF.
        key: an in-process P-256 :class:`~elicense.crypto.suites.PrivateKey`.
        cert: its certificate (DER).
        picture: the seal picture, drawn opaque in :data:`~.render.SEAL_BOX`.
    """
    from cryptography.hazmat.primitives import serialization

    raw = getattr(key, "_key", None)
    if raw is None:
        raise PdfError("PAdES signing needs an in-process P-256 key (no HSM signer yet)")
    der = raw.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    certificate = ax.Certificate.load(cert)
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=akeys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),  # type: ignore[no-untyped-call]
    )
    x, y, size = SEAL_BOX
    top = _A4_HEIGHT - y * _MM
    box = (round(x * _MM), round(top - size * _MM), round((x + size) * _MM), round(top))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    style = StaticStampStyle(background=PdfImage(picture), background_opacity=1.0, border_width=0)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=box),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False)
    out = pdf_signer.sign_pdf(writer)
    return bytes(out.getbuffer())
