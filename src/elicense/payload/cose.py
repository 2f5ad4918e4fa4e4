"""COSE_Sign1 (RFC 9052) of the verify-me payload, and its text form."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from functools import lru_cache

import cbor2
import msgspec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from elicense.crypto.keys import Signer
from elicense.crypto.suites import ED25519, PublicKey, key_id
from elicense.errors import PayloadError, UnsupportedAlgorithmError
from elicense.payload._base import (
    _BY_PROTECTED,
    _COSE_HEAD,
    _HOST_RE,
    _KID_HEAD,
    _PROTECTED,
    _SIG1_HEAD,
    _TAG,
    _TEXT_RE,
    _TO_BASE32HEX,
    COSE_ALG,
    MAX_COSE,
    MAX_TEXT,
)
from elicense.payload.claims import PayloadClaims

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
