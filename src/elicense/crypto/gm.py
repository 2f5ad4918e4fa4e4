"""GM/T (国密) identifiers and SM3, available without the SM2 backend.

SM3 (GB/T 32905) comes from ``cryptography``; only SM2 signing and
verification need the ``sm2`` extra (:mod:`elicense.crypto.sm2`). With that
extra installed, GmSSL's SM3 (gmssl-pyx) hashes bytes instead: the same
digest, a microsecond less per call and some 15 % less per byte, which a
cold OFD verify (a dozen digests, three of 17 kB) feels.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

try:
    from gmssl_pyx import sm3_hash as _gmssl_sm3
except ImportError:  # pragma: no cover - the sm2 extra is not installed
    _gmssl_sm3 = None

__all__ = ["DEFAULT_USER_ID", "SM2_CURVE_OID", "SM2_SM3_OID", "SM3_OID", "sm3"]

SM2_CURVE_OID = "1.2.156.10197.1.301"
"""The SM2 curve (GM/T 0006); named curve of ``id-ecPublicKey`` SM2 keys."""
SM3_OID = "1.2.156.10197.1.401"
"""The SM3 hash (GM/T 0006)."""
SM2_SM3_OID = "1.2.156.10197.1.501"
"""SM2 signature with SM3 (GM/T 0006): the algorithm of every SES structure."""
DEFAULT_USER_ID = b"1234567812345678"
"""The default SM2 user ID (GM/T 0009 §10)."""

_SM3 = hashes.SM3()


def sm3(*parts: bytes) -> bytes:
    """SM3 digest of the concatenation of ``parts``."""
    if _gmssl_sm3 is not None:
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if type(data) is bytes:  # gmssl-pyx takes bytes only
            return bytes(_gmssl_sm3(data))
    h = hashes.Hash(_SM3)
    for p in parts:
        h.update(p)
    return bytes(h.finalize())
