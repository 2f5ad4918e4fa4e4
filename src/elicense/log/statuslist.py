"""Status lists: packed statuses, their two standard encodings, and slot maps.

Two standards, opposite bit orders (STANDARDS.md, "Status lists"):

- **IETF Token Status List** (draft-ietf-oauth-status-list §4): ``bits`` bits
  per entry (1, 2, 4 or 8); entry ``i`` occupies bits ``(i·bits) mod 8 …`` of
  byte ``⌊i·bits/8⌋``, counted from the **least** significant bit; the byte
  array is ZLIB-compressed (RFC 1950) and, in JSON, base64url without padding
  (``lst``). Values: 0 VALID, 1 INVALID, 2 SUSPENDED (:class:`Status`).
- **W3C Bitstring Status List** (v1.0 §2.1, §3.2): one bit per entry for one
  ``statusPurpose`` (``revocation``, ``suspension``); entry ``i`` is bit
  ``7 − (i mod 8)`` of byte ``⌊i/8⌋`` — the **leftmost** (most significant) bit
  first; GZIP-compressed (RFC 1952) and multibase base64url (``u`` prefix, no
  padding) as ``encodedList``; at least 131,072 entries.

:class:`StatusArray` holds the IETF packing (2 bits is what a verifier keeps:
a quarter of a byte per entry). :class:`SlotMap` says which entry belongs to
which log leaf (see :mod:`elicense.log.statusdoc` for why a public map).
Decompression is bounded by the declared size, so a hostile list cannot
inflate past it.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass
from enum import IntEnum
from random import Random
from typing import Final

from elicense.errors import EncodingError

__all__ = [
    "MIN_W3C_ENTRIES",
    "SlotMap",
    "Status",
    "StatusArray",
    "capacity_for",
    "decode_w3c_list",
    "encode_w3c_list",
    "ietf_json",
    "w3c_bit",
    "w3c_bitstring",
]

MIN_W3C_ENTRIES: Final = 131_072
"""The W3C minimum (16 KiB of bits), for herd privacy; capacities are multiples of it."""


class Status(IntEnum):
    """IETF Token Status List status types (the values a 2-bit entry holds)."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2
    APPLICATION_SPECIFIC = 3


def _inflate(data: bytes, limit: int, wbits: int, what: str) -> bytes:
    """Decompress ``data`` to exactly ``limit`` bytes, refusing more or less."""
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(data, limit + 1)  # one byte more than allowed: enough to tell
    except zlib.error as e:
        raise EncodingError(f"{what}: not a valid compressed stream ({e})") from None
    if len(out) > limit:
        raise EncodingError(f"{what}: inflates to more than the {limit} bytes declared")
    if not d.eof or d.unused_data:
        raise EncodingError(f"{what}: compressed stream is truncated or followed by other bytes")
    if len(out) != limit:
        raise EncodingError(f"{what}: expected {limit} bytes once inflated, found {len(out)}")
    return out


class StatusArray:
    """``size`` statuses of ``bits`` bits each, packed in IETF order (LSB first).

    Args:
        size: number of entries.
        bits: 1, 2, 4 or 8.
        data: the packed bytes (``⌈size·bits/8⌉`` of them); zeros (all VALID) if omitted.
    """

    __slots__ = ("bits", "data", "size")

    def __init__(self, size: int, bits: int = 2, data: bytes | bytearray | None = None) -> None:
        if bits not in (1, 2, 4, 8):
            raise ValueError(f"bits must be 1, 2, 4 or 8, found {bits}")
        if size < 1:
            raise ValueError(f"size must be ≥ 1, found {size}")
        length = (size * bits + 7) // 8
        if data is not None and len(data) != length:
            raise ValueError(
                f"{size} entries of {bits} bits take {length} bytes, found {len(data)}"
            )
        self.size = size
        self.bits = bits
        self.data = bytearray(length) if data is None else bytearray(data)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside 0..{self.size - 1}")
        bit = index * self.bits
        return (self.data[bit >> 3] >> (bit & 7)) & ((1 << self.bits) - 1)

    def __setitem__(self, index: int, value: int) -> None:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside 0..{self.size - 1}")
        mask = (1 << self.bits) - 1
        if not 0 <= value <= mask:
            raise ValueError(f"status {value} does not fit in {self.bits} bits")
        bit = index * self.bits
        byte, shift = bit >> 3, bit & 7
        self.data[byte] = (self.data[byte] & ~(mask << shift)) | (value << shift)

    def compressed(self) -> bytes:
        """The ZLIB stream of the packed bytes (the ``lst`` of the IETF list, before base64url)."""
        return zlib.compress(bytes(self.data), 9)

    @classmethod
    def from_compressed(cls, lst: bytes, size: int, bits: int = 2) -> StatusArray:
        """Inflate an IETF ``lst`` (ZLIB) of ``size`` entries.

        Raises:
            EncodingError: not ZLIB, or not exactly ``⌈size·bits/8⌉`` bytes once inflated.
        """
        length = (size * bits + 7) // 8
        return cls(size, bits, _inflate(lst, length, zlib.MAX_WBITS, "status list"))


def ietf_json(lst: bytes, bits: int) -> dict[str, object]:
    """The IETF ``status_list`` JSON object: ``{"bits": …, "lst": base64url(ZLIB)}``."""
    return {"bits": bits, "lst": base64.urlsafe_b64encode(lst).rstrip(b"=").decode()}


def w3c_bitstring(statuses: StatusArray, value: int) -> bytes:
    """The W3C bitstring (MSB first) whose bit ``i`` is set iff ``statuses[i] == value``.

    Revocation is ``value=Status.INVALID``, suspension ``value=Status.SUSPENDED``.
    """
    out = bytearray((statuses.size + 7) // 8)
    data, bits, mask = statuses.data, statuses.bits, (1 << statuses.bits) - 1
    for byte_index, byte in enumerate(data):
        if not byte:
            continue
        per_byte = 8 // bits
        for k in range(per_byte):
            if (byte >> (k * bits)) & mask == value:
                i = byte_index * per_byte + k
                if i < statuses.size:
                    out[i >> 3] |= 0x80 >> (i & 7)
    return bytes(out)


def w3c_bit(bitstring: bytes, index: int) -> int:
    """Bit ``index`` of a W3C bitstring (leftmost bit of the first byte is index 0)."""
    return (bitstring[index >> 3] >> (7 - (index & 7))) & 1


def encode_w3c_list(bitstring: bytes) -> str:
    """``encodedList``: multibase base64url (``u``, no padding) of the GZIP'd bitstring.

    GZIP with mtime 0, so equal lists encode to equal bytes.
    """
    packed = gzip.compress(bitstring, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_w3c_list(encoded: str, entries: int = MIN_W3C_ENTRIES) -> bytes:
    """The bitstring of an ``encodedList`` of ``entries`` bits.

    Raises:
        EncodingError: not multibase base64url, not GZIP, or not ``entries`` bits.
    """
    if not encoded.startswith("u"):
        raise EncodingError("encodedList must be multibase base64url (start with 'u')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise EncodingError("encodedList is not base64url") from None
    return _inflate(packed, (entries + 7) // 8, 16 + zlib.MAX_WBITS, "encodedList")


def capacity_for(tree_size: int) -> int:
    """Entries of a new list for a log of ``tree_size`` leaves: at least half again as
    many (room to grow before the next list), a multiple of 131,072 (the W3C minimum)."""
    need = max(1, tree_size + (tree_size + 1) // 2)
    return -(-need // MIN_W3C_ENTRIES) * MIN_W3C_ENTRIES


@dataclass(frozen=True, slots=True)
class SlotMap:
    """Which list entry belongs to which log leaf: ``slot(i) = (a·i + b) mod size``.

    A bijection of ``[0, size)`` (``a`` is coprime with ``size``), drawn at random
    when a list is started and published with it, so a verifier computes a
    record's entry from its authenticated leaf index (see :mod:`elicense.log.statusdoc`).

    Attributes:
        size: number of entries (the list's capacity).
        a: the multiplier, coprime with ``size``.
        b: the offset.
    """

    size: int
    a: int
    b: int

    def __post_init__(self) -> None:
        from math import gcd

        if self.size < 1 or not 0 < self.a < self.size or not 0 <= self.b < self.size:
            raise ValueError(f"slot map needs 0 < a < size and 0 ≤ b < size, found {self}")
        if gcd(self.a, self.size) != 1:
            raise ValueError(f"slot map multiplier {self.a} is not coprime with size {self.size}")

    def slot(self, leaf_index: int) -> int:
        """The entry of leaf ``leaf_index`` (which must be below ``size``)."""
        return (self.a * leaf_index + self.b) % self.size

    def leaf(self, slot: int) -> int:
        """The leaf whose entry is ``slot`` (the inverse map)."""
        return ((slot - self.b) * pow(self.a, -1, self.size)) % self.size

    @classmethod
    def draw(cls, size: int, rng: Random) -> SlotMap:
        """A random map of ``size`` entries (``rng`` should be a ``SystemRandom``)."""
        from math import gcd

        while True:
            a = rng.randrange(size // 4 + 1, size)
            if gcd(a, size) == 1:
                return cls(size=size, a=a, b=rng.randrange(size))
