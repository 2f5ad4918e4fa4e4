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

from elicense.payload._base import COSE_ALG, COSE_ALG_SM2_SM3, DEFAULT_MAX_STATUS_AGE
from elicense.payload.check import StatusOf, verify_payload
from elicense.payload.claims import PayloadClaims, record_hash_prefix, short_lived
from elicense.payload.cose import (
    OpenedPayload,
    PlatformKeys,
    cose_kid,
    make_payload,
    open_payload,
    payload_text,
    read_payload_text,
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
