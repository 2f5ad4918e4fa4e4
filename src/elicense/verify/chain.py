"""One walk over an aggregate's records, for every path that reads a history.

The license history on the signature path (:mod:`.history`), a license's
records on the log path (:mod:`.logpath`) and the platform's, seals' and
license types' histories of the trust source (:mod:`.trust`) all walk their
records here: versions 1, 2, … in order, positions increasing, each
``prev_hash`` the SHA-256 of the record before (32 zero bytes first), all of
one aggregate. The first problem ends the walk as a :class:`ChainProblem`
naming its code and the offending version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Sequence
from datetime import datetime
from typing import Annotated, Any

import msgspec

from elicense.errors import ElicenseError
from elicense.record import GENESIS_HASH, PositionedRecord

__all__ = ["ChainProblem", "ChainRecord", "lean_record", "walk"]


class ChainRecord(msgspec.Struct, frozen=True):
    """An event record as the hot paths read it (no canonical-form check: the caller's
    digest or log proof covers the bytes)."""

    aggregate_id: str  # compared, never parsed: the canonical text is one spelling
    version: int
    topic: str
    recorded_at: Annotated[datetime, msgspec.Meta(tz=True)]
    prev_hash: bytes
    statement: bytes
    signature: bytes
    annex: bytes = b""


_sha256 = hashlib.sha256

lean_record = msgspec.json.Decoder(ChainRecord).decode
"""Decode stored record bytes into a :class:`ChainRecord`."""


class ChainProblem(ElicenseError):
    """A history that does not walk: ``code`` at ``version`` (1-based)."""

    def __init__(self, code: str, message: str, version: int) -> None:
        super().__init__(message)
        self.code = code
        self.version = version


def walk(
    events: Sequence[PositionedRecord], decode: Callable[[bytes], Any] = lean_record
) -> Generator[tuple[int, PositionedRecord, Any, bytes], None, None]:
    """Yield ``(version, positioned record, decoded record, its hash)`` of each record that
    chains (the hash: SHA-256 of the stored bytes, what the next record must chain to).

    Args:
        decode: the record decoder (:data:`lean_record`, or
            :func:`elicense.record.decode_record` where the canonical form is checked).

    Raises:
        ChainProblem: ``record.malformed``, ``history.order`` (version or position out
            of sequence), ``history.aggregate.mismatch`` or ``chain.broken``.
    """
    prev_hash, prev_position, aggregate = GENESIS_HASH, 0, None
    for n, pr in enumerate(events, 1):
        try:
            rec = decode(pr.record)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, ElicenseError) as e:
            # ValueError: UnicodeDecodeError for invalid UTF-8 inside a string
            raise ChainProblem("record.malformed", f"record {n}: {e}", n) from None
        if rec.version != n or pr.position <= prev_position:
            raise ChainProblem(
                "history.order",
                f"record {n} says version {rec.version} at position {pr.position} "
                f"(previous position {prev_position})",
                n,
            )
        if aggregate is not None and rec.aggregate_id != aggregate:
            raise ChainProblem(
                "history.aggregate.mismatch", f"record {n} is of another aggregate", n
            )
        if rec.prev_hash != prev_hash:
            raise ChainProblem(
                "chain.broken",
                f"version {n} does not chain to version {n - 1}: prev_hash differs",
                n,
            )
        record_hash = _sha256(pr.record).digest()
        yield n, pr, rec, record_hash
        prev_hash, prev_position, aggregate = record_hash, pr.position, rec.aggregate_id
