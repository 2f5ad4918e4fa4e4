"""Every document that leaves the platform, in one module below the ledger and the verifier.

All are canonical msgspec JSON (docs/wire-format.md), tagged by their
``format`` field so one decode tells them apart (:func:`decode_document`
reads the literal union :data:`AnyDocument`). Records inside are the stored
bytes, verbatim, with their positions in the ledger's global order.

- :class:`LicenseDocument`: one license's events with their signed statements,
  plus the filing records of the seals that signed them. Carries personal
  data (the holder); it goes to the holder and to authorised users only.
- :class:`TrustBundle`: what the platform publishes for offline verifiers —
  the platform's key records, every seal's and license type's history, and a
  status snapshot (status, version, history digest per license key, no
  personal data). Shipped as a :class:`SignedBundle` signed by the platform.
- :class:`SignedLicenseView` and :class:`SignedAnnotatedCopy`: what a
  department receives for a recorded use (授权用证) — the platform-signed
  field-minimised view of one license, and the 加注件 marked with purpose,
  user, time and expiry. How each verifies: :mod:`elicense.verify.views`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import msgspec

from elicense import wire
from elicense.codec import TaggedDocument, canonical, decode_canonical, require_utc
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.evidence import LogEvidence
from elicense.log.slots import LicenseStatusList
from elicense.log.statusdoc import SignedStatusList
from elicense.record import PositionedRecord
from elicense.wire import signing_input

__all__ = [
    "ANNOTATED_COPY_LABEL",
    "BINDING_NAME",
    "DOCUMENT_NAME",
    "FIELD_NAME",
    "LICENSE_DOCUMENT",
    "LICENSE_VIEW_LABEL",
    "SIGNED_BUNDLE",
    "SIGNED_COPY",
    "SIGNED_VIEW",
    "TRUST_BUNDLE",
    "AnnotatedCopy",
    "AnyDocument",
    "History",
    "LicenseDocument",
    "LicenseView",
    "SealBinding",
    "SignedAnnotatedCopy",
    "SignedBundle",
    "SignedLicenseView",
    "StatusEntry",
    "TrustBundle",
    "binding_input",
    "decode_document",
    "history_digest",
    "sign_copy",
    "sign_view",
    "watermark",
]

LICENSE_DOCUMENT = wire.LICENSE_DOCUMENT
TRUST_BUNDLE = wire.TRUST_BUNDLE
SIGNED_BUNDLE = wire.SIGNED_TRUST_BUNDLE


class History(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One aggregate's records (a seal's, a license type's, the platform's).

    Attributes:
        key: the seal code, type code or ledger origin.
        events: the records, in version order, verbatim, with positions.
    """

    key: str
    events: tuple[PositionedRecord, ...]


class LicenseDocument(TaggedDocument, frozen=True, tag=LICENSE_DOCUMENT):
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


class TrustBundle(TaggedDocument, frozen=True, tag=TRUST_BUNDLE):
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


class SignedBundle(TaggedDocument, frozen=True, tag=SIGNED_BUNDLE):
    """A trust bundle's canonical bytes signed by a platform key.

    The signature covers ``signing_input("trust.bundle", bundle)``.
    """

    bundle: bytes
    key_id: str
    alg: str
    signature: bytes


def history_digest(
    events: Sequence[PositionedRecord], record_hashes: Sequence[bytes] | None = None
) -> bytes:
    """SHA-256 over ``position (8 bytes, big-endian) ‖ SHA-256(record)`` of each event.

    Covers every record byte (through their hashes) and every position, so a
    document whose history differs in any byte from the platform's does not
    match the bundle's digest. ``record_hashes``: the records' SHA-256, when a
    caller already has them (the chain walk computes them).
    """
    h = hashlib.sha256()
    for i, e in enumerate(events):
        h.update(e.position.to_bytes(8, "big"))
        h.update(record_hashes[i] if record_hashes else hashlib.sha256(e.record).digest())
    return h.digest()


# -- views and annotated copies (授权用证) ------------------------------------------------------

SIGNED_VIEW = wire.SIGNED_LICENSE_VIEW
SIGNED_COPY = wire.SIGNED_ANNOTATED_COPY
LICENSE_VIEW_LABEL = "license.view"
"""Signing label of a view: the platform signs ``elicense/v2/license.view\\x00`` ‖ view."""
ANNOTATED_COPY_LABEL = "annotated.copy"
"""Signing label of an annotated copy."""


class LicenseView(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A field-minimised view of one license, as disclosed by one recorded use.

    Attributes:
        origin: the ledger's origin.
        use: the use's subject (``<user USCC>/<request number>``).
        user: the user department's USCC.
        service_item: the service item (事项) of the use.
        license: the license's identifier at the use.
        license_version: the License aggregate's version the fields were taken from.
        status: the license's national status code at the use.
        position: the ledger position of the ``Used`` record.
        use_hash: the event hash of the ``Used`` record.
        taken_at: when the ledger recorded the use (UTC).
        fields: the disclosed fields' values (names from the sharing list).
    """

    origin: str
    use: str
    user: str
    service_item: str
    license: str
    license_version: int
    status: str
    position: int
    use_hash: bytes
    taken_at: datetime
    fields: dict[str, str]

    def __post_init__(self) -> None:
        require_utc(self.taken_at, "taken_at")


class AnnotatedCopy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """加注件: a view marked with purpose, user, time and expiry.

    Attributes:
        view: the view the copy is of.
        purpose: the use's purpose (事由).
        user: the user department's USCC (as in the view).
        user_name: the user department's name.
        made_at: when the platform made the copy (UTC).
        expires_at: after this, the copy is expired (UTC).
        watermark: the text marked on the copy (:func:`watermark`).
    """

    view: LicenseView
    purpose: str
    user: str
    user_name: str
    made_at: datetime
    expires_at: datetime
    watermark: str

    def __post_init__(self) -> None:
        require_utc(self.made_at, "made_at")
        require_utc(self.expires_at, "expires_at")
        if self.expires_at <= self.made_at:
            raise ValueError(
                f"expires_at {self.expires_at.isoformat()} is not after made_at "
                f"{self.made_at.isoformat()}"
            )
        if self.user != self.view.user:
            raise ValueError(f"the copy is for {self.user}, its view for {self.view.user}")


class SignedLicenseView(TaggedDocument, frozen=True, tag=SIGNED_VIEW):
    """A :class:`LicenseView`'s canonical bytes signed by a platform key."""

    view: bytes
    key_id: str
    alg: str
    signature: bytes


class SignedAnnotatedCopy(TaggedDocument, frozen=True, tag=SIGNED_COPY):
    """An :class:`AnnotatedCopy`'s canonical bytes signed by a platform key."""

    copy: bytes
    key_id: str
    alg: str
    signature: bytes


def watermark(copy_user_name: str, service_item: str, purpose: str, expires_at: datetime) -> str:
    """The text marked on an annotated copy (仅供…使用)."""
    until = expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"仅供{copy_user_name}办理{service_item}使用；事由：{purpose}；{until}前有效"


def sign_view(view: LicenseView, signer: Any) -> bytes:
    """The canonical bytes of ``view`` signed by the platform ``signer``."""
    data = canonical(view)
    return canonical(SignedLicenseView(view=data, **_signature(LICENSE_VIEW_LABEL, data, signer)))


def sign_copy(copy: AnnotatedCopy, signer: Any) -> bytes:
    """The canonical bytes of ``copy`` signed by the platform ``signer``."""
    data = canonical(copy)
    return canonical(
        SignedAnnotatedCopy(copy=data, **_signature(ANNOTATED_COPY_LABEL, data, signer))
    )


def _signature(label: str, data: bytes, signer: Any) -> dict[str, Any]:
    """The key id, algorithm and signature of ``signer`` over ``data`` under ``label``."""
    key = signer.public_key
    return {
        "key_id": key.key_id,
        "alg": key.alg,
        "signature": signer.sign(signing_input(label, data)),
    }


# -- the license PDF's attachments (docs/pdf.md) ------------------------------------------------

DOCUMENT_NAME = "license.json"
"""The attached canonical license document (``export_license``)."""
BINDING_NAME = "elicense-binding.json"
"""The attached seal binding (:class:`SealBinding`)."""
FIELD_NAME = "Seal"
"""The PAdES signature field (the visible seal)."""
_BINDING_PREFIX = b"elicense.pdf-binding/1\n"


class SealBinding(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The seal's signature that binds a PDF signing key to a license and its document.

    Attributes:
        license: the license's identifier the PDF shows.
        seal: the seal code that signs the binding (an issuing seal of the license).
        alg: the seal's algorithm (e.g. ``sm2-sm3``).
        document_sha256: SHA-256 of the attached license document.
        signer_spki_sha256: SHA-256 of the PAdES signing certificate's SubjectPublicKeyInfo.
        payload: the verify-me text the page's QR carries.
        signature: the seal's signature over :func:`binding_input`.
    """

    license: str
    seal: str
    alg: str
    document_sha256: bytes
    signer_spki_sha256: bytes
    payload: str
    signature: bytes = b""


def binding_input(binding: SealBinding) -> bytes:
    """The bytes the seal signs: a prefix, then the canonical binding without its signature."""
    return _BINDING_PREFIX + canonical(msgspec.structs.replace(binding, signature=b""))


# -- decoding any exported document -----------------------------------------------------------

AnyDocument = LicenseDocument | TrustBundle | SignedBundle | SignedLicenseView | SignedAnnotatedCopy
"""Every exported document kind: the one union :func:`decode_document` reads."""


_DOCUMENT_UNION = cast("type[AnyDocument]", AnyDocument)  # msgspec decodes the union by tag


def decode_document(data: bytes) -> AnyDocument:
    """Decode any exported document, insisting on canonical bytes.

    Raises:
        EncodingError: malformed, unknown ``format``, or fields off their types.
        NonCanonicalError: well-formed but not the canonical encoding.
    """
    document: AnyDocument = decode_canonical(data, _DOCUMENT_UNION, what="document")
    return document
