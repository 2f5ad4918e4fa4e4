"""What a verifier is given, recognised: license documents on the hot path, signed files,
the version of a document it cannot read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from elicense import wire
from elicense.codec import TaggedDocument
from elicense.documents import LICENSE_DOCUMENT
from elicense.log.evidence import LogEvidence
from elicense.ofd import is_ofd
from elicense.record import PositionedRecord
from elicense.verdict import Verdict

__all__ = ["DOC_PREFIX", "FILE_FORMATS", "DocView", "doc_view", "format_version", "is_file"]


class DocView(TaggedDocument, frozen=True, tag=LICENSE_DOCUMENT):
    """A license document as the hot path reads it: the seal section kept raw.

    Field for field and option for option the same as :class:`LicenseDocument`,
    so re-encoding a view gives the document's canonical bytes (a difference
    would silently send every document down the slow general path; a test
    guards it).
    """

    origin: str
    license: str
    events: tuple[PositionedRecord, ...]
    seals: msgspec.Raw
    log: LogEvidence | None = None


doc_view = msgspec.json.Decoder(DocView)

DOC_PREFIX = b'{"format":"' + LICENSE_DOCUMENT.encode() + b'",'


def is_file(text: str) -> bool:
    """Whether ``text`` names a file; text no file can be named by is not one."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL in it
        return False


# -- signed files: the formats a verifier reads besides elicense's own JSON ------------------


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]  # a PDF's header may follow up to 1 KiB of junk


def _verify_ofd(verifier: Any, data: bytes, at: datetime) -> Verdict:
    from elicense.verify.ofdfile import verify_bytes  # the OFD reader loads for OFD input only

    return verify_bytes(verifier, data, at)


def _verify_pdf(verifier: Any, data: bytes, at: datetime) -> Verdict:
    from elicense.verify.pdf import verify_bytes  # pyHanko loads for PDF input only

    return verify_bytes(verifier, data, at)


FILE_FORMATS: tuple[
    tuple[Callable[[bytes], bool], Callable[[Any, bytes, datetime], Verdict]], ...
] = (
    (is_ofd, _verify_ofd),  # a zip naming OFD.xml: a signed OFD file (GB/T 33190)
    (_is_pdf, _verify_pdf),  # a license PDF (needs the pdf extra)
)


class _Format(msgspec.Struct):
    format: str


def format_version(data: bytes) -> str | None:
    """The version an undecodable document's ``format`` tag names, if it has one."""
    try:
        tag = msgspec.json.decode(data, type=_Format).format
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, ValueError):
        return None
    return wire.wire_version_of(tag)
