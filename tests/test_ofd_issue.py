"""Issuing a license as a sealed OFD: it verifies under elicense, under `ses verify` and under
OpenSSL, it is recorded on the ledger, and every tampering has a code of its own."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from elicense.cli import main
from elicense.crypto.ses import parse_seal, parse_signature
from elicense.crypto.suites import SM2_SM3
from elicense.crypto.x509 import certificate_public_key
from elicense.errors import OfdWriteError
from elicense.files.ofd import IssuedOfd
from elicense.ofd import OfdVerifier
from elicense.ofd.font import find_font
from elicense.ofd.sign import seal_ofd
from elicense.verdict import Outcome, Verdict
from elicense.verify.verifier import Verifier
from ofd_support import HOST, PAGE, SIGN_DIR, TWIN_CODES, entry, errors, issue_ofd, tamper_twins
from reuse_support import ReuseWorld
from sm2_support import openssl_verify, require_openssl, require_sm2
from support import scan_qr

require_sm2()


class Issued:
    """A file-backed SM2 ledger, license 1 issued, and its sealed OFD."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "ledger.db"
        self.w = ReuseWorld.new(self.db, alg=SM2_SM3)
        self.lid = self.w.issue(1)
        self.ofd: IssuedOfd = issue_ofd(self.w, self.lid)
        self.seal = parse_seal(self.w.ledger.get_seal(self.w.issuer.seal).ses_seal)
        self.maker_pem = root / "maker.pem"
        self.maker_pem.write_bytes(_cert_pem(self.seal.maker_cert))

    def verify(self, data: bytes) -> Verdict:
        return OfdVerifier([self.seal.maker_cert]).verify(data)


def _cert_pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", der))


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    """The module's ledger and issued OFD."""
    i = Issued(tmp_path_factory.mktemp("ofd-issue"))
    yield i
    i.w.ledger.close()


def test_issued_ofd_verifies_and_is_recorded(issued: Issued) -> None:
    """The sealed file is valid under the platform's certificate and recorded as file.record."""
    v = issued.verify(issued.ofd.data)
    assert v.outcome is Outcome.VALID, v.findings
    assert {
        "ofd.references",
        "ofd.seal_file",
        "ofd.coverage",
        "ofd.stamp.pages",
        "ses.signature",
        "ses.seal.signature",
        "ses.data_hash",
    } <= set(v.checked)
    filed = issued.w.ledger.get_seal(issued.w.issuer.seal).ses_seal
    assert entry(issued.ofd.data, SIGN_DIR + "Seal.esl") == filed  # the filing annex, as filed
    record = issued.w.ledger.license_file(issued.ofd.sha256)
    assert record is not None
    assert record.media_type == "application/ofd"
    assert issued.w.ledger.license_file(bytes(32)) is None


def test_without_the_platform_anchor_it_is_not_valid(issued: Issued) -> None:
    """Twin: with no anchor the same file is indeterminate (untrusted seal maker), not valid."""
    v = OfdVerifier([]).verify(issued.ofd.data)
    assert v.outcome is Outcome.INDETERMINATE
    assert "ses.seal.cert.untrusted" in v.codes


def test_general_verifier_and_cli(issued: Issued, capsys: pytest.CaptureFixture[str]) -> None:
    """Verifier.verify and `elicense verify x.ofd --trust` say valid; a changed page says 1."""
    verifier = Verifier.from_ledger(issued.w.ledger, ofd_anchors=[issued.seal.maker_cert])
    assert verifier.verify(issued.ofd.data).outcome is Outcome.VALID
    path = issued.root / "license.ofd"
    path.write_bytes(issued.ofd.data)
    assert main(["verify", str(path), "--trust", str(issued.maker_pem), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    bad = issued.root / "changed.ofd"
    bad.write_bytes(tamper_twins(issued.ofd.data)["changed_byte"])
    assert main(["verify", str(bad), "--trust", str(issued.maker_pem), "--json"]) == 1


def test_ses_signature_verifies_with_ses_verify(issued: Issued, tmp_path: Path) -> None:
    """`elicense ses verify SignedValue.dat --content Signature.xml` accepts it; not altered."""
    sv, sx = tmp_path / "SignedValue.dat", tmp_path / "Signature.xml"
    sv.write_bytes(entry(issued.ofd.data, SIGN_DIR + "SignedValue.dat"))
    xml = entry(issued.ofd.data, SIGN_DIR + "Signature.xml")
    sx.write_bytes(xml)
    args = ["ses", "verify", str(sv), "--content", str(sx), "--trust", str(issued.maker_pem)]
    assert main(args) == 0
    sx.write_bytes(xml.replace(b"elicense", b"elicensE", 1))
    assert main(args) == 1


def test_sm2_signature_over_tbs_sign_verifies_with_openssl(issued: Issued, tmp_path: Path) -> None:
    """OpenSSL verifies the SM2 signature over the DER of TBS_Sign; not over a flipped byte."""
    exe = require_openssl()
    sig = parse_signature(entry(issued.ofd.data, SIGN_DIR + "SignedValue.dat"))
    pub = certificate_public_key(sig.signer_cert, SM2_SM3).pem()
    assert openssl_verify(exe, tmp_path, pub, sig.signature, sig.signed_bytes)
    flipped = sig.signed_bytes[:-1] + bytes([sig.signed_bytes[-1] ^ 1])
    assert not openssl_verify(exe, tmp_path, pub, sig.signature, flipped)


def test_each_tamper_twin_of_an_issued_file_has_its_own_code(issued: Issued) -> None:
    """Changed byte, added file, removed Reference, replaced Seal.esl, re-signed: distinct codes."""
    found = {name: errors(issued.verify(d)) for name, d in tamper_twins(issued.ofd.data).items()}
    assert not errors(issued.verify(issued.ofd.data))
    for name, code in TWIN_CODES.items():
        assert code in found[name], (name, found[name])
        others = set().union(*(c for n, c in found.items() if n != name))
        assert code not in others, (name, code)


def test_page_shows_the_license_in_schema_order(issued: Issued) -> None:
    """Title, holder, the type's fields in schema order, identifier; a Stamp annotation."""
    page = entry(issued.ofd.data, PAGE).decode()
    text = "".join(re.findall(r"<ofd:TextCode[^>]*>([^<]*)</ofd:TextCode>", page))
    lic = issued.w.ledger.get_license(issued.lid)
    for shown in ("食品经营许可证", lic.holder.name, lic.license_number, "注册资本", "经营范围"):
        assert shown in text
    assert text.index("注册资本") < text.index("经营范围")
    assert issued.lid.replace(".", "") in text.replace(".", "")
    annot = entry(issued.ofd.data, "Doc_0/Annots/Page_0/Annotation.xml").decode()
    assert 'Type="Stamp"' in annot
    sigxml = entry(issued.ofd.data, SIGN_DIR + "Signature.xml").decode()
    assert 'PageRef="1"' in sigxml


def test_embedded_font_holds_every_character_of_the_page(issued: Issued) -> None:
    """The embedded TrueType font (read by fontTools) maps every character the page shows."""
    font = TTFont(io.BytesIO(entry(issued.ofd.data, "Doc_0/Res/font_2.ttf")))
    cmap = font.getBestCmap()
    page = entry(issued.ofd.data, PAGE).decode()
    text = "".join(re.findall(r"<ofd:TextCode[^>]*>([^<]*)</ofd:TextCode>", page))
    assert {c for c in text if c != " "} <= {chr(c) for c in cmap}
    assert len(font.getGlyphOrder()) < 200
    assert "龍" not in {chr(c) for c in cmap}  # only the page's glyphs were kept


def _qr_text(page: str) -> str:
    m = re.search(
        r'Boundary="[\d.]+ [\d.]+ ([\d.]+) [\d.]+" Stroke="false" Fill="true">'
        r'<ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>([^<]*)<',
        page,
    )
    assert m is not None
    side, data = float(m.group(1)), m.group(2)
    rects = [
        tuple(map(float, r))
        for r in re.findall(r"M ([\d.]+) ([\d.]+) L ([\d.]+) [\d.]+ L [\d.]+ ([\d.]+)", data)
    ]
    unit = min(y1 - y0 for _x0, y0, _x1, y1 in rects)
    n, scale, border = round(side / unit), 4, 4
    size = (n + 2 * border) * scale
    grey = bytearray([255]) * (size * size)
    for x0, y0, x1, y1 in rects:
        for r in range(round(y0 / unit), round(y1 / unit)):
            for c in range(round(x0 / unit), round(x1 / unit)):
                for dy in range(scale):
                    row = ((r + border) * scale + dy) * size
                    start = row + (c + border) * scale
                    grey[start : start + scale] = bytes(scale)
    return scan_qr(memoryview(bytes(grey)).cast("B", (size, size)))


def test_qr_on_the_page_scans_to_a_payload_the_ledger_verifies(issued: Issued) -> None:
    """The QR drawn as paths, rasterised and scanned by zxing-cpp, is a valid verify-me payload."""
    text = _qr_text(entry(issued.ofd.data, PAGE).decode())
    assert text.startswith(f"HTTPS://{HOST.upper()}/V/")
    verdict = Verifier.from_ledger(issued.w.ledger).verify(text)
    assert verdict.ok, verdict.codes


def test_whole_document_protection_locks_it(issued: Issued) -> None:
    """By default Signatures.xml is protected: a further signature is refused."""
    with pytest.raises(OfdWriteError, match="locked"):
        seal_ofd(
            issued.ofd.data,
            seal=issued.w.ledger.get_seal(issued.w.issuer.seal).ses_seal,
            key=issued.w.issuer.key,
            at=issued.seal.info.valid_start.replace(year=issued.seal.info.valid_start.year + 1),
        )


def test_continued_signing_adds_a_second_valid_signature(issued: Issued) -> None:
    """With continued=True the list stays open; a second seal signature makes both valid."""
    first = issue_ofd(issued.w, issued.lid, continued=True, record=False)
    v1 = issued.verify(first.data)
    assert "ofd.coverage.open" in v1.codes
    seal = issued.w.ledger.get_seal(issued.w.issuer.seal).ses_seal
    when = parse_signature(entry(first.data, SIGN_DIR + "SignedValue.dat")).time_info
    both = seal_ofd(first.data, seal=seal, key=issued.w.issuer.key, at=when)
    v2 = issued.verify(both)
    assert len(v2.signatures) == 2
    assert v2.outcome is Outcome.VALID, v2.findings
    assert "Doc_0/Signs/Sign_1/Signature.xml" in {s.part for s in v2.signatures}


def test_a_key_that_is_not_the_seals_is_refused(issued: Issued) -> None:
    """Signing with another department's key under this seal: OfdWriteError, nothing written."""
    with pytest.raises(OfdWriteError, match="no certificate for this key"):
        issue_ofd(issued.w, issued.lid, key=issued.w.user.key)


def test_cli_make_writes_seals_and_records(
    issued: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    """`elicense ofd make` writes a valid file and records it; a wrong key exits 2."""
    key = issued.root / "seal.pem"
    key.write_bytes(issued.w.issuer.key.to_pem())
    other = issued.root / "other.pem"
    other.write_bytes(issued.w.user.key.to_pem())
    platform = issued.root / "platform.pem"
    platform.write_bytes(issued.w.platform_key.to_pem())
    out = issued.root / "made.ofd"
    base = ["ofd", "make", issued.lid, "--out", str(out), "--ledger", str(issued.db)]
    base += ["--platform-key", str(platform), "--host", HOST, "--seal", issued.w.issuer.seal]
    issued.w.ledger.close()
    try:
        assert main([*base, "--key", str(key), "--json"]) == 0
        made = json.loads(capsys.readouterr().out)
        assert made["position"] > 0
        assert issued.verify(out.read_bytes()).outcome is Outcome.VALID
        assert main([*base, "--key", str(other)]) == 2
    finally:
        issued.w.ledger = type(issued.w.ledger)(str(issued.db), verify_threads=1)
    record = issued.w.ledger.license_file(bytes.fromhex(made["sha256"]))
    assert record is not None


def test_font_found_or_refused() -> None:
    """find_font gives an installed CJK font, and refuses a path that is not there."""
    assert find_font().is_file()
    with pytest.raises(OfdWriteError):
        find_font("/nonexistent/font.ttf")
