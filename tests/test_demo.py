"""elicense demo end to end (small): every license issued, exported and verified,
the statuses add up, the log phase verifies on the log path and audits clean."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from elicense.cli import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's demo run writes."""
    return tmp_path_factory.mktemp("demo") / "city"


@pytest.fixture(scope="module")
def report(folder: Path) -> dict[str, object]:
    """One small demo run (P-256 keeps it quick), its JSON report."""
    out = io.StringIO()  # capsys is function-scoped; this fixture is per module
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "demo",
                "--dir",
                str(folder),
                "--licenses",
                "300",
                "--uses",
                "20",
                "--alg",
                "ecdsa-p256-sha256",
                "--json",
            ]
        )
    assert code == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_every_license_is_verified(report: dict[str, object]) -> None:
    """Issued licenses and approvals are all exported and verified, outcomes adding up."""
    issued = int(report["issued"]) + int(report["approvals"])  # type: ignore[call-overload]
    assert report["verified"] == issued
    assert sum(report["outcomes"].values()) == issued  # type: ignore[attr-defined]


def test_outcomes_match_the_lifecycle(report: dict[str, object]) -> None:
    """Exactly the suspended and revoked licenses fail verification; the rest are valid."""
    lifecycle: dict[str, int] = report["lifecycle"]  # type: ignore[assignment]
    outcomes: dict[str, int] = report["outcomes"]  # type: ignore[assignment]
    ended = sum(n for k, n in lifecycle.items() if k.startswith(("suspended", "revoked")))
    failed = sum(n for k, n in outcomes.items() if not k.startswith("valid"))
    assert failed == ended


def test_log_phase_verifies_on_the_log_path_and_audits_clean(report: dict[str, object]) -> None:
    """The log phase logs every event, verifies its sample on the log path, audits clean."""
    log: dict[str, object] = report["log"]  # type: ignore[assignment]
    assert log["appended"] == log["checkpoint"]["tree_size"]  # type: ignore[index]
    assert log["on_log_path"] == log["verified"]
    assert log["audit_ok"] is True


def test_demo_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    """A given directory with files in it is refused (exit 2): the demo never overwrites."""
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["demo", "--dir", str(tmp_path), "--licenses", "10"]) == 2
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_log_sample_is_independent_of_the_lifecycle_picks() -> None:
    """The log phase's sample is not the lifecycle phase's first picks (same seed, same
    population size): otherwise it would hold only amended licenses and read all valid."""
    import random

    from elicense_demo.log_phase import log_sample

    ids = [f"L{i}" for i in range(20_000)]
    lifecycle = random.Random(2026).sample(ids, k=1_300)
    sample = log_sample(ids, 2026, k=2_000)
    assert sample[:100] != lifecycle[:100]
    overlap = len(set(sample) & set(lifecycle))
    assert 60 < overlap < 200  # about 2,000 x 1,300 / 20,000 = 130 when independent


_PYTHON_PATH = re.compile(rb"elicense\.[a-z_]+(\.[a-z_]+)*:|[a-z_]+\.[a-z_]+:[A-Z]\w*\.[A-Z]")


def _layers(data: bytes, depth: int = 0) -> list[bytes]:
    """``data`` and every base64 layer inside it that decodes (documents nest records,
    statements, bundles and lists as base64)."""
    out = [data]
    if depth > 6:
        return out
    for m in re.finditer(rb'"([A-Za-z0-9+/]{16,}={0,2})"', data):
        try:
            inner = base64.b64decode(m.group(1), validate=True)
        except ValueError:
            continue
        out.extend(_layers(inner, depth + 1))
    return out


def test_no_python_path_anywhere_in_a_demo_ledger(report: dict[str, object], folder: Path) -> None:
    """Every stored row of every table, every exported document (base64 layers included),
    the bundles with checkpoint and status lists, and a verify-me payload of a demo
    ledger name things by wire name only."""
    import sqlite3

    from elicense.crypto.keys import load_private_key
    from elicense.ledger.application import Ledger
    from elicense.ledger.payloads import license_payload
    from elicense.payload import open_payload, read_payload_text

    blobs: list[bytes] = []
    db = sqlite3.connect(folder / "ledger.db")
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert "stored_events" in tables
    assert any("checkpoint" in t for t in tables)
    assert any("status" in t for t in tables)
    for table in tables:
        for row in db.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, str):
                    blobs.append(value.encode())
                elif isinstance(value, bytes):
                    blobs.extend(_layers(value))
    db.close()
    for doc in folder.glob("*.json"):
        blobs.extend(_layers(doc.read_bytes()))
    ledger = Ledger(folder / "ledger.db")
    try:
        key = load_private_key((folder / "keys" / "platform.pem").read_bytes())
        text = next(
            license_payload(ledger, ident, key, host="demo.example")
            for ident in _current_identifiers(ledger)
        )
    finally:
        ledger.close()
    claims = open_payload(read_payload_text(text), [key.public_key]).claims
    blobs.append(repr(claims).encode())
    assert len(blobs) > 1000
    found = [b[:120] for b in blobs if _PYTHON_PATH.search(b)]
    assert not found, found[:3]
    # the twin: the same search does find a v1 topic
    assert _PYTHON_PATH.search(b'"topic":"elicense.domain.license:License.Issued"')


def _current_identifiers(ledger: object) -> list[str]:
    from elicense.ledger.payloads import license_slots

    slots = license_slots(ledger)
    out = []
    for slot in range(50):
        identifier = slots.identifier_of(slot)
        if identifier is not None and slots.status(slot) == 0:
            out.append(identifier)
    return out


def test_the_readme_verify_command_fits_the_demo_files(report: dict[str, object]) -> None:
    """The demo names its public key as keygen does (FILE.pub), and the README's offline
    verify command, run on the demo's files, answers; a wrong key file is refused (2)."""
    files = report["files"]
    assert isinstance(files, dict)
    pub = files["platform public key"]
    assert pub == files["platform key"] + ".pub"
    argv = ["verify", files["sample document"], "--bundle", files["trust bundle"]]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--platform-pub", pub, "--json"]) in (0, 1)  # a verdict
        assert main([*argv, "--platform-pub", files["platform key"], "--json"]) == 2
