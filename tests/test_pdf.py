"""License PDFs: rendered, signed (PAdES B-B) and recorded; verified by digest and in full;
every tamper gives its own code, garbage a coded verdict."""

from __future__ import annotations

import hashlib
import io
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elicense import acts
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ECDSA_P256, SM2_SM3
from elicense.files.pdf import DOCUMENT_NAME, make_license_pdf
from elicense.ledger.export import export_license, export_trust_bundle
from elicense.verify.verifier import Verifier
from reuse_support import ReuseWorld
from support import scan_qr

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

HOST = "zwfw.example.gov.cn"


class Made:
    """A world with license 1 issued and its PDF made (and recorded)."""

    def __init__(self, alg: str) -> None:
        self.world = ReuseWorld.new(alg=alg)
        self.lid = self.world.issue(1)
        self.world.issue(2)
        self.pdf_key = None if alg == ECDSA_P256 else generate_key(ECDSA_P256)
        self.data = self.make()

    def make(self, identifier: str | None = None, **kw: Any) -> bytes:
        kw.setdefault("seal", self.world.issuer.signatory)
        kw.setdefault("pdf_key", self.pdf_key)
        return make_license_pdf(
            self.world.ledger,
            identifier or self.lid,
            platform_signer=self.world.platform_key,
            host=HOST,
            **kw,
        )

    def offline(self) -> Verifier:
        bundle = export_trust_bundle(self.world.ledger, self.world.platform_key, host=HOST)
        return Verifier.from_bundle(
            bundle, platform_keys=[self.world.platform_key.public_key.pem()]
        )


@pytest.fixture(scope="module", params=[SM2_SM3, ECDSA_P256])
def made(request: pytest.FixtureRequest) -> Iterator[Made]:
    m = Made(request.param)
    yield m
    m.world.ledger.close()


@pytest.fixture(scope="module")
def sm2() -> Iterator[Made]:
    m = Made(SM2_SM3)
    yield m
    m.world.ledger.close()


def test_the_pdf_verifies_offline_in_full_with_each_signature_named(made: Made) -> None:
    """Offline, the PDF is valid and names its PAdES, document, seal and QR signatures."""
    verdict = made.offline().verify(made.data)
    assert verdict.ok, verdict.codes
    assert verdict.status == "valid"
    assert [s.kind for s in verdict.signatures] == ["pades", "statement", "seal", "cose"]
    seal = verdict.signatures[2]
    assert seal.signer == made.world.issuer.seal
    assert "pdf.binding.signature" in seal.checked
    assert verdict.evidence["binding_alg"] == made.world.issuer.key.alg


def test_pyhanko_reports_the_signature_intact_and_valid(made: Made) -> None:
    """pyHanko's own validation: intact and valid against the signer certificate."""
    sig = PdfFileReader(io.BytesIO(made.data)).embedded_signatures[0]
    status = validate_pdf_signature(
        sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
    )
    assert status.intact
    assert status.valid
    assert status.trusted


def test_the_file_is_recorded_and_verifies_online_by_digest(made: Made) -> None:
    """The ledger holds the file's SHA-256; online the digest alone decides."""
    rec = made.world.ledger.license_file(hashlib.sha256(made.data).digest())
    assert rec is not None
    assert rec.license == made.lid
    assert rec.seal == made.world.issuer.seal
    verdict = Verifier.from_ledger(made.world.ledger).verify(made.data)
    assert verdict.ok, verdict.codes
    assert "file.recorded" in verdict.checked


def test_http_verify_of_the_license_pdf(sm2: Made) -> None:
    """POST /v1/verify with the recorded PDF answers 200, ok true, valid; a changed byte
    (no longer the recorded file, nor intact) answers 200, ok false."""
    from litestar.testing import TestClient

    from elicense_http import create_app

    bad = bytearray(sm2.data)
    bad[len(bad) // 2] ^= 1
    headers = {"content-type": "application/pdf"}
    with TestClient(create_app(sm2.world.ledger, sm2.world.platform_key, log_writer=False)) as c:
        r = c.post("/v1/verify", content=sm2.data, headers=headers)
        r_bad = c.post("/v1/verify", content=bytes(bad), headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["ok"], r.json()["status"]) == (True, "valid")
    assert r_bad.status_code == 200, r_bad.text
    assert r_bad.json()["ok"] is False


def test_an_unrecorded_file_fails_online(made: Made) -> None:
    """A valid PDF the ledger never recorded is refused online with its own code."""
    data = made.make(made.world.license_id(2), record=False)
    verdict = Verifier.from_ledger(made.world.ledger).verify(data)
    assert not verdict.ok
    assert verdict.codes == ["file.not_recorded"]


def test_the_same_ledger_state_renders_the_same_page() -> None:
    """Two renderings of one license give byte-identical unsigned pages."""
    from elicense.files.pdf import page_data
    from elicense.files.render import find_cjk_font, render_page

    w = ReuseWorld.new(alg=ECDSA_P256)
    lid = w.issue(1)
    doc = export_license(w.ledger, lid)
    pages = [
        render_page(page_data(w.ledger, lid, "HTTPS://X/V/AB"), [(DOCUMENT_NAME, doc, "a/b")],
                    find_cjk_font())
        for _ in range(2)
    ]  # fmt: skip
    assert pages[0] == pages[1]
    other = render_page(page_data(w.ledger, lid, "HTTPS://X/V/AC"), [], find_cjk_font())
    assert other != pages[0]


def test_the_cached_font_renders_what_a_fresh_parse_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages from the once-per-process font equal pages from a fresh parse, in any order."""
    from elicense.files import render
    from elicense.files.pdf import page_data

    w = ReuseWorld.new(alg=ECDSA_P256)
    base = page_data(w.ledger, w.issue(1), "HTTPS://X/V/AB")
    odd = render.PageData(
        title=base.title, identifier=base.identifier, number=base.number,
        holder=[("持证主体", "鑫淼犇龘")], fields=base.fields, department=base.department,
        dates=base.dates, issued_on=base.issued_on, payload=base.payload,
    )  # fmt: skip
    font = render.find_cjk_font()
    cached = [render.render_page(p, [], font) for p in (base, odd, base, odd)]

    def fresh(pdf: Any, cjk: Any) -> Any:
        pdf.add_font("cjk", fname=cjk.path, collection_font_number=cjk.face)
        return pdf.fonts["cjk"]

    monkeypatch.setattr(render, "_document_font", fresh)
    assert cached[0] != cached[1]  # other glyphs, another subset
    assert cached[0] == cached[2] == render.render_page(base, [], font)
    assert cached[1] == cached[3] == render.render_page(odd, [], font)


def _qr_text(pdf: bytes, tmp_path: Path) -> str:
    from PIL import Image

    src = tmp_path / "license.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(src), str(tmp_path / "page")],
        check=True,
    )
    return scan_qr(Image.open(tmp_path / "page.png"))


def test_the_printed_qr_verifies_offline_and_reads_suspended_after_a_suspension(
    tmp_path: Path,
) -> None:
    """The QR from a rendering verifies; after 暂扣 and a newer bundle it reads suspended."""
    m = Made(SM2_SM3)
    text = _qr_text(m.data, tmp_path)
    assert text.startswith(f"HTTPS://{HOST.upper()}/V/")
    assert m.offline().verify(text).ok
    m.world.lifecycle(acts.SuspendLicense, m.lid)
    after = m.offline().verify(text)
    assert not after.ok
    assert after.status == "suspended"
    pdf = m.offline().verify(m.data)
    assert pdf.status == "suspended"
    assert "license.suspended" in pdf.codes


def _incremental(data: bytes, change: Any) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    change(w)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_an_update_appended_after_signing_is_caught(sm2: Made) -> None:
    """An incremental update (a new page-level key) gives pdf.modified_after_signing."""

    def touch(w: Any) -> None:
        w.root["/Lang"] = generic.pdf_string("en")
        w.update_root()

    verdict = sm2.offline().verify(_incremental(sm2.data, touch))
    assert not verdict.ok
    assert verdict.codes == ["pdf.modified_after_signing"]


def test_a_swapped_attachment_is_caught(sm2: Made) -> None:
    """Another license's document swapped in after signing gives pdf.attachment.mismatch."""
    other = export_license(sm2.world.ledger, sm2.world.license_id(2))

    def swap(w: Any) -> None:
        names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
        i = [str(names[k]) for k in range(0, len(names), 2)].index(DOCUMENT_NAME)
        spec = names.raw_get(2 * i + 1)
        spec.get_object()["/EF"]["/F"] = w.add_object(generic.StreamObject(stream_data=other))
        w.mark_update(spec)

    verdict = sm2.offline().verify(_incremental(sm2.data, swap))
    assert not verdict.ok
    assert "pdf.attachment.mismatch" in verdict.codes
    assert "pdf.modified_after_signing" in verdict.codes


def test_a_pdf_signed_by_another_seal_is_caught(sm2: Made) -> None:
    """Another department's seal binding the PDF gives pdf.signer.not_issuer."""
    data = sm2.make(seal=sm2.world.other.signatory, record=False)
    verdict = sm2.offline().verify(data)
    assert not verdict.ok
    assert verdict.codes == ["pdf.signer.not_issuer"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_a_byte_flip_inside_the_signed_range_is_never_valid(sm2: Made, data: st.DataObject) -> None:
    """Any byte changed inside the signed ranges gives a coded invalid verdict."""
    sig = PdfFileReader(io.BytesIO(sm2.data)).embedded_signatures[0]
    a, b, c, d = sig.byte_range
    pos = data.draw(st.one_of(st.integers(a, a + b - 1), st.integers(c, c + d - 1)))
    mask = data.draw(st.integers(1, 255))
    mutated = bytearray(sm2.data)
    mutated[pos] ^= mask
    verdict = sm2.offline().verify(bytes(mutated))
    assert not verdict.ok
    assert verdict.codes
    assert "verifier.internal_error" not in verdict.codes


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000))
def test_garbage_after_a_pdf_header_gives_a_coded_verdict(garbage: bytes) -> None:
    """Garbage that looks like a PDF header never raises and is never valid."""
    verdict = _GARBAGE_VERIFIER.verify(b"%PDF-1.7\n" + garbage)
    assert not verdict.ok
    assert "verifier.internal_error" not in verdict.codes


_GARBAGE_VERIFIER = Verifier.from_ledger(ReuseWorld.new(alg=ECDSA_P256).ledger)


def test_the_cli_makes_a_pdf_that_verifies_and_refuses_a_missing_key(tmp_path: Path) -> None:
    """`elicense pdf make` writes a recorded PDF (exit 0); an SM2 seal without --pdf-key exits 2."""
    from elicense.cli import main
    from elicense.crypto.keys import write_key_file

    w = ReuseWorld.new(tmp_path / "l.db", alg=SM2_SM3)
    lid = w.issue(1)
    w.ledger.close()
    seal, platform, p256 = tmp_path / "seal.pem", tmp_path / "platform.pem", tmp_path / "p.pem"
    write_key_file(w.issuer.key, seal)
    write_key_file(w.platform_key, platform)
    write_key_file(generate_key(ECDSA_P256), p256)
    out = tmp_path / "license.pdf"
    common = ["pdf", "make", lid, "--out", str(out), "--key", str(seal), "--seal",
              w.issuer.seal, "--platform-key", str(platform), "--host", HOST,
              "--ledger", str(tmp_path / "l.db")]  # fmt: skip
    assert main(common) == 2
    assert not out.exists()
    assert main([*common, "--pdf-key", str(p256)]) == 0
    assert main(["verify", str(out), "--ledger", str(tmp_path / "l.db")]) == 0
    out.write_bytes(out.read_bytes() + b"\n% appended\n")
    assert main(["verify", str(out), "--ledger", str(tmp_path / "l.db")]) == 1


def test_a_seal_picture_is_drawn_once_and_handed_out_as_a_copy(made: Made) -> None:
    """The kept picture of a seal equals a fresh drawing, and a caller's change to its copy
    never reaches the next PDF; another seal's statement gets its own picture (the twin)."""
    from elicense.files import picture
    from elicense.files.render import find_cjk_font

    font = find_cjk_font()
    seal = made.world.ledger.get_seal(made.world.issuer.seal).made
    first = picture.seal_image(seal, font)
    assert first.tobytes() == picture._picture(seal, font).tobytes()
    first.paste((0, 0, 0, 255), (0, 0, 50, 50))  # the caller scribbles on its copy
    again = picture.seal_image(seal, font)
    assert again is not first
    assert again.tobytes() == picture._picture(seal, font).tobytes()
    other = made.world.ledger.get_seal(made.world.user.seal).made
    assert picture.seal_image(other, font).tobytes() != again.tobytes()
