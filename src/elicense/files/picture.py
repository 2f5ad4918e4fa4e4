"""The seal picture of a visible PDF signature, as a Pillow image.

Filing stores a seal's picture as the department made it (``seal.make``:
PNG, JPG, GIF or BMP bytes), or, when it gave none, elicense's own SVG design
(:func:`elicense.filing.seal_picture_svg`: the department's name
on an arc around a star, the seal's name below). Neither fpdf2 nor pyHanko
draws SVG text, and rasterising arbitrary SVG would need cairo; so the
default design is drawn again here with Pillow from the same two strings and
the CJK font (at 600 px for 40 mm, about 380 dpi), and an SVG that is not that
design is refused with a hint to file a PNG (``seal make --picture``).
"""

from __future__ import annotations

import io
import math
from typing import Any

from elicense.errors import PdfError
from elicense.files.render import CjkFont

__all__ = ["seal_image"]

_RED = (215, 0, 15, 255)
_PX = 600


def seal_image(made: Any, font: CjkFont) -> Any:
    """The seal picture of ``made`` (a ``seal.make`` statement) as an RGBA Pillow image.

    A seal's picture never changes after ``seal.make``, so the picture drawn for one
    statement (and font) is kept and a copy handed out: drawing elicense's design costs
    about 5 ms, a twentieth of making a license PDF.

    Raises:
        PdfError: the picture cannot be read, or is an SVG other than elicense's design.
    """
    key = (made.encode(), font.path, font.face)
    image = _PICTURES.get(key)
    if image is None:
        image = _picture(made, font)
        if len(_PICTURES) >= 64:
            _PICTURES.clear()
        _PICTURES[key] = image
    return image.copy()


_PICTURES: dict[tuple[bytes, str, int], Any] = {}


def _picture(made: Any, font: CjkFont) -> Any:
    from PIL import Image

    from elicense.filing import seal_picture_svg

    if not made.picture or made.picture == seal_picture_svg(made.name, made.department_name):
        return _draw(
            made.department_name, made.name.removeprefix(made.department_name) or made.name, font
        )
    if made.picture_type == "SVG":
        raise PdfError(
            f"seal {made.subject} has an SVG picture that is not elicense's design; "
            "file the seal with a PNG picture (elicense seal make --picture PNG)"
        )
    try:
        image = Image.open(io.BytesIO(made.picture))
        image.load()
    except Exception as e:  # Pillow raises many kinds on damaged images
        raise PdfError(f"seal {made.subject}'s picture cannot be read: {e}") from None
    return image.convert("RGBA")


def _draw(department: str, label: str, cjk: CjkFont) -> Any:
    from PIL import Image, ImageDraw, ImageFont

    scale = _PX / 200  # the SVG design's viewBox is 200 × 200
    image = Image.new("RGBA", (_PX, _PX), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    r = 94 * scale
    c = 100 * scale
    draw.ellipse((c - r, c - r, c + r, c + r), outline=_RED, width=round(6 * scale))
    star = [(100, 62), (109, 89), (138, 89), (115, 106), (123, 133), (100, 117), (77, 133),
            (85, 106), (62, 89), (91, 89)]  # fmt: skip
    draw.polygon([(x * scale, y * scale) for x, y in star], fill=_RED)
    arc_font = ImageFont.truetype(cjk.path, round(20 * scale), index=cjk.face)
    chars = list(department)
    # The design's arc spans 180°+ over the top; spread the characters over up to 240°.
    span = min(240.0, 22.0 * len(chars))
    radius = 70 * scale
    for i, ch in enumerate(chars):
        angle = -span / 2 + (span * (i + 0.5) / len(chars)) if chars else 0.0
        glyph = Image.new("RGBA", (round(26 * scale), round(26 * scale)), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), ch, font=arc_font, fill=_RED, anchor="mm"
        )
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        rad = math.radians(angle)
        x = c + radius * math.sin(rad) - glyph.width / 2
        y = c - radius * math.cos(rad) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))
    label_font = ImageFont.truetype(cjk.path, round(15 * scale), index=cjk.face)
    draw.text((c, 160 * scale), label, font=label_font, fill=_RED, anchor="mm")
    return image
