"""Cutting a page's glyphs out of a CJK TrueType font: same outlines and widths, nothing more;
damaged fonts are refused with OfdWriteError, never another exception."""

from __future__ import annotations

import contextlib
import io
from functools import cache

import pytest
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.errors import OfdWriteError
from elicense.ofd.font import find_font, subset_font

TEXT = "食品经营许可证注册资本经营范围持证主体 0123456789-：ABCabc"


@cache
def _font() -> bytes:
    return find_font().read_bytes()


def _outline(font: TTFont, char: str) -> list[object]:
    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[font.getBestCmap()[ord(char)]].draw(pen)
    return list(pen.value)


def test_subset_keeps_outlines_and_widths() -> None:
    """Every character draws the same outline with the same advance as in the full font."""
    sub = subset_font(_font(), TEXT)
    small = TTFont(io.BytesIO(sub.data))
    full = TTFont(str(find_font()), fontNumber=0)
    for c in set(TEXT) - {" "}:
        assert _outline(small, c) == _outline(full, c), c
        name, full_name = small.getBestCmap()[ord(c)], full.getBestCmap()[ord(c)]
        assert small["hmtx"][name][0] == full["hmtx"][full_name][0]
    assert len(sub.data) < len(_font()) // 100


def test_a_character_the_font_lacks_is_refused() -> None:
    """A private-use character has no glyph: OfdWriteError naming it."""
    with pytest.raises(OfdWriteError, match="no glyph for"):
        subset_font(_font(), "证\ue000")


def test_a_cff_font_is_refused() -> None:
    """An OpenType/CFF ('OTTO') font is refused: only glyf outlines are cut."""
    with pytest.raises(OfdWriteError, match="CFF"):
        subset_font(b"OTTO" + bytes(60), "证")


@settings(max_examples=150, deadline=None)
@given(
    cut=st.integers(0, 4096),
    flips=st.lists(st.tuples(st.integers(0, 4095), st.integers(1, 255)), max_size=6),
)
def test_damaged_fonts_give_a_subset_or_ofd_write_error(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    """A truncated font, or bytes flipped in its header and table directory: a subset or
    OfdWriteError, never another exception."""
    data = bytearray(_font()[: cut or None])
    for at, x in flips:
        if at < len(data):
            data[at] ^= x
    with contextlib.suppress(OfdWriteError):
        subset_font(bytes(data), "证照")
