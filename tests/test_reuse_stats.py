"""Usage queries and statistics: the SQL projection (SQLite and PostgreSQL) agrees
with a pure replay of the ledger, applies every event exactly once, and counts
what docs/statistics.md defines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from elicense import acts
from elicense.errors import ConflictError
from elicense.reuse.stats import Replay, replay
from elicense_sql import SqlStore
from elicense_sql.reuse import ReuseProjection
from reuse_support import ITEM, OTHER_ITEM, ReuseWorld

THIRD_ITEM = "SJ-XK-0003"


def _scenario(w: ReuseWorld) -> dict[str, str]:
    """A small history with every kind of fact; returns some of its names."""
    lids = [w.issue(n) for n in range(1, 7)]
    w.issue(7, holder=1)
    w.share(w.user, items=(ITEM, OTHER_ITEM))
    w.share(w.other, items=(THIRD_ITEM,), fields=("holder.name",))
    c1 = w.consent(1, w.user)
    c2 = w.consent(2, w.user, item=OTHER_ITEM)
    c3 = w.consent(3, w.other, item=THIRD_ITEM)
    w.use(w.user, license=lids[0], consent=c1, purpose="开办企业")
    w.use(w.user, license=w.license_id(7), consent=c1, purpose="变更登记")
    w.use(w.user, license=lids[1], consent=c2, item=OTHER_ITEM)
    w.use(w.other, license=lids[2], consent=c3, item=THIRD_ITEM)
    w.use(w.other, license=lids[0], consent=c1)  # refused: not listed for ITEM
    w.use(w.user, license=lids[3])  # refused: no consent
    w.lifecycle(acts.SuspendLicense, lids[0])
    w.use(w.user, license=lids[0], consent=c1)  # refused: suspended
    w.unshare(w.other)
    return {"c1": c1, "first": lids[0]}


_OPEN: list[ReuseProjection] = []


@pytest.fixture(autouse=True)
def _close_projections() -> Iterator[None]:
    """Close every projection's connection a test opened."""
    yield
    while _OPEN:
        _OPEN.pop().store.close()


def _projection(dsn: str | Path) -> ReuseProjection:
    p = ReuseProjection(SqlStore(dsn))
    _OPEN.append(p)
    return p


def test_the_statistics_count_what_the_definitions_say(tmp_path: Path) -> None:
    """Hand-counted figures of a small history, from both the projection and the replay."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    _scenario(w)
    p = _projection(tmp_path / "ledger.db")
    p.run(w.ledger)
    for stats in (p.statistics(), replay(w.ledger.notifications()).statistics()):
        assert stats.uses == 4
        assert stats.refused == 3
        assert stats.uses_by_department == {w.user.uscc: 3, w.other.uscc: 1}
        assert stats.uses_by_item == {ITEM: 2, OTHER_ITEM: 1, THIRD_ITEM: 1}
        assert stats.refused_by_code == {
            "use.sharing.item_not_listed": 1,
            "use.consent.missing": 1,
            "use.license.suspended": 1,
        }
        # B was taken off the list: THIRD_ITEM is no longer listed, so not counted as used.
        assert (stats.items_listed, stats.items_used) == (2, 2)
        assert stats.item_use_rate == 1.0
        assert (stats.types_defined, stats.types_opened) == (1, 1)
        assert stats.stored == 7
        assert stats.stored_by_type == {w.type_code: 7}


def test_the_holder_sees_who_used_their_licenses_and_why(tmp_path: Path) -> None:
    """Uses by holder list department, service item, purpose and outcome, in ledger order."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    _scenario(w)
    p = _projection(tmp_path / "ledger.db")
    p.run(w.ledger)
    rows = p.uses(holder=w.holder(1).code)
    assert [(r.user, r.purpose, r.outcome, r.code) for r in rows] == [
        (w.user.uscc, "开办企业", "used", ""),
        (w.user.uscc, "变更登记", "used", ""),
        (w.other.uscc, "办理食品经营许可变更", "refused", "use.sharing.item_not_listed"),
        (w.user.uscc, "办理食品经营许可变更", "refused", "use.license.suspended"),
    ]
    assert rows == replay(w.ledger.notifications()).uses(holder=w.holder(1).code)
    assert p.uses(holder=w.holder(9).code) == []


def _agree(w: ReuseWorld, p: ReuseProjection, first: str) -> None:
    p.run(w.ledger)
    r: Replay = replay(w.ledger.notifications())
    assert p.uses() == r.uses()
    assert len(r.rows) == 7
    assert p.statistics() == r.statistics()
    for who in (w.user.uscc, w.other.uscc):
        assert p.uses(department=who) == r.uses(department=who)
    assert p.uses(license=first) == r.uses(license=first)
    assert p.uses(service_item=OTHER_ITEM) == r.uses(service_item=OTHER_ITEM)
    times = [row.recorded_at for row in r.rows]
    for since, until in (
        (None, times[3]),
        (times[2], times[5]),
        (times[4], None),
        (times[0], times[0] + timedelta(microseconds=1)),
    ):
        assert p.statistics(since, until) == r.statistics(since, until)


def test_projection_and_replay_agree_on_sqlite(tmp_path: Path) -> None:
    """Every usage query and the statistics for several periods agree (SQLite)."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    names = _scenario(w)
    _agree(w, _projection(tmp_path / "ledger.db"), names["first"])


@pytest.mark.postgres
def test_projection_and_replay_agree_on_postgresql(postgres_dsn: str, pg_schema: str) -> None:
    """Every usage query and the statistics for several periods agree (PostgreSQL)."""
    dsn = f"{postgres_dsn}?schema={pg_schema}"
    w = ReuseWorld.new(dsn)
    try:
        names = _scenario(w)
        _agree(w, _projection(dsn), names["first"])
    finally:
        w.ledger.close()


@pytest.mark.postgres
def test_projection_applies_each_event_once_on_postgresql(
    postgres_dsn: str, pg_schema: str
) -> None:
    """A second worker that read the same events cannot apply them again (PostgreSQL)."""
    dsn = f"{postgres_dsn}?schema={pg_schema}"
    w = ReuseWorld.new(dsn)
    try:
        _scenario(w)
        _exactly_once(w, _projection(dsn), _projection(dsn))
    finally:
        w.ledger.close()


def _exactly_once(w: ReuseWorld, a: ReuseProjection, b: ReuseProjection) -> None:
    page = [(n.id, n.topic, bytes(n.state)) for n in w.ledger.notifications()]
    a.apply(0, page)
    with pytest.raises(ConflictError):
        b.apply(0, page)
    assert a.position == b.position == page[-1][0]
    assert b.run(w.ledger) == 0
    assert b.statistics() == replay(w.ledger.notifications()).statistics()


def test_projection_applies_each_event_once_on_sqlite(tmp_path: Path) -> None:
    """A second worker that read the same events cannot apply them again (SQLite)."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    _scenario(w)
    _exactly_once(w, _projection(tmp_path / "ledger.db"), _projection(tmp_path / "ledger.db"))


def test_a_failed_page_writes_nothing_and_is_applied_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash in the middle of a page rolls back its rows and its tracking together."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    _scenario(w)
    p = _projection(tmp_path / "ledger.db")
    from elicense.reuse.facts import read_facts as real

    seen: list[int] = []

    def crashing(position: int, topic: str, state: bytes) -> object:
        seen.append(position)
        if len(seen) == 25:
            raise RuntimeError("power cut")
        return real(position, topic, state)

    monkeypatch.setattr("elicense_sql.reuse.read_facts", crashing)
    with pytest.raises(RuntimeError):
        p.run(w.ledger, page=20)
    assert p.position == 20
    assert p.store.query("SELECT COUNT(*) FROM reuse_uses")[0][0] == len(
        [u for u in replay(w.ledger.notifications()).rows if u.position <= 20]
    )
    monkeypatch.setattr("elicense_sql.reuse.read_facts", real)
    p.run(w.ledger, page=20)
    assert p.statistics() == replay(w.ledger.notifications()).statistics()


def test_the_locator_finds_a_holders_licenses_of_a_type(tmp_path: Path) -> None:
    """licenses_of answers a use by holder and type with the holder's identifiers, newest first."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    _scenario(w)
    p = _projection(tmp_path / "ledger.db")
    p.run(w.ledger)
    assert p.licenses_of(w.holder(1).code, w.type_code) == [w.license_id(7), w.license_id(1)]
    assert p.licenses_of(w.holder(1).code, w.issuer.uscc + "002") == []
