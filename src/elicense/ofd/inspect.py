"""A listing of a signed OFD file: documents, pages, signatures, signers, seals, coverage.

What ``elicense ofd inspect`` prints. It states what the file *says*; it
verifies nothing (``elicense verify FILE.ofd`` does).
"""

from __future__ import annotations

from typing import Any

from elicense.crypto.ses.parse import parse_signature
from elicense.crypto.x509 import certificate_info
from elicense.errors import EncodingError, KeyFormatError, OfdFormatError
from elicense.ofd.container import DEFAULT_LIMITS, Container, Limits
from elicense.ofd.signatures import read_documents, read_signature

__all__ = ["describe"]


def describe(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """What the OFD file ``data`` holds, as JSON-ready builtins.

    Raises:
        OfdFormatError: the container or its XML is refused (``ofd.container.*``,
            ``ofd.xml.*``, ``ofd.structure.malformed``).
    """
    c = Container(data, limits)
    docs = read_documents(c)
    out: dict[str, Any] = {"files": c.files, "documents": []}
    protected: set[str] = set()
    for d in docs:
        doc: dict[str, Any] = {
            "root": d.root,
            "pages": [{"id": k, "content": v} for k, v in d.pages.items()],
            "signature_list": d.signatures_path,
            "signatures": [],
        }
        for e in d.signatures:
            item: dict[str, Any] = {"id": e.id, "type": e.type, "file": e.path}
            try:
                f = read_signature(c, e, d.root)
            except OfdFormatError as err:
                item["error"] = {"code": err.code, "message": str(err)}
                doc["signatures"].append(item)
                continue
            item.update(
                provider=f.provider,
                method=f.method,
                time=f.date_time,
                check_method=f.check_method,
                signed_value=f.signed_value,
                seal_file=f.seal_file,
                covers=[r.path for r in f.references],
                stamps=[{"id": s.id, "page": s.page_ref, "boundary": s.boundary} for s in f.stamps],
            )
            protected.update(r.path for r in f.references)
            protected.update(p for p in (e.path, f.signed_value) if p)
            if e.type == "Seal" and f.signed_value and f.signed_value in c:
                item.update(_seal_signature(c.read(f.signed_value)))
            doc["signatures"].append(item)
        out["documents"].append(doc)
    out["unprotected"] = [p for p in c.files if p not in protected]
    return out


def _seal_signature(value: bytes) -> dict[str, Any]:
    try:
        sig = parse_signature(value)
    except EncodingError as e:
        return {"signed_value_error": str(e)}
    info = sig.seal.info
    result: dict[str, Any] = {
        "ses_version": sig.version,
        "seal": {
            "name": info.name,
            "es_id": info.es_id,
            "valid_start": info.valid_start.isoformat(),
            "valid_end": info.valid_end.isoformat(),
            "picture": f"{info.picture.type} {info.picture.width_mm}x{info.picture.height_mm} mm",
        },
        "time_info": sig.time_info.isoformat() if sig.time_info else None,
        "timestamp": sig.timestamp is not None,
    }
    try:
        result["signer"] = certificate_info(sig.signer_cert).subject
    except KeyFormatError:
        result["signer"] = None
    return result
