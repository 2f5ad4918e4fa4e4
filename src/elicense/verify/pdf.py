"""Verifying a license PDF: by digest against the ledger's record, or in full.

Online (a verifier on a ledger) a PDF whose SHA-256 is a ``file.record`` is
judged by that record and the license's status alone: one lookup, no PDF
parsing. Otherwise (offline, or a file the ledger never recorded) in full,
each signature as its own sub-result:

- ``pades``: pyHanko's validation of the one signature (intact, valid against
  its certificate) and its coverage: the signed ranges must cover the whole
  file (``pdf.modified_after_signing`` for an update appended after signing);
- ``statement``: the attached license document, verified as any exported
  document (status, seals, log);
- ``seal``: the seal's binding (SM2 or P-256, checked with the filed key from
  the document): it must be a seal that signed the license's records, name this
  document's digest and the PAdES certificate's key;
- ``cose``: the verify-me text the seal bound (the page's QR), whose status
  must agree with the document's.

Codes are listed in docs/pdf.md. Nothing malformed raises: every failure is a
coded finding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from datetime import datetime
from typing import Any

import msgspec

from elicense.acts import MakeSeal, decode_statement
from elicense.crypto.suites import public_key
from elicense.crypto.x509 import certificate_spki
from elicense.documents import (
    BINDING_NAME,
    DOCUMENT_NAME,
    FIELD_NAME,
    LicenseDocument,
    SealBinding,
    binding_input,
    decode_document,
)
from elicense.errors import ElicenseError
from elicense.record import decode_record
from elicense.verdict import Verdict, VerdictBuilder

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

__all__ = ["verify_bytes", "verify_pdf"]

_binding = msgspec.json.Decoder(SealBinding)


def verify_bytes(verifier: Any, data: bytes, at: datetime) -> Verdict:
    """The :class:`~elicense.verify.verifier.Verifier` hook for PDF input."""
    return verify_pdf(verifier, data, at=at)


def verify_pdf(verifier: Any, data: bytes, *, at: datetime, full: bool = False) -> Verdict:
    """Verify the license PDF ``data`` with ``verifier``'s trust.

    Args:
        verifier: a :class:`~elicense.verify.verifier.Verifier`.
        data: the file's bytes, as received.
        at: the time to judge the license's status at.
        full: check the file in full even when the ledger recorded its digest.
    """
    b = VerdictBuilder()
    b.judged_at = at
    trust = verifier.trust
    if trust.online:
        record = trust.license_file(hashlib.sha256(data).digest())
        if record is not None and not full:
            b.passed("file.recorded")
            b.subject = record.license
            b.evidence.update(file_seal=record.seal, file_sha256=record.sha256.hex())
            sub = verifier.verify(record.license, at=at)
            b.signature("statement", sub, signer=record.seal, part="file.record")
            b.status = sub.status
            b.evidence.update(sub.evidence)
            return b.build()
        if record is None:
            b.error("file.not_recorded", "the ledger holds no file.record with this SHA-256")
    _full(verifier, data, at, b)
    return b.build()


def _full(verifier: Any, data: bytes, at: datetime, b: VerdictBuilder) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_regular_signatures)
    except Exception as e:  # pyHanko raises many kinds on damaged files
        b.error("pdf.malformed", f"not a readable PDF: {type(e).__name__}: {e}")
        return
    if not sigs:
        b.error("pdf.unsigned", f"expected the signature field {FIELD_NAME!r}, found none")
        return
    if len(sigs) != 1:
        b.error("pdf.signature.unexpected", f"expected one signature, found {len(sigs)}")
    sig = sigs[0]
    cert_der = _pades(sig, b)
    files = _attachments(reader, b)
    if files is None:
        return
    doc_bytes, binding = files
    try:
        doc = decode_document(doc_bytes)
    except Exception as e:
        b.error("pdf.attachment.malformed", f"{DOCUMENT_NAME} is not a license document: {e}")
        return
    if not isinstance(doc, LicenseDocument):
        b.error("pdf.attachment.malformed", f"{DOCUMENT_NAME} is not a license document")
        return
    sub = verifier.verify(doc_bytes, at=at)
    b.subject = doc.license
    b.status = sub.status
    b.evidence.update(sub.evidence)
    b.signature("statement", sub, signer=_seal_of(doc.events[0].record), part=DOCUMENT_NAME)
    _binding_check(doc, doc_bytes, binding, cert_der, b)
    qr = verifier.verify(binding.payload, at=at)
    b.signature("cose", qr, signer="platform", part="qr")
    if qr.status is not None and sub.status is not None and qr.status != sub.status:
        b.error(
            "pdf.payload.mismatch",
            f"the QR reads {qr.status}, the attached document {sub.status}",
        )


def _pades(sig: Any, b: VerdictBuilder) -> bytes | None:
    """Check the PAdES signature; return its certificate (DER) when it has one."""
    pb = VerdictBuilder()
    cert = None
    try:
        cert = sig.signer_cert
        context = ValidationContext(trust_roots=[cert], allow_fetching=False)
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception as e:  # a damaged CMS blob or byte range
        pb.error("pdf.signature.malformed", f"the signature cannot be validated: {e}")
        b.signature("pades", pb.build(), part=FIELD_NAME)
        return None
    if status.intact:
        pb.passed("pdf.signature.intact")
    else:
        pb.error("pdf.signature.digest_mismatch", "the signed bytes were changed after signing")
    if status.valid:
        pb.passed("pdf.signature.valid")
    elif status.intact:
        pb.error("pdf.signature.invalid", "the signature does not verify under its certificate")
    unbound = _signer_cert_unbound(sig, cert)
    if unbound is not None:
        pb.error("pdf.signature.certificate_mismatch", unbound)
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        pb.passed("pdf.coverage")
    else:
        pb.error(
            "pdf.modified_after_signing",
            f"the signature covers {getattr(status.coverage, 'name', 'unclear').lower()}, "
            "not the whole file: "
            "an update was appended after signing",
        )
    subject = cert.subject.human_friendly if cert is not None else None
    b.signature("pades", pb.build(), signer=subject, part=FIELD_NAME)
    return bytes(cert.dump())


def _signer_cert_unbound(sig: Any, cert: Any) -> str | None:
    """Why the signature's ``/Contents`` holds more than the CMS binds, or ``None``.

    pyHanko checks that the signed ``signing-certificate-v2`` attribute names the
    certificate it selects, but the certificate set is outside what the signature
    covers and it holds the signer's certificate twice (pyHanko writes it so): a
    changed spare copy — another subject, another key — verified valid, as did
    non-zero bytes in the padding after the CMS. Both are unsigned bytes another
    reader could take for the signer's; the set must hold the signer's certificate
    only, and the padding be zeros.
    """
    from asn1crypto import cms

    try:
        contents = bytes(sig.pkcs7_content)
        der = cms.ContentInfo.load(contents).dump()
        if contents[len(der) :].strip(b"\x00"):
            return "/Contents holds bytes after the CMS signature that are not zero padding"
        certs = [c.chosen.dump() for c in sig.signed_data["certificates"] or ()]
        if any(c != cert.dump() for c in certs):  # elicense signs with one bound key
            return "the CMS carries a certificate other than the signer's, which nothing signs"
    except Exception as e:  # asn1crypto parses lazily: damage surfaces here
        return f"the CMS certificates cannot be read: {type(e).__name__}: {e}"
    return None


def _attachments(reader: Any, b: VerdictBuilder) -> tuple[bytes, SealBinding] | None:
    found: dict[str, bytes] = {}
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names) - 1, 2):
            spec = names[i + 1].get_object()
            found[str(names[i])] = bytes(spec["/EF"]["/F"].get_object().data)
    except Exception as e:
        b.error("pdf.attachment.missing", f"no readable attachments: {type(e).__name__}: {e}")
        return None
    if DOCUMENT_NAME not in found or BINDING_NAME not in found:
        b.error(
            "pdf.attachment.missing",
            f"expected attachments {DOCUMENT_NAME} and {BINDING_NAME}, found {sorted(found)}",
        )
        return None
    try:
        binding = _binding.decode(found[BINDING_NAME])
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        b.error("pdf.binding.malformed", f"{BINDING_NAME}: {e}")
        return None
    return found[DOCUMENT_NAME], binding


def _seal_of(record: bytes) -> str | None:
    """The seal that signed a stored record; ``None`` for bytes that do not decode."""
    try:
        return str(decode_statement(decode_record(record).statement).seal)
    except (ElicenseError, ValueError):  # the document's own verdict says what is wrong
        return None


def _binding_check(
    doc: LicenseDocument,
    doc_bytes: bytes,
    binding: SealBinding,
    cert_der: bytes | None,
    b: VerdictBuilder,
) -> None:
    sb = VerdictBuilder()
    if hashlib.sha256(doc_bytes).digest() != binding.document_sha256 or (
        binding.license != doc.license
    ):
        sb.error(
            "pdf.attachment.mismatch",
            f"the attached document is not the one seal {binding.seal} bound "
            f"(bound: {binding.license})",
        )
    else:
        sb.passed("pdf.attachment.bound")
    signers = {s for e in doc.events if (s := _seal_of(e.record)) is not None}
    made = None
    for history in doc.seals:
        if history.key == binding.seal and history.events:
            try:
                made = decode_statement(decode_record(history.events[0].record).statement)
            except (ElicenseError, ValueError):
                made = None
    if binding.seal not in signers or not isinstance(made, MakeSeal):
        sb.error(
            "pdf.signer.not_issuer",
            f"seal {binding.seal} signed the PDF; the license's records are signed by "
            f"{', '.join(sorted(signers))}",
        )
    else:
        try:  # the document's own verdict judges the seal; a damaged key must not raise here
            key = public_key(made.alg, made.public_key)
            verified = key.verify(binding.signature, binding_input(binding))
        except (ElicenseError, ValueError):
            verified = False
        if verified:
            sb.passed("pdf.binding.signature")
            b.evidence["binding_alg"] = made.alg
        else:
            sb.error(
                "pdf.binding.signature.invalid",
                f"the binding does not verify under seal {binding.seal}'s filed key",
            )
    if cert_der is not None:
        if hashlib.sha256(certificate_spki(cert_der)).digest() == binding.signer_spki_sha256:
            sb.passed("pdf.signer.bound")
        else:
            sb.error(
                "pdf.signer.unbound",
                f"the PAdES certificate's key is not the key seal {binding.seal} bound",
            )
    b.signature("seal", sb.build(), signer=binding.seal, part=BINDING_NAME)
