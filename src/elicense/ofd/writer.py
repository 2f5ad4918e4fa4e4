"""Writing a one-page OFD (GB/T 33190) of a license: text, the verify-me QR, the seal's stamp.

:func:`write_license` lays out a :class:`LicenseSheet` on an A4 page and
returns the container's files (path → bytes), unsigned::

    OFD.xml                              DocBody → DocRoot (the signer adds Signatures)
    Doc_0/Document.xml                   page area, PublicRes, the page, Annotations
    Doc_0/PublicRes.xml                  the embedded font (Res/font_2.ttf)
    Doc_0/Res/font_2.ttf                 the glyphs the page uses (:mod:`.font`)
    Doc_0/Pages/Page_0/Content.xml       TextObjects; the QR as one PathObject
    Doc_0/Annots/Annotations.xml         → Page_0/Annotation.xml
    Doc_0/Annots/Page_0/Annotation.xml   an Annot of Type="Stamp": the seal's picture as paths

Coordinates are millimetres from the page's top-left corner; text sits on
its baseline (``TextCode Y``) with one ``DeltaX`` per character gap, from the
font's advance widths. :mod:`.sign` seals the result.
"""

from __future__ import annotations

from datetime import date
from html import escape

import msgspec

from elicense.errors import OfdWriteError
from elicense.ofd.font import FontSubset, subset_font
from elicense.qr import qr_modules

__all__ = ["PAGE_ID", "STAMP_BOX", "LicenseSheet", "write_license"]

NS = "http://www.ofdspec.org/2016"
PAGE_ID = "1"
"""The page's ID (what a ``StampAnnot``'s ``PageRef`` names)."""
STAMP_BOX = (125.0, 196.0, 40.0, 40.0)
"""Where the seal's stamp goes: x, y, width, height in millimetres."""
_FONT_ID = "2"
_W, _H = 210.0, 297.0
_LEFT, _VALUE_X, _RIGHT = 28.0, 64.0, 182.0
_RED = "215 0 15"


class LicenseSheet(msgspec.Struct, frozen=True, kw_only=True):
    """What a license page shows, already in display form."""

    title: str
    """The license type's name (证照类型名称)."""
    rows: tuple[tuple[str, str], ...]
    """(label, value) in the order shown: holder, number, the type's fields, issuer, dates."""
    identifier: str
    """The 电子证照标识."""
    qr: str
    """The verify-me text the QR code carries."""
    seal_name: str
    department: str
    issued_on: date

    def __post_init__(self) -> None:
        if not self.title or not self.qr or not self.identifier:
            raise ValueError("a license sheet needs a title, an identifier and a QR text")


def _n(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


class _Page:
    def __init__(self, font: FontSubset) -> None:
        self.font = font
        self.next_id = 3
        self.objects: list[str] = []

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def width(self, text: str, size: float) -> float:
        return sum(self.font.advances.get(c, 1.0) for c in text) * size

    def text(
        self, text: str, x: float, y: float, size: float, *, color: str = "0 0 0", out: list[str]
    ) -> None:
        if not text:
            return
        deltas = " ".join(_n(self.font.advances.get(c, 1.0) * size) for c in text[:-1])
        w = self.width(text, size)
        delta = f' DeltaX="{deltas}"' if deltas else ""
        out.append(
            f'<ofd:TextObject ID="{self.new_id()}" Boundary="{_n(x)} {_n(y - size)} {_n(w)} '
            f'{_n(size * 1.3)}" Font="{_FONT_ID}" Size="{_n(size)}">'
            f'<ofd:FillColor Value="{color}"/>'
            f'<ofd:TextCode X="0" Y="{_n(size)}"{delta}>{escape(text)}</ofd:TextCode>'
            "</ofd:TextObject>"
        )

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        lines, line = [], ""
        for c in text:
            if line and self.width(line + c, size) > width:
                lines.append(line)
                line = ""
            line += c
        return [*lines, line]


def _qr_path(page: _Page, text: str, x: float, y: float, side: float) -> str:
    matrix = qr_modules(text)
    n = len(matrix)
    at = [_n(i * side / n) for i in range(n + 1)]
    parts = []
    for r, row in enumerate(matrix):
        c = 0
        y0, y1 = at[r], at[r + 1]
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                x0, x1 = at[start], at[c]
                parts.append(f"M {x0} {y0} L {x1} {y0} L {x1} {y1} L {x0} {y1} C")
            c += 1
    return (
        f'<ofd:PathObject ID="{page.new_id()}" Boundary="{_n(x)} {_n(y)} {_n(side)} {_n(side)}" '
        'Stroke="false" Fill="true"><ofd:FillColor Value="0 0 0"/>'
        f"<ofd:AbbreviatedData>{' '.join(parts)}</ofd:AbbreviatedData></ofd:PathObject>"
    )


def _stamp(page: _Page, sheet: LicenseSheet) -> str:
    """The seal's picture as paths: a red ring, a star, the department and the seal's name."""
    x, y, w, h = STAMP_BOX
    r, k = w / 2 - 1, 0.5523  # a circle as four cubic Béziers
    cx, cy = w / 2, h / 2
    ring = (
        f"M {_n(cx + r)} {_n(cy)} "
        f"B {_n(cx + r)} {_n(cy + k * r)} {_n(cx + k * r)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} "
        f"B {_n(cx - k * r)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k * r)} {_n(cx - r)} {_n(cy)} "
        f"B {_n(cx - r)} {_n(cy - k * r)} {_n(cx - k * r)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} "
        f"B {_n(cx + k * r)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k * r)} {_n(cx + r)} {_n(cy)} C"
    )
    import math

    star = []
    for i in range(10):
        rad = (7.0 if i % 2 == 0 else 2.8) * w / 40
        a = -math.pi / 2 + i * math.pi / 5
        star.append(
            f"{'M' if i == 0 else 'L'} {_n(cx + rad * math.cos(a))} {_n(cy + rad * math.sin(a))}"
        )
    inner: list[str] = [
        f'<ofd:PathObject ID="{page.new_id()}" Boundary="0 0 {_n(w)} {_n(h)}" LineWidth="1.2" '
        f'Stroke="true" Fill="false"><ofd:StrokeColor Value="{_RED}"/>'
        f"<ofd:AbbreviatedData>{ring}</ofd:AbbreviatedData></ofd:PathObject>",
        f'<ofd:PathObject ID="{page.new_id()}" Boundary="0 0 {_n(w)} {_n(h)}" Stroke="false" '
        f'Fill="true"><ofd:FillColor Value="{_RED}"/>'
        f"<ofd:AbbreviatedData>{' '.join(star)} C</ofd:AbbreviatedData></ofd:PathObject>",
    ]
    for text, size, base in ((sheet.department, 3.6, cy - 9), (sheet.seal_name, 3.0, cy + 14)):
        fit = min(size, (w - 8) / max(page.width(text, 1.0), 0.1))
        page.text(text, cx - page.width(text, fit) / 2, base, fit, color=_RED, out=inner)
    annot = page.new_id()
    return (
        f'<ofd:Annot ID="{annot}" Type="Stamp" Creator="elicense" '
        f'LastModDate="{sheet.issued_on.isoformat()}" ReadOnly="true" NoZoom="false" '
        f'NoRotate="false" Print="true" Visible="true"><ofd:Remark>{escape(sheet.seal_name)}'
        f'</ofd:Remark><ofd:Appearance Boundary="{_n(x)} {_n(y)} {_n(w)} {_n(h)}">'
        f"{''.join(inner)}</ofd:Appearance></ofd:Annot>"
    )


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def write_license(sheet: LicenseSheet, font: bytes, *, doc_id: str) -> dict[str, bytes]:
    """The unsigned OFD files of ``sheet``'s page, the glyphs it uses cut from ``font``.

    Args:
        sheet: what the page shows.
        font: a TrueType font (``.ttf`` or ``.ttc``) with the CJK glyphs.
        doc_id: the document's ``DocID`` (e.g. a UUID's hex).

    Raises:
        OfdWriteError: the font is unusable or lacks a character of the page.
    """
    labels = "".join(label + value for label, value in sheet.rows)
    text = sheet.title + labels + sheet.identifier + sheet.department + sheet.seal_name + "扫码核验"
    sub = subset_font(font, text)
    page = _Page(sub)
    objects: list[str] = []
    title_size = 8.0
    page.text(
        sheet.title, (_W - page.width(sheet.title, title_size)) / 2, 42, title_size, out=objects
    )
    y, size = 64.0, 4.2
    for label, value in sheet.rows:
        page.text(label, _LEFT, y, size, out=objects)
        for line in page.wrap(value, size, _RIGHT - _VALUE_X):
            page.text(line, _VALUE_X, y, size, out=objects)
            y += size * 1.6
        y += size * 0.9
    if y > STAMP_BOX[1] - 4:
        raise OfdWriteError(f"the license's fields need {y:.0f} mm: more than one page holds")
    qr_y = STAMP_BOX[1] + 2
    objects.append(_qr_path(page, sheet.qr, _LEFT, qr_y, 36.0))
    page.text("扫码核验", _LEFT + 9, qr_y + 42, 3.5, out=objects)
    stamp = _stamp(page, sheet)
    layer = page.new_id()
    content = (
        f'<ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>0 0 {_n(_W)} {_n(_H)}'
        f'</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="{layer}">'
        f"{''.join(objects)}</ofd:Layer></ofd:Content></ofd:Page>"
    )
    title = escape(sheet.title)
    return {
        "OFD.xml": _xml(
            f'<ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:DocID>{escape(doc_id)}</ofd:DocID><ofd:Title>{title}</ofd:Title>"
            f"<ofd:Author>{escape(sheet.department)}</ofd:Author><ofd:Creator>elicense"
            f"</ofd:Creator><ofd:CreationDate>{sheet.issued_on.isoformat()}</ofd:CreationDate>"
            "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/Document.xml": _xml(
            f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{page.next_id}'
            f"</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {_n(_W)} {_n(_H)}"
            "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
            f'</ofd:CommonData><ofd:Pages><ofd:Page ID="{PAGE_ID}" '
            'BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
            "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations></ofd:Document>"
        ),
        "Doc_0/PublicRes.xml": _xml(
            f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="{_FONT_ID}" '
            f'FontName="{escape(sub.family)}" FamilyName="{escape(sub.family)}">'
            "<ofd:FontFile>font_2.ttf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>"
        ),
        "Doc_0/Res/font_2.ttf": sub.data,
        "Doc_0/Pages/Page_0/Content.xml": _xml(content),
        "Doc_0/Annots/Annotations.xml": _xml(
            f'<ofd:Annotations xmlns:ofd="{NS}"><ofd:Page PageID="{PAGE_ID}">'
            "<ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>"
        ),
        "Doc_0/Annots/Page_0/Annotation.xml": _xml(
            f'<ofd:PageAnnot xmlns:ofd="{NS}">{stamp}</ofd:PageAnnot>'
        ),
    }
