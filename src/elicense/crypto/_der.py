"""The few X.509 structures read with cryptography's declarative DER decoder (Rust).

cryptography reads certificates but will not hand over a key on a curve it
does not support (SM2), nor the SubjectPublicKeyInfo bytes; asn1crypto does,
at some 30 µs a certificate. ``cryptography.hazmat.asn1`` (cryptography ≥ 47;
documented, not yet covered by its stability policy) decodes the same
structures strictly (DER only) in a few µs. Callers fall back to asn1crypto
whenever :func:`spki_of` or :func:`read_spki` answer ``None``, so anything
these declarations do not cover reads as it always did.
"""

from __future__ import annotations

from typing import Annotated

from cryptography import x509 as cx
from cryptography.hazmat import asn1

__all__ = ["Spki", "read_spki", "spki_of"]


@asn1.sequence
class _AlgorithmIdentifier:
    algorithm: cx.ObjectIdentifier
    parameters: cx.ObjectIdentifier | None  # a named curve, or absent (Ed25519)


@asn1.sequence
class Spki:
    """``SubjectPublicKeyInfo`` (RFC 5280 §4.1) with the key's parameters a named curve or
    absent (EC and Ed25519 keys); other keys are not read here."""

    algorithm: _AlgorithmIdentifier
    subject_public_key: asn1.BitString


@asn1.sequence
class _TbsCertificate:
    version: Annotated[int | None, asn1.Explicit(0)]
    serial_number: int
    signature: asn1.TLV
    issuer: asn1.TLV
    validity: asn1.TLV
    subject: asn1.TLV
    subject_public_key_info: Spki
    issuer_unique_id: Annotated[asn1.BitString | None, asn1.Implicit(1)]
    subject_unique_id: Annotated[asn1.BitString | None, asn1.Implicit(2)]
    extensions: Annotated[list[asn1.TLV] | None, asn1.Explicit(3)]


@asn1.sequence
class _Certificate:
    tbs_certificate: _TbsCertificate
    signature_algorithm: asn1.TLV
    signature_value: asn1.BitString


def spki_of(der: bytes) -> tuple[Spki, bytes] | None:
    """The SubjectPublicKeyInfo of certificate ``der``, parsed and as DER; ``None`` when
    the certificate is not strict DER or its key is not one :class:`Spki` declares."""
    try:
        spki = asn1.decode_der(_Certificate, der).tbs_certificate.subject_public_key_info
        return spki, asn1.encode_der(spki)  # DER in, so the bytes as received
    except ValueError:
        return None


def read_spki(spki: bytes) -> Spki | None:
    """``spki`` parsed, or ``None`` when it is not strict DER of what :class:`Spki` declares."""
    try:
        return asn1.decode_der(Spki, spki)
    except ValueError:
        return None
