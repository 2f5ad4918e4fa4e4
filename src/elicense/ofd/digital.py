"""Digital signatures in OFD (``Type="Sign"``): a bare SM2 signature or GB/T 35275 CMS.

ofdrw writes two kinds (notes §D.2):

- ``DigitalSignContainer``: ``SignedValue.dat`` is a DER SM2 signature
  (SM3, default user ID) over the bytes of ``Signature.xml``. The file
  carries no certificate: the signer's key must be given (a certificate
  trusted directly, or a public key); without it the verdict is
  indeterminate (``ofd.sign.key_unknown``).
- ``GBT35275DSContainer``: a CMS ``ContentInfo`` (``signedData``, the PKCS #7
  OID or GM/T 0010's ``1.2.156.10197.6.1.4.2.2``) whose content is
  SM3(Signature.xml), encapsulated or detached, written raw or as base64;
  the signer certificate inside, checked like any other.

The signing time is the ``SignatureDateTime`` of ``Signature.xml`` (claimed,
never proven); times without a zone are China Standard Time (UTC+8), as the
makers write them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

from elicense.codec import utc_now
from elicense.crypto.gm import sm3
from elicense.crypto.ses.timestamp import digest
from elicense.crypto.ses.trust import TrustAnchors, check_certificate
from elicense.crypto.suites import SM2_SM3, PublicKey
from elicense.crypto.x509 import (
    certificate_info,
    certificate_nonconformance,
    certificate_public_key,
)
from elicense.errors import KeyFormatError, UnsupportedAlgorithmError
from elicense.ofd.signatures import SignatureFile
from elicense.verdict import VerdictBuilder

__all__ = ["check_digital", "parse_signing_time"]

_CST = timezone(timedelta(hours=8))
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S.%f")
_SIGNED_DATA = {"1.2.840.113549.1.7.2", "1.2.156.10197.6.1.4.2.2"}
_DIGESTS = {"1.2.156.10197.1.401": "sm3", "2.16.840.1.101.3.4.2.1": "sha256"}


def parse_signing_time(text: str | None) -> datetime | None:
    """The ``SignatureDateTime`` as an aware time, or ``None`` when unreadable."""
    if not text:
        return None
    raw = text.strip()
    zone = _CST
    if raw.endswith("Z"):
        raw, zone = raw[:-1], UTC
    for fmt in _FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=_CST)


def check_digital(
    b: VerdictBuilder,
    value: bytes,
    content: bytes,
    f: SignatureFile,
    trust: TrustAnchors,
    keys: Iterable[PublicKey],
    at: datetime | None,
) -> tuple[str | None, bool]:
    """Record the findings of one ``Type="Sign"`` signature.

    Returns:
        The signer, if established, and whether the signature over
        ``Signature.xml`` verified (its References are then authentic).
    """
    when = at or parse_signing_time(f.date_time)
    if when is None:
        b.indeterminate(
            "ofd.sign.time.unknown",
            f"SignatureDateTime {f.date_time!r} is not a readable time and none was given",
        )
        when = utc_now()
    b.evidence.update(kind="sign", at=when.isoformat(), time_source="caller" if at else "claimed")
    verified: list[bool] = []
    if value[:1] == b"\x30" and _looks_like_cms(value):
        return _cms(b, value, content, trust, when, verified), bool(verified)
    return _bare(b, value, content, trust, keys, when, verified), bool(verified)


def _looks_like_cms(value: bytes) -> bool:
    from asn1crypto import cms

    try:
        ci = cms.ContentInfo.load(value, strict=True)
        return bool(ci["content_type"].dotted in _SIGNED_DATA)
    except Exception:
        return False


def _bare(
    b: VerdictBuilder,
    value: bytes,
    content: bytes,
    trust: TrustAnchors,
    keys: Iterable[PublicKey],
    when: datetime,
    verified: list[bool],
) -> str | None:
    candidates: list[tuple[PublicKey, bytes | None]] = [(k, None) for k in keys]
    for der in trust:
        try:
            candidates.append((certificate_public_key(der, SM2_SM3), der))
        except (KeyFormatError, UnsupportedAlgorithmError):
            continue  # not an SM2 certificate
    if not candidates:
        b.indeterminate(
            "ofd.sign.key_unknown",
            "the signature is a bare SM2 signature and the file carries no certificate: "
            "give the signer's certificate or public key (--trust) to check it",
        )
        return None
    for key, cert in candidates:
        if key.verify(value, content):
            b.passed("ofd.sign.signature")
            verified.append(True)
            if cert is None:
                return f"key {key.key_id}"
            _cert(b, cert, trust, when)
            return certificate_info(cert).subject
    b.error(
        "ofd.sign.signature.invalid",
        f"the SM2 signature over Signature.xml verifies under none of the {len(candidates)} "
        "keys given",
    )
    return None


def _cert(b: VerdictBuilder, cert: bytes, trust: TrustAnchors, when: datetime) -> None:
    check_certificate(b, "ofd.sign.cert", cert, trust, when, "signer")
    try:
        problem = certificate_nonconformance(cert)
    except KeyFormatError:
        return
    if problem is not None:
        b.warning("ofd.sign.cert.nonconformant", f"the signer certificate: {problem}")


def _cms(
    b: VerdictBuilder,
    value: bytes,
    content: bytes,
    trust: TrustAnchors,
    when: datetime,
    verified: list[bool],
) -> str | None:
    from asn1crypto import cms

    try:
        ci = cms.ContentInfo.load(value, strict=True)
        inner = ci["content"]
        sd = inner if isinstance(inner, cms.SignedData) else cms.SignedData.load(inner.contents)
        si = sd["signer_infos"][0]
        certs = [c.chosen.dump() for c in sd["certificates"] or ()]
        sid = si["sid"]
        encap = sd["encap_content_info"]["content"]
        data = None if encap.native is None else bytes(encap.native)
        signed_attrs = si["signed_attrs"]
        sig_value = bytes(si["signature"].native)
        digest_oid = si["digest_algorithm"]["algorithm"].dotted
    except Exception as e:
        b.error("ofd.sign.malformed", f"SignedValue.dat is not readable CMS SignedData: {e}")
        return None
    cert = _signer_cert(certs, sid)
    if cert is None:
        b.indeterminate("ofd.sign.key_unknown", "the CMS SignedData holds no signer certificate")
        return None
    expected = sm3(content)
    if data is None:
        data = expected  # detached: the content is SM3(Signature.xml)
    if data not in (expected, base64.b64encode(expected)):
        b.error(
            "ofd.sign.data.mismatch",
            "the signed content is not SM3(Signature.xml) (raw or base64): Signature.xml changed",
        )
        return None
    signed = data
    if signed_attrs.native is not None:
        name = _DIGESTS.get(digest_oid)
        md = next(
            (a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"),
            None,
        )
        if name is None or md != digest(name, data):
            b.error(
                "ofd.sign.data.mismatch",
                f"the messageDigest attribute is not the {name or digest_oid} of the content",
            )
            return None
        signed = b"\x31" + signed_attrs.dump()[1:]  # signed as a SET OF, sent as [0]
    b.passed("ofd.sign.data")
    try:
        key = certificate_public_key(cert, SM2_SM3)
    except (KeyFormatError, UnsupportedAlgorithmError) as e:
        b.indeterminate("ofd.sign.alg.unsupported", f"the signer key is not usable here: {e}")
        return None
    if key.verify(sig_value, signed):
        b.passed("ofd.sign.signature")
        verified.append(True)
    else:
        b.error(
            "ofd.sign.signature.invalid",
            "the CMS signature does not verify with the signer certificate's key",
        )
    _cert(b, cert, trust, when)
    try:
        return certificate_info(cert).subject
    except KeyFormatError:
        return None


def _signer_cert(certs: list[bytes], sid: object) -> bytes | None:
    from asn1crypto import cms, x509

    chosen = getattr(sid, "chosen", None)
    for der in certs:
        if isinstance(chosen, cms.IssuerAndSerialNumber):
            c = x509.Certificate.load(der)
            if c.serial_number == chosen["serial_number"].native:
                return der
        else:
            return der
    return certs[0] if certs else None
