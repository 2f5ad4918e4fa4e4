"""Verify GB/T 38540 seals (§6.3) and signatures (§7.3), time-aware as GM/T 0031-2025 requires.

Seal (§6.3): format; the maker's signature over ``SES_SealInfo`` as received,
with the key in ``SESeal.cert``; the maker certificate (trusted, valid); the
seal inside ``validStart..validEnd``; a v5 timestamp if present.

Signature (§7.3): format; the signer's signature over ``TBS_Sign`` as
received; the signer certificate listed in the seal's ``certList`` (bytes for
type 1, digest for type 2); the embedded seal as above; the signer
certificate; the timestamp if present; the ``dataHash`` recomputed when the
content is given (an ``info`` finding says so when it is not).

Everything is judged *at* one time: the caller's ``at``, else a verified
timestamp's time, else the signature's own ``timeInfo`` (for a bare seal: the
current time). The evidence says which, and whether it was proven.
Each check records its pass in ``checked`` even when another one fails, so a
verdict refused for time still says whether the signatures verified.

Nothing raises past this module: any input gives a :class:`Verdict`. A
seal's signature is verified once per distinct seal bytes (cached by
SHA-256), certificates and keys are parsed once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from elicense.codec import utc_now
from elicense.crypto.ses.codes import CHECK_CODES, FINDING_CODES
from elicense.crypto.ses.model import Seal, Signature
from elicense.crypto.ses.parse import kind_of, parse_seal, parse_signature
from elicense.crypto.ses.timestamp import check_timestamp, digest
from elicense.crypto.ses.trust import TrustAnchors, check_certificate
from elicense.crypto.suites import ECDSA_P256, ED25519, PublicKey, get_suite
from elicense.crypto.x509 import (
    SIGNATURE_ALGORITHMS,
    certificate_info,
    certificate_nonconformance,
    certificate_public_key,
)
from elicense.errors import EncodingError, KeyFormatError, UnsupportedAlgorithmError
from elicense.verdict import Verdict, VerdictBuilder

__all__ = [
    "CHECK_CODES",
    "FINDING_CODES",
    "SesVerifier",
    "verify",
    "verify_seal",
    "verify_signature",
]


_DATA_HASH = {ECDSA_P256: "sha256", ED25519: "sha256"}  # SM2-with-SM3 (and v1): SM3
_CACHE_SIZE = 4096


class _SealSignatureCache:
    """Seal digest → whether the maker's signature verified; bounded, thread-safe."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, bool] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bool | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: bytes, value: bool) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)


_SEALS = _SealSignatureCache(_CACHE_SIZE)


class SesVerifier:
    """Verifies GB/T 38540 / GM/T 0031 artifacts against a set of trust anchors.

    Example::

        verifier = SesVerifier(TrustAnchors.from_pem(pem_bytes))
        verdict = verifier.verify(signature_der, content=protected_bytes)
        verdict.ok, verdict.codes, verdict.checked
    """

    def __init__(self, trust: TrustAnchors | Iterable[bytes] = ()) -> None:
        """Trust ``trust`` (anchors, or DER certificates)."""
        self.trust = trust if isinstance(trust, TrustAnchors) else TrustAnchors(trust)

    def verify(
        self,
        data: bytes | Seal | Signature,
        *,
        content: bytes | None = None,
        at: datetime | None = None,
    ) -> Verdict:
        """Verify a seal or a signature, whichever ``data`` is; never raises."""
        if isinstance(data, Seal):
            return self.verify_seal(data, at=at)
        if isinstance(data, Signature):
            return self.verify_signature(data, content=content, at=at)
        try:
            kind = kind_of(data)
        except EncodingError as e:
            return _malformed(str(e))
        if kind == "seal":
            return self.verify_seal(data, at=at)
        return self.verify_signature(data, content=content, at=at)

    def verify_seal(self, data: bytes | Seal, *, at: datetime | None = None) -> Verdict:
        """Verify an ``SESeal`` at ``at`` (default: now); never raises for bad bytes.

        Raises:
            ValueError: ``at`` is not timezone-aware (a caller's mistake, not the data's).
        """
        when = _aware(at) if at is not None else utc_now()
        try:
            seal = data if isinstance(data, Seal) else parse_seal(data)
        except EncodingError as e:
            return _malformed(str(e))
        b = VerdictBuilder(subject=f"seal {seal.info.es_id}")
        try:
            b.passed("ses.format")
            b.evidence.update(kind="seal", version=seal.version, at=_iso(when))
            b.evidence.update(time_source="caller" if at is not None else "now", time_proven=False)
            self._seal(b, seal, when)
        except Exception as e:  # a bug must not escape as an exception either
            b.indeterminate("ses.internal_error", f"verification stopped: {type(e).__name__}")
        return b.build()

    def verify_signature(
        self, data: bytes | Signature, *, content: bytes | None = None, at: datetime | None = None
    ) -> Verdict:
        """Verify an ``SES_Signature`` (and its seal) at ``at``; never raises.

        Args:
            data: the signature's DER, or a parsed :class:`Signature`.
            content: the protected bytes, to recompute ``dataHash``.
            at: when to judge; default a verified timestamp's time, else ``timeInfo``.

        Raises:
            ValueError: ``at`` is not timezone-aware.
        """
        if at is not None:
            _aware(at)
        try:
            sig = data if isinstance(data, Signature) else parse_signature(data)
        except EncodingError as e:
            return _malformed(str(e))
        b = VerdictBuilder(
            subject=sig.property_info or f"signature with seal {sig.seal.info.es_id}"
        )
        try:
            b.passed("ses.format")
            self._signature(b, sig, content, at)
        except Exception as e:
            b.indeterminate("ses.internal_error", f"verification stopped: {type(e).__name__}")
        return b.build()

    # -- the procedures ---------------------------------------------------------------------

    def _signature(
        self, b: VerdictBuilder, sig: Signature, content: bytes | None, at: datetime | None
    ) -> None:
        b.evidence.update(kind="signature", version=sig.version)
        if sig.time_info is not None:
            b.evidence["time_claimed"] = _iso(sig.time_info)
        if sig.version > 1 and sig.tbs_version != sig.version:
            b.warning(
                "ses.signature.version_mismatch",
                f"TBS_Sign version is {sig.tbs_version}, the structure is v{sig.version}",
            )
        stamp_time = None
        if sig.timestamp is not None:
            stamp_time = self._timestamp(b, "ses.signature.timestamp", sig.timestamp, sig.signature)
        when, source = _judging_time(b, at, stamp_time, sig.time_info)
        b.evidence.update(at=_iso(when), time_source=source, time_proven=source == "timestamp")
        key = _key(b, "ses.signature.cert", sig.signer_cert, sig.alg_oid)
        if key is not None:
            if key.verify(sig.signature, sig.signed_bytes):
                b.passed("ses.signature")
            else:
                b.error(
                    "ses.signature.invalid",
                    "the signature over TBS_Sign (as received) does not verify with the "
                    "signer certificate's key",
                )
        _cert_in_seal(b, sig)
        self._seal(b, sig.seal, when)
        signer = check_certificate(
            b, "ses.signature.cert", sig.signer_cert, self.trust, when, "signer"
        )
        _conformance(b, "ses.signature.cert", sig.signer_cert, "signer")
        if signer is not None:
            b.evidence["signer"] = signer.subject
        b.evidence["property_info"] = sig.property_info
        _data_hash(b, sig, content)

    def _seal(self, b: VerdictBuilder, seal: Seal, when: datetime) -> None:
        info = seal.info
        digest = seal.digest  # SHA-256 of the whole seal (pictures make it large): once
        b.evidence["seal"] = {
            "es_id": info.es_id,
            "name": info.name,
            "version": seal.version,
            "valid_start": _iso(info.valid_start),
            "valid_end": _iso(info.valid_end),
            "sha256": digest.hex(),
        }
        if info.header_id != "ES":
            b.error("ses.header.invalid", f"seal header ID is {info.header_id!r}, expected 'ES'")
        if seal.version > 1 and info.header_version != seal.version:
            b.warning(
                "ses.header.version_mismatch",
                f"seal header version is {info.header_version}, the structure is v{seal.version}",
            )
        key = _key(b, "ses.seal.cert", seal.maker_cert, seal.alg_oid)
        if key is not None:
            ok = _SEALS.get(digest)
            if ok is None:
                ok = key.verify(seal.signed_value, seal.signed_bytes)
                _SEALS.put(digest, ok)
            if ok:
                b.passed("ses.seal.signature")
            else:
                b.error(
                    "ses.seal.signature.invalid",
                    "the maker's signature over SES_SealInfo (as received) does not verify "
                    "with the maker certificate's key",
                )
        maker = check_certificate(b, "ses.seal.cert", seal.maker_cert, self.trust, when, "maker")
        _conformance(b, "ses.seal.cert", seal.maker_cert, "maker")
        if maker is not None:
            b.evidence["seal"]["maker"] = maker.subject
        if when < info.valid_start:
            b.error(
                "ses.seal.not_yet_valid",
                f"the seal is valid from {_iso(info.valid_start)}, judged at {_iso(when)}",
            )
        elif when > info.valid_end:
            b.error(
                "ses.seal.expired",
                f"the seal expired {_iso(info.valid_end)}, judged at {_iso(when)}",
            )
        else:
            b.passed("ses.seal.validity")
        if seal.timestamp is not None:
            self._timestamp(b, "ses.seal.timestamp", seal.timestamp, seal.signed_value)

    def _timestamp(
        self, b: VerdictBuilder, code: str, token: bytes, stamped: bytes
    ) -> datetime | None:
        result = check_timestamp(token, stamped, self.trust)
        if result.status == "valid":
            b.passed(code)
            assert result.gen_time is not None
            b.evidence[code] = _iso(result.gen_time)
            return result.gen_time
        if result.status in ("untrusted", "unsupported"):
            b.indeterminate(f"{code}.{result.status}", result.message)
        else:
            b.error(f"{code}.{result.status}", result.message)
        return None


def _judging_time(
    b: VerdictBuilder, at: datetime | None, stamp: datetime | None, claimed: datetime | None
) -> tuple[datetime, str]:
    if at is not None:
        return at, "caller"
    if stamp is not None:
        return stamp, "timestamp"
    if claimed is not None:
        b.info(
            "ses.time.claimed",
            f"judged at the signing time the signature claims ({_iso(claimed)}); "
            "no verified timestamp proves it",
        )
        return claimed, "claimed"
    b.indeterminate(
        "ses.signature.time.unknown",
        "the signature's timeInfo holds no readable time and no time was given (at=)",
    )
    return utc_now(), "now"


def _key(b: VerdictBuilder, prefix: str, cert: bytes, alg_oid: str) -> PublicKey | None:
    """The certificate's key for ``alg_oid``; a finding (not a raise) when unavailable."""
    part = prefix.split(".")[1]  # "seal" or "signature"
    alg = SIGNATURE_ALGORITHMS.get(alg_oid)
    if alg is None:
        b.indeterminate(
            "ses.alg.unsupported", f"signature algorithm {alg_oid} is not supported", subject=part
        )
        return None
    try:
        get_suite(alg)
    except UnsupportedAlgorithmError as e:
        b.indeterminate("ses.alg.unsupported", str(e), subject=part)
        return None
    try:
        info = certificate_info(cert)
    except KeyFormatError:
        return None  # reported by the certificate check
    try:
        return certificate_public_key(cert, alg)
    except (KeyFormatError, UnsupportedAlgorithmError):
        b.error(
            f"{prefix}.key_mismatch",
            f"certificate {info.subject!r} holds a {info.key_alg} key, not one for {alg}",
        )
        return None


def _conformance(b: VerdictBuilder, prefix: str, cert: bytes, role: str) -> None:
    """A warning when the certificate was read only leniently (not strictly DER)."""
    try:
        problem = certificate_nonconformance(cert)
    except KeyFormatError:
        return  # reported as malformed by the certificate check
    if problem is not None:
        b.warning(
            f"{prefix}.nonconformant", f"the {role} certificate is not strictly DER: {problem}"
        )


def _cert_in_seal(b: VerdictBuilder, sig: Signature) -> None:
    info = sig.seal.info
    if info.cert_list_type == 1:
        listed = sig.signer_cert in info.certs
    else:
        listed = False
        for entry in info.cert_digests:
            name = entry.type.strip().lower().replace("-", "")
            if name not in ("sm3", "sha256", "sha1"):
                b.indeterminate(
                    "ses.signature.cert_digest.unsupported",
                    f"certList digest type {entry.type!r} is not SM3, SHA-256 or SHA-1",
                )
                return
            listed = listed or digest(name, sig.signer_cert) == entry.value
    if listed:
        b.passed("ses.signature.cert_in_seal")
    else:
        b.error(
            "ses.signature.cert_not_in_seal",
            "the signer certificate is not in the seal's certList "
            f"(certListType {info.cert_list_type}, {len(info.certs) + len(info.cert_digests)} "
            "entries)",
        )


def _data_hash(b: VerdictBuilder, sig: Signature, content: bytes | None) -> None:
    if content is None:  # EU DSS: SIGNED_DATA_NOT_FOUND; "valid" would be read as authentic
        b.indeterminate(
            "ses.data_hash.not_checked",
            f"the protected content ({sig.property_info!r}) was not given, so dataHash was "
            "not checked: the signature, seal and certificates say nothing about the content",
        )
        return
    name = _DATA_HASH.get(SIGNATURE_ALGORITHMS.get(sig.alg_oid, ""), "sm3")
    actual = digest(name, content)
    if actual == sig.data_hash:
        b.passed("ses.data_hash")
    else:
        b.error(
            "ses.data_hash.mismatch",
            f"dataHash is {sig.data_hash.hex()[:16]}…, the {name.upper()} of the content given "
            f"is {actual.hex()[:16]}…",
        )


def _malformed(message: str) -> Verdict:
    b = VerdictBuilder()
    b.error("ses.format.malformed", message)
    return b.build()


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("at= must be timezone-aware")
    return at


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def verify(
    data: bytes | Seal | Signature,
    *,
    trust: TrustAnchors | Iterable[bytes] = (),
    content: bytes | None = None,
    at: datetime | None = None,
) -> Verdict:
    """Verify a seal or signature against ``trust``; see :class:`SesVerifier`."""
    return SesVerifier(trust).verify(data, content=content, at=at)


def verify_seal(
    data: bytes | Seal, *, trust: TrustAnchors | Iterable[bytes] = (), at: datetime | None = None
) -> Verdict:
    """Verify an ``SESeal``; see :meth:`SesVerifier.verify_seal`."""
    return SesVerifier(trust).verify_seal(data, at=at)


def verify_signature(
    data: bytes | Signature,
    *,
    trust: TrustAnchors | Iterable[bytes] = (),
    content: bytes | None = None,
    at: datetime | None = None,
) -> Verdict:
    """Verify an ``SES_Signature``; see :meth:`SesVerifier.verify_signature`."""
    return SesVerifier(trust).verify_signature(data, content=content, at=at)
