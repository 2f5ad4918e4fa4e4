"""``elicense log audit``: every kind of tampering is caught, on SQLite and PostgreSQL,
naming the position and the aggregate it belongs to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elicense.cli import main
from elicense.codec import canonical
from elicense.crypto.keys import write_key_file
from elicense.log.audit import AuditReport
from elicense_demo.scenario import LICENSE_TYPES, City
from elicense_sql.events import EventTable
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore
from logkit import Tamper, build_ledger


@pytest.fixture(scope="module")
def city() -> City:
    return City(alg="ecdsa-p256-sha256", seed=9162)


class World:
    """A ledger logged and checkpointed, and the means to tamper with it and audit it."""

    def __init__(self, city: City, dsn: str) -> None:
        self.city, self.dsn = city, dsn
        self.ledger, self.ids = build_ledger(city, dsn)
        self.store = SqlLogStore.open(dsn)
        LogFollower(self.store).catch_up()
        self.log = SqlLog(self.store, self.ledger.origin)
        self.log.checkpoint(city.platform_key)
        self.tamper = Tamper(dsn)
        self.rows = {r.position: r for r in EventTable(self.store.sql).rows()}

    def audit(self, since: Any = None) -> AuditReport:
        key = self.city.platform_key.public_key
        return self.log.audit({key.key_id: key}.get, since=since)

    def license_position(self, kind: str, version: int = 1) -> int:
        lic = self.ledger.get_license(self.ids[kind])
        return self.ledger.history(lic.id)[version - 1].position

    def close(self) -> None:
        self.tamper.close()
        self.store.close()
        self.ledger.close()


@pytest.fixture
def world(city: City, dsn: str) -> Iterator[World]:
    w = World(city, dsn)
    yield w
    w.close()


def _only(report: AuditReport, code: str) -> Any:
    found = [f for f in report.findings if f.code == code]
    assert not report.ok
    assert len(found) == 1, report.findings
    return found[0]


def test_untouched_log_passes(world: World) -> None:
    """Nothing changed: no finding, every event and checkpoint accounted for."""
    report = world.audit()
    assert report.ok, report.findings
    assert report.events == report.leaves == len(world.rows)
    assert len(report.checkpoints) == 1


def test_changed_byte_of_a_record(world: World) -> None:
    """One flipped bit in a stored record is reported at its position, with its aggregate."""
    p = world.license_position("plain")
    world.tamper.flip_state_byte(p)
    f = _only(world.audit(), "audit.event.changed")
    assert (f.position, f.aggregate_id) == (p, world.rows[p].aggregate_id)


@pytest.mark.parametrize("column", ["topic", "originator_version"])
def test_changed_column(world: World, column: str) -> None:
    """A changed id/version/topic column is caught against the record it repeats."""
    p = world.license_position("suspended", 2)
    world.tamper.set_column(p, column, "x.y:Z" if column == "topic" else 7)
    f = _only(world.audit(), "audit.event.columns")
    assert (f.position, f.aggregate_id) == (p, world.rows[p].aggregate_id)


def test_deleted_event(world: World) -> None:
    """A logged event missing from the store is named, with the aggregate the log kept."""
    p = world.license_position("revoked", 2)
    world.tamper.delete(p)
    f = _only(world.audit(), "audit.event.deleted")
    assert (f.position, f.aggregate_id) == (p, world.rows[p].aggregate_id)


def test_reordered_pair(world: World) -> None:
    """Two events that swapped places are reported as one pair, both positions named."""
    p, q = world.license_position("plain"), world.license_position("amended", 2)
    world.tamper.swap(p, q)
    f = _only(world.audit(), "audit.event.reordered")
    assert {(f.position, f.aggregate_id), (f.other_position, f.other_aggregate_id)} == {
        (p, world.rows[q].aggregate_id),
        (q, world.rows[p].aggregate_id),
    }


def test_rewritten_tail_fails_consistency_with_an_older_checkpoint(world: World) -> None:
    """Rewrite the tail and rebuild the log over it, re-sign, drop the old checkpoints:
    the checkpoint kept outside still catches it, naming where the rewrite lies."""
    old = world.log.latest()
    assert old is not None
    first_rewritten = world.license_position("suspended", 2)
    sql = world.store.sql
    # the insider: drop every event from there, record others, and rebuild the log
    events = world.tamper
    for position in sorted(world.rows):
        if position >= first_rewritten:
            events.delete(position)
    spec = LICENSE_TYPES[1]
    world.ledger.submit_many([world.city.issuance(spec, 500 + n) for n in range(6)])
    for table in ("nodes", "leaf_meta", "checkpoints", "status_lists"):
        sql.execute(f"DELETE FROM elicense_log_{table}")
    sql.execute("UPDATE elicense_log_state SET position = 0, size = 0")
    with SqlLogStore.open(world.dsn) as rebuilt:
        LogFollower(rebuilt).catch_up()
        SqlLog(rebuilt, world.ledger.origin).checkpoint(world.city.platform_key)
    assert world.audit().ok  # everything in the database agrees with itself now
    report = world.audit(since=old)
    assert not report.ok
    codes = {f.code for f in report.findings}
    assert "audit.consistency.invalid" in codes
    f = _only(report, "audit.history.mismatch")
    assert f.position <= first_rewritten <= f.other_position
    assert f.aggregate_id is not None


def test_cli_audit_names_the_position_and_exits_1(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``elicense log audit --json`` exits 1 and reports position and aggregate."""
    key = tmp_path / "platform.pem"
    write_key_file(world.city.platform_key, key)
    cp = tmp_path / "cp.json"
    latest = world.log.latest()
    assert latest is not None
    cp.write_bytes(canonical(latest))
    p = world.license_position("reinstated", 3)
    world.tamper.flip_state_byte(p, at=60)
    code = main(["log", "audit", "--ledger", world.dsn, "--since", str(cp), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["ok"] is False
    [f] = [f for f in out["findings"] if f["code"] == "audit.event.changed"]
    assert f["position"] == p
    assert f["aggregate_id"] == world.rows[p].aggregate_id
