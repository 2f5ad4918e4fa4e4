"""The few X.509 structures read with cryptography's declarative DER decoder (Rust).

cryptography reads certificates but will not hand over a key on a curve it
does not support (SM2), nor the SubjectPublicKeyInfo bytes; asn1crypto does,
at some 30 µs a certificate. Its names it hands over as Python objects built
one attribute at a time (~10 µs a name). ``cryptography.hazmat.asn1``
(cryptography ≥ 47; documented, not yet covered by its stability policy)
decodes the same structures strictly (DER only) in a few µs. Callers fall
back to cryptography's objects or asn1crypto whenever these functions answer
``None``, so anything the declarations do not cover reads as it always did.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from cryptography import x509 as cx
from cryptography.hazmat import asn1

__all__ = ["CertificateParts", "RDNs", "Spki", "read_certificate", "read_spki"]

RDNs = tuple[tuple[tuple[str, str], ...], ...]
"""A Name's RDNs as (dotted OID, value) pairs, in the order written."""


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
class _AttributeTypeAndValue:
    type: cx.ObjectIdentifier
    value: str | asn1.PrintableString | asn1.IA5String  # other string types: not read here


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


# The names again, read as values: a SEQUENCE OF is no class, so cannot be read from the
# Name's bytes alone.
@asn1.sequence
class _TbsNames:
    version: Annotated[int | None, asn1.Explicit(0)]
    serial_number: int
    signature: asn1.TLV
    issuer: list[asn1.SetOf[_AttributeTypeAndValue]]
    validity: asn1.TLV
    subject: list[asn1.SetOf[_AttributeTypeAndValue]]
    subject_public_key_info: asn1.TLV
    issuer_unique_id: Annotated[asn1.BitString | None, asn1.Implicit(1)]
    subject_unique_id: Annotated[asn1.BitString | None, asn1.Implicit(2)]
    extensions: Annotated[list[asn1.TLV] | None, asn1.Explicit(3)]


@asn1.sequence
class _CertificateNames:
    tbs_certificate: _TbsNames
    signature_algorithm: asn1.TLV
    signature_value: asn1.BitString


class CertificateParts(NamedTuple):
    """What :func:`read_certificate` reads; DER in, so every re-encoding is as received."""

    spki: Spki
    spki_der: bytes
    subject: bytes
    """The subject Name's DER."""
    issuer: bytes
    subject_rdns: RDNs | None
    """``None`` unless every value is a UTF8String, PrintableString or IA5String."""
    issuer_rdns: RDNs | None


def read_certificate(der: bytes) -> CertificateParts | None:
    """The key info and names of certificate ``der``, or ``None`` when the certificate is
    not strict DER or its key is not one :class:`Spki` declares."""
    try:
        tbs = asn1.decode_der(_Certificate, der).tbs_certificate
    except ValueError:
        return None
    subject: RDNs | None = None
    issuer: RDNs | None = None
    try:
        names = asn1.decode_der(_CertificateNames, der).tbs_certificate
        subject, issuer = _rdns(names.subject), _rdns(names.issuer)
    except ValueError:
        pass  # a string type not declared here: cryptography's objects will tell
    spki = tbs.subject_public_key_info
    return CertificateParts(
        spki=spki,
        spki_der=asn1.encode_der(spki),
        subject=asn1.encode_der(tbs.subject),
        issuer=asn1.encode_der(tbs.issuer),
        subject_rdns=subject,
        issuer_rdns=issuer,
    )


def _rdns(rdns: list[asn1.SetOf[_AttributeTypeAndValue]]) -> RDNs:
    return tuple(
        tuple(
            (a.type.dotted_string, a.value if isinstance(a.value, str) else a.value.as_str())
            for a in rdn.as_list()
        )
        for rdn in rdns
    )


def read_spki(spki: bytes) -> Spki | None:
    """``spki`` parsed, or ``None`` when it is not strict DER of what :class:`Spki` declares."""
    try:
        return asn1.decode_der(Spki, spki)
    except ValueError:
        return None
