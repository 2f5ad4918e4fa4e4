"""``elicense log`` end to end on SQLite: follow, checkpoint, prove, export, bundle, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicense.cli import main
from elicense.crypto.keys import write_key_file
from elicense.merkle import SHA256, verify_consistency, verify_inclusion
from elicense_demo.scenario import City
from logkit import build_ledger


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_log_commands_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A document exported with evidence verifies on the log path against the log's bundle;
    proofs printed by ``prove`` verify by hand."""
    city = City(alg="ecdsa-p256-sha256", seed=7)
    db = str(tmp_path / "ledger.db")
    ledger, ids = build_ledger(city, db, extra=0)
    ledger.close()
    key = write_key_file(city.platform_key, tmp_path / "platform.pem")
    pub = tmp_path / "platform.pub.pem"
    pub.write_bytes(city.platform_key.public_key.pem())

    code, out = _run(capsys, "log", "follow", "--ledger", db, "--once")
    assert code == 0
    assert out["appended"] == out["size"]
    code, _first = _run(
        capsys,
        "log",
        "checkpoint",
        "--ledger",
        db,
        "--platform-key",
        str(key),
        "--out",
        str(tmp_path / "cp1.json"),
    )
    assert code == 0
    code, _ = _run(capsys, "log", "checkpoint", "--ledger", db, "--platform-key", str(key))
    code, proof = _run(
        capsys,
        "log",
        "prove",
        "--ledger",
        db,
        ids["amended"],
        "--since",
        str(tmp_path / "cp1.json"),
    )
    assert code == 0
    root = bytes.fromhex(str(proof["root_hash"]))
    size = int(str(proof["tree_size"]))
    hashes = [bytes.fromhex(h) for h in proof["inclusion_proof"]]  # type: ignore[attr-defined]
    from elicense.ledger.application import Ledger

    with_ledger = Ledger(db)
    record = with_ledger.history(with_ledger.get_license(ids["amended"]).id)[-1].record
    with_ledger.close()
    verify_inclusion(SHA256.leaf(record), int(str(proof["leaf_index"])), size, hashes, root)
    consistency = proof["consistency"]
    assert isinstance(consistency, dict)
    old = consistency["from"]
    verify_consistency(
        old["tree_size"],
        size,
        bytes.fromhex(old["root_hash"]),
        root,
        [bytes.fromhex(h) for h in consistency["proof"]],
    )

    assert (
        _run(
            capsys,
            "log",
            "export",
            "--ledger",
            db,
            ids["amended"],
            "--out",
            str(tmp_path / "doc.json"),
        )[0]
        == 0
    )
    assert (
        _run(
            capsys,
            "log",
            "bundle",
            "--ledger",
            db,
            "--platform-key",
            str(key),
            "--out",
            str(tmp_path / "bundle.json"),
        )[0]
        == 0
    )
    code, verdict = _run(
        capsys,
        "verify",
        "--bundle",
        str(tmp_path / "bundle.json"),
        "--platform-pub",
        str(pub),
        str(tmp_path / "doc.json"),
    )
    assert code == 0, verdict
    assert verdict["evidence"]["path"] == "log"  # type: ignore[index]
    code, audit = _run(
        capsys, "log", "audit", "--ledger", db, "--since", str(tmp_path / "cp1.json")
    )
    assert code == 0, audit
    assert len(audit["checkpoints"]) == 2  # type: ignore[arg-type]


def test_prove_without_a_checkpoint_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No checkpoint covers the record yet: exit 2 and say what to run."""
    city = City(alg="ed25519", seed=8)
    db = str(tmp_path / "ledger.db")
    ledger, ids = build_ledger(city, db, extra=0)
    ledger.close()
    code, out = _run(capsys, "log", "prove", "--ledger", db, ids["plain"])
    assert code == 2
    assert "elicense log checkpoint" in str(out["error"])


def test_verify_against_the_ledger_uses_its_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``elicense verify ID --ledger`` proves the newest record into the log's checkpoint
    when the database has a log, and names a record removed from the store since."""
    import sqlite3

    city = City(alg="ed25519", seed=9)
    db = str(tmp_path / "ledger.db")
    ledger, ids = build_ledger(city, db, extra=0)
    ledger.close()
    code, verdict = _run(capsys, "verify", "--ledger", db, ids["suspended"])
    assert code == 1
    assert verdict["status"] == "suspended"
    assert "log.inclusion" not in verdict["checked"]  # type: ignore[operator]
    key = write_key_file(city.platform_key, tmp_path / "platform.pem")
    assert _run(capsys, "log", "follow", "--ledger", db, "--once")[0] == 0
    assert _run(capsys, "log", "checkpoint", "--ledger", db, "--platform-key", str(key))[0] == 0
    code, verdict = _run(capsys, "verify", "--ledger", db, ids["suspended"])
    assert code == 1
    assert verdict["status"] == "suspended"
    assert {"log.inclusion", "log.status"} <= set(verdict["checked"])  # type: ignore[arg-type]
    with sqlite3.connect(db) as conn:  # the suspension's row disappears from the store
        conn.execute(
            "DELETE FROM stored_events WHERE rowid = (SELECT min(rowid) FROM stored_events "
            "WHERE topic LIKE '%License.Suspended')"
        )
    conn.close()
    code, verdict = _run(capsys, "verify", "--ledger", db, ids["suspended"])
    assert code == 1
    assert verdict["status"] == "suspended"
    assert [f["code"] for f in verdict["findings"]] == ["ledger.record.missing"]  # type: ignore[union-attr]
