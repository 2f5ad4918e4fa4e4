"""D4 (and D3): the log's stored interior nodes, which every proof reads, on SQLite and
PostgreSQL (reliability findings).

The audit recomputes every stored node from the leaves and names the one that
is wrong; ``elicense log prove`` and ``log export`` never give out a proof that
does not verify against the signed checkpoint; online verification blames the
log, not an untouched event, when the log's nodes are damaged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from elicense.cli import main
from elicense.log.audit import AuditReport
from elicense.merkle import verify_inclusion
from elicense.merkle_nodes import inclusion_plan
from elicense.verify.verifier import Verifier
from elicense_demo.scenario import City
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore, chunk_key
from logkit import Tamper, build_ledger


@pytest.fixture(scope="module")
def city() -> City:
    return City(alg="ecdsa-p256-sha256", seed=40)


class Log:
    """A ledger of about ninety events, logged and checkpointed, and raw access to its
    node rows."""

    def __init__(self, city: City, dsn: str) -> None:
        self.city, self.dsn = city, dsn
        self.ledger, self.ids = build_ledger(city, dsn, extra=40)
        self.store = SqlLogStore.open(dsn)
        LogFollower(self.store).catch_up()
        self.log = SqlLog(self.store, self.ledger.origin)
        self.cp = self.log.checkpoint(city.platform_key).decoded()
        self.sql = self.store.sql

    def audit(self) -> AuditReport:
        key = self.city.platform_key.public_key
        return self.log.audit({key.key_id: key}.get)

    def newest(self, kind: str) -> tuple[int, int, bytes]:
        """``(position, leaf, record)`` of a license's newest record."""
        lic = self.ledger.get_license(self.ids[kind])
        event = self.ledger.history(lic.id)[-1]
        leaf = self.store.leaf_at(event.position)
        assert leaf is not None
        return event.position, leaf, event.record

    def path_node(self, leaf: int) -> tuple[int, int]:
        """A stored interior node the leaf's inclusion proof reads."""
        plan = inclusion_plan(leaf, self.cp.tree_size)
        return max(g[0] for g in plan.groups if len(g) == 1 and g[0][0] >= 1)

    def flip_node(self, level: int, index: int, at: int = 7) -> None:
        """Flip one bit of stored node ``(level, index)`` inside its chunk row."""
        key = chunk_key(level, index >> 8)
        (data,) = self.sql.query("SELECT hashes FROM elicense_log_nodes WHERE id = ?", (key,))[0]
        data = bytearray(data)
        data[(index & 255) * 32 + at] ^= 0x10
        self.sql.execute("UPDATE elicense_log_nodes SET hashes = ? WHERE id = ?", (data, key))

    def interior_nodes(self) -> int:
        """How many interior nodes a tree of this size stores."""
        n = self.cp.tree_size
        return sum(n >> level for level in range(1, n.bit_length()))

    def close(self) -> None:
        self.store.close()
        self.ledger.close()


@pytest.fixture
def log(city: City, dsn: str) -> Iterator[Log]:
    w = Log(city, dsn)
    yield w
    w.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_d4_twin_untouched_log_every_interior_node_checked(log: Log) -> None:
    """Nothing changed: no finding, and every stored interior node was held against the
    leaves (the count the tree size gives)."""
    report = log.audit()
    assert report.ok, report.findings
    assert report.nodes == log.interior_nodes() > 40


@pytest.mark.parametrize("level", [1, 2, 5])
def test_d4_audit_names_a_flipped_interior_node(log: Log, level: int) -> None:
    """One flipped byte in an interior chunk is one finding naming that node and the leaves
    under it (on 95e344f: no finding)."""
    index = (log.cp.tree_size >> level) - 1
    log.flip_node(level, index)
    [f] = log.audit().findings
    assert (f.code, f.node) == ("audit.log.node", (level, index))
    assert f.leaf_index == index << level
    assert f.position is not None


def test_d4_audit_names_deleted_interior_rows(log: Log) -> None:
    """``DELETE FROM elicense_log_nodes`` of every interior chunk: one finding per level,
    each the missing nodes (on 95e344f: no finding)."""
    log.sql.execute("DELETE FROM elicense_log_nodes WHERE id >= ?", (1 << 40,))
    findings = log.audit().findings
    levels = log.cp.tree_size.bit_length() - 1
    assert [(f.code, f.node) for f in findings] == [
        ("audit.log.node", (level, 0)) for level in range(1, levels + 1)
    ]
    assert all("missing" in f.message for f in findings)


def test_d4_flipped_leaf_row_is_blamed_on_the_log(log: Log) -> None:
    """A flipped leaf hash (level 0) is the log's change while the events still hash to the
    checkpoint: audit.log.node at that leaf, not a changed event."""
    _, leaf, _ = log.newest("plain")
    log.flip_node(0, leaf)
    codes = {(f.code, f.node) for f in log.audit().findings}
    assert ("audit.log.node", (0, leaf)) in codes
    assert not any(code == "audit.event.changed" for code, _ in codes)


def test_d4_twin_changed_event_is_blamed_on_the_event(log: Log) -> None:
    """The twin: the event row changed, not the log: audit.event.changed at its position,
    and no node of the log is accused."""
    position, _, _ = log.newest("plain")
    tamper = Tamper(log.dsn)
    tamper.flip_state_byte(position)
    tamper.close()
    findings = log.audit().findings
    assert {f.position for f in findings} == {position}
    assert "audit.event.changed" in {f.code for f in findings}
    assert not any(f.code.startswith("audit.log") for f in findings)


def test_d4_prove_refuses_a_proof_through_a_damaged_node(
    log: Log, capsys: pytest.CaptureFixture[str]
) -> None:
    """``elicense log prove`` prints a proof only when it verifies: through a flipped node it
    refuses with log.proof.invalid, exit 2 (on 95e344f: an invalid proof, "ok": true)."""
    position, leaf, record = log.newest("amended")
    code, out = _run(capsys, "log", "prove", "--ledger", log.dsn, log.ids["amended"])
    assert code == 0
    proof = [bytes.fromhex(h) for h in out["inclusion_proof"]]
    verify_inclusion(
        log.store.algorithm.leaf(record), leaf, log.cp.tree_size, proof, log.cp.root_hash
    )
    log.flip_node(*log.path_node(leaf))
    for argv in (
        ("log", "prove", "--ledger", log.dsn, log.ids["amended"]),
        ("log", "prove", "--ledger", log.dsn, "--position", str(position)),
        ("log", "export", "--ledger", log.dsn, log.ids["amended"]),
    ):
        code, out = _run(capsys, *argv)
        assert code == 2, argv
        assert out["error"]["code"] == "log.proof.invalid", argv


def test_d4_prove_refuses_a_record_changed_after_it_was_logged(
    log: Log, capsys: pytest.CaptureFixture[str]
) -> None:
    """A proof is checked against the record as stored too: a changed newest record gets no
    proof (log.inclusion.invalid, exit 2)."""
    position, _, _ = log.newest("plain")
    tamper = Tamper(log.dsn)
    tamper.flip_state_byte(position)
    tamper.close()
    code, out = _run(capsys, "log", "prove", "--ledger", log.dsn, "--position", str(position))
    assert code == 2
    assert out["error"]["code"] == "log.inclusion.invalid"


def test_d4_online_verification_blames_the_log(log: Log) -> None:
    """A flipped node on the newest record's path: online verification says the log's proof
    is invalid, not that the untouched record changed (on 95e344f: log.inclusion.invalid,
    "version 1 … changed after it was logged")."""
    _, leaf, _ = log.newest("plain")
    verdict = Verifier.from_ledger(log.ledger, log=log.log).verify(log.ids["plain"])
    assert verdict.ok, verdict.to_dict()
    log.flip_node(*log.path_node(leaf))
    verdict = Verifier.from_ledger(log.ledger, log=log.log).verify(log.ids["plain"])
    assert not verdict.ok
    assert verdict.codes == ["log.proof.invalid"]
    assert "version 1 is not the record" not in verdict.findings[0].message


def test_d3_deleted_node_rows_are_a_log_finding(
    log: Log, capsys: pytest.CaptureFixture[str]
) -> None:
    """``DELETE FROM elicense_log_nodes WHERE id > 0`` then ``elicense verify ID``: the log
    cannot prove (log.unavailable), never verifier.internal_error (on 95e344f:
    verifier.internal_error, "ProofError: node … was not fetched")."""
    log.sql.execute("DELETE FROM elicense_log_nodes WHERE id > 0")
    code, verdict = _run(capsys, "verify", log.ids["renewed"], "--ledger", log.dsn)
    assert code == 1
    assert [f["code"] for f in verdict["findings"]] == ["log.unavailable"]
    code, out = _run(capsys, "log", "prove", "--ledger", log.dsn, log.ids["renewed"])
    assert (code, out["error"]["code"]) == (2, "log.unavailable")
