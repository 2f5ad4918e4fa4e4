"""The verify-me QR's modules, as every license file draws them (the PDF and the OFD).

segno encodes; the mask pattern is fixed rather than the penalty-scored best of
eight: ISO/IEC 18004 lets a reader decode any mask, and scoring all eight is
pure Python that cost more than the rest of an OFD license, a fifth of a PDF.
The payload is base32 of a signature, already without long runs of one colour.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["qr_modules"]


def qr_modules(text: str) -> Sequence[Sequence[int]]:
    """The QR code of ``text`` (error correction M) as rows of modules, 1 dark."""
    import segno  # the pdf and ofd extras: loaded by the writers only

    return segno.make(text, error="m", boost_error=False, micro=False, mask=0).matrix
