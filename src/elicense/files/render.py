"""Rendering a license page with fpdf2: the type's title and fields, holder, issuer, dates,
the 电子证照标识 and the verify-me QR (vector), with the license document attached.

The seal is not drawn here: it is the picture of the visible PAdES signature
(:mod:`elicense.files.pdf`), placed in :data:`SEAL_BOX`. Chinese text uses a
system CJK font found by path or fontconfig (never fetched), embedded as a
subset. The same inputs give the same bytes: the creation date is the
license's issue date and fpdf2 derives ``/ID`` from the content.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from elicense.errors import PdfError
from elicense.qr import qr_modules

__all__ = ["SEAL_BOX", "CjkFont", "PageData", "find_cjk_font", "render_page"]

SEAL_BOX = (125.0, 205.0, 40.0)
"""Where the seal's visible signature sits on the page: x, y of its top-left corner
and its size, in mm from the top-left (the seal's legal size is 40 mm)."""

_KNOWN_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2: SC
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
_FONT_HINT = (
    "no CJK font found: install the Debian package fonts-wqy-microhei (or fonts-noto-cjk), "
    "or set ELICENSE_PDF_FONT=/path/to/font.ttf[#face]"
)


class CjkFont:
    """A CJK font file and the face to use in it (``.ttc`` collections hold several)."""

    __slots__ = ("face", "path")

    def __init__(self, path: str, face: int = 0) -> None:
        self.path = path
        self.face = face

    def __repr__(self) -> str:
        return f"CjkFont({self.path!r}, {self.face})"


@lru_cache(maxsize=1)
def find_cjk_font() -> CjkFont:
    """The CJK font to embed: ``$ELICENSE_PDF_FONT``, a known Debian path, else fontconfig.

    Raises:
        PdfError: none found (the message names the Debian package to install).
    """
    env = os.environ.get("ELICENSE_PDF_FONT")
    if env:
        path, _, index = env.partition("#")
        if not Path(path).is_file():
            raise PdfError(f"ELICENSE_PDF_FONT names {path!r}, which is not a file")
        return CjkFont(path, int(index or 0))
    for known, face in _KNOWN_FONTS:
        if Path(known).is_file():
            return CjkFont(known, face)
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in sorted(out.splitlines()):
        path = line.split(":")[0].strip()
        if path.lower().endswith((".ttf", ".otf", ".ttc")) and Path(path).is_file():
            return CjkFont(path, 0)
    raise PdfError(_FONT_HINT)


class PageData:
    """What the page shows, read from the ledger (see :func:`elicense.files.pdf.page_data`)."""

    __slots__ = (
        "dates",
        "department",
        "fields",
        "holder",
        "identifier",
        "issued_on",
        "number",
        "payload",
        "title",
    )

    def __init__(
        self,
        *,
        title: str,
        identifier: str,
        number: str,
        holder: Sequence[tuple[str, str]],
        fields: Sequence[tuple[str, str]],
        department: str,
        dates: Sequence[tuple[str, str]],
        issued_on: datetime,
        payload: str,
    ) -> None:
        self.title = title
        self.identifier = identifier
        self.number = number
        self.holder = tuple(holder)
        self.fields = tuple(fields)
        self.department = department
        self.dates = tuple(dates)
        self.issued_on = issued_on
        self.payload = payload


def render_page(
    page: PageData, attachments: Sequence[tuple[str, bytes, str]], font: CjkFont
) -> bytes:
    """The unsigned one-page PDF of ``page``, with ``attachments`` (name, bytes, media type)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(page.issued_on)
    pdf.set_producer("elicense")
    pdf.set_title(f"{page.title} {page.number}")
    pdf.set_auto_page_break(False)
    pdf.fonts["cjk"] = _document_font(pdf, font)
    pdf.add_page()
    pdf.set_draw_color(180, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_font("cjk", size=26)
    pdf.set_xy(10, 28)
    pdf.cell(190, 14, page.title, align="C")
    pdf.set_font("cjk", size=10)
    pdf.set_xy(20, 46)
    pdf.cell(170, 6, f"电子证照标识：{page.identifier}", align="C")
    y = 62.0
    rows = [("证照编号", page.number), *page.holder, *page.fields, ("发证机关", page.department)]
    rows += list(page.dates)
    pdf.set_font("cjk", size=13)
    for label, value in rows:
        pdf.set_xy(28, y)
        pdf.cell(40, 9, label)
        pdf.set_xy(70, y)
        pdf.multi_cell(112, 9, value or "—")
        y = max(pdf.get_y(), y + 9) + 2
    _qr(pdf, page.payload, x=30, y=205, size=40)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(20, 247)
    pdf.cell(60, 5, "扫码核验", align="C")
    for name, data, media_type in attachments:
        pdf.embed_file(
            bytes=data,
            basename=name,
            mime_type=media_type,
            modification_date=page.issued_on,
            creation_date=page.issued_on,
        )
    return bytes(pdf.output())


@lru_cache(maxsize=4)
def _parsed_font(path: str, face: int) -> Any:
    """fpdf2's parsed font (cmap, widths, descriptor, decompiled tables), once per process.

    Parsing the CJK font is most of a page's cost (fontTools decompiles ~30k glyphs).
    """
    from fpdf import FPDF

    pdf = FPDF()
    try:
        pdf.add_font("cjk", fname=path, collection_font_number=face)
    except Exception as e:  # fontTools errors on a damaged or unsupported file
        raise PdfError(f"cannot load the CJK font {CjkFont(path, face)!r}: {e}") from None
    font: Any = pdf.fonts["cjk"]
    font.ttfont.getGlyphOrder()
    return font


def _document_font(pdf: Any, cjk: CjkFont) -> Any:
    """A per-document copy of the parsed font that fpdf2 may subset without harm.

    fpdf2 subsets the font's ``ttfont`` in place when it writes the PDF, and keeps
    per-document state (font number, used glyphs) on the font object. So each
    document gets its own font object and a ``ttfont`` whose tables are shallow
    copies: fontTools' subsetter rebinds table attributes (``glyphs``,
    ``metrics``, cmap subtables' ``cmap``) rather than editing them, so the cached
    tables stay whole. tests/test_pdf.py checks the bytes equal a fresh parse's.
    """
    import copy

    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fpdf.fonts import SubsetMap

    proto: Any = _parsed_font(cjk.path, cjk.face)
    tt = proto.ttfont
    clone = TTFont.__new__(TTFont)
    clone.__dict__.update(tt.__dict__)
    clone.tables = {}
    for tag in list(tt.keys()):
        if tag == "GlyphOrder":
            continue
        table = copy.copy(tt[tag])
        for name, value in list(vars(table).items()):
            if isinstance(value, (dict, list)):
                setattr(table, name, copy.copy(value))
        if tag == "cmap":
            table.tables = [copy.copy(sub) for sub in table.tables]
            for sub in table.tables:
                sub.cmap = dict(sub.cmap)
        clone.tables[tag] = table
    clone.glyphOrder = list(tt.getGlyphOrder())
    font = copy.copy(proto)
    font.ttfont = clone
    font.i = len(pdf.fonts) + 1
    font.fontkey = "cjk"
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.subset = SubsetMap(font)
    return font


def _qr(pdf: object, text: str, *, x: float, y: float, size: float) -> None:
    """The QR of ``text`` drawn as filled squares (vector, crisp when printed)."""
    matrix = [list(row) for row in qr_modules(text)]
    n = len(matrix)
    quiet = 4
    cell = size / (n + 2 * quiet)
    pdf.set_fill_color(255, 255, 255)  # type: ignore[attr-defined]
    pdf.rect(x, y, size, size, style="F")  # type: ignore[attr-defined]
    pdf.set_fill_color(0, 0, 0)  # type: ignore[attr-defined]
    # One rectangle per run of dark modules, runs repeated in the rows below merged into
    # it: a third of the rectangles (each one is a Python call into fpdf2).
    open_runs: dict[tuple[int, int], int] = {}  # (first column, width) -> first row
    for r, row in enumerate([*matrix, [0] * n]):  # a blank row closes every run
        runs = set()
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                runs.add((start, c - start))
            else:
                c += 1
        for run in [k for k in open_runs if k not in runs]:
            first = open_runs.pop(run)
            pdf.rect(  # type: ignore[attr-defined]
                x + (quiet + run[0]) * cell,
                y + (quiet + first) * cell,
                run[1] * cell,
                (r - first) * cell,
                style="F",
            )
        for run in runs:
            open_runs.setdefault(run, r)


def day_start(day: object) -> datetime:
    """Midnight UTC of a date (the page's deterministic creation time)."""
    return datetime.combine(day, time(0), tzinfo=UTC)  # type: ignore[arg-type]
