"""An issued OFD license renders in ofd.js, an OFD renderer that is not elicense's code: the
page shows the license's text and the seal; a file whose text or seal was taken out does not.

ofd.js (tests/ofdjs, see ofdjs_support) runs in headless Debian chromium; the page's
screenshots go to ``$ELICENSE_PAGES_ARTIFACTS`` or pytest's temporary folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from elicense.crypto import ses
from elicense.crypto.suites import SM2_SM3
from elicense.ofd.sign import Stamp, read_files, seal_ofd, zip_files
from elicense.ofd.writer import PAGE_ID, STAMP_BOX
from ofd_support import PAGE, entry, issue_ofd, rezip
from ofdjs_support import Rendered, ofdjs_or_skip, render
from pages_support import artifacts, browser
from reuse_support import ReuseWorld
from ses_support import make_pki
from sm2_support import T0, T1, require_sm2

require_sm2()

TYPE_NAME = "食品经营许可证"  # the world's license type (reuse_support)
DOC = "Doc_0/Document.xml"
ANNOTS = "Doc_0/Annots/"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SEAL_RED = 0.02
"""At least this share of the stamp's box is red where the seal is drawn (ring and star)."""


class Issued:
    """An SM2 world's license 1, issued as a sealed OFD."""

    def __init__(self) -> None:
        self.w = ReuseWorld.new("memory:", alg=SM2_SM3)
        self.lid = self.w.issue(1)
        self.holder = self.w.holder(1).name
        self.data = issue_ofd(self.w, self.lid).data


@pytest.fixture(scope="module")
def issued() -> Iterator[Issued]:
    ofdjs_or_skip()
    i = Issued()
    yield i
    i.w.ledger.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts(tmp_path_factory)


def _without_text(data: bytes, text: str) -> bytes:
    """``data`` with the page's TextObject that shows ``text`` taken out."""
    page = entry(data, PAGE).decode()
    obj = rf"<ofd:TextObject [^>]*>(?:(?!</ofd:TextObject>).)*>{re.escape(text)}</ofd:TextCode>"
    cut, n = re.subn(obj + r"</ofd:TextObject>", "", page)
    assert n == 1, f"the page shows {text!r} {n} times"
    return rezip(data, {PAGE: cut.encode()})


def _without_annotations(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files without the page's annotations (the Stamp annotation that draws the seal)."""
    doc = re.sub(rb"<ofd:Annotations>[^<]*</ofd:Annotations>", b"", files[DOC])
    assert doc != files[DOC]
    kept = {p: b for p, b in files.items() if not p.startswith(ANNOTS)}
    return {**kept, DOC: doc}


def _unsigned(data: bytes) -> dict[str, bytes]:
    """The files of the issued OFD before it was sealed."""
    files = read_files(data)
    ofd_xml = re.sub(rb"<ofd:Signatures>[^<]*</ofd:Signatures>", b"", files["OFD.xml"])
    kept = {p: b for p, b in files.items() if not p.startswith("Doc_0/Signs/")}
    return {**kept, "OFD.xml": ofd_xml}


def _check_text(r: Rendered, *shown: str) -> None:
    for text in shown:
        assert text in r.text, f"ofd.js's page lacks {text!r}: {r.text[:200]}"


def test_ofdjs_renders_the_license_text_and_its_seal(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """The holder, the type's name, the number and the identifier show; the stamp's box is red."""
    r = render(chromium, issued.data, shots / "ofdjs-license.png")
    _check_text(r, TYPE_NAME, issued.holder, "JY00000001", issued.lid)
    assert r.red_share(STAMP_BOX) >= SEAL_RED, r.red_share(STAMP_BOX)
    assert r.red_share((20.0, 30.0, 160.0, 120.0)) < 0.001  # the text is black, not red


def test_a_page_whose_holder_was_taken_out_renders_without_it(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """Twin: the holder's TextObject removed; the rest of the page still renders."""
    r = render(chromium, _without_text(issued.data, issued.holder), shots / "ofdjs-no-holder.png")
    assert issued.holder not in r.text
    _check_text(r, TYPE_NAME, "JY00000001")
    assert r.red_share(STAMP_BOX) >= SEAL_RED


def test_a_page_whose_stamp_was_taken_out_renders_without_the_seal(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """Twin: the Stamp annotation removed; no red in the stamp's box, the text still shows."""
    files = _without_annotations(read_files(issued.data))
    r = render(chromium, zip_files(files), shots / "ofdjs-no-stamp.png")
    _check_text(r, TYPE_NAME, issued.holder)
    assert r.red_share(STAMP_BOX) < 0.001, r.red_share(STAMP_BOX)


def _red_seal_png() -> bytes:
    """A seal picture ofd.js draws (it draws png, jpg, gif and ofd pictures, not svg)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (400, 400), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((12, 12, 388, 388), outline=(215, 0, 15, 255), width=22)
    d.regular_polygon((200, 200, 90), 5, fill=(215, 0, 15, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _sealed_with_png_picture(issued: Issued, *, stamp: bool) -> bytes:
    """The license's page without its Stamp annotation, sealed with a seal whose picture is a
    PNG (the world's seals carry SVG pictures), its StampAnnot on the stamp's box or none."""
    pki = make_pki()
    seal = (
        ses.SealBuilder()
        .es_id("1101000000009")
        .name("某某局公章")
        .certificates([pki.seal_cert])
        .validity(T0, T1)
        .created(T0)
        .picture(_red_seal_png(), type="PNG", width_mm=40, height_mm=40)
    )
    return seal_ofd(
        _without_annotations(_unsigned(issued.data)),
        seal=seal.sign(pki.platform_key, pki.platform_cert).der,
        key=pki.seal_key,
        at=T0 + timedelta(days=1),
        stamp=Stamp(page=PAGE_ID, box=STAMP_BOX) if stamp else None,
    )


def test_ofdjs_draws_the_signatures_seal_picture_at_its_stamp_annot(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """ofd.js reads the seal picture out of SignedValue.dat, checks the SES signature with its
    own SM2 code, and draws the picture on the StampAnnot's box."""
    r = render(chromium, _sealed_with_png_picture(issued, stamp=True), shots / "ofdjs-png.png")
    _check_text(r, TYPE_NAME, issued.holder)
    assert len(r.seals) == 1, r.seals
    (seal,) = r.seals
    x, y, w, h = (v * r.px_per_mm for v in STAMP_BOX)
    assert seal["box"] == pytest.approx([x, y, w, h], abs=2.0)
    assert seal["signed_info"]["VerifyRet"] is True, seal["signed_info"]
    assert r.red_share(STAMP_BOX) >= SEAL_RED


def test_without_a_stamp_annot_ofdjs_draws_no_seal_picture(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """Twin: the same seal signature without a StampAnnot shows no seal."""
    r = render(chromium, _sealed_with_png_picture(issued, stamp=False), shots / "ofdjs-nostamp.png")
    _check_text(r, TYPE_NAME, issued.holder)
    assert r.seals == []
    assert r.red_share(STAMP_BOX) < 0.001


def test_ofdjs_flags_a_seal_signature_whose_value_was_altered(
    issued: Issued, chromium: Any, shots: Path
) -> None:
    """Twin: the SES signature's last byte (inside the SM2 signature value) flipped: ofd.js still
    draws the picture, but its own check of the signature fails."""
    data = _sealed_with_png_picture(issued, stamp=True)
    value = entry(data, SIGNED_VALUE)
    parsed = ses.parse_signature(value)
    assert parsed.timestamp is None
    assert value.endswith(parsed.signature)
    forged = rezip(data, {SIGNED_VALUE: value[:-1] + bytes([value[-1] ^ 1])})
    r = render(chromium, forged, shots / "ofdjs-png-forged.png")
    assert len(r.seals) == 1, r.seals
    assert r.seals[0]["signed_info"]["VerifyRet"] is False, r.seals[0]["signed_info"]
