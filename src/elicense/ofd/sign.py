"""Sealing an OFD file as GB/T 38540 (v4) the way ofdrw does (notes §D.2), and zipping it.

:func:`seal_ofd` adds signature ``Sign_N`` to the first document:

1. refuses when an earlier signature protects ``Signatures.xml`` (the
   document is locked: "签名列表文件已经被保护");
2. adds the ``Signature`` entry (``Type="Seal"``) to ``Signatures.xml``
   (made, and linked from ``OFD.xml``, when absent) and raises ``MaxSignId``;
3. writes ``Seal.esl`` = the seal (DER, as filed);
4. digests **every file** in the container with SM3 into ``References``
   (``Signatures.xml`` left out when ``continued=True``, so later signatures
   stay possible; the default protects it, locking the document);
5. writes ``Signature.xml`` (provider, SM2-with-SM3, the time in China
   time, the stamp's place, the seal file, the References);
6. signs it: ``SignedValue.dat`` = ``SES_Signature`` whose ``dataHash`` is
   SM3(``Signature.xml``) and ``propertyInfo`` its path, signed with the
   seal's key over the DER of ``TBS_Sign``.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from html import escape

import msgspec

from elicense.crypto.gm import sm3
from elicense.crypto.keys import Signer
from elicense.crypto.ses.build import SignatureBuilder
from elicense.crypto.ses.parse import parse_seal
from elicense.crypto.x509 import certificate_spki
from elicense.errors import ElicenseError, OfdWriteError
from elicense.ofd.container import Container
from elicense.ofd.safexml import children, parse_xml, text_of
from elicense.ofd.signatures import read_documents, read_signature

__all__ = ["Stamp", "read_files", "seal_ofd", "zip_files"]

NS = "http://www.ofdspec.org/2016"
SM3_OID = "1.2.156.10197.1.401"
SM2_SM3_OID = "1.2.156.10197.1.501"
_CHINA = timezone(timedelta(hours=8))


class Stamp(msgspec.Struct, frozen=True, kw_only=True):
    """Where the seal's picture shows: a page ID and a box (x, y, width, height) in mm."""

    page: str
    box: tuple[float, float, float, float]


def zip_files(files: Mapping[str, bytes], *, deflate: bool = True) -> bytes:
    """The OFD container of ``files`` (``OFD.xml`` first; deflated, fixed timestamps)."""
    out = io.BytesIO()
    order = sorted(files, key=lambda p: (p != "OFD.xml", p))
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as z:
        for path in order:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, files[path], compresslevel=6 if deflate else None)
    return out.getvalue()


def read_files(data: bytes) -> dict[str, bytes]:
    """Every file of the OFD container ``data``, read through the bounded reader.

    Raises:
        OfdFormatError: the container is refused (its code says why).
    """
    c = Container(data)
    return {p: c.read(p) for p in c.files}


def _signer_cert(seal: bytes, key: Signer) -> bytes:
    parsed = parse_seal(seal)
    for der in parsed.info.certs:
        try:
            if certificate_spki(der) == key.public_key.spki:
                return der
        except (ElicenseError, ValueError):
            continue
    raise OfdWriteError(
        f"the seal {parsed.info.es_id!r} lists no certificate for this key: sign with the key "
        "the seal was filed for"
    )


def _fmt(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def seal_ofd(
    files: Mapping[str, bytes] | bytes,
    *,
    seal: bytes,
    key: Signer,
    at: datetime,
    stamp: Stamp | None = None,
    continued: bool = False,
    provider: str = "elicense",
) -> bytes:
    """Seal the OFD ``files`` (path → bytes, or a container) with ``seal`` and ``key``.

    Args:
        files: the document: its files, or an OFD container (bytes) to add a signature to.
        seal: the GB/T 38540 v4 ``SES_Seal`` (DER), e.g. the ledger's filing annex.
        key: the seal's SM2 key; its certificate must be in the seal's certList.
        at: the signing time (``timeInfo``; within the seal's validity).
        stamp: where the seal's picture shows (a ``StampAnnot``), if anywhere.
        continued: leave ``Signatures.xml`` unprotected so later signatures may follow.
        provider: ``Provider/@ProviderName``.

    Returns:
        The signed OFD container.

    Raises:
        OfdWriteError: the document is locked by an earlier signature, has no document,
            the key is not the seal's, or the seal is not valid at ``at``.
        OfdFormatError: ``files`` is a container that is refused.
    """
    out = dict(read_files(files) if isinstance(files, bytes) else files)
    cert = _signer_cert(seal, key)
    c = Container.of_files(out)
    docs = read_documents(c)
    if not docs:
        raise OfdWriteError("OFD.xml lists no document to sign")
    doc = docs[0]
    doc_dir = doc.root.rsplit("/", 1)[0] if "/" in doc.root else ""
    for entry in doc.signatures:
        earlier = read_signature(c, entry, doc.root)
        if doc.signatures_path in {r.path for r in earlier.references}:
            raise OfdWriteError(
                f"{entry.path} protects {doc.signatures_path}: the document is locked and takes "
                "no further signature"
            )
    sig_list = doc.signatures_path or f"{doc_dir}/Signs/Signatures.xml".lstrip("/")
    n = len(doc.signatures)
    sign_dir = f"{doc_dir}/Signs/Sign_{n}".lstrip("/")
    while f"{sign_dir}/Signature.xml" in out:
        n += 1
        sign_dir = f"{doc_dir}/Signs/Sign_{n}".lstrip("/")
    if doc.signatures_path is None:
        out["OFD.xml"] = _link_signatures(out["OFD.xml"], sig_list)
        ids: list[tuple[str, str, str]] = []
        max_id = 0
    else:
        ids, max_id = _entries(out[sig_list])
    new_id = max_id + 1
    out[sig_list] = _signature_list(
        [*ids, (str(new_id), "Seal", f"/{sign_dir}/Signature.xml")], new_id
    )
    out[f"{sign_dir}/Seal.esl"] = seal
    refs = "".join(
        f'<ofd:Reference FileRef="/{escape(p)}"><ofd:CheckValue>'
        f"{base64.b64encode(sm3(b)).decode()}</ofd:CheckValue></ofd:Reference>"
        for p, b in sorted(out.items())
        if not (continued and p == sig_list)
    )
    when = at.astimezone(_CHINA).strftime("%Y-%m-%d %H:%M:%S")
    stamp_xml = ""
    if stamp is not None:
        box = " ".join(_fmt(v) for v in stamp.box)
        stamp_xml = f'<ofd:StampAnnot ID="1" PageRef="{escape(stamp.page)}" Boundary="{box}"/>'
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        f'<ofd:Provider ProviderName="{escape(provider)}" Company="elicense" Version="2"/>'
        f"<ofd:SignatureMethod>{SM2_SM3_OID}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{when}</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{SM3_OID}">{refs}</ofd:References>{stamp_xml}'
        f"<ofd:Seal><ofd:BaseLoc>/{sign_dir}/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>"
        f"<ofd:SignedValue>/{sign_dir}/SignedValue.dat</ofd:SignedValue></ofd:Signature>"
    ).encode()
    try:
        signed = (
            SignatureBuilder()
            .seal(seal)
            .content(xml, property_info=f"/{sign_dir}/Signature.xml")
            .signing_time(at)
            .sign(key, cert)
        )
    except ValueError as e:
        raise OfdWriteError(f"cannot sign with this seal: {e}") from None
    out[f"{sign_dir}/Signature.xml"] = xml
    out[f"{sign_dir}/SignedValue.dat"] = signed.der
    return zip_files(out)


def _link_signatures(ofd_xml: bytes, path: str) -> bytes:
    """``OFD.xml`` with ``<Signatures>`` after the first DocBody's DocRoot."""
    text = ofd_xml.decode("utf-8")
    m = re.search(r"</((?:[\w.-]+:)?)DocRoot\s*>", text)
    if m is None:
        raise OfdWriteError("OFD.xml has no DocRoot to link the signature list after")
    prefix = m.group(1)
    link = f"<{prefix}Signatures>{escape(path)}</{prefix}Signatures>"
    return (text[: m.end()] + link + text[m.end() :]).encode("utf-8")


def _entries(data: bytes) -> tuple[list[tuple[str, str, str]], int]:
    root = parse_xml(data, "Signatures.xml")
    entries = [
        (e.get("ID", ""), e.get("Type", "Seal"), e.get("BaseLoc", ""))
        for e in children(root, "Signature")
    ]
    numbers = [int(d) for i, _t, _l in entries for d in re.findall(r"\d+", i)[-1:]]
    max_text = text_of(root, "MaxSignId")
    max_id = max([*numbers, *(int(d) for d in re.findall(r"\d+", max_text or "")[-1:])], default=0)
    return entries, max_id


def _signature_list(entries: list[tuple[str, str, str]], max_id: int) -> bytes:
    items = "".join(
        f'<ofd:Signature ID="{escape(i)}" Type="{escape(t)}" BaseLoc="{escape(loc)}"/>'
        for i, t, loc in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>{max_id}</ofd:MaxSignId>{items}'
        "</ofd:Signatures>"
    ).encode()
