"""Status lists: the IETF and W3C encodings against the specifications' own examples,
their opposite bit orders, bounded inflation, and slot maps."""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elicense.errors import EncodingError
from elicense.log.statuslist import (
    MIN_W3C_ENTRIES,
    SlotMap,
    Status,
    StatusArray,
    capacity_for,
    decode_w3c_list,
    encode_w3c_list,
    ietf_json,
    w3c_bit,
    w3c_bitstring,
)

# draft-ietf-oauth-status-list §4.1 / §4.2: the two published examples.
IETF_1BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
IETF_1BIT_BYTES = bytes([0xB9, 0xA3])
IETF_1BIT_LST = "eNrbuRgAAhcBXQ"
IETF_2BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
IETF_2BIT_BYTES = bytes([0xC9, 0x44, 0xF9])
IETF_2BIT_LST = "eNo76fITAAPfAgc"
# W3C Bitstring Status List v1.0, example BitstringStatusListCredential: 131,072 zero bits.
W3C_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(
    ("bits", "statuses", "packed", "lst"),
    [
        (1, IETF_1BIT, IETF_1BIT_BYTES, IETF_1BIT_LST),
        (2, IETF_2BIT, IETF_2BIT_BYTES, IETF_2BIT_LST),
    ],
)
def test_ietf_examples_pack_and_compress_as_published(
    bits: int, statuses: list[int], packed: bytes, lst: str
) -> None:
    """The draft's statuses pack LSB first to its bytes and ZLIB to its ``lst``."""
    array = StatusArray(len(statuses), bits)
    for i, s in enumerate(statuses):
        array[i] = s
    assert bytes(array.data) == packed
    assert ietf_json(array.compressed(), bits) == {"bits": bits, "lst": lst}


@pytest.mark.parametrize(
    ("bits", "statuses", "lst"), [(1, IETF_1BIT, IETF_1BIT_LST), (2, IETF_2BIT, IETF_2BIT_LST)]
)
def test_ietf_examples_inflate_to_their_statuses(bits: int, statuses: list[int], lst: str) -> None:
    """The draft's ``lst``, compressed by someone else's ZLIB, reads back entry by entry."""
    array = StatusArray.from_compressed(_unb64url(lst), len(statuses), bits)
    assert [array[i] for i in range(len(statuses))] == statuses


def test_w3c_specification_example_decodes_to_131072_clear_bits() -> None:
    """The W3C example ``encodedList`` is 16 KiB of zeros: nothing revoked."""
    bits = decode_w3c_list(W3C_EXAMPLE, MIN_W3C_ENTRIES)
    assert len(bits) == MIN_W3C_ENTRIES // 8
    assert not any(bits)


def test_bit_orders_are_opposite() -> None:
    """Entry 0 is the least significant bit in IETF, the most significant in W3C."""
    array = StatusArray(MIN_W3C_ENTRIES, 1)
    array[0] = 1
    array[13] = 1
    assert array.data[0] == 0x01
    assert array.data[1] == 0x20
    bits = w3c_bitstring(array, 1)
    assert bits[0] == 0x80
    assert bits[1] == 0x04
    assert [w3c_bit(bits, i) for i in (0, 1, 13, 14)] == [1, 0, 1, 0]


def test_w3c_lists_split_a_two_bit_array_by_purpose() -> None:
    """Revocation marks INVALID entries, suspension SUSPENDED ones, nothing else."""
    array = StatusArray(16, 2)
    for i, s in enumerate([0, 1, 2, 0, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2]):
        array[i] = s
    revoked = w3c_bitstring(array, Status.INVALID)
    suspended = w3c_bitstring(array, Status.SUSPENDED)
    assert [i for i in range(16) if w3c_bit(revoked, i)] == [1, 5, 6]
    assert [i for i in range(16) if w3c_bit(suspended, i)] == [2, 4, 15]


@given(
    st.sampled_from([1, 2, 4, 8]).flatmap(
        lambda bits: st.tuples(
            st.just(bits), st.lists(st.integers(0, (1 << bits) - 1), min_size=1, max_size=300)
        )
    )
)
def test_ietf_round_trip(case: tuple[int, list[int]]) -> None:
    """Any statuses of any width survive packing, ZLIB and inflation."""
    bits, statuses = case
    array = StatusArray(len(statuses), bits)
    for i, s in enumerate(statuses):
        array[i] = s
    back = StatusArray.from_compressed(array.compressed(), len(statuses), bits)
    assert [back[i] for i in range(len(statuses))] == statuses


@given(st.sets(st.integers(0, MIN_W3C_ENTRIES - 1), max_size=200))
def test_w3c_round_trip(revoked: set[int]) -> None:
    """Any set of revoked entries survives GZIP and multibase, each bit in place."""
    array = StatusArray(MIN_W3C_ENTRIES, 1)
    for i in revoked:
        array[i] = 1
    encoded = encode_w3c_list(w3c_bitstring(array, 1))
    assert encoded.startswith("u")
    assert "=" not in encoded
    bits = decode_w3c_list(encoded)
    assert {i for i in range(MIN_W3C_ENTRIES) if bits[i >> 3] and w3c_bit(bits, i)} == revoked


def test_inflation_is_bounded_by_the_declared_size() -> None:
    """A list that inflates past, or short of, its declared size is refused."""
    bomb = zlib.compress(bytes(1 << 20), 9)
    with pytest.raises(EncodingError, match="more than"):
        StatusArray.from_compressed(bomb, 1000, 2)
    with pytest.raises(EncodingError, match="expected 250 bytes"):
        StatusArray.from_compressed(zlib.compress(bytes(100)), 1000, 2)
    with pytest.raises(EncodingError, match="truncated"):
        StatusArray.from_compressed(zlib.compress(bytes(250))[:-3], 1000, 2)
    with pytest.raises(EncodingError, match="not a valid"):
        StatusArray.from_compressed(b"not zlib at all", 1000, 2)
    gz = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(MIN_W3C_ENTRIES))).decode().rstrip("=")
    with pytest.raises(EncodingError, match="more than"):
        decode_w3c_list(gz)


def test_status_array_refuses_values_and_indices_out_of_range() -> None:
    """A status wider than its bits or an index past the end is an error, not a wrap."""
    array = StatusArray(8, 2)
    with pytest.raises(ValueError, match="does not fit"):
        array[0] = 4
    with pytest.raises(IndexError):
        array[8] = 1
    with pytest.raises(ValueError, match="bits must be"):
        StatusArray(8, 3)


@given(st.integers(1, 5000), st.randoms(use_true_random=False))
def test_slot_maps_are_bijections(size: int, rng: object) -> None:
    """Every leaf gets its own entry, and the inverse map finds the leaf again."""
    slots = SlotMap.draw(size + 4, rng)  # type: ignore[arg-type]
    seen = {slots.slot(i) for i in range(slots.size)}
    assert seen == set(range(slots.size))
    assert all(slots.leaf(slots.slot(i)) == i for i in range(0, slots.size, 7))


def test_slot_map_refuses_a_multiplier_sharing_a_factor() -> None:
    """A multiplier not coprime with the size would map two leaves to one entry."""
    with pytest.raises(ValueError, match="coprime"):
        SlotMap(size=MIN_W3C_ENTRIES, a=2, b=0)


@pytest.mark.parametrize("size", [0, 1, 87_381, 87_382, 1_000_000, 1_065_000])
def test_capacity_leaves_room_and_meets_the_w3c_minimum(size: int) -> None:
    """Capacities are multiples of 131,072 with at least half as much again as the log."""
    capacity = capacity_for(size)
    assert capacity % MIN_W3C_ENTRIES == 0
    assert capacity >= size * 3 // 2
    assert capacity - MIN_W3C_ENTRIES < max(size * 3 // 2, 1)
