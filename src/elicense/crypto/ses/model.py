"""Parsed GB/T 38540 / GM/T 0031 artifacts as frozen values, with the bytes that were signed.

Every value carries ``der`` (the artifact exactly as received) and
``signed_bytes`` (the part the signature covers, sliced from the received
bytes, never re-encoded): ``SES_SealInfo`` for v4/v5 seals, the
SEQUENCE of (``SES_SealInfo``, certificate, algorithm) for v1 seals (built
from the received parts), ``TBS_Sign`` for signatures.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import msgspec

from elicense.errors import EncodingError

__all__ = ["CertDigest", "Extension", "Picture", "Seal", "SealInfo", "Signature"]


class CertDigest(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of a ``certDigestList`` (certListType 2).

    Attributes:
        type: the digest algorithm as written (e.g. ``SM3``, ``SHA256``).
        value: the digest of the signer's DER certificate.
    """

    type: str
    value: bytes


class Extension(msgspec.Struct, frozen=True, kw_only=True):
    """One ``ExtData``: an OID, the critical flag and the opaque value."""

    oid: str
    critical: bool
    value: bytes


class Picture(msgspec.Struct, frozen=True, kw_only=True):
    """The seal's picture (SES_ESPictrueInfo).

    Attributes:
        type: ``GIF``, ``BMP``, ``JPG``, ``PNG`` or ``SVG`` as written.
        data: the image bytes.
        width_mm: display width in millimetres.
        height_mm: display height in millimetres.
    """

    type: str
    data: bytes
    width_mm: int
    height_mm: int


class SealInfo(msgspec.Struct, frozen=True, kw_only=True):
    """``SES_SealInfo``: header, identifier, properties and picture.

    Attributes:
        header_id: ``ES`` in a conformant seal.
        header_version: the header's version field (unreliable in v1 seals).
        vendor_id: ``Vid``, the producer's identifier.
        es_id: the seal code (印章编码).
        seal_type: the opaque integer ``type``; implementations disagree on its meaning.
        name: the seal's name.
        cert_list_type: 1 (certificates) or 2 (digests); 1 for v1 seals.
        certs: signer certificates (DER) for ``cert_list_type`` 1.
        cert_digests: certificate digests for ``cert_list_type`` 2.
        created: ``createDate``.
        valid_start: start of the seal's validity window.
        valid_end: end of the seal's validity window.
        picture: the seal's picture.
        extensions: ``extDatas``.
    """

    header_id: str
    header_version: int
    vendor_id: str
    es_id: str
    seal_type: int
    name: str
    cert_list_type: int
    certs: tuple[bytes, ...] = ()
    cert_digests: tuple[CertDigest, ...] = ()
    created: datetime
    valid_start: datetime
    valid_end: datetime
    picture: Picture
    extensions: tuple[Extension, ...] = ()


class Seal(msgspec.Struct, frozen=True, kw_only=True):
    """An electronic seal (``SESeal``).

    Attributes:
        version: 1 (GM/T 0031-2014), 4 (GB/T 38540-2020) or 5 (GM/T 0031-2025).
        info: the parsed ``SES_SealInfo``.
        maker_cert: the seal maker's DER certificate (制章者证书).
        alg_oid: the maker's signature algorithm OID.
        signed_value: the maker's signature as written (DER or raw ``r ‖ s``).
        timestamp: the v5 ``timeStamp`` token bytes, if present.
        signed_bytes: the bytes the maker signed, as received.
        der: the whole seal as received.
    """

    version: int
    info: SealInfo
    maker_cert: bytes
    alg_oid: str
    signed_value: bytes
    timestamp: bytes | None = None
    signed_bytes: bytes
    der: bytes

    @property
    def digest(self) -> bytes:
        """SHA-256 of :attr:`der`: the key under which a verified seal is cached."""
        return hashlib.sha256(self.der).digest()


class Signature(msgspec.Struct, frozen=True, kw_only=True):
    """An electronic signature (``SES_Signature``, 电子签章数据).

    Attributes:
        version: 1, 4 or 5 (the embedded seal's version for v4/v5).
        tbs_version: the ``TBS_Sign`` version field as written.
        seal: the embedded seal.
        time_info: the claimed signing time; ``None`` when a v1 ``timeInfo``
            holds no readable time.
        time_info_raw: ``timeInfo`` as written (the GeneralizedTime text or
            the v1 BIT STRING's bytes).
        data_hash: the digest of the protected content.
        property_info: what was protected (e.g. a path inside an OFD package).
        extensions: ``extDatas``.
        signer_cert: the signer's DER certificate (签章者证书).
        alg_oid: the signer's algorithm OID.
        signature: the signature value as written.
        timestamp: the ``timeStamp`` token bytes, if present.
        signed_bytes: ``TBS_Sign`` as received.
        der: the whole signature as received.
    """

    version: int
    tbs_version: int
    seal: Seal
    time_info: datetime | None
    time_info_raw: bytes
    data_hash: bytes
    property_info: str
    extensions: tuple[Extension, ...] = ()
    signer_cert: bytes
    alg_oid: str
    signature: bytes
    timestamp: bytes | None = None
    signed_bytes: bytes
    der: bytes


def utc(value: Any) -> datetime:
    """``value`` as an aware UTC datetime (naive times are UTC).

    Raises:
        EncodingError: not a time.
    """
    if not isinstance(value, datetime):
        raise EncodingError(f"expected a time, found {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
