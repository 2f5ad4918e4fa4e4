"""Embedding a font in an OFD: the glyphs a page uses, cut from a TrueType font.

A license page shows a few dozen characters, a CJK font holds tens of
thousands of glyphs (wqy-microhei: 5 MB). :func:`subset_font` keeps only
the glyphs of the given text (and the components of composite glyphs),
renumbered from 1 after ``.notdef``, with a fresh ``cmap`` (format 4) and
``post`` (version 3, no glyph names); ``head``, ``hhea``, ``maxp``, ``OS/2``,
``name`` and the hinting tables are copied. It reads the tables with
``struct`` (no font library: subsetting a CJK font with fontTools takes
most of a second). Only TrueType outlines (``glyf``) are supported: a CFF
font, a damaged font or a character the font lacks raise
:class:`~elicense.errors.OfdWriteError`.
"""

from __future__ import annotations

import struct
from pathlib import Path

import msgspec

from elicense.errors import OfdWriteError

__all__ = ["FONT_CANDIDATES", "FontSubset", "find_font", "subset_font"]

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
"""Where Debian's CJK TrueType fonts live; :func:`find_font` takes the first present."""

_COPIED = (b"OS/2", b"cvt ", b"fpgm", b"gasp", b"hhea", b"name", b"prep")


class FontSubset(msgspec.Struct, frozen=True, kw_only=True):
    """A TrueType font holding only some characters, and what a page layout needs of it."""

    data: bytes
    family: str
    advances: dict[str, float]
    """Each character's advance width in ems."""


def find_font(path: str | Path | None = None) -> Path:
    """``path``, else the first of :data:`FONT_CANDIDATES` present.

    Raises:
        OfdWriteError: no such font (install ``fonts-wqy-microhei`` or pass one).
    """
    for p in [path] if path else FONT_CANDIDATES:
        if p and Path(p).is_file():
            return Path(p)
    raise OfdWriteError(
        f"no CJK TrueType font at {path or ', '.join(FONT_CANDIDATES)}: install "
        "fonts-wqy-microhei or pass a .ttf/.ttc with glyf outlines"
    )


def _tables(font: bytes) -> dict[bytes, memoryview]:
    view, base = memoryview(font), 0
    if font[:4] == b"ttcf":
        (base,) = struct.unpack_from(">I", font, 12)  # the collection's first font
    version, count = struct.unpack_from(">IH", font, base)
    if version not in (0x00010000, 0x74727565):
        raise OfdWriteError("the font has no TrueType (glyf) outlines; CFF fonts are not supported")
    out = {}
    for i in range(count):
        tag, _sum, offset, length = struct.unpack_from(">4sIII", font, base + 12 + 16 * i)
        if offset + length > len(font):
            raise OfdWriteError(f"font table {tag!r} runs past the end of the file")
        out[tag] = view[offset : offset + length]
    return out


def _cmap(table: memoryview, codes: set[int]) -> dict[int, int]:
    """Code point → glyph for ``codes``, from the Unicode subtable (format 12, else 4)."""
    (count,) = struct.unpack_from(">H", table, 2)
    subs = {}
    for i in range(count):
        plat, enc, off = struct.unpack_from(">HHI", table, 4 + 8 * i)
        subs[(plat, enc)] = off
    off = subs.get((3, 10), subs.get((0, 4)))
    if off is not None and struct.unpack_from(">H", table, off)[0] == 12:
        (groups,) = struct.unpack_from(">I", table, off + 12)
        out = {}
        for g in range(groups):
            start, end, gid = struct.unpack_from(">III", table, off + 16 + 12 * g)
            for c in codes:
                if start <= c <= end:
                    out[c] = gid + c - start
        return out
    off = subs.get((3, 1), subs.get((0, 3)))
    if off is None or struct.unpack_from(">H", table, off)[0] != 4:
        raise OfdWriteError("the font has no Unicode cmap (format 4 or 12)")
    seg = struct.unpack_from(">H", table, off + 6)[0] // 2
    ends = struct.unpack_from(f">{seg}H", table, off + 14)
    starts = struct.unpack_from(f">{seg}H", table, off + 16 + 2 * seg)
    deltas = struct.unpack_from(f">{seg}h", table, off + 16 + 4 * seg)
    ro_at = off + 16 + 6 * seg
    ranges = struct.unpack_from(f">{seg}H", table, ro_at)
    out = {}
    for i in range(seg):
        for c in codes:
            if not starts[i] <= c <= ends[i] or c == 0xFFFF:
                continue
            if ranges[i] == 0:
                gid = (c + deltas[i]) & 0xFFFF
            else:
                at = ro_at + 2 * i + ranges[i] + 2 * (c - starts[i])
                (gid,) = struct.unpack_from(">H", table, at)
                gid = (gid + deltas[i]) & 0xFFFF if gid else 0
            out[c] = gid
    return out


def _components(glyph: bytes) -> list[tuple[int, int]]:
    """(offset of the glyph index, glyph index) of each component of a composite glyph."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return []
    out, at = [], 10
    while True:
        flags, gid = struct.unpack_from(">HH", glyph, at)
        out.append((at + 2, gid))
        at += 4 + (4 if flags & 0x0001 else 2)
        at += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0
        if not flags & 0x0020:
            return out


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return int(sum(struct.unpack(f">{len(padded) // 4}I", padded))) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    n = len(tables)
    power = 1 << (n.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, n, power * 16, power.bit_length() - 1, (n - power) * 16
    )
    offset = 12 + 16 * n
    directory, body = [], []
    for tag in sorted(tables):
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag, _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    head_at = 12 + 16 * sorted(tables).index(b"head") + 8
    (at,) = struct.unpack_from(">I", font, head_at)
    struct.pack_into(">I", font, at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def subset_font(font: bytes, text: str) -> FontSubset:
    """The glyphs of ``text`` (and ``.notdef``) from the TrueType font (or first of a TTC).

    Raises:
        OfdWriteError: not a TrueType font, or a character of ``text`` it lacks.
    """
    try:
        return _subset(font, text)
    except OfdWriteError:
        raise
    except (struct.error, KeyError, IndexError, ValueError) as e:
        raise OfdWriteError(f"the font does not read as TrueType: {e}") from None


def _subset(font: bytes, text: str) -> FontSubset:
    t = _tables(font)
    head, maxp, hhea, hmtx = t[b"head"], t[b"maxp"], t[b"hhea"], t[b"hmtx"]
    (units,) = struct.unpack_from(">H", head, 18)
    (long_loca,) = struct.unpack_from(">h", head, 50)
    (glyphs,) = struct.unpack_from(">H", maxp, 4)
    (metrics,) = struct.unpack_from(">H", hhea, 34)
    loca, glyf = t[b"loca"], t[b"glyf"]
    entry, size = (">II", 4) if long_loca else (">HH", 2)
    scale = 1 if long_loca else 2
    chars = sorted({c for c in text if not c.isspace() or c == " "})
    cmap = _cmap(t[b"cmap"], {ord(c) for c in chars})
    missing = [c for c in chars if not cmap.get(ord(c))]
    if missing:
        raise OfdWriteError(f"the font has no glyph for {''.join(missing)!r}")

    def glyph(gid: int) -> bytes:
        if not 0 <= gid < glyphs:
            raise OfdWriteError(f"the font refers to glyph {gid} of {glyphs}")
        start, end = struct.unpack_from(entry, loca, gid * size)
        return bytes(glyf[start * scale : end * scale])

    keep, todo = [0], [cmap[ord(c)] for c in chars]
    while todo:
        gid = todo.pop()
        if gid not in keep:
            keep.append(gid)
            todo += [g for _at, g in _components(glyph(gid))]
    keep = [0, *sorted(set(keep) - {0})]
    new_id = {old: new for new, old in enumerate(keep)}
    out_glyf, offsets, out_hmtx = bytearray(), [0], bytearray()
    for old in keep:
        data = bytearray(glyph(old))
        for at, comp in _components(bytes(data)):
            struct.pack_into(">H", data, at, new_id[comp])
        out_glyf += data + b"\0" * (-len(data) % 4)
        offsets.append(len(out_glyf))
        m = min(old, metrics - 1)
        adv = struct.unpack_from(">H", hmtx, 4 * m)[0]
        lsb_at = 4 * old + 2 if old < metrics else 4 * metrics + 2 * (old - metrics)
        (lsb,) = struct.unpack_from(">h", hmtx, lsb_at)
        out_hmtx += struct.pack(">Hh", adv, lsb)
    n = len(keep)
    new_head = bytearray(head)
    struct.pack_into(">I", new_head, 8, 0)
    struct.pack_into(">h", new_head, 50, 1)  # long loca
    new_maxp = bytearray(maxp)
    struct.pack_into(">H", new_maxp, 4, n)
    new_hhea = bytearray(hhea)
    struct.pack_into(">H", new_hhea, 34, n)
    tables = {tag: bytes(t[tag]) for tag in _COPIED if tag in t}
    tables.update(
        {
            b"head": bytes(new_head),
            b"maxp": bytes(new_maxp),
            b"hhea": bytes(new_hhea),
            b"hmtx": bytes(out_hmtx),
            b"loca": struct.pack(f">{n + 1}I", *offsets),
            b"glyf": bytes(out_glyf),
            b"cmap": _format4({ord(c): new_id[cmap[ord(c)]] for c in chars}),
            b"post": struct.pack(">I", 0x00030000) + bytes(t[b"post"][4:32])
            if b"post" in t
            else b"",
        }
    )
    tables = {k: v for k, v in tables.items() if v}
    advances = {}
    for c in chars:
        m = min(cmap[ord(c)], metrics - 1)
        advances[c] = struct.unpack_from(">H", hmtx, 4 * m)[0] / units
    name = bytes(t[b"name"]) if b"name" in t else b""
    return FontSubset(data=_sfnt(tables), family=_family(name), advances=advances)


def _format4(mapping: dict[int, int]) -> bytes:
    codes = sorted(c for c in mapping if c < 0xFFFF)
    seg = len(codes) + 1
    ends = [*codes, 0xFFFF]
    deltas = [(mapping[c] - c) & 0xFFFF for c in codes] + [1]
    power = 1 << (seg.bit_length() - 1)
    body = struct.pack(">HHH", seg * 2, power * 2, power.bit_length() - 1)
    body += struct.pack(">H", 2 * seg - power * 2)
    body += struct.pack(f">{seg}H", *ends) + b"\0\0" + struct.pack(f">{seg}H", *ends)
    body += struct.pack(f">{seg}H", *deltas) + b"\0\0" * seg
    sub = struct.pack(">HHH", 4, 6 + len(body), 0) + body
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub


def _family(name: bytes) -> str:
    """The font's family name (name ID 1, Windows Unicode), or ``Embedded``."""
    if len(name) < 6:
        return "Embedded"
    count, strings = struct.unpack_from(">HH", name, 2)
    for i in range(count):
        plat, _enc, _lang, nid, length, off = struct.unpack_from(">6H", name, 6 + 12 * i)
        if nid == 1 and plat == 3:
            raw = name[strings + off : strings + off + length]
            return raw.decode("utf-16-be", "replace")
    return "Embedded"
