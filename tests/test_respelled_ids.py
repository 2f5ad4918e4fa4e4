"""D1: an event row whose ``originator_id`` was re-spelled on SQLite (reliability findings).

SQLite keeps the id as text; eventsourcing writes ``uuid.hex`` and reads an
aggregate by that exact spelling. A row re-spelled in the database — upper
case, hyphens, braces, ``urn:uuid:`` — names the same UUID but drops out of its
aggregate. The audit must call it a changed row, and the ledger must refuse to
read around it (and so never record a second event of the same version beside it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from elicense import acts
from elicense.cli import main
from elicense.errors import RefusedError
from elicense.ledger.mapper import StoredRecordError
from elicense.log.audit import AuditReport
from elicense_demo.scenario import LICENSE_TYPES, City
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore
from logkit import build_ledger

SPELLINGS: dict[str, Callable[[UUID], Any]] = {
    "upper case": lambda u: u.hex.upper(),
    "hyphens": str,
    "braces": lambda u: "{" + str(u) + "}",
    "urn:uuid:": lambda u: u.urn,
    "hyphens, upper case": lambda u: str(u).upper(),
}


@pytest.fixture(scope="module")
def city() -> City:
    return City(alg="ecdsa-p256-sha256", seed=19)


class Scene:
    """A SQLite ledger, logged and checkpointed; the suspended license's newest row is
    the one re-spelled."""

    def __init__(self, city: City, db: Path) -> None:
        self.city, self.db = city, str(db)
        self.ledger, self.ids = build_ledger(city, self.db)
        self.store = SqlLogStore.open(self.db)
        LogFollower(self.store).catch_up()
        self.log = SqlLog(self.store, self.ledger.origin)
        self.log.checkpoint(city.platform_key)
        self.license = self.ledger.get_license(self.ids["suspended"])
        self.aggregate = self.license.id
        self.position = self.ledger.history(self.aggregate)[-1].position  # version 2

    def sql(self, statement: str, params: tuple[Any, ...]) -> list[Any]:
        """Run one statement on the database file, as an operator with sqlite3."""
        with closing(sqlite3.connect(self.db)) as conn, conn:
            return conn.execute(statement, params).fetchall()

    def set_row(self, column: str, value: Any) -> None:
        """Change one column of the row at ``position``."""
        self.sql(f"UPDATE stored_events SET {column} = ? WHERE rowid = ?", (value, self.position))

    def audit(self) -> AuditReport:
        key = self.city.platform_key.public_key
        return self.log.audit({key.key_id: key}.get)

    def topic(self) -> str:
        [(topic,)] = self.sql("SELECT topic FROM stored_events WHERE rowid = ?", (self.position,))
        return str(topic)

    def rows_of_aggregate(self) -> list[tuple[int, str, int]]:
        return self.sql(
            "SELECT rowid, originator_id, originator_version FROM stored_events "
            "WHERE lower(replace(originator_id, '-', '')) LIKE ? ORDER BY rowid",
            (f"%{self.aggregate.hex}%",),
        )

    def close(self) -> None:
        self.store.close()
        self.ledger.close()


@pytest.fixture
def scene(city: City, tmp_path: Path) -> Iterator[Scene]:
    s = Scene(city, tmp_path / "ledger.db")
    yield s
    s.close()


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_d1_audit_names_a_respelled_originator_id(scene: Scene, spelling: str) -> None:
    """The audit compares the id column byte for byte: a re-spelled id is a changed row,
    named at its position with its aggregate (on 95e344f: no finding)."""
    scene.set_row("originator_id", SPELLINGS[spelling](scene.aggregate))
    report = scene.audit()
    assert not report.ok
    [f] = report.findings
    assert (f.code, f.position) == ("audit.event.columns", scene.position)
    assert "originator_id" in f.message
    assert str(scene.aggregate) in f.message  # what the record says


def test_d1_twin_the_id_as_eventsourcing_writes_it_is_no_change(scene: Scene) -> None:
    """Writing the id back in the spelling eventsourcing uses changes nothing: no finding,
    and the ledger reads the license as before."""
    scene.set_row("originator_id", scene.aggregate.hex)
    assert scene.audit().ok
    assert scene.ledger.get_license(scene.ids["suspended"]).version == 2


@pytest.mark.parametrize(
    ("column", "value"),
    [("originator_version", b"2"), ("originator_version", "0x2"), ("topic", b"x")],
    ids=["version as a blob", "version as text", "topic as a blob"],
)
def test_d1_audit_names_a_column_stored_as_another_type(
    scene: Scene, column: str, value: Any
) -> None:
    """SQLite columns are dynamically typed: a column holding another storage class than
    the store writes is a changed row, even when int() or str() would read it back."""
    if column == "topic":  # the topic's own bytes, as a blob
        value = scene.topic().encode()
    scene.set_row(column, value)
    [f] = scene.audit().findings
    assert (f.code, f.position) == ("audit.event.columns", scene.position)
    assert column in f.message


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_d1_ledger_refuses_to_read_around_a_respelled_row(scene: Scene, spelling: str) -> None:
    """The ledger does not lose the row silently: reading the license raises
    StoredRecordError naming the aggregate, the version and the spelling found (on
    95e344f: the license read as version 1)."""
    spelled = SPELLINGS[spelling](scene.aggregate)
    scene.set_row("originator_id", spelled)
    for read in (
        lambda: scene.ledger.get_license(scene.ids["suspended"]),
        lambda: scene.ledger.history(scene.aggregate),
        lambda: scene.ledger.replayed_history(scene.aggregate),
    ):
        with pytest.raises(StoredRecordError) as e:
            read()
        assert (e.value.aggregate_id, e.value.version) == (scene.aggregate, 2)
        assert spelled in str(e.value)


def test_d1_no_second_event_beside_a_respelled_row(scene: Scene) -> None:
    """An act on the license is refused as ledger.record.corrupt and nothing is recorded
    (on 95e344f: a second version 2 was recorded next to the hidden one)."""
    scene.set_row("originator_id", scene.aggregate.hex.upper())
    d = scene.city.departments[LICENSE_TYPES[1].department].signatory
    act = d.sign(
        acts.SuspendLicense, subject=scene.ids["suspended"], expected_version=1, reason="再"
    )
    before = scene.rows_of_aggregate()
    with pytest.raises(RefusedError) as e:
        scene.ledger.submit(act)
    assert e.value.code == "ledger.record.corrupt"
    assert scene.rows_of_aggregate() == before


def test_d1_twin_untouched_license_still_takes_acts(scene: Scene) -> None:
    """Another license's row re-spelled does not stop acts on this one."""
    other = scene.ledger.get_license(scene.ids["plain"])
    scene.set_row("originator_id", scene.aggregate.hex.upper())
    d = scene.city.departments[LICENSE_TYPES[1].department].signatory
    act = d.sign(acts.SuspendLicense, subject=other.identifier, expected_version=1, reason="整改")
    assert scene.ledger.submit(act).version == 2


@pytest.mark.parametrize("spelling", ["upper case", "hyphens", "braces", "urn:uuid:"])
def test_d1_reproducer_cli_audit_and_verify(
    scene: Scene, spelling: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding's reproducer: after the UPDATE, ``elicense log audit`` exits 1 naming the
    row, and ``elicense verify ID`` is not valid and says why (ledger.record.corrupt, not
    license.not_in_ledger)."""
    scene.set_row("originator_id", SPELLINGS[spelling](scene.aggregate))
    code = main(["log", "audit", "--ledger", scene.db, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["code"], f["position"]) for f in out["findings"]] == [
        ("audit.event.columns", scene.position)
    ]
    code = main(["verify", scene.ids["suspended"], "--ledger", scene.db, "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [f["code"] for f in verdict["findings"]] == ["ledger.record.corrupt"]
    assert verdict["findings"][0]["version"] == 2
