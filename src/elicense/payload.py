"""The verify-me payload: the text a license's QR code carries (wire format v2).

A payload is a COSE_Sign1 (RFC 9052 §4.2, CBOR tag 18) signed by the
**platform key**, carrying CWT-style claims (RFC 8392) that name the license's
status slot and the record behind it — and nothing personal. Its text form is
an upper-case URL, so a phone's scanner opens a page and the whole string fits
QR alphanumeric mode::

    HTTPS://<HOST>/V/<BASE32 of the COSE_Sign1 bytes, RFC 4648, no padding>

HOST is the platform's public verification host; verifiers ignore it and check
the payload. Reading accepts the scheme and host in any case and surrounding
whitespace, nothing else.

COSE_Sign1 ``[protected, unprotected, payload, signature]``, tag 18:

- protected: exactly ``{1: alg}``, deterministically encoded:

  ==========  ==================  ==========================================
  alg value   name                suite
  ==========  ==================  ==========================================
  ``-7``      ES256               ``ecdsa-p256-sha256``
  ``-8``      EdDSA               ``ed25519``
  ``-65537``  SM2-SM3 (private)   ``sm2-sm3``, user ID ``1234567812345678``
  ==========  ==================  ==========================================

  COSE registers no SM2 algorithm, so elicense fixes the private-use value
  :data:`COSE_ALG_SM2_SM3` (= -65537; the IANA COSE Algorithms registry keeps integers below -65536
  for private use).
- unprotected: exactly ``{4: kid}``, kid = the first 8 bytes of SHA-256 of the
  platform key's DER SubjectPublicKeyInfo (as EU DCC does), so a verifier picks
  the key. It is not signed: a changed kid names another key, or none.
- signature over ``Sig_structure = ["Signature1", protected, h'', payload]``:
  ECDSA P-256 and SM2 as raw ``r ‖ s`` (32 + 32 bytes, RFC 9053 §2.1), Ed25519
  as its 64 bytes.
- The outer structure must be the deterministic encoding (RFC 8949 §4.2.1) of
  what it holds: no byte of a payload can change without it being refused.

Claims (a map with integer keys, deterministically encoded; unknown keys are
refused, so the payload can never carry a holder's name, 身份号码 or a license
field — a new claim is a new wire version):

==========  ======  =====================================================================
key         name    value
==========  ======  =====================================================================
``1``       iss     the ledger origin (text), e.g. ``elicense:zwfw.example.gov.cn``
``2``       sub     optional, opt-in: the 电子证照标识 (RFC 8392's own ``sub``); absent
                    by default
``4``       exp     optional: seconds since the epoch when the payload stops being valid
                    (the license's validity end; now + minutes in the short-lived form);
                    absent for a license without an end
``6``       iat     seconds since the epoch when the platform made the payload
``7``       cti     short-lived (亮证) form only: a 16-byte random nonce
``-65537``  slot    the license's status slot in the platform's status list (int ≥ 0)
``-65538``  eh      the first 16 bytes of SHA-256 of the stored record that created this
                    identifier version
``-65539``  lt      the license type code (证照类型代码), e.g. ``91110000600037341L001``
``-65540``  iu      the issuing department's 统一社会信用代码
==========  ======  =====================================================================

Private claim keys are below -65536, the range RFC 8392 §9.1 reserves for
private use (IANA CWT Claims registry).
:func:`verify_payload` answers with a :class:`~elicense.verdict.Verdict`;
:func:`open_payload` raises :class:`~elicense.errors.PayloadError` with the
codes ``payload.malformed``, ``payload.alg.unknown``, ``payload.key.unknown``,
``payload.signature.invalid`` and ``payload.claims.invalid``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final

import cbor2
import msgspec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from elicense.codec import require_utc, utc_now
from elicense.crypto.keys import Signer
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3, PublicKey, key_id
from elicense.errors import PayloadError, UnsupportedAlgorithmError
from elicense.verdict import (
    Finding,
    Outcome,
    Severity,
    SignatureResult,
    TimeSource,
    Verdict,
    VerdictBuilder,
)

__all__ = [
    "COSE_ALG",
    "COSE_ALG_SM2_SM3",
    "DEFAULT_MAX_STATUS_AGE",
    "OpenedPayload",
    "PayloadClaims",
    "PlatformKeys",
    "StatusOf",
    "cose_kid",
    "make_payload",
    "open_payload",
    "payload_text",
    "read_payload_text",
    "record_hash_prefix",
    "short_lived",
    "verify_payload",
]

COSE_ALG_SM2_SM3: Final = -65537
"""elicense's private-use COSE algorithm value for SM2 with SM3 (user ID 1234567812345678)."""
COSE_ALG: Final = {ECDSA_P256: -7, ED25519: -8, SM2_SM3: COSE_ALG_SM2_SM3}
"""COSE algorithm value of each suite that may sign payloads."""
DEFAULT_MAX_STATUS_AGE: Final = timedelta(hours=24)
"""Oldest status list accepted for a reversible status (valid, suspended)."""
CLOCK_SKEW: Final = 300
"""Seconds a payload's ``iat`` may lie ahead of the verifier's time (phones' clocks)."""
MAX_TEXT: Final = 2048
MAX_COSE: Final = 1024

ISS, SUB, EXP, IAT, CTI = 1, 2, 4, 6, 7
SLOT, EH, LT, IU = -65537, -65538, -65539, -65540
_KEYS: Final = {ISS: "iss", SUB: "sub", EXP: "exp", IAT: "iat", CTI: "cti"} | {
    SLOT: "slot",
    EH: "eh",
    LT: "lt",
    IU: "iu",
}

_TAG = 18
_PROTECTED: Final = {alg: cbor2.dumps({1: value}) for alg, value in COSE_ALG.items()}
_BY_PROTECTED: Final = {p: alg for alg, p in _PROTECTED.items()}
_SIG1_HEAD = cbor2.dumps("Signature1")
_COSE_HEAD = b"\xd2\x84"  # tag 18, array of 4
_KID_HEAD = b"\xa1\x04\x48"  # {4: 8-byte string}
_MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z: datetime's range
_ORIGIN = re.compile(r"[\x21-\x7e]{1,200}")
_TYPE_CODE = re.compile(r"[0-9A-Z]{1,32}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_LICENSE_ID = re.compile(r"1\.2\.156\.[0-9A-Z.]{1,120}")
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?"
_HOST_RE = re.compile(_HOST, re.ASCII)
_TO_BASE32HEX = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV"
)
_TEXT_RE = re.compile(rf"(?i:https)://{_HOST}/V/([A-Z2-7]+)", re.ASCII)


def _bad_claims(message: str) -> PayloadError:
    return PayloadError(message, code="payload.claims.invalid")


def _int(name: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise _bad_claims(f"{name} must be an integer in [{low}, {high}], found {value!r}")


def _text(name: str, value: object, pattern: re.Pattern[str]) -> None:
    if type(value) is not str or not pattern.fullmatch(value):
        shown = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise _bad_claims(f"{name} must match {pattern.pattern}, found {shown}")


def _bytes(name: str, value: object, size: int) -> None:
    if type(value) is not bytes or len(value) != size:
        raise _bad_claims(f"{name} must be {size} bytes, found {value!r:.40}")


class PayloadClaims(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a payload says; by construction nothing personal (see the module docstring).

    Attributes:
        iss: the ledger origin.
        iat: when the platform made the payload (seconds since the epoch).
        exp: when the payload stops being valid, or ``None`` for a license without an end.
        slot: the license's status slot.
        eh: first 16 bytes of SHA-256 of the record that created this identifier version.
        lt: the license type code.
        iu: the issuing department's 统一社会信用代码.
        sub: the 电子证照标识 — only when the platform opts in.
        cti: the short-lived form's 16-byte nonce.

    Raises:
        PayloadError: ``payload.claims.invalid`` for a value off the schema.
    """

    iss: str
    iat: int
    exp: int | None = None
    slot: int
    eh: bytes
    lt: str
    iu: str
    sub: str | None = None
    cti: bytes | None = None

    def __post_init__(self) -> None:
        _text("iss", self.iss, _ORIGIN)
        _int("iat", self.iat, 0, _MAX_TIME)
        if self.exp is not None:
            _int("exp", self.exp, self.iat + 1, _MAX_TIME)
        _int("slot", self.slot, 0, 2**32 - 1)
        _bytes("eh", self.eh, 16)
        _text("lt", self.lt, _TYPE_CODE)
        _text("iu", self.iu, _USCC)
        if self.sub is not None:
            _text("sub", self.sub, _LICENSE_ID)
        if self.cti is not None:
            _bytes("cti", self.cti, 16)
            if self.exp is None:
                raise _bad_claims("the short-lived form (with cti) must have an exp")

    def to_cbor_map(self) -> dict[int, Any]:
        """The claims map (integer keys), absent optional claims left out."""
        m: dict[int, Any] = {ISS: self.iss, IAT: self.iat}
        if self.exp is not None:
            m[EXP] = self.exp
        m[SLOT], m[EH], m[LT], m[IU] = self.slot, self.eh, self.lt, self.iu
        if self.sub is not None:
            m[SUB] = self.sub
        if self.cti is not None:
            m[CTI] = self.cti
        return m

    @classmethod
    def from_cbor_map(cls, m: object) -> PayloadClaims:
        """Read a claims map; refuse unknown keys and values off the schema.

        Raises:
            PayloadError: ``payload.claims.invalid``.
        """
        if type(m) is not dict:
            raise _bad_claims(f"claims must be a map, found {type(m).__name__}")
        fields: dict[str, Any] = {}
        unknown: list[str] = []
        for k, v in m.items():
            name = _KEYS.get(k) if type(k) is int else None  # not True, not 1.0
            if name is None:
                unknown.append(repr(k)[:20])  # the key only: never echo a value
            else:
                fields[name] = v
        if unknown:
            raise _bad_claims(f"unknown claim keys {unknown}; expected {sorted(_KEYS)}")
        missing = {"iss", "iat", "slot", "eh", "lt", "iu"} - fields.keys()
        if missing:
            raise _bad_claims(f"missing claims {sorted(missing)}")
        return cls(**fields)

    @property
    def short_lived(self) -> bool:
        """Whether this is the short-lived (亮证) form."""
        return self.cti is not None


def record_hash_prefix(record: bytes) -> bytes:
    """The ``eh`` claim for a stored record's bytes: SHA-256, first 16 bytes."""
    return hashlib.sha256(record).digest()[:16]


def short_lived(
    claims: PayloadClaims, *, at: datetime, minutes: int = 5, cti: bytes | None = None
) -> PayloadClaims:
    """The short-lived (亮证) form of ``claims``: issued ``at``, valid ``minutes``, a nonce.

    The expiry never outlasts the license's own (``claims.exp``).

    Raises:
        ValueError: ``minutes`` outside 1–60 or ``at`` not UTC.
    """
    if not 1 <= minutes <= 60:
        raise ValueError(f"minutes must be in 1..60, found {minutes}")
    require_utc(at, "at")
    iat = int(at.timestamp())
    exp = iat + 60 * minutes if claims.exp is None else min(claims.exp, iat + 60 * minutes)
    nonce = os.urandom(16) if cti is None else cti
    return msgspec.structs.replace(claims, iat=iat, exp=exp, cti=nonce)


# -- COSE_Sign1 -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def cose_kid(spki: bytes) -> bytes:
    """The payload kid of a public key: first 8 bytes of SHA-256 of its SPKI DER."""
    return hashlib.sha256(spki).digest()[:8]


def _bstr(b: bytes) -> bytes:
    """``b`` as a CBOR byte string, length header in its shortest form (RFC 8949 §4.2.1)."""
    n = len(b)
    if n < 24:
        return bytes((0x40 | n,)) + b
    if n < 256:
        return bytes((0x58, n)) + b
    return b"\x59" + n.to_bytes(2, "big") + b  # MAX_COSE keeps every length below 65536


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    # ["Signature1", protected, h'', payload] (RFC 9052 §4.4)
    return b"\x84" + _SIG1_HEAD + _bstr(protected) + b"\x40" + _bstr(payload)


def make_payload(claims: PayloadClaims, signer: Signer) -> bytes:
    """Sign ``claims`` with the platform key ``signer``: the COSE_Sign1 bytes.

    Raises:
        UnsupportedAlgorithmError: the signer's suite has no COSE algorithm here.
    """
    protected = _PROTECTED.get(signer.alg)
    if protected is None:
        raise UnsupportedAlgorithmError(
            f"payloads are signed with {sorted(COSE_ALG)}, not {signer.alg!r}"
        )
    body = cbor2.dumps(claims.to_cbor_map(), canonical=True)
    signature = signer.sign(_sig_structure(protected, body))
    if signer.alg != ED25519:  # DER SEQUENCE {r, s} -> raw r ‖ s
        r, s = decode_dss_signature(signature)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    kid = cose_kid(signer.public_key.spki)
    return cbor2.dumps(cbor2.CBORTag(_TAG, [protected, {4: kid}, body, signature]))


class _Key:
    __slots__ = ("alg", "key", "signer")

    def __init__(self, key: PublicKey) -> None:
        self.key = key
        self.alg = key.alg
        self.signer = f"platform:{key_id(key.spki)}"


class PlatformKeys:
    """Platform public keys indexed by payload kid; build once, verify many.

    Args:
        keys: the platform's public keys (current and rotated-out ones still trusted).
    """

    __slots__ = ("_by_kid",)

    def __init__(self, keys: Iterable[PublicKey]) -> None:
        self._by_kid: dict[bytes, list[_Key]] = {}
        for k in keys:
            self._by_kid.setdefault(cose_kid(k.spki), []).append(_Key(k))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_kid.values())

    def _lookup(self, kid: bytes) -> list[_Key]:
        """The keys whose kid is ``kid`` (normally one)."""
        return self._by_kid.get(kid, [])


class OpenedPayload(msgspec.Struct, frozen=True, kw_only=True):
    """A payload whose signature verified.

    Attributes:
        claims: what it says.
        kid: the 8-byte kid of the platform key that signed it.
        alg: the suite of that key (``ecdsa-p256-sha256``, ``ed25519``, ``sm2-sm3``).
        signer: ``platform:<key id>`` of that key.
    """

    claims: PayloadClaims
    kid: bytes
    alg: str
    signer: str


def _malformed(message: str) -> PayloadError:
    return PayloadError(message, code="payload.malformed")


def _alg_of(protected: bytes) -> str:
    alg = _BY_PROTECTED.get(protected)
    if alg is not None:
        return alg
    try:
        header = cbor2.loads(protected)
    except Exception:
        raise _malformed("the protected header is not CBOR") from None
    if type(header) is dict and type(header.get(1)) is int and len(header) == 1:
        raise PayloadError(
            f"unknown COSE algorithm {header[1]}; expected one of {sorted(COSE_ALG.values())}",
            code="payload.alg.unknown",
        )
    raise _malformed("the protected header must be exactly {1: alg}, deterministically encoded")


def open_payload(cose: bytes, keys: PlatformKeys | Iterable[PublicKey]) -> OpenedPayload:
    """Check a payload's structure and platform signature; return what it says.

    Only the signature is checked here, not the origin, expiry or status (see
    :func:`verify_payload`).

    Raises:
        PayloadError: ``payload.malformed``, ``payload.alg.unknown``, ``payload.key.unknown``,
            ``payload.signature.invalid`` or ``payload.claims.invalid``.
    """
    if not isinstance(keys, PlatformKeys):
        keys = PlatformKeys(keys)
    if type(cose) is not bytes:
        raise _malformed(f"expected the COSE_Sign1 bytes, found {type(cose).__name__}")
    if not 0 < len(cose) <= MAX_COSE:
        raise _malformed(f"expected 1 to {MAX_COSE} bytes, found {len(cose)}")
    try:
        outer = cbor2.loads(cose)
    except Exception:  # cbor2 raises several kinds on garbage: all mean the same here
        raise _malformed("not CBOR") from None
    if type(outer) is not cbor2.CBORTag or outer.tag != _TAG:
        raise _malformed("expected a COSE_Sign1 (CBOR tag 18)")
    parts = outer.value
    if type(parts) not in (tuple, list) or len(parts) != 4:  # cbor2 gives tuples in tags
        raise _malformed("a COSE_Sign1 is an array of four items")
    protected, unprotected, body, signature = parts
    if type(protected) is not bytes or type(body) is not bytes or type(signature) is not bytes:
        raise _malformed("protected header, payload and signature must be byte strings")
    if type(unprotected) not in (cbor2.frozendict, dict) or len(unprotected) != 1:
        raise _malformed("the unprotected header must be exactly {4: kid}")
    kid = unprotected.get(4)
    if type(kid) is not bytes or len(kid) != 8:
        raise _malformed("the unprotected header must be exactly {4: kid of 8 bytes}")
    # The one deterministic encoding of what it holds, written out (cheaper than cbor2.dumps).
    if cose != b"".join(
        (_COSE_HEAD, _bstr(protected), _KID_HEAD, kid, _bstr(body), _bstr(signature))
    ):
        raise _malformed("not the deterministic encoding of what it holds")
    alg = _alg_of(protected)
    candidates = keys._lookup(kid)
    if not candidates:
        raise PayloadError(f"no platform key has kid {kid.hex()}", code="payload.key.unknown")
    if len(signature) != 64:
        raise PayloadError(
            f"expected a 64-byte signature, found {len(signature)}",
            code="payload.signature.invalid",
            signer=candidates[0].signer,
        )
    if alg != ED25519:  # raw r ‖ s -> DER, what the suites verify
        signature = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
    data = _sig_structure(protected, body)
    for k in candidates:
        if k.alg == alg and k.key.verify(signature, data):
            signer = k.signer
            break
    else:
        raise PayloadError(
            f"the {alg} signature does not verify under the platform key with kid {kid.hex()}",
            code="payload.signature.invalid",
            signer=candidates[0].signer,
        )
    try:
        claims_map = cbor2.loads(body, allow_duplicate_keys=False)
    except Exception:
        raise PayloadError(
            "the signed claims are not CBOR", code="payload.claims.invalid", signer=signer
        ) from None
    try:
        claims = PayloadClaims.from_cbor_map(claims_map)
    except PayloadError as e:
        e.signer = signer
        raise
    return OpenedPayload(claims=claims, kid=kid, alg=alg, signer=signer)


# -- text form ------------------------------------------------------------------------------


def payload_text(cose: bytes, host: str) -> str:
    """The QR text ``HTTPS://<HOST>/V/<BASE32>`` of a payload (all upper case).

    Raises:
        ValueError: ``host`` is not a host name (with an optional port).
    """
    if not _HOST_RE.fullmatch(host):
        raise ValueError(f"expected a host name such as ZWFW.EXAMPLE.GOV.CN, found {host!r}")
    return f"HTTPS://{host.upper()}/V/{base64.b32encode(cose).rstrip(b'=').decode()}"


def read_payload_text(text: str) -> bytes:
    """The COSE_Sign1 bytes in a payload's text; the host is not checked.

    Raises:
        PayloadError: ``payload.malformed`` for anything but ``HTTPS://<host>/V/<BASE32>``.
    """
    if type(text) is not str:
        raise _malformed(f"expected the payload text, found {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise _malformed(f"expected at most {MAX_TEXT} characters, found {len(text)}")
    m = _TEXT_RE.fullmatch(text.strip())
    if m is None:
        raise _malformed("expected HTTPS://<host>/V/<upper-case base32>")
    b32 = m.group(1)
    spare = len(b32) * 5 % 8  # bits past the last whole byte: must be fewer than 5, and zero
    if spare >= 5:
        raise _malformed(f"not base32 of whole bytes ({len(b32)} characters)")
    # base64's pure-Python b32decode costs a third of a P-256 verify; RFC 4648 base32 is
    # base32hex (0-9A-V) under another alphabet, which int() reads in C.
    value = int(b32.translate(_TO_BASE32HEX), 32)
    if value & ((1 << spare) - 1):
        raise _malformed("not the canonical base32 of its bytes (spare bits set)")
    return (value >> spare).to_bytes(len(b32) * 5 // 8, "big")


# -- verdict --------------------------------------------------------------------------------

StatusOf = Callable[[int], "tuple[str, datetime] | None"]
"""``status_of(slot) -> (status, list_issued_at) | None``: the signed status list's answer."""

_STATUS_CODES = {"valid", "suspended", "invalid"}


def verify_payload(
    text: str,
    *,
    platform_keys: PlatformKeys | Iterable[PublicKey],
    origin: str,
    status_of: StatusOf,
    at: datetime | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
) -> Verdict:
    """Verify a payload's text: signature, origin, validity and status — never raises for input.

    Args:
        text: the QR text.
        platform_keys: the platform's public keys (from the trust bundle).
        origin: this ledger's origin; a payload of another ledger is refused.
        status_of: the status list's answer for a slot (see :data:`StatusOf`).
        at: the time to judge at (UTC); the verifier's clock when omitted.
        max_status_age: oldest status list accepted for a reversible status.

    Returns:
        The verdict; ``evidence`` holds the type, issuer, validity, slot and the
        status list's age.
    """
    b = VerdictBuilder()
    if at is None:
        b.judged_at, b.time_source = utc_now(), TimeSource.CLOCK
    else:
        require_utc(at, "at")
        b.judged_at, b.time_source = at, TimeSource.CALLER
    judged_at = b.judged_at
    try:
        opened = open_payload(read_payload_text(text), platform_keys)
    except PayloadError as e:
        return _refused(b, e)
    claims = opened.claims
    b.subject = claims.sub
    b.signatures.append(
        SignatureResult(
            kind="cose", signer=opened.signer, outcome=Outcome.VALID, checked=("payload.signature",)
        )
    )
    b.passed("payload.signature")
    ev = b.evidence
    ev["origin"] = claims.iss
    ev["license_type"] = claims.lt
    ev["issuer"] = claims.iu
    ev["issued_at"] = datetime.fromtimestamp(claims.iat, UTC)
    ev["valid_until"] = None if claims.exp is None else datetime.fromtimestamp(claims.exp, UTC)
    ev["form"] = "short-lived" if claims.cti is not None else "static"
    ev["status_slot"] = claims.slot
    ev["record_hash_prefix"] = claims.eh.hex()

    if claims.iss != origin:
        b.error(
            "payload.origin.mismatch",
            f"the payload is of ledger {claims.iss!r}, this verifier trusts {origin!r}",
        )
    else:
        b.passed("payload.origin")
    now = judged_at.timestamp()
    if claims.exp is not None and now >= claims.exp:
        b.error("payload.expired", f"the payload was valid until {ev['valid_until'].isoformat()}")
    elif claims.iat > now + CLOCK_SKEW:
        b.indeterminate(
            "payload.issued.future",
            f"the payload was made at {ev['issued_at'].isoformat()}, after the time judged at",
        )
    else:
        b.passed("payload.validity")
    _judge_status(b, status_of(claims.slot), claims.slot, judged_at, max_status_age)
    return b.build()


def _judge_status(
    b: VerdictBuilder,
    answer: tuple[str, datetime] | None,
    slot: int,
    at: datetime,
    max_age: timedelta,
) -> None:
    if answer is None:
        b.indeterminate("payload.status.unknown", f"the status list has no slot {slot}")
        return
    status, issued = answer
    age = at - issued
    b.evidence["status_list_issued_at"] = issued
    b.evidence["status_list_age_seconds"] = round(age.total_seconds(), 3)
    if status not in _STATUS_CODES:
        b.indeterminate(
            "payload.status.unknown",
            f"the status list says {status!r} for slot {slot}; expected one of "
            f"{sorted(_STATUS_CODES)}",
        )
        return
    b.status = status
    if status == "invalid":  # permanent: an old list still says so rightly
        b.error(
            "payload.status.invalid",
            f"the status list marks slot {slot} invalid (revoked, superseded or ended)",
        )
        return
    if age > max_age:  # a reversible status from an old list: it may have changed since
        b.indeterminate(
            "payload.status.stale",
            f"the status list is {age} old, older than the accepted {max_age}",
        )
    else:
        b.passed("payload.status.fresh")
    if status == "suspended":
        b.error("license.suspended", "the license is suspended (02 暂扣)")
    else:
        b.passed("payload.status")


def _refused(b: VerdictBuilder, e: PayloadError) -> Verdict:
    # An unknown kid may be a key newer than the trust bundle: not established, not forged.
    unknown_key = e.code == "payload.key.unknown"
    finding = Finding(
        code=e.code,
        severity=Severity.INDETERMINATE if unknown_key else Severity.ERROR,
        message=str(e),
    )
    b.extend((finding,))
    if e.code == "payload.claims.invalid":  # the signature held; what it signed did not
        b.signatures.append(
            SignatureResult(
                kind="cose", signer=e.signer, outcome=Outcome.VALID, checked=("payload.signature",)
            )
        )
        b.passed("payload.signature")
    elif e.code != "payload.malformed":  # there was a signature, and it did not hold
        b.signatures.append(
            SignatureResult(
                kind="cose",
                signer=e.signer,
                outcome=Outcome.INDETERMINATE if unknown_key else Outcome.INVALID,
                findings=(finding,),
            )
        )
    return b.build()
