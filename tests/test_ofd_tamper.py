"""Tamper twins made from the shared OFD files: each tampering has a code of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from elicense.ofd import OfdVerifier, verify_ofd
from elicense.verdict import Outcome
from ofd_support import (
    PAGE,
    SIGN_DIR,
    TWIN_CODES,
    cms_signed,
    entry,
    errors,
    rezip,
    signature_xml,
    signer,
    tamper_twins,
)
from sm2_support import require_sm2

require_sm2()


@pytest.fixture(scope="module")
def allprotected(testdata: Path) -> bytes:
    """allprotected.ofd (ofdrw, one seal signature, whole document protected)."""
    return (testdata / "ofd" / "allprotected.ofd").read_bytes()


@pytest.fixture(scope="module")
def digital(testdata: Path) -> bytes:
    """DigitalSign.ofd (ofdrw, Type=Sign, bare SM2)."""
    return (testdata / "ofd" / "DigitalSign.ofd").read_bytes()


def test_each_twin_has_its_own_code(allprotected: bytes) -> None:
    """Every tampering of allprotected.ofd is invalid with a code no other twin (nor the
    original) shows."""
    original = errors(verify_ofd(allprotected))
    assert not original
    found = {name: errors(verify_ofd(data)) for name, data in tamper_twins(allprotected).items()}
    for name, code in TWIN_CODES.items():
        assert code in found[name], (name, found[name])
        others = set().union(*(c for n, c in found.items() if n != name))
        assert code not in others, (name, code)


def test_resigned_twin_has_a_sound_ses_signature(allprotected: bytes) -> None:
    """Re-signed with another seal, the SES signature verifies: only the seal file betrays it."""
    v = verify_ofd(tamper_twins(allprotected)["resigned"])
    assert "ses.signature" in v.checked
    assert errors(v) == {"ofd.seal_file.mismatch"}


def test_removed_file_is_missing(allprotected: bytes) -> None:
    """A protected file removed from the container is ofd.reference.missing."""
    v = verify_ofd(rezip(allprotected, {"Doc_0/PublicRes.xml": None}))
    assert "ofd.reference.missing" in errors(v)


def test_stamp_on_missing_page(allprotected: bytes) -> None:
    """A StampAnnot on a page the document lacks is ofd.stamp.page_missing."""
    sigxml = entry(allprotected, SIGN_DIR + "Signature.xml").replace(b'PageRef="1"', b'PageRef="7"')
    v = verify_ofd(rezip(allprotected, {SIGN_DIR + "Signature.xml": sigxml}))
    assert "ofd.stamp.page_missing" in errors(v)
    assert "ofd.stamp.pages" in verify_ofd(allprotected).checked


def _resign_bare(data: bytes, key: object, refs: list[str]) -> bytes:
    xml = signature_xml({p: entry(data, p) for p in refs})
    value = key.sign(xml)  # type: ignore[attr-defined]
    return rezip(data, {SIGN_DIR + "Signature.xml": xml, SIGN_DIR + "SignedValue.dat": value})


REFS = ["Doc_0/Document.xml", PAGE, "Doc_0/PublicRes.xml", "OFD.xml"]


def test_bare_sm2_signature_with_the_right_certificate_is_valid(digital: bytes) -> None:
    """A bare SM2 Type=Sign signature verifies with the signer's certificate given as trust."""
    key, cert = signer()
    v = OfdVerifier([cert]).verify(_resign_bare(digital, key, REFS))
    assert v.outcome is not Outcome.INVALID, v.findings
    assert {"ofd.sign.signature", "ofd.sign.cert", "ofd.references"} <= set(v.checked)
    assert v.signatures[0].signer == "C=CN, CN=测试签名人"


def test_bare_sm2_signature_with_the_public_key_only(digital: bytes) -> None:
    """A bare public key (no certificate) checks the signature too."""
    key, _cert = signer()
    v = OfdVerifier(keys=[key.public_key]).verify(_resign_bare(digital, key, REFS))
    assert "ofd.sign.signature" in v.checked


def test_bare_sm2_signature_over_altered_xml_fails(digital: bytes) -> None:
    """Signature.xml altered after a bare signature: ofd.sign.signature.invalid."""
    key, cert = signer()
    data = _resign_bare(digital, key, REFS)
    xml = entry(data, SIGN_DIR + "Signature.xml").replace(b"elicense-test", b"elicense-tesT")
    v = OfdVerifier([cert]).verify(rezip(data, {SIGN_DIR + "Signature.xml": xml}))
    assert "ofd.sign.signature.invalid" in errors(v)


def test_bare_signature_over_only_ofd_xml_leaves_pages_unprotected(digital: bytes) -> None:
    """A signature over OFD.xml alone (which ofdrw accepts) does not make the document valid."""
    key, cert = signer()
    v = OfdVerifier([cert]).verify(_resign_bare(digital, key, ["OFD.xml"]))
    assert v.outcome is Outcome.INDETERMINATE
    assert "ofd.coverage.pages_unprotected" in v.codes


def test_cms_signature_verifies_and_its_twin_fails(digital: bytes) -> None:
    """GB/T 35275 CMS over SM3(Signature.xml) verifies; over other bytes it is data.mismatch."""
    key, cert = signer()
    xml = entry(digital, SIGN_DIR + "Signature.xml")
    good = rezip(digital, {SIGN_DIR + "SignedValue.dat": cms_signed(key, cert, xml)})
    v = OfdVerifier([cert]).verify(good)
    assert {"ofd.sign.data", "ofd.sign.signature", "ofd.sign.cert"} <= set(v.checked), v.findings
    bad = rezip(digital, {SIGN_DIR + "SignedValue.dat": cms_signed(key, cert, xml + b" ")})
    assert "ofd.sign.data.mismatch" in errors(OfdVerifier([cert]).verify(bad))


def test_later_signature_that_broke_an_earlier_one(digital: bytes) -> None:
    """A second signature made after the page changed: the first reports broken_by_later."""
    key, cert = signer()
    first = _resign_bare(digital, key, REFS)
    page = entry(first, PAGE).replace(b"</ofd:Page>", b"<!-- later --></ofd:Page>")
    changed = rezip(first, {PAGE: page})
    xml1 = signature_xml({p: entry(changed, p) for p in REFS}, 1)
    lst = entry(changed, "Doc_0/Signs/Signatures.xml").replace(
        b"<ofd:MaxSignId>",
        b'<ofd:Signature ID="s002" Type="Sign" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"/>'
        b"<ofd:MaxSignId>",
    )
    both = rezip(
        changed,
        {
            "Doc_0/Signs/Signatures.xml": lst,
            "Doc_0/Signs/Sign_1/Signature.xml": xml1,
            "Doc_0/Signs/Sign_1/SignedValue.dat": key.sign(xml1),
        },
    )
    v = OfdVerifier([cert]).verify(both)
    first_sig, second_sig = v.signatures
    assert "ofd.coverage.broken_by_later" in {f.code for f in first_sig.findings}
    assert second_sig.outcome is not Outcome.INVALID
