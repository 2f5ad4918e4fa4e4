"""What an OFD file says about its documents and signatures (GB/T 33190 §7.4, §18).

``OFD.xml`` → each ``DocBody``: the document root (``Document.xml``, whose
``Pages`` give the page IDs a ``StampAnnot`` may refer to) and the
signature list (``Signatures.xml``) → each ``Signature`` entry (``ID``,
``Type`` = ``Seal`` (also when absent) or ``Sign``, ``BaseLoc``) → its
``Signature.xml``: ``SignedInfo`` (provider, method, time, the
``References`` with their ``CheckMethod``, ``StampAnnot``\\ s, the ``Seal``
file) and the ``SignedValue`` location. Variants seen across makers are
accepted (notes §D.4): absolute or relative locations, ``CheckMethod`` as a
name or an OID, namespace prefixes. Parsing raises
:class:`~elicense.errors.OfdFormatError`; the verifier turns it into findings.
"""

from __future__ import annotations

import base64
import binascii
import posixpath

import msgspec

from elicense.errors import OfdFormatError
from elicense.ofd.container import Container
from elicense.ofd.safexml import child, children, parse_xml, text_of

__all__ = [
    "OfdDocument",
    "Reference",
    "SignatureEntry",
    "SignatureFile",
    "StampAnnot",
    "read_documents",
    "read_signature",
]


class Reference(msgspec.Struct, frozen=True, kw_only=True):
    """One protected file: where it is and the digest the signer recorded."""

    file_ref: str
    path: str
    check_value: bytes | None
    """``None`` when the CheckValue is not base64."""


class StampAnnot(msgspec.Struct, frozen=True, kw_only=True):
    """Where a seal's picture appears: a page ID and a box in millimetres."""

    id: str
    page_ref: str
    boundary: str


class SignatureEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A ``Signature`` entry of ``Signatures.xml``."""

    id: str
    type: str
    """``Seal`` or ``Sign`` (absent means ``Seal``); anything else as written."""
    path: str
    """The container path of its ``Signature.xml``."""


class SignatureFile(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed ``Signature.xml`` (its bytes stay in the container, as received)."""

    path: str
    signed_value: str | None
    provider: str | None
    method: str | None
    date_time: str | None
    check_method: str
    references: tuple[Reference, ...]
    stamps: tuple[StampAnnot, ...]
    seal_file: str | None


class OfdDocument(msgspec.Struct, frozen=True, kw_only=True):
    """One ``DocBody``: its root, page IDs and signature entries."""

    root: str
    pages: dict[str, str]
    """Page ID → container path of its content."""
    signatures_path: str | None
    signatures: tuple[SignatureEntry, ...]


def _dir(path: str) -> str:
    return posixpath.dirname(path)


def read_documents(c: Container) -> list[OfdDocument]:
    """The documents ``OFD.xml`` lists, with their pages and signature entries.

    Raises:
        OfdFormatError: ``ofd.container.missing`` (no OFD.xml, Document.xml …),
            ``ofd.xml.*``, or ``ofd.structure.malformed``.
    """
    root = parse_xml(c.read("OFD.xml"), "OFD.xml")
    docs = []
    for body in children(root, "DocBody"):
        doc_root = text_of(body, "DocRoot")
        if not doc_root:
            raise OfdFormatError(
                "OFD.xml: a DocBody has no DocRoot", code="ofd.structure.malformed"
            )
        root_path = c.resolve(doc_root, "")
        doc_dir = _dir(root_path)
        document = parse_xml(c.read(root_path), root_path)
        pages = {}
        for page in children(child(document, "Pages") or document, "Page"):
            pid = page.get("ID")
            loc = page.get("BaseLoc")
            if pid and loc:
                pages[pid] = c.resolve(loc, doc_dir, "")
        sig_loc = text_of(body, "Signatures")
        entries: list[SignatureEntry] = []
        sig_path = None
        if sig_loc:
            sig_path = c.resolve(sig_loc, "", doc_dir)
            sig_root = parse_xml(c.read(sig_path), sig_path)
            for s in children(sig_root, "Signature"):
                loc = s.get("BaseLoc")
                if not loc:
                    raise OfdFormatError(
                        f"{sig_path}: a Signature entry has no BaseLoc",
                        code="ofd.structure.malformed",
                        subject=sig_path,
                    )
                entries.append(
                    SignatureEntry(
                        id=s.get("ID", ""),
                        type=s.get("Type") or "Seal",
                        path=c.resolve(loc, _dir(sig_path), doc_dir, ""),
                    )
                )
        docs.append(
            OfdDocument(
                root=root_path, pages=pages, signatures_path=sig_path, signatures=tuple(entries)
            )
        )
    if not docs:
        raise OfdFormatError("OFD.xml lists no DocBody", code="ofd.structure.malformed")
    return docs


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def read_signature(c: Container, entry: SignatureEntry, doc_root: str) -> SignatureFile:
    """Parse the ``Signature.xml`` of ``entry``.

    Raises:
        OfdFormatError: missing, ``ofd.xml.*``, or ``ofd.structure.malformed``.
    """
    path = entry.path
    root = parse_xml(c.read(path), path)
    info = child(root, "SignedInfo")
    if info is None:
        raise OfdFormatError(f"{path}: no SignedInfo", code="ofd.structure.malformed", subject=path)
    here, doc_dir = _dir(path), _dir(doc_root)
    refs_el = child(info, "References")
    refs = []
    for r in children(refs_el, "Reference") if refs_el is not None else ():
        file_ref = r.get("FileRef", "")
        refs.append(
            Reference(
                file_ref=file_ref,
                path=c.resolve(file_ref, doc_dir, "", here) if file_ref else "",
                check_value=_b64(text_of(r, "CheckValue") or ""),
            )
        )
    stamps = tuple(
        StampAnnot(
            id=s.get("ID", ""), page_ref=s.get("PageRef", ""), boundary=s.get("Boundary", "")
        )
        for s in children(info, "StampAnnot")
    )
    provider = child(info, "Provider")
    seal_loc = text_of(child(info, "Seal"), "BaseLoc")
    value_loc = text_of(root, "SignedValue")
    return SignatureFile(
        path=path,
        signed_value=c.resolve(value_loc, here, doc_dir, "") if value_loc else None,
        provider=provider.get("ProviderName") if provider is not None else None,
        method=text_of(info, "SignatureMethod"),
        date_time=text_of(info, "SignatureDateTime"),
        check_method=(refs_el.get("CheckMethod") if refs_el is not None else None) or "SM3",
        references=tuple(refs),
        stamps=stamps,
        seal_file=c.resolve(seal_loc, here, doc_dir, "") if seal_loc else None,
    )
