"""Helpers for the OFD tests: the shared files, rewriting containers, signing twins."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import cms

from elicense.crypto import ses
from elicense.crypto.gm import SM3_OID, sm3
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import SM2_SM3, PrivateKey
from elicense.crypto.x509issue import issue_certificate
from elicense.verdict import Verdict
from ses_support import make_pki, make_seal

if TYPE_CHECKING:
    from elicense.crypto.suites import PrivateKey as _Key
    from elicense.files.ofd import IssuedOfd
    from reuse_support import ReuseWorld

SIGN_DIR = "Doc_0/Signs/Sign_0/"
PAGE = "Doc_0/Pages/Page_0/Content.xml"
HOST = "zwfw.example.gov.cn"
"""The verify-me host of the OFD licenses the tests issue."""


def errors(v: Verdict) -> set[str]:
    """The codes of ``v``'s error findings."""
    return {f.code for f in v.findings if f.severity == "error"}


def issue_ofd(
    w: ReuseWorld,
    lid: str,
    *,
    at: datetime | None = None,
    key: _Key | None = None,
    **options: Any,
) -> IssuedOfd:
    """License ``lid`` of ``w`` issued as a sealed OFD with its issuer's seal (its key unless
    ``key``), recorded; ``options`` as for ``issue_license_ofd``."""
    from elicense.files.ofd import issue_license_ofd

    return issue_license_ofd(
        w.ledger,
        lid,
        key=key or w.issuer.key,
        seal=w.issuer.seal,
        platform_signer=w.platform_key,
        host=HOST,
        at=at,
        **options,
    )


def rezip(data: bytes, changes: Mapping[str, bytes | None] = {}) -> bytes:
    """``data`` with entries replaced (bytes), removed (None) or appended (new names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in changes:
                new = changes[info.filename]
                if new is not None:
                    dst.writestr(info.filename, new, zipfile.ZIP_DEFLATED)
            else:
                dst.writestr(info, src.read(info.filename))
        for name, new in changes.items():
            if name not in src.namelist() and new is not None:
                dst.writestr(name, new, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def entry(data: bytes, name: str) -> bytes:
    """The bytes of entry ``name`` of the zip ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def signer(not_before: datetime | None = None) -> tuple[PrivateKey, bytes]:
    """An SM2 key and a self-issued certificate for it, valid 2019–2030."""
    key = generate_key(SM2_SM3)
    cert = issue_certificate(
        subject={"CN": "测试签名人", "C": "CN"},
        public_key=key.public_key,
        issuer_key=key,
        not_before=not_before or datetime(2019, 1, 1, tzinfo=UTC),
        not_after=datetime(2030, 1, 1, tzinfo=UTC),
    )
    return key, cert


def signature_xml(refs: Mapping[str, bytes], n: int = 0, *, page: str = "1") -> bytes:
    """An ofdrw-style Signature.xml for ``Sign_n`` protecting ``refs`` (path → bytes) with SM3."""
    import base64

    items = "".join(
        f'<ofd:Reference FileRef="/{p}"><ofd:CheckValue>'
        f"{base64.b64encode(sm3(b)).decode()}</ofd:CheckValue></ofd:Reference>"
        for p, b in refs.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016">'
        f"<ofd:SignedValue>/Doc_0/Signs/Sign_{n}/SignedValue.dat</ofd:SignedValue><ofd:SignedInfo>"
        '<ofd:Provider ProviderName="elicense-test"/><ofd:SignatureMethod>1.2.156.10197.1.501'
        "</ofd:SignatureMethod><ofd:SignatureDateTime>2021-05-06 10:00:00</ofd:SignatureDateTime>"
        f'<ofd:StampAnnot ID="9" PageRef="{page}" Boundary="10 10 40 40"/>'
        f'<ofd:References CheckMethod="SM3">{items}</ofd:References>'
        "</ofd:SignedInfo></ofd:Signature>"
    ).encode()


def cms_signed(key: PrivateKey, cert: bytes, content: bytes) -> bytes:
    """GB/T 35275-style CMS SignedData over SM3(``content``), encapsulated, no signed attributes."""
    from asn1crypto import x509 as ax

    data = sm3(content)
    c = ax.Certificate.load(cert)
    sd = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": SM3_OID}],
            "encap_content_info": {"content_type": "data", "content": data},
            "certificates": [c],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier(
                        name="issuer_and_serial_number",
                        value={"issuer": c.issuer, "serial_number": c.serial_number},
                    ),
                    "digest_algorithm": {"algorithm": SM3_OID},
                    "signature_algorithm": {"algorithm": "1.2.156.10197.1.501"},
                    "signature": key.sign(data),
                }
            ],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


TWIN_CODES = {
    "changed_byte": "ofd.reference.mismatch",
    "added_file": "ofd.coverage.added",
    "removed_reference": "ses.data_hash.mismatch",
    "replaced_seal_file": "ofd.seal_file.changed",
    "resigned": "ofd.seal_file.mismatch",
}
"""Each twin's distinct error code."""


def tamper_twins(data: bytes) -> dict[str, bytes]:
    """The five tamperings of a sealed OFD whose first signature is ``Sign_0`` (name → bytes)."""
    sigxml = entry(data, SIGN_DIR + "Signature.xml")
    start = sigxml.index(b'<ofd:Reference FileRef="/Doc_0/Pages')
    end = sigxml.index(b"</ofd:Reference>", start) + len(b"</ofd:Reference>")
    page = entry(data, PAGE)
    other = make_seal(make_pki()).der
    pki = make_pki()
    resigned = (
        ses.SignatureBuilder()
        .seal(make_seal(pki))
        .content(sigxml, property_info="/" + SIGN_DIR + "Signature.xml")
        .signing_time(datetime(2026, 6, 1, tzinfo=UTC))
        .sign(pki.seal_key, pki.seal_cert)
    )
    return {
        "changed_byte": rezip(data, {PAGE: page[:-3] + b"X" + page[-2:]}),
        "added_file": rezip(data, {"Doc_0/Res/extra.png": b"\x89PNG later"}),
        "removed_reference": rezip(
            data, {SIGN_DIR + "Signature.xml": sigxml[:start] + sigxml[end:]}
        ),
        "replaced_seal_file": rezip(data, {SIGN_DIR + "Seal.esl": other}),
        "resigned": rezip(data, {SIGN_DIR + "SignedValue.dat": resigned.der}),
    }


def files_of(path: Path) -> bytes:
    """The bytes of a shared test file."""
    return path.read_bytes()
