"""The ``sm2-sm3`` suite: SM2 signatures with SM3 (GB/T 32918.2, GB/T 35276, GM/T 0009).

Backed by `gmssl-pyx <https://pypi.org/project/gmssl-pyx/>`_ (a C extension
statically linking GmSSL 3.1), installed by the ``sm2`` extra; see
``docs/sm2-backend.md`` for why. Importing this module without the backend
raises ``ImportError``, which :func:`elicense.crypto.suites.get_suite` turns
into an :class:`~elicense.errors.UnsupportedAlgorithmError` naming the extra.

What this module does itself is only hashing and encoding:

- ``Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)`` with the default user ID
  ``1234567812345678`` (GM/T 0009 §10), cached per key, and ``e = SM3(Z ‖ M)``
  through ``cryptography``'s SM3; the backend signs and verifies ``e``. This
  is also ten times faster than the backend's own message API, which
  recomputes a signing table on every call.
- signatures are written as DER ``SEQUENCE {r, s}`` (GM/T 0009 §7.2); on
  verification both DER and the raw 64-byte ``r ‖ s`` are accepted, and
  ``r``/``s`` outside ``[1, n-1]`` are refused before the backend sees them.
- keys are DER SubjectPublicKeyInfo with ``id-ecPublicKey`` and the curve OID
  1.2.156.10197.1.301, and PKCS#8 PEM private keys (:mod:`elicense.crypto._pkcs8`).

The backend holds the GIL while it computes (gmssl-pyx does not release it),
and GmSSL prints a trace line to stderr when a signature does not verify.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gmssl_pyx
from asn1crypto import keys

from elicense.crypto._pkcs8 import EcKey, read_ec_private_key, write_ec_private_key
from elicense.crypto.gm import DEFAULT_USER_ID, SM2_CURVE_OID, SM2_SM3_OID, sm3
from elicense.crypto.suites import SM2_SM3, PrivateKey, PublicKey, Suite, register_suite
from elicense.errors import KeyFormatError

if TYPE_CHECKING:
    from elicense.crypto._der import Spki

try:  # cryptography's declarative DER decoder: see elicense.crypto.x509's import of it
    from elicense.crypto._der import read_spki
except (ImportError, AttributeError, TypeError):  # pragma: no cover - the careful path serves

    def read_spki(spki: bytes) -> Spki | None:
        return None


__all__ = [
    "BACKEND",
    "DEFAULT_USER_ID",
    "SM2_CURVE_OID",
    "SM2_SM3_OID",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm2Suite",
    "decode_signature",
    "encode_signature",
    "sm3",
]

BACKEND = f"gmssl-pyx {gmssl_pyx.__version__}"

# GB/T 32918.5 curve parameters: hash input for Z, range and on-curve checks only.
_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")
_P = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
_A_INT, _B_INT = int.from_bytes(_A, "big"), int.from_bytes(_B, "big")
_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"


def _on_curve(point: bytes) -> bool:
    """Whether ``04 ‖ x ‖ y`` satisfies y² = x³ + ax + b (mod p).

    Only the curve equation is evaluated (no point operations), so a bad key
    is refused when it is loaded; asking the backend instead would make
    GmSSL print an error trace on stderr for every key loaded.
    """
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    if not (x < _P and y < _P):
        return False
    return (y * y - (x * x * x + _A_INT * x + _B_INT)) % _P == 0


def _z(point: bytes, user_id: bytes) -> bytes:
    entl = (len(user_id) * 8).to_bytes(2, "big")
    return sm3(b"".join((entl, user_id, _A, _B, _GX, _GY, point)))  # one update, not seven


def encode_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE {r INTEGER, s INTEGER}``."""
    body = _der_int(r) + _der_int(s)
    return b"\x30" + _der_len(len(body)) + body


def _der_int(v: int) -> bytes:
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # one spare byte keeps the sign bit clear
    return b"\x02" + _der_len(len(b)) + b


def _der_len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else b"\x81" + bytes([n])


def decode_signature(sig: bytes) -> tuple[int, int] | None:
    """``(r, s)`` from a DER ``SEQUENCE {r, s}`` or a raw 64-byte ``r ‖ s``; ``None`` if neither.

    DER integers are read as unsigned (some producers omit the leading zero
    octet); values outside ``[1, n-1]`` give ``None``.
    """
    rs = _decode_der(sig)
    if rs is None and len(sig) == 64:
        rs = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if rs is None or not (0 < rs[0] < _N and 0 < rs[1] < _N):
        return None
    return rs


def _decode_der(sig: bytes) -> tuple[int, int] | None:
    if len(sig) < 8 or sig[0] != 0x30:
        return None
    pos, length = _read_len(sig, 1)
    if length is None or pos + length != len(sig):
        return None
    values = []
    for _ in range(2):
        if pos >= len(sig) or sig[pos] != 0x02:
            return None
        pos, n = _read_len(sig, pos + 1)
        if n is None or not 0 < n <= 33 or pos + n > len(sig):
            return None
        values.append(int.from_bytes(sig[pos : pos + n], "big"))
        pos += n
    return (values[0], values[1]) if pos == len(sig) else None


def _read_len(buf: bytes, pos: int) -> tuple[int, int | None]:
    if pos >= len(buf):
        return pos, None
    first = buf[pos]
    if first < 0x80:
        return pos + 1, first
    if first == 0x81 and pos + 1 < len(buf):
        return pos + 2, buf[pos + 1]
    return pos, None


def spki_for_point(point: bytes) -> bytes:
    """DER SubjectPublicKeyInfo for the uncompressed point ``04 ‖ X ‖ Y``."""
    info = keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID),
            },
            "public_key": point,
        }
    )
    return bytes(info.dump())


def _point_from_spki(spki: bytes) -> bytes:
    if len(spki) == _SPKI_LEN and spki.startswith(_SPKI_PREFIX):  # the one DER of such a key
        point = spki[-65:]
    elif (
        (fast := read_spki(spki)) is not None  # strict DER of an SM2 key, without asn1crypto
        and fast.algorithm.algorithm.dotted_string == _EC_PUBLIC_KEY
        and fast.algorithm.parameters is not None
        and fast.algorithm.parameters.dotted_string == SM2_CURVE_OID
        and fast.subject_public_key.padding_bits() == 0
    ):
        point = fast.subject_public_key.as_bytes()
    else:
        point = _point_from_spki_slow(spki)
    if len(point) != 65 or point[0] != 4:
        raise KeyFormatError(f"expected an uncompressed SM2 point of 65 octets, found {len(point)}")
    return point


def _point_from_spki_slow(spki: bytes) -> bytes:
    try:
        info = keys.PublicKeyInfo.load(spki, strict=True)
        alg = info["algorithm"]
        if alg["algorithm"].dotted != _EC_PUBLIC_KEY:
            raise KeyFormatError(f"expected id-ecPublicKey, found {alg['algorithm'].dotted}")
        params = alg["parameters"]
        if params.name != "named" or params.chosen.dotted != SM2_CURVE_OID:
            raise KeyFormatError("expected the SM2 curve (1.2.156.10197.1.301)")
        point = bytes(info["public_key"].native)
    except KeyFormatError:
        raise
    except Exception:
        raise KeyFormatError("not a DER SubjectPublicKeyInfo") from None
    return point


# Every SM2 key's SubjectPublicKeyInfo in DER (named curve, an uncompressed point in a BIT
# STRING of whole octets) is these bytes followed by the point: asn1crypto's encoding.
_SPKI_PREFIX = spki_for_point(b"\x04" + bytes(64))[:-65]
_SPKI_LEN = len(_SPKI_PREFIX) + 65


class Sm2PublicKey(PublicKey):
    """An SM2 public key; verifies SM2-with-SM3 signatures with the default user ID."""

    alg = SM2_SM3

    def __init__(self, point: bytes, spki: bytes | None = None) -> None:
        self.point = point
        self.spki = spki if spki is not None else spki_for_point(point)
        self._xy = point[1:]
        self._z = _z(self._xy, DEFAULT_USER_ID)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` (DER or raw ``r ‖ s``) is valid over ``data``; never raises."""
        try:
            rs = decode_signature(bytes(signature))
            if rs is None:
                return False
            e = sm3(self._z, data)
            return bool(gmssl_pyx.sm2_verify_sm3_digest(self._xy, e, encode_signature(*rs)))
        except Exception:  # the backend raises on inputs it refuses: not a valid signature
            return False


class Sm2PrivateKey(PrivateKey):
    """An SM2 private key held in this process."""

    alg = SM2_SM3

    def __init__(self, private: bytes, point: bytes) -> None:
        self._d = private
        self._public = Sm2PublicKey(point)

    @property
    def public_key(self) -> Sm2PublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        """DER SM2 signature over ``data`` with the default user ID."""
        e = sm3(self._public._z, data)
        return bytes(gmssl_pyx.sm2_sign_sm3_digest(self._d, e))

    def to_pem(self, password: bytes | None = None) -> bytes:
        key = EcKey(curve=SM2_CURVE_OID, private=self._d, public=self._public.point)
        return write_ec_private_key(key, password)


class Sm2Suite(Suite):
    """SM2 with SM3 (GB/T 32918, GM/T 0009) through gmssl-pyx."""

    alg = SM2_SM3
    description = f"SM2 with SM3, user ID 1234567812345678, DER signatures ({BACKEND})"
    releases_gil = False  # gmssl-pyx holds the GIL: threads do not help, processes do

    def load_public_key(self, spki: bytes) -> PublicKey:
        point = _point_from_spki(spki)
        if not _on_curve(point):
            raise KeyFormatError("SM2 public key is not a point on the curve")
        return Sm2PublicKey(point, spki)

    def generate(self) -> PrivateKey:
        xy, d = gmssl_pyx.sm2_key_generate()
        return Sm2PrivateKey(bytes(d), b"\x04" + bytes(xy))

    def load_private_key(self, pem: bytes, password: bytes | None) -> PrivateKey | None:
        key = read_ec_private_key(pem, password, SM2_CURVE_OID)
        if key is None:
            return None
        if key.public is None or len(key.public) != 65 or key.public[0] != 4:
            raise KeyFormatError(
                "SM2 private key without its public key; re-export it with 'openssl pkey'"
            )
        if not 0 < int.from_bytes(key.private, "big") < _N:
            raise KeyFormatError("SM2 private key out of range")
        candidate = Sm2PrivateKey(key.private, key.public)
        probe = b"elicense key check"
        try:
            matches = candidate.public_key.verify(candidate.sign(probe), probe)
        except Exception:
            matches = False
        if not matches:
            raise KeyFormatError("SM2 private key does not match the public key stored with it")
        return candidate


register_suite(Sm2Suite())
