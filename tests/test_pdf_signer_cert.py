"""License PDFs: the bytes around the PAdES signature that nothing signs, found by the
reliability program's fuzzer (tools/reliability.py --long, 2026-12-06).

The CMS certificate set is outside what the signature covers, and pyHanko writes
the signer certificate into it twice. pyHanko checks the copy it selects against
the signed ``signing-certificate-v2`` attribute, but a byte changed in the spare
copy — its subject, its extensions — verified ``valid``, and so did non-zero bytes
in the ``/Contents`` padding. Now the set must hold the signer's certificate only
and the padding be zeros: ``pdf.signature.certificate_mismatch``.

Also found: a damaged seal key in the attached document's seal section made the
binding check raise (``verifier.internal_error``) instead of a coded finding.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from asn1crypto import cms

from elicense.acts import decode_statement
from elicense.documents import LicenseDocument, decode_document
from elicense.record import decode_record
from elicense.verdict import VerdictBuilder
from elicense.verify.pdf import _attachments, _binding_check
from test_pdf import Made

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils.reader import PdfFileReader

_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


@pytest.fixture(scope="module")
def made() -> Iterator[Made]:
    from elicense.crypto.suites import ECDSA_P256

    m = Made(ECDSA_P256)
    yield m
    m.world.ledger.close()


def _contents(pdf: bytes) -> tuple[int, int, bytes]:
    """Where the ``/Contents`` hex digits are, and the bytes they hold."""
    found = _RANGE.search(pdf)
    assert found is not None
    a, b, c, _ = (int(x) for x in found.groups())
    start, end = a + b + 1, c - 1  # inside < >
    return start, end, bytes.fromhex(pdf[start:end].decode())


def _with_contents(pdf: bytes, raw: bytes, upper: bool = True) -> bytes:
    start, end, old = _contents(pdf)
    assert len(raw) == len(old)
    digits = raw.hex().upper() if upper else raw.hex()
    return pdf[:start] + digits.encode() + pdf[end:]


def _cert_copies(raw: bytes) -> list[tuple[int, bytes]]:
    """``(offset, DER)`` of each certificate in the CMS set."""
    signed = cms.ContentInfo.load(raw)["content"]
    out = []
    for choice in signed["certificates"]:
        der = choice.chosen.dump()
        at = raw.find(der, out[-1][0] + 1 if out else 0)
        out.append((at, der))
    return out


def _renamed(der: bytes) -> bytes:
    """``der`` with one letter of its subject's seal code (OU, ASCII) changed: the
    subject's, not the issuer's (which comes first and names the signer in the CMS)."""
    start = der.rfind(b"\x06\x03\x55\x04\x0b")  # the last OU: the subject's
    ou = re.match(rb"\x06\x03\x55\x04\x0b\x0c.([0-9A-Za-z-]+)", der[start:])
    assert ou is not None
    at = start + ou.end(1) - 1
    return der[:at] + bytes([der[at] ^ 0x20]) + der[at + 1 :]  # upper <-> lower case


def _verify(made: Made, pdf: bytes) -> Any:
    return made.offline().verify(pdf)


def test_happy_twin_the_signed_pdf_and_its_lower_case_hex_are_valid(made: Made) -> None:
    """The PDF as made is valid, and so is the same CMS spelled in lower-case hex
    (a hex string's case is no part of it)."""
    assert _verify(made, made.data).ok
    raw = _contents(made.data)[2]
    assert len(_cert_copies(raw)) == 2  # pyHanko writes the signer certificate twice
    assert _verify(made, _with_contents(made.data, raw, upper=False)).ok


def test_signer_certificate_changed_after_signing_is_refused(made: Made) -> None:
    """Both copies of the certificate with their subject changed: the signed attribute
    names another certificate (pyHanko's own check, kept: a twin of the spare-copy case)."""
    raw = _contents(made.data)[2]
    changed = raw
    for at, der in _cert_copies(raw):
        changed = changed[:at] + _renamed(der) + changed[at + len(der) :]
    verdict = _verify(made, _with_contents(made.data, changed))
    assert not verdict.ok
    assert verdict.codes == ["pdf.signature.malformed"]
    assert (
        "Signing certificate attribute does not match" in verdict.signatures[0].findings[0].message
    )


def test_a_changed_spare_certificate_is_refused(made: Made) -> None:
    """Only the first copy changed (the one pyHanko does not pick): still refused."""
    raw = _contents(made.data)[2]
    at, der = _cert_copies(raw)[0]
    verdict = _verify(
        made, _with_contents(made.data, raw[:at] + _renamed(der) + raw[at + len(der) :])
    )
    assert not verdict.ok
    assert "pdf.signature.certificate_mismatch" in verdict.codes


def test_non_zero_padding_after_the_cms_is_refused(made: Made) -> None:
    """A non-zero byte in the ``/Contents`` zero padding is refused; the padding is zeros."""
    raw = _contents(made.data)[2]
    size = len(cms.ContentInfo.load(raw).dump())
    assert not raw[size:].strip(b"\x00")  # twin: zeros as made
    padded = raw[: size + 10] + b"\x01" + raw[size + 11 :]
    verdict = _verify(made, _with_contents(made.data, padded))
    assert not verdict.ok
    assert "pdf.signature.certificate_mismatch" in verdict.codes


def _seal_key_damaged(doc: LicenseDocument) -> LicenseDocument:
    """``doc`` with its seal's ``seal.make`` statement carrying a key that is not a key."""
    h = doc.seals[0]
    first = h.events[0]
    rec = decode_record(first.record)
    act = msgspec.structs.replace(decode_statement(rec.statement), public_key=b"\x30\x03bad")
    record = msgspec.structs.replace(rec, statement=act.encode()).encode()
    events = (msgspec.structs.replace(first, record=record), *h.events[1:])
    return msgspec.structs.replace(doc, seals=(msgspec.structs.replace(h, events=events),))


def test_a_damaged_seal_key_in_the_attachment_is_a_finding_not_an_exception(made: Made) -> None:
    """The binding check with a seal key that does not parse: a coded finding."""
    reader = PdfFileReader(io.BytesIO(made.data), strict=False)
    found = _attachments(reader, VerdictBuilder())
    assert found is not None
    doc_bytes, binding = found
    doc = decode_document(doc_bytes)
    assert isinstance(doc, LicenseDocument)
    happy = VerdictBuilder()
    _binding_check(doc, doc_bytes, binding, None, happy)
    assert "pdf.binding.signature" in happy.build().signatures[0].checked  # twin
    b = VerdictBuilder()
    _binding_check(_seal_key_damaged(doc), doc_bytes, binding, None, b)
    seal = b.build().signatures[0]
    assert [f.code for f in seal.findings] == ["pdf.binding.signature.invalid"]
