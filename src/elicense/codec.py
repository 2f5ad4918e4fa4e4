"""Canonical bytes and digests.

Everything elicense signs or hashes is the canonical encoding of a frozen
msgspec Struct (docs/wire-format.md):

- msgspec JSON, struct fields in declaration order, no whitespace;
- dict keys sorted (``order="deterministic"``);
- bytes as standard base64 with padding;
- times as RFC 3339 in UTC with ``Z`` (microseconds only when non-zero).

A verifier decodes, re-encodes and compares: bytes that are not the canonical
encoding of what they say are refused (:class:`~elicense.errors.NonCanonicalError`),
so no byte of a signed or hashed document can change without the verdict changing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec

from elicense.errors import EncodingError, NonCanonicalError

__all__ = [
    "ENCODER",
    "Clock",
    "TaggedDocument",
    "canonical",
    "decode",
    "decode_canonical",
    "require_utc",
    "sha256",
    "utc_now",
]

T = TypeVar("T")

ENCODER = msgspec.json.Encoder(order="deterministic")
"""The one encoder for canonical bytes."""

_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}


def canonical(obj: object) -> bytes:
    """Return the canonical bytes of ``obj`` (normally a frozen Struct)."""
    return ENCODER.encode(obj)


def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    dec = _DECODERS.get(type_)
    if dec is None:
        dec = _DECODERS[type_] = msgspec.json.Decoder(type_)
    return dec


def decode(data: bytes | str, type_: type[T], *, what: str) -> T:
    """Decode JSON ``data`` as ``type_``; raise :class:`EncodingError` naming ``what``."""
    try:
        return _decoder(type_).decode(data)  # type: ignore[no-any-return]
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as e:
        # RecursionError: msgspec's answer to JSON nested too deep (e.g. skipping an unknown field)
        raise EncodingError(f"{what}: {e}") from None
    except (ValueError, TypeError) as e:  # raised by __post_init__ invariants
        raise EncodingError(f"{what}: {e}") from None


def decode_canonical(data: bytes, type_: type[T], *, what: str) -> T:
    """Decode ``data`` as ``type_`` and insist that it is the canonical encoding.

    Raises:
        EncodingError: the bytes do not decode as ``type_``.
        NonCanonicalError: they decode, but re-encoding gives other bytes.
    """
    obj = decode(data, type_, what=what)
    if ENCODER.encode(obj) != data:
        raise NonCanonicalError(
            f"{what}: bytes are not the canonical encoding of their content "
            "(expected msgspec JSON, declaration order, no whitespace, UTC 'Z' times)"
        )
    return obj


def sha256(data: bytes) -> bytes:
    """SHA-256 digest of ``data``."""
    return hashlib.sha256(data).digest()


_ZERO = timedelta(0)


def require_utc(value: datetime, field: str) -> None:
    """Raise ``ValueError`` unless ``value`` is timezone-aware UTC.

    Used in ``__post_init__`` of wire Structs; msgspec turns it into a
    validation error on decode.
    """
    tz = value.tzinfo
    if tz is UTC:  # what msgspec decodes 'Z' to, and utc_now() makes
        return
    if tz is None or value.utcoffset() != _ZERO:
        raise ValueError(f"{field} must be a UTC time ending in 'Z', found {value.isoformat()}")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


Clock = Callable[[], datetime]
"""Where the ledger, the reuse service, trust-bundle making and the desks of
:mod:`elicense.api` read the time: :func:`utc_now` unless a caller (a test, a
replay) injects another."""


class TaggedDocument(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="format",
):
    """Base of every exported document kind: tagged by ``format``, unknown fields refused,
    defaults omitted (the license document, the trust bundle, checkpoints, status lists …)."""
