"""X.509 certificates for seals and the platform: read them and check an issuer's signature.

cryptography cannot verify SM2 certificates, so signatures are checked
through the signing suites (:mod:`elicense.crypto.suites`; SM2-with-SM3 with
the default user ID, as GM/T 0015 prescribes), over the TBSCertificate bytes
*as received*. What cryptography's strict reader accepts is summarised from
its parse (names, validity) and :mod:`elicense.crypto._der` (the key info);
asn1crypto reads the rest, leniently where :func:`certificate_nonconformance`
says so. Issuing certificates is :mod:`elicense.crypto.x509issue`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
from asn1crypto import keys, pem
from asn1crypto import x509 as ax
from cryptography import x509 as cx
from cryptography.x509.oid import NameOID

from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3, PublicKey, public_key
from elicense.crypto.x509names import Name, names_equal
from elicense.errors import KeyFormatError

if TYPE_CHECKING:
    from elicense.crypto._der import CertificateParts

try:  # cryptography's declarative DER decoder (≥ 47), documented but not yet under its
    # stability policy: if a release drops or changes it, every fast reader answers None
    # and the careful paths (asn1crypto) read everything as before, only slower.
    from elicense.crypto._der import read_certificate
except (ImportError, AttributeError, TypeError):  # pragma: no cover

    def read_certificate(der: bytes) -> CertificateParts | None:
        return None


__all__ = [
    "SIGNATURE_ALGORITHMS",
    "CertificateInfo",
    "certificate_info",
    "certificate_nonconformance",
    "certificate_public_key",
    "claims_issuer",
    "load_certificates",
    "signature_oid",
    "verify_issued_by",
]

SIGNATURE_ALGORITHMS: dict[str, str] = {
    "1.2.156.10197.1.501": SM2_SM3,  # SM2-with-SM3
    "1.2.840.10045.4.3.2": ECDSA_P256,  # ecdsa-with-SHA256
    "1.3.101.112": ED25519,
}
"""Signature algorithm OID → suite identifier, for certificates and SES structures."""

_KEY_ALGS = {"1.2.156.10197.1.301": "sm2", "1.2.840.10045.3.1.7": "ec-p256"}
_NAME_KEYS = {
    "CN": ("common_name", NameOID.COMMON_NAME),
    "O": ("organization_name", NameOID.ORGANIZATION_NAME),
    "OU": ("organizational_unit_name", NameOID.ORGANIZATIONAL_UNIT_NAME),
    "C": ("country_name", NameOID.COUNTRY_NAME),
    "ST": ("state_or_province_name", NameOID.STATE_OR_PROVINCE_NAME),
    "L": ("locality_name", NameOID.LOCALITY_NAME),
    "serialNumber": ("serial_number", NameOID.SERIAL_NUMBER),
}


def signature_oid(alg: str) -> str:
    """The signature algorithm OID of suite ``alg``."""
    for oid, name in SIGNATURE_ALGORITHMS.items():
        if name == alg:
            return oid
    raise KeyFormatError(f"no signature OID for algorithm {alg!r}")


class CertificateInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a verifier reports about a certificate.

    Attributes:
        subject: the subject as RFC 4514-style text.
        issuer: the issuer as RFC 4514-style text.
        serial: the serial number in hex.
        not_before: start of validity (UTC).
        not_after: end of validity (UTC).
        key_alg: ``sm2``, ``ec-p256``, ``ed25519``, ``rsa`` … (curve OID when unknown).
        signature_alg: the certificate's signature algorithm OID.
        is_ca: whether basicConstraints says cA.
        self_issued: whether subject and issuer are the same name.
        sha256: SHA-256 fingerprint of the DER, hex.
    """

    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    key_alg: str
    signature_alg: str
    is_ca: bool
    self_issued: bool
    sha256: str


class _Strict(NamedTuple):
    cert: cx.Certificate
    parts: CertificateParts | None
    """Key info and names by the declarative reader, when it reads them."""


@lru_cache(maxsize=1024)
def _strict(der: bytes) -> _Strict | None:
    """The certificate parsed by cryptography's strict DER reader (every field, names and
    extensions included), or ``None`` when it refuses it."""
    try:
        cert = cx.load_der_x509_certificate(der)
        cert.extensions  # noqa: B018 - parsed lazily otherwise
    except Exception:
        return None
    return _Strict(cert, read_certificate(der))


@lru_cache(maxsize=1024)
def _load(der: bytes) -> ax.Certificate:
    # What cryptography's strict reader accepts is read lazily by asn1crypto;
    # anything else must survive asn1crypto's complete parse.
    strict = _strict(der) is not None
    try:
        cert = ax.Certificate.load(der, strict=True)
        if not strict:
            cert.native  # noqa: B018 - parse everything now, so damage surfaces here
    except Exception:
        pass
    else:
        return cert
    # Real CAs issued certificates whose name strings are not in their declared
    # type (UTF-8 in an IA5String emailAddress); OpenSSL reads them. Such a
    # certificate is read leniently when that is its only fault, and
    # certificate_nonconformance says so; any other damage is refused.
    try:
        cert = ax.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        for field in ("version", "serial_number", "signature", "validity"):
            tbs[field].native  # noqa: B018
        tbs["subject_public_key_info"].native  # noqa: B018
        tbs["extensions"].native  # noqa: B018
        cert["signature_algorithm"].native  # noqa: B018
        cert["signature_value"].native  # noqa: B018
        if not (_bad_strings(tbs["subject"]) or _bad_strings(tbs["issuer"])):
            raise ValueError("damaged elsewhere")
    except Exception:
        raise KeyFormatError("not a DER X.509 certificate") from None
    return cert


def _bad_strings(name: ax.Name) -> list[str]:
    """The attribute types of ``name`` whose values do not decode as their declared type."""
    bad = []
    for rdn in name.chosen:
        for atv in rdn:
            try:
                atv["value"].native  # noqa: B018
            except Exception:
                bad.append(str(atv["type"].native))
    return bad


def _atv_text(atv: Any) -> str:
    try:
        return str(atv["value"].native)
    except Exception:  # a lenient certificate: show what was meant, marked as such
        value = atv["value"]
        raw = bytes(getattr(value, "chosen", value).contents or b"")
        return raw.decode("utf-8", "replace")


@lru_cache(maxsize=1024)
def certificate_nonconformance(der: bytes) -> str | None:
    """Why certificate ``der`` is not strictly conformant DER, or ``None`` when it is.

    Certificates that :func:`certificate_info` reads only leniently (a name
    string not in its declared type) are usable: their signatures are checked
    with their keys, and verifiers report this text as a warning.

    Raises:
        KeyFormatError: not a certificate at all.
    """
    if _strict(der) is not None:
        return None
    tbs = _load(der)["tbs_certificate"]
    bad = [f"subject {t}" for t in _bad_strings(tbs["subject"])]
    bad += [f"issuer {t}" for t in _bad_strings(tbs["issuer"])]
    if not bad:
        return None
    return (
        f"{', '.join(bad)}: the value's bytes are not a valid string of its declared "
        "ASN.1 type (e.g. UTF-8 inside an IA5String); read leniently"
    )


_SHORT = {v[0]: k for k, v in _NAME_KEYS.items()}
_SHORT_OID = {v[1].dotted_string: k for k, v in _NAME_KEYS.items()}


def _strict_name(parsed: cx.Name) -> Name:
    # cryptography read the certificate as strict DER, so its re-encoding of the
    # name is the name as received.
    pairs = tuple(
        tuple(
            (a.oid.dotted_string, a.value if isinstance(a.value, str) else a.value.hex())
            for a in rdn
        )
        for rdn in parsed.rdns
    )
    return Name(parsed.public_bytes(), pairs)


def _name_of(name: ax.Name) -> Name:
    raw = name.dump()  # as received: the certificate is unmodified
    try:
        return Name(
            raw,
            tuple(
                tuple((atv["type"].dotted, str(atv["value"].native)) for atv in rdn)
                for rdn in name.chosen
            ),
        )
    except Exception:  # read leniently: comparable by its bytes only
        return Name(raw, None)


@lru_cache(maxsize=1024)
def _cert_names(der: bytes) -> tuple[Name, Name]:
    """The subject and issuer names of certificate ``der``."""
    c = _strict(der)
    if c is not None and c.parts is not None:
        p = c.parts
        if p.subject_rdns is not None and p.issuer_rdns is not None:
            return Name(p.subject, p.subject_rdns), Name(p.issuer, p.issuer_rdns)
    if c is not None:
        return _strict_name(c.cert.subject), _strict_name(c.cert.issuer)
    tbs = _load(der)["tbs_certificate"]
    return _name_of(tbs["subject"]), _name_of(tbs["issuer"])


def _name_text(der: bytes, field: str, parsed: Name) -> str:
    """``C=CN, O=…, CN=…`` in the certificate's order (short names, dotted OIDs otherwise)."""
    if parsed.rdns is not None:
        return ", ".join(f"{_SHORT_OID.get(t, t)}={v}" for rdn in parsed.rdns for t, v in rdn)
    parts = []
    for rdn in _load(der)["tbs_certificate"][field].chosen:
        for atv in rdn:
            key = atv["type"].native
            value = _atv_text(atv)
            parts.append(f"{_SHORT.get(key, atv['type'].dotted)}={value}")
    return ", ".join(parts)


@lru_cache(maxsize=1024)
def certificate_info(der: bytes) -> CertificateInfo:
    """Summarise the DER certificate ``der`` (cached: the value is immutable).

    Raises:
        KeyFormatError: not a certificate.
    """
    c = _strict(der)
    cert = _load(der) if c is None else None  # asn1crypto only for what cryptography refuses
    try:
        return _info(der, c.cert if c is not None else None, cert)
    except KeyFormatError:
        raise
    except Exception:  # a field asn1crypto cannot read after all
        raise KeyFormatError("not a DER X.509 certificate") from None


def _key_alg(der: bytes) -> str:
    c = _strict(der)
    if c is not None and c.parts is not None:
        alg = c.parts.spki.algorithm
        key_alg = str(keys.PublicKeyAlgorithmId.map(alg.algorithm.dotted_string))
        if key_alg == "ec":
            curve = alg.parameters.dotted_string if alg.parameters is not None else "explicit"
            key_alg = _KEY_ALGS.get(curve, curve)
        return key_alg
    alg = _load(der)["tbs_certificate"]["subject_public_key_info"]["algorithm"]
    key_alg = str(alg["algorithm"].native)
    if key_alg == "ec":
        params = alg["parameters"]
        curve = params.chosen.dotted if params.name == "named" else "explicit"
        key_alg = _KEY_ALGS.get(curve, curve)
    return key_alg


def _info(der: bytes, c: cx.Certificate | None, cert: ax.Certificate | None) -> CertificateInfo:
    subject, issuer = _cert_names(der)
    if c is not None:  # cryptography read every field already: cheaper than asn1crypto's natives
        signature_alg = c.signature_algorithm_oid.dotted_string
        try:
            bcx = c.extensions.get_extension_for_class(cx.BasicConstraints).value
            is_ca = bool(bcx.ca)
        except cx.ExtensionNotFound:
            is_ca = False
        serial = c.serial_number
        not_before, not_after = c.not_valid_before_utc, c.not_valid_after_utc
    else:
        assert cert is not None
        tbs = cert["tbs_certificate"]
        signature_alg = cert["signature_algorithm"]["algorithm"].dotted
        bc = cert.basic_constraints_value
        is_ca = bool(bc is not None and bc["ca"].native)
        validity = tbs["validity"]
        serial = tbs["serial_number"].native
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
    return CertificateInfo(
        subject=_name_text(der, "subject", subject),
        issuer=_name_text(der, "issuer", issuer),
        serial=format(serial, "x"),
        not_before=not_before,
        not_after=not_after,
        key_alg=_key_alg(der),
        signature_alg=signature_alg,
        is_ca=is_ca,
        self_issued=names_equal(subject, issuer),
        sha256=hashlib.sha256(der).hexdigest(),
    )


def certificate_public_key(der: bytes, alg: str) -> PublicKey:
    """The ``alg`` public key of the certificate ``der`` (parsed once, cached).

    Raises:
        KeyFormatError: not a certificate, or its key is not an ``alg`` key.
        UnsupportedAlgorithmError: ``alg`` is not installed.
    """
    return public_key(alg, certificate_spki(der))


def certificate_spki(der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo in certificate ``der``, as written.

    Raises:
        KeyFormatError: not a certificate.
    """
    c = _strict(der)
    if c is not None and c.parts is not None:  # a certificate, and its key info read already
        return c.parts.spki_der
    return bytes(_load(der)["tbs_certificate"]["subject_public_key_info"].dump())


@lru_cache(maxsize=4096)
def verify_issued_by(der: bytes, issuer_der: bytes) -> bool | None:
    """Whether ``issuer_der`` issued ``der``: names chain and the signature verifies.

    Returns ``None`` when the signature algorithm is not available here
    (e.g. SM2 without the backend, or an algorithm no suite provides).

    Raises:
        KeyFormatError: either is not a certificate.
    """
    if not names_equal(_cert_names(der)[1], _cert_names(issuer_der)[0]):
        return False
    cert = _load(der)
    oid = cert["signature_algorithm"]["algorithm"].dotted
    alg = SIGNATURE_ALGORITHMS.get(oid)
    if alg is None:
        return _verify_with_cryptography(der, issuer_der)
    try:
        key = certificate_public_key(issuer_der, alg)
    except KeyFormatError:
        return False  # the issuer's key cannot have made this signature
    except Exception:  # UnsupportedAlgorithmError: cannot tell here
        return None
    tbs = cert["tbs_certificate"].dump()  # unmodified, so the bytes as received
    return key.verify(cert["signature_value"].native, tbs)


def claims_issuer(der: bytes, issuer_der: bytes) -> bool:
    """Whether ``der`` claims ``issuer_der`` as its issuer: same name and, when both carry
    key identifiers, the same key (a CA that re-keyed under the same name is another issuer).

    Raises:
        KeyFormatError: either is not a certificate.
    """
    (subject, name), anchor = _cert_names(der), _cert_names(issuer_der)[0]
    if not names_equal(name, anchor) or names_equal(name, subject):
        return False  # another name, or a self-issued certificate (another root)
    cert, issuer = _load(der), _load(issuer_der)
    aki, ski = cert.authority_key_identifier, issuer.key_identifier
    return aki is None or ski is None or aki == ski


def _verify_with_cryptography(der: bytes, issuer_der: bytes) -> bool | None:
    try:
        child = cx.load_der_x509_certificate(der)
        parent = cx.load_der_x509_certificate(issuer_der)
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError) as e:
        return None if "unsupported" in str(e).lower() else False
    except Exception as e:
        return False if type(e).__name__ == "InvalidSignature" else None
    return True


def load_certificates(data: bytes) -> list[bytes]:
    """The DER certificates in ``data``: one or more PEM ``CERTIFICATE`` blocks, or one DER.

    Raises:
        KeyFormatError: no certificate found, or one that does not parse.
    """
    if pem.detect(data):
        try:
            ders = [d for kind, _h, d in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
        except ValueError:
            raise KeyFormatError("damaged PEM") from None
    else:
        ders = [data]
    if not ders:
        raise KeyFormatError("no PEM 'CERTIFICATE' block found")
    for der in ders:
        _load(der)
    return ders
