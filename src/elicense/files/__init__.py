"""License files (PDF): rendering, signing and verifying; needs the ``pdf`` extra.

Importing this package loads nothing heavy: :mod:`.pdf` and :mod:`.ofd`
import pyHanko and fpdf2 when used.
"""

__all__ = ["is_pdf"]


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` looks like a PDF file (its header, within the first 1024 bytes)."""
    return b"%PDF-" in data[:1024]
