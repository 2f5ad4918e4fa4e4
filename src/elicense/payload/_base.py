"""Constants and claim keys shared by the payload modules (see :mod:`elicense.payload`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

import cbor2

from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3

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
