"""The payload's claims: what a verify-me QR says, and nothing personal."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from typing import Any

import msgspec

from elicense.codec import require_utc
from elicense.errors import PayloadError
from elicense.payload._base import (
    _KEYS,
    _LICENSE_ID,
    _MAX_TIME,
    _ORIGIN,
    _TYPE_CODE,
    _USCC,
    CTI,
    EH,
    EXP,
    IAT,
    ISS,
    IU,
    LT,
    SLOT,
    SUB,
)


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
