"""Exported documents and trust bundles: what leaves the platform for verifiers.

All are canonical msgspec JSON (docs/wire-format.md), tagged by their
``format`` field so one decode tells them apart. Records inside are the
stored bytes, verbatim, with their positions in the ledger's global order.

- :class:`LicenseDocument`: one license's events with their signed statements,
  plus the filing records of the seals that signed them. Carries personal
  data (the holder); it goes to the holder and to authorised users only.
- :class:`TrustBundle`: what the platform publishes for offline verifiers —
  the platform's key records, every seal's and license type's history, and a
  status snapshot (status, version, history digest per license key, no
  personal data). Shipped as a :class:`SignedBundle` signed by the platform.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from elicense import wire
from elicense.codec import decode_canonical, require_utc
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.evidence import LogEvidence
from elicense.log.slots import LicenseStatusList
from elicense.log.statusdoc import SignedStatusList
from elicense.record import PositionedRecord

__all__ = [
    "LICENSE_DOCUMENT",
    "SIGNED_BUNDLE",
    "TRUST_BUNDLE",
    "History",
    "LicenseDocument",
    "SignedBundle",
    "StatusEntry",
    "TrustBundle",
    "decode_document",
    "history_digest",
    "register_document",
]

LICENSE_DOCUMENT = wire.LICENSE_DOCUMENT
TRUST_BUNDLE = wire.TRUST_BUNDLE
SIGNED_BUNDLE = wire.SIGNED_TRUST_BUNDLE


D = TypeVar("D", bound="_Document")


class History(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One aggregate's records (a seal's, a license type's, the platform's).

    Attributes:
        key: the seal code, type code or ledger origin.
        events: the records, in version order, verbatim, with positions.
    """

    key: str
    events: tuple[PositionedRecord, ...]


class _Document(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="format",
):
    """Base of every exported document kind (tagged by ``format``)."""


class LicenseDocument(_Document, frozen=True, tag=LICENSE_DOCUMENT):
    """One license, exported for offline verification.

    Every byte is bound: ``format`` and ``origin`` are checked, ``license`` must
    name the identifier the history ends at, the records and positions are
    covered by the history digest the trust holds, the seal records are
    compared with the trusted ones. (There is no export time: a field no
    signature or digest covers could change without the verdict changing.)

    Attributes:
        origin: the ledger's origin.
        license: the license's current identifier.
        events: the license's records, in version order.
        seals: for each seal that signed one of ``events``, its ``seal.make`` and
            ``seal.file`` records (so a verifier whose trust bundle predates the
            seal can still check its filing).
        log: the transparency log's evidence for the newest record (inclusion
            proof, checkpoint, status entry); omitted when exported without it.
    """

    origin: str
    license: str
    events: tuple[PositionedRecord, ...]
    seals: tuple[History, ...]
    log: LogEvidence | None = None


class StatusEntry(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """A license's status in a trust bundle: ``[status code, version, history digest]``."""

    status: str
    version: int
    digest: bytes


class TrustBundle(_Document, frozen=True, tag=TRUST_BUNDLE):
    """What offline verifiers trust, as of one position of the ledger.

    Attributes:
        origin: the ledger's origin.
        issued_at: when the platform made the bundle.
        as_of: the position of the newest event the bundle reflects.
        platform: the platform aggregate's records (its keys).
        seals: every seal's full history.
        types: every license type's full history.
        licenses: license key (identifier without version and check) → status entry.
        checkpoint: the log's latest signed checkpoint (omitted without a log).
        status_lists: the signed status lists tied to ``checkpoint``.
        license_status: the per-license status list over status slots, as of ``as_of``
            (:mod:`elicense.log.slots`; what verify-me payloads are checked against).
        verify_host: the platform's public verification host (verify-me payloads name it).
    """

    origin: str
    issued_at: datetime
    as_of: int
    platform: History
    seals: tuple[History, ...] = ()
    types: tuple[History, ...] = ()
    licenses: dict[str, StatusEntry] = {}
    checkpoint: SignedCheckpoint | None = None
    status_lists: tuple[SignedStatusList, ...] = ()
    license_status: LicenseStatusList | None = None
    verify_host: str = ""

    def __post_init__(self) -> None:
        require_utc(self.issued_at, "issued_at")


class SignedBundle(_Document, frozen=True, tag=SIGNED_BUNDLE):
    """A trust bundle's canonical bytes signed by a platform key.

    The signature covers ``signing_input("trust.bundle", bundle)``.
    """

    bundle: bytes
    key_id: str
    alg: str
    signature: bytes


def history_digest(events: Sequence[PositionedRecord]) -> bytes:
    """SHA-256 over ``position (8 bytes, big-endian) ‖ SHA-256(record)`` of each event.

    Covers every record byte (through their hashes) and every position, so a
    document whose history differs in any byte from the platform's does not
    match the bundle's digest.
    """
    h = hashlib.sha256()
    for e in events:
        h.update(e.position.to_bytes(8, "big"))
        h.update(hashlib.sha256(e.record).digest())
    return h.digest()


# -- decoding any exported document -----------------------------------------------------------

_DOCUMENT_TYPES: list[type[_Document]] = [LicenseDocument, TrustBundle, SignedBundle]
_document_union: list[Any] = []


def register_document(cls: type[D]) -> type[D]:
    """Class decorator: make another exported document kind decodable by :func:`decode_document`."""
    if cls not in _DOCUMENT_TYPES:
        _DOCUMENT_TYPES.append(cls)
        _document_union.clear()
    return cls


def decode_document(data: bytes) -> Any:
    """Decode any registered exported document, insisting on canonical bytes.

    Raises:
        EncodingError: malformed, unknown ``format``, or fields off their types.
        NonCanonicalError: well-formed but not the canonical encoding.
    """
    if not _document_union:
        union: Any = _DOCUMENT_TYPES[0]
        for t in _DOCUMENT_TYPES[1:]:
            union = union | t
        _document_union.append(union)
    return decode_canonical(data, _document_union[0], what="document")
