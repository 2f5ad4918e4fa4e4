"""The one chain walk every verification path uses (elicense.verify.chain)."""

from __future__ import annotations

import msgspec
import pytest

from elicense import acts
from elicense.record import PositionedRecord, decode_record
from elicense.verify.chain import ChainProblem, walk
from support import World


@pytest.fixture(scope="module")
def histories() -> tuple[list[PositionedRecord], list[PositionedRecord]]:
    """Two license histories of one ledger: three records, and two."""
    world = World.new()
    dept, _, identifier = world.licensed()
    world.submit(world.act(dept, acts.SuspendLicense, identifier, 1))
    world.submit(world.act(dept, acts.ReinstateLicense, identifier, 2))
    dept2, _, other = world.licensed(2)
    world.submit(world.act(dept2, acts.SuspendLicense, other, 1))
    ledger = world.ledger
    return ledger.history(ledger.get_license(identifier).id), ledger.history(
        ledger.get_license(other).id
    )


def _codes(events: list[PositionedRecord], decode: object = None) -> str | None:
    try:
        for _ in walk(events) if decode is None else walk(events, decode):  # type: ignore[arg-type]
            pass
    except ChainProblem as e:
        return f"{e.code}@{e.version}"
    return None


def test_an_honest_history_walks_and_yields_each_record_with_its_hash(histories: tuple) -> None:
    """Every record is yielded once, in order, with the hash the next one chains to."""
    events, _ = histories
    walked = list(walk(events, decode_record))
    assert [n for n, *_ in walked] == [1, 2, 3]
    for (_, _, rec, _), (_, _, _, prev) in zip(walked[1:], walked, strict=False):
        assert rec.prev_hash == prev
    assert _codes(events) is None


def test_swapped_records_are_out_of_order(histories: tuple) -> None:
    """The twin: the same records, two swapped."""
    events, _ = histories
    assert _codes([events[1], events[0], events[2]]) == "history.order@1"


def test_a_record_of_another_aggregate_is_refused(histories: tuple) -> None:
    """Another license's second record, after this one's first: right version, later
    position, another aggregate."""
    events, other = histories
    assert other[1].position > events[0].position
    assert _codes([events[0], other[1]]) == "history.aggregate.mismatch@2"
    assert _codes(other) is None  # its own history walks


def test_a_changed_prev_hash_breaks_the_chain(histories: tuple) -> None:
    """Re-encode record 2 with another prev_hash: the chain breaks there."""
    events, _ = histories
    rec = decode_record(events[1].record)
    forged = msgspec.structs.replace(rec, prev_hash=b"\x01" * 32).encode()
    assert _codes([events[0], PositionedRecord(position=events[1].position, record=forged)]) == (
        "chain.broken@2"
    )


def test_garbage_is_malformed(histories: tuple) -> None:
    """Bytes that are no record."""
    events, _ = histories
    garbage = PositionedRecord(position=events[1].position, record=b"{not json")
    assert _codes([events[0], garbage]) == "record.malformed@2"
    assert _codes([events[0], garbage], decode_record) == "record.malformed@2"
