"""Issuing X.509 certificates for seals and the platform (reading them: :mod:`.x509`).

- P-256 (and Ed25519) subjects under an in-process P-256 or Ed25519 issuer key
  go through ``cryptography``'s ``CertificateBuilder``;
- everything else — SM2 subjects or issuers, and issuers that are an HSM or
  UKey :class:`~elicense.crypto.keys.Signer` — builds the TBSCertificate with
  asn1crypto and signs it with the issuer's signer (SM2-with-SM3 is OID
  1.2.156.10197.1.501, no parameters), since cryptography cannot make SM2
  certificates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from asn1crypto import keys
from asn1crypto import x509 as ax
from cryptography import x509 as cx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from elicense.crypto.keys import Signer
from elicense.crypto.suites import ECDSA_P256, ED25519, PublicKey
from elicense.crypto.x509 import _NAME_KEYS, _load, signature_oid

__all__ = ["issue_certificate"]


def _names(subject: str | Mapping[str, str]) -> dict[str, str]:
    items = {"CN": subject} if isinstance(subject, str) else dict(subject)
    unknown = sorted(set(items) - set(_NAME_KEYS))
    if unknown:
        raise ValueError(f"unknown name attributes {unknown}; expected some of {list(_NAME_KEYS)}")
    return items


def issue_certificate(
    *,
    subject: str | Mapping[str, str],
    public_key: PublicKey,
    issuer_key: Signer,
    not_before: datetime,
    not_after: datetime,
    issuer_cert: bytes | None = None,
    serial: int | None = None,
    ca: bool = False,
) -> bytes:
    """Issue a certificate for ``public_key``, signed by ``issuer_key``; returns DER.

    Args:
        subject: a common name, or attributes ``{"CN": …, "O": …, "C": …}``.
        public_key: the subject's key (any suite).
        issuer_key: the issuer's signer; for a self-signed certificate, the
            subject's own private key with ``issuer_cert`` left ``None``.
        not_before: start of validity (timezone-aware).
        not_after: end of validity (timezone-aware).
        issuer_cert: the issuer's DER certificate; ``None`` for self-signed.
        serial: the serial number; random 64-bit when ``None``.
        ca: whether the certificate may issue others (basicConstraints cA).
    """
    if not_before.tzinfo is None or not_after.tzinfo is None:
        raise ValueError("not_before and not_after must be timezone-aware")
    serial = serial if serial is not None else cx.random_serial_number() >> 96
    names = _names(subject)
    key = getattr(issuer_key, "_key", None)
    simple = isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey)
    if simple and public_key.alg in (ECDSA_P256, ED25519):
        return _issue_with_cryptography(
            names, public_key, key, not_before, not_after, issuer_cert, serial, ca
        )
    return _issue_with_asn1crypto(
        names, public_key, issuer_key, not_before, not_after, issuer_cert, serial, ca
    )


def _issue_with_cryptography(
    names: dict[str, str],
    subject_key: PublicKey,
    key: Any,
    not_before: datetime,
    not_after: datetime,
    issuer_cert: bytes | None,
    serial: int,
    ca: bool,
) -> bytes:
    name = cx.Name([cx.NameAttribute(_NAME_KEYS[k][1], v) for k, v in names.items()])
    issuer = cx.load_der_x509_certificate(issuer_cert).subject if issuer_cert else name
    pub = serialization.load_der_public_key(subject_key.spki)
    assert isinstance(pub, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey)
    builder = (
        cx.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(pub)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(cx.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_cx_key_usage(ca), critical=True)
        .add_extension(cx.SubjectKeyIdentifier(_key_id(subject_key.spki)), critical=False)
    )
    if issuer_cert:
        ski = _load(issuer_cert).key_identifier
        if ski:
            aki = cx.AuthorityKeyIdentifier(ski, None, None)
            builder = builder.add_extension(aki, critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


def _cx_key_usage(ca: bool) -> cx.KeyUsage:
    return cx.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _key_id(spki: bytes) -> bytes:
    """RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 of the key bits."""
    bits = keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]
    return hashlib.sha256(bits).digest()[:20]


def _time(value: datetime) -> ax.Time:
    # RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    return ax.Time(name="utc_time" if value.year < 2050 else "general_time", value=value)


def _issue_with_asn1crypto(
    names: dict[str, str],
    subject_key: PublicKey,
    issuer_key: Signer,
    not_before: datetime,
    not_after: datetime,
    issuer_cert: bytes | None,
    serial: int,
    ca: bool,
) -> bytes:
    name = ax.Name.build({_NAME_KEYS[k][0]: v for k, v in names.items()})
    issuer = _load(issuer_cert)["tbs_certificate"]["subject"] if issuer_cert else name
    sig_alg = {"algorithm": signature_oid(issuer_key.alg)}
    usage = {"digital_signature", "key_cert_sign", "crl_sign"} if ca else {"digital_signature"}
    if not ca:
        usage.add("non_repudiation")
    extensions: list[dict[str, Any]] = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(subject_key.spki)},
    ]
    if issuer_cert:
        ski = _load(issuer_cert).key_identifier
        if ski:
            aki = {"key_identifier": ski}
            extensions.append(
                {"extn_id": "authority_key_identifier", "critical": False, "extn_value": aki}
            )
    tbs = ax.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": sig_alg,
            "issuer": issuer,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": name,
            "subject_public_key_info": keys.PublicKeyInfo.load(subject_key.spki),
            "extensions": extensions,
        }
    )
    tbs_der = tbs.dump()
    cert = ax.Certificate(
        {
            "tbs_certificate": ax.TbsCertificate.load(tbs_der),
            "signature_algorithm": sig_alg,
            "signature_value": issuer_key.sign(tbs_der),
        }
    )
    return bytes(cert.dump())
