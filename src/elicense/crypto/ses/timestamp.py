"""Timestamp tokens in seals and signatures (GB/T 20520, the RFC 3161 token with SM2/SM3).

A ``timeStamp`` field holds a CMS SignedData whose content is a TSTInfo. It
proves a time only when all of these hold: it parses; its message imprint is
the digest of the timestamped bytes (the signature value); the TSA's
signature over the signed attributes verifies and the ``messageDigest``
attribute matches the TSTInfo; the TSA certificate is trusted. Each failure
is reported, never ignored (GM/T 0031-2025).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

import msgspec
from asn1crypto import cms, core, tsp

from elicense.crypto.gm import SM3_OID, sm3
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.suites import ECDSA_P256, SM2_SM3
from elicense.crypto.x509 import SIGNATURE_ALGORITHMS, certificate_info, certificate_public_key

__all__ = ["TimestampCheck", "check_timestamp", "digest"]

Status = Literal["valid", "malformed", "mismatch", "invalid", "untrusted", "unsupported"]
_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_HASHES = {SM3_OID: "sm3", "2.16.840.1.101.3.4.2.1": "sha256", "1.3.14.3.2.26": "sha1"}
# Public-key OIDs that CMS writers put in signatureAlgorithm, with the digest they imply.
_KEY_SIGNATURES = {
    ("1.2.156.10197.1.301.1", "sm3"): SM2_SM3,
    ("1.2.156.10197.1.301", "sm3"): SM2_SM3,
    ("1.2.840.10045.2.1", "sha256"): ECDSA_P256,
}


class TimestampCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The answer about one token.

    Attributes:
        status: ``valid`` or what went wrong.
        message: a sentence for the finding.
        gen_time: the time the token states, when it could be read.
        tsa: the TSA certificate's subject, when found.
    """

    status: Status
    message: str
    gen_time: datetime | None = None
    tsa: str | None = None


def digest(name: str, data: bytes) -> bytes:
    """``name`` (``sm3``, ``sha256``, ``sha1``) digest of ``data``."""
    if name == "sm3":
        return sm3(data)
    return hashlib.new(name, data).digest()


def check_timestamp(token: bytes, stamped: bytes, anchors: TrustAnchors) -> TimestampCheck:
    """Check ``token`` as a timestamp over ``stamped``; never raises."""
    try:
        info = cms.ContentInfo.load(token, strict=True)
        if info["content_type"].native != "signed_data":
            return _bad("malformed", "the timestamp is not a CMS SignedData")
        sd = info["content"]
        encap = sd["encap_content_info"]
        if encap["content_type"].dotted != _TST_INFO:
            return _bad("malformed", "the timestamp's content is not a TSTInfo")
        econtent = encap["content"].contents
        tst = tsp.TSTInfo.load(econtent)
        imprint = tst["message_imprint"]
        gen_time = tst["gen_time"].native
        imprint_alg = _HASHES.get(imprint["hash_algorithm"]["algorithm"].dotted)
        signers = list(sd["signer_infos"])
        certs = [c.chosen.dump() for c in sd["certificates"]] if sd["certificates"] else []
    except Exception:
        return _bad("malformed", "the timestamp token does not parse as CMS SignedData/TSTInfo")
    if imprint_alg is None:
        return _bad("unsupported", "the timestamp's imprint algorithm is not SM3/SHA-256/SHA-1")
    if digest(imprint_alg, stamped) != imprint["hashed_message"].native:
        return _bad("mismatch", "the timestamp's imprint is not the digest of the signature value")
    if len(signers) != 1:
        return _bad("malformed", f"the timestamp has {len(signers)} signers; expected 1")
    return _check_signer(signers[0], econtent, certs, anchors, gen_time)


def _check_signer(
    si: cms.SignerInfo, econtent: bytes, certs: list[bytes], anchors: TrustAnchors, when: datetime
) -> TimestampCheck:
    try:
        digest_alg = _HASHES.get(si["digest_algorithm"]["algorithm"].dotted)
        sig_oid = si["signature_algorithm"]["algorithm"].dotted
        attrs = si["signed_attrs"]
        if isinstance(attrs, core.Void):
            return _bad("malformed", "the timestamp has no signed attributes")
        found = {a["type"].native: a["values"][0].native for a in attrs}
        signed = b"\x31" + attrs.dump()[1:]  # signed as SET OF, sent as [0] IMPLICIT
        cert = _signer_cert(si["sid"], [*certs, *anchors])
        signature = si["signature"].native
    except Exception:
        return _bad("malformed", "the timestamp's SignerInfo does not parse")
    if digest_alg is None:
        return _bad("unsupported", "the timestamp's digest algorithm is not SM3/SHA-256/SHA-1")
    if found.get("message_digest") != digest(digest_alg, econtent):
        return _bad("invalid", "the timestamp's messageDigest does not match its TSTInfo")
    if cert is None:
        return _bad("untrusted", "the TSA certificate is neither in the token nor an anchor")
    alg = SIGNATURE_ALGORITHMS.get(sig_oid) or _KEY_SIGNATURES.get((sig_oid, digest_alg))
    if alg is None:
        return _bad("unsupported", f"the timestamp's signature algorithm {sig_oid} is unknown")
    tsa = certificate_info(cert).subject
    try:
        key = certificate_public_key(cert, alg)
    except Exception:
        return _bad("unsupported", f"cannot check the TSA's {alg} signature here", tsa=tsa)
    if not key.verify(signature, signed):
        return _bad("invalid", "the TSA's signature over the timestamp does not verify", tsa=tsa)
    how, _anchor = anchors.trust(cert)
    info = certificate_info(cert)
    if how not in ("direct", "issued"):
        return _bad("untrusted", f"the TSA certificate {tsa!r} is not trusted", tsa=tsa)
    if not info.not_before <= when <= info.not_after:
        return _bad("invalid", f"the TSA certificate was not valid at {when.isoformat()}", tsa=tsa)
    return TimestampCheck(status="valid", message="timestamp verified", gen_time=when, tsa=tsa)


def _signer_cert(sid: cms.SignerIdentifier, certs: list[bytes]) -> bytes | None:
    from asn1crypto import x509

    for der in certs:
        cert = x509.Certificate.load(der)
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if ias["issuer"] == cert.issuer and ias["serial_number"].native == cert.serial_number:
                return der
        elif cert.key_identifier == sid.chosen.native:
            return der
    return None


def _bad(status: Status, message: str, tsa: str | None = None) -> TimestampCheck:
    return TimestampCheck(status=status, message=message, tsa=tsa)
