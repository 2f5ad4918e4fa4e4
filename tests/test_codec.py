"""Canonical bytes: one encoding per value, and every other encoding refused."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from elicense.codec import canonical, decode, decode_canonical, require_utc, sha256
from elicense.errors import ElicenseError, EncodingError, NonCanonicalError


class Sample(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A wire Struct shaped like the project's: declaration order, bytes, times, a dict."""

    zeta: str
    alpha: int
    blob: bytes
    at: datetime
    tags: dict[str, str] = {}

    def __post_init__(self) -> None:
        require_utc(self.at, "at")


AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
SAMPLE = Sample(zeta="证照", alpha=7, blob=b"\x00\xff\x10", at=AT, tags={"b": "2", "a": "1"})
SAMPLE_BYTES = (
    b'{"zeta":"\xe8\xaf\x81\xe7\x85\xa7","alpha":7,"blob":"AP8Q",'
    b'"at":"2026-03-01T08:30:00Z","tags":{"a":"1","b":"2"}}'
)


def test_canonical_bytes_are_the_documented_layout() -> None:
    """Fields in declaration order, no whitespace, base64 bytes, 'Z' time, sorted dict keys."""
    assert canonical(SAMPLE) == SAMPLE_BYTES


def test_canonical_round_trips() -> None:
    """Canonical bytes decode to an equal value."""
    assert decode_canonical(SAMPLE_BYTES, Sample, what="sample") == SAMPLE


def test_microseconds_appear_only_when_non_zero() -> None:
    """A time with microseconds keeps them; a whole second has none."""
    with_us = msgspec.structs.replace(SAMPLE, at=AT.replace(microsecond=5))
    assert b'"at":"2026-03-01T08:30:00.000005Z"' in canonical(with_us)
    assert b'"at":"2026-03-01T08:30:00Z"' in canonical(SAMPLE)


def test_equal_values_encode_equally_whatever_the_dict_insertion_order() -> None:
    """Dict key order at construction does not leak into the bytes."""
    other = msgspec.structs.replace(SAMPLE, tags={"a": "1", "b": "2"})
    assert canonical(other) == canonical(SAMPLE)


NON_CANONICAL = [
    ("space after colon", SAMPLE_BYTES.replace(b'"alpha":7', b'"alpha": 7')),
    ("trailing newline", SAMPLE_BYTES + b"\n"),
    ("leading space", b" " + SAMPLE_BYTES),
    (
        "reordered fields",
        SAMPLE_BYTES.replace(
            b'"zeta":"\xe8\xaf\x81\xe7\x85\xa7","alpha":7,',
            b'"alpha":7,"zeta":"\xe8\xaf\x81\xe7\x85\xa7",',
        ),
    ),
    ("reordered dict keys", SAMPLE_BYTES.replace(b'{"a":"1","b":"2"}', b'{"b":"2","a":"1"}')),
    ("+00:00 offset", SAMPLE_BYTES.replace(b"08:30:00Z", b"08:30:00+00:00")),
    ("lower-case z", SAMPLE_BYTES.replace(b"08:30:00Z", b"08:30:00z")),
    ("zero microseconds spelled", SAMPLE_BYTES.replace(b"08:30:00Z", b"08:30:00.000000Z")),
    ("escaped non-ASCII", SAMPLE_BYTES.replace(b"\xe8\xaf\x81\xe7\x85\xa7", b"\\u8bc1\\u7167")),
    ("escaped ASCII", SAMPLE_BYTES.replace(b'"a":"1"', b'"a":"\\u0031"')),
    ("base64 without padding", SAMPLE_BYTES.replace(b'"AP8Q"', b'"AP8"')),
    ("url-safe base64", SAMPLE_BYTES.replace(b'"AP8Q"', b'"AP-Q"')),
    ("duplicate key", SAMPLE_BYTES.replace(b'"alpha":7', b'"alpha":7,"alpha":7')),
    ("exponent integer", SAMPLE_BYTES.replace(b'"alpha":7', b'"alpha":7e0')),
]


@pytest.mark.parametrize("data", [pytest.param(d, id=n) for n, d in NON_CANONICAL])
def test_non_canonical_bytes_are_refused(data: bytes) -> None:
    """Any encoding other than the canonical one raises an EncodingError (NonCanonical if it
    decodes)."""
    assert data != SAMPLE_BYTES
    with pytest.raises(EncodingError):
        decode_canonical(data, Sample, what="sample")


def test_base64_with_unused_bits_set_is_non_canonical() -> None:
    """'/x==' decodes to the same byte as '/w==' in lenient decoders; only one is canonical."""
    one = canonical(msgspec.structs.replace(SAMPLE, blob=b"\xff"))
    assert b'"blob":"/w=="' in one
    with pytest.raises(EncodingError):
        decode_canonical(one.replace(b'"/w=="', b'"/x=="'), Sample, what="sample")


def test_decodable_but_non_canonical_raises_non_canonical_error() -> None:
    """Bytes that decode to a valid value in another spelling raise NonCanonicalError."""
    spaced = SAMPLE_BYTES.replace(b",", b", ")
    assert decode(spaced, Sample, what="sample") == SAMPLE
    with pytest.raises(NonCanonicalError, match="sample"):
        decode_canonical(spaced, Sample, what="sample")


def test_spelled_out_default_is_non_canonical() -> None:
    """A Struct without omit_defaults encodes defaults; dropping one is not canonical."""
    empty = msgspec.structs.replace(SAMPLE, tags={})
    data = canonical(empty)
    assert data.endswith(b',"tags":{}}')
    with pytest.raises(NonCanonicalError):
        decode_canonical(data.replace(b',"tags":{}', b""), Sample, what="sample")


MALFORMED = [
    ("naive time", SAMPLE_BYTES.replace(b"08:30:00Z", b"08:30:00")),
    ("unknown field", SAMPLE_BYTES[:-1] + b',"extra":1}'),
    ("missing field", SAMPLE_BYTES.replace(b'"alpha":7,', b"")),
    ("wrong type", SAMPLE_BYTES.replace(b'"alpha":7', b'"alpha":"7"')),
    ("not base64", SAMPLE_BYTES.replace(b'"AP8Q"', b'"!!!!"')),
    ("truncated", SAMPLE_BYTES[:-1]),
    ("empty", b""),
    ("not JSON", b"\x00\x01"),
    ("array", b"[]"),
]


@pytest.mark.parametrize("data", [pytest.param(d, id=n) for n, d in MALFORMED])
def test_malformed_bytes_raise_encoding_error_naming_what(data: bytes) -> None:
    """Malformed bytes raise EncodingError whose message names what was being decoded."""
    with pytest.raises(EncodingError, match=r"^sample: "):
        decode_canonical(data, Sample, what="sample")


def test_offset_time_other_than_utc_is_refused() -> None:
    """A +08:00 time decodes as a time, but __post_init__ refuses it."""
    with pytest.raises(EncodingError, match="UTC"):
        decode(SAMPLE_BYTES.replace(b"08:30:00Z", b"16:30:00+08:00"), Sample, what="sample")


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))],
    ids=["naive", "+08:00"],
)
def test_require_utc_refuses_non_utc(value: datetime) -> None:
    """require_utc raises ValueError for a naive or non-UTC time."""
    with pytest.raises(ValueError, match="must be a UTC time"):
        require_utc(value, "t")


def test_require_utc_accepts_other_zero_offset_objects() -> None:
    """A zero-offset tzinfo that is not UTC itself is still UTC (encodes with 'Z')."""
    value = datetime(2026, 1, 1, tzinfo=timezone(timedelta(0), "GMT"))
    require_utc(value, "t")
    assert canonical(msgspec.structs.replace(SAMPLE, at=value)) == canonical(
        msgspec.structs.replace(SAMPLE, at=value.astimezone(UTC))
    )


def test_encoding_errors_are_value_errors_and_elicense_errors() -> None:
    """Callers who know only builtins can catch ValueError."""
    assert issubclass(NonCanonicalError, EncodingError)
    assert issubclass(EncodingError, ValueError)
    assert issubclass(EncodingError, ElicenseError)


def test_sha256_is_plain_sha256() -> None:
    """sha256 is the standard digest (FIPS 180-4 'abc' vector)."""
    assert sha256(b"abc").hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert sha256(b"") == hashlib.sha256(b"").digest()


@given(
    zeta=st.text(max_size=20),
    alpha=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    blob=st.binary(max_size=40),
    at=st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)
    ),
    tags=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=4),
)
def test_any_value_round_trips_through_its_canonical_bytes(
    zeta: str, alpha: int, blob: bytes, at: datetime, tags: dict[str, str]
) -> None:
    """Every value decodes back from its canonical bytes, which re-encode identically."""
    value = Sample(zeta=zeta, alpha=alpha, blob=blob, at=at, tags=tags)
    data = canonical(value)
    assert decode_canonical(data, Sample, what="sample") == value
    assert canonical(decode(data, Sample, what="sample")) == data


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_encoding_errors(data: bytes) -> None:
    """Garbage never escapes as anything but an EncodingError."""
    with contextlib.suppress(EncodingError):
        decode_canonical(data, Sample, what="sample")
