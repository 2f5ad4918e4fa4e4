"""A seal picture read for ``seal make --picture``: bytes that are the image they claim.

GB/T 38540 names the picture's type (``SES_ESPictrueInfo.type``: GIF, BMP, JPG,
PNG, SVG) beside its bytes, and a verifier or reader trusts that name to draw
it. The type claimed (``--picture-type``, else the file's extension) must be
the type the bytes' signature (magic number) shows, or the command exits 2.
"""

from __future__ import annotations

from pathlib import Path

from elicense.cli._common import fail

__all__ = ["PICTURE_TYPES", "read_picture", "sniff"]

PICTURE_TYPES = ("GIF", "BMP", "JPG", "PNG", "SVG")
"""The picture types GB/T 38540 names."""

_EXTENSIONS = {
    ".png": "PNG",
    ".jpg": "JPG",
    ".jpeg": "JPG",
    ".gif": "GIF",
    ".bmp": "BMP",
    ".svg": "SVG",
}
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


def sniff(data: bytes) -> str | None:
    """The picture type ``data`` starts like, or ``None`` when it is none of them."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    try:
        head = data[:4096].decode("utf-8-sig").lstrip()
    except UnicodeDecodeError:
        return None
    if head.startswith("<") and "<svg" in head:
        return "SVG"
    return None


def read_picture(path: str, declared: str | None) -> tuple[bytes, str]:
    """The picture's bytes and its type, checked against what is claimed.

    Args:
        path: the picture file.
        declared: ``--picture-type`` (else the type comes from the extension).

    Raises:
        UsageError: unreadable file, no type claimed, or bytes of another type.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        fail(f"--picture {path}: cannot be read ({e.strerror or e})")
    claimed = declared.upper() if declared else _EXTENSIONS.get(Path(path).suffix.lower())
    if claimed is None:
        fail(
            f"--picture {path}: expected a .png, .jpg, .gif, .bmp or .svg file "
            "(or --picture-type), found no picture extension"
        )
    found = sniff(data)
    if found != claimed:
        what = f"{found} data" if found else f"no {'/'.join(PICTURE_TYPES)} picture"
        fail(f"--picture {path}: expected {claimed} data, found {what} ({len(data)} bytes)")
    return data, claimed
