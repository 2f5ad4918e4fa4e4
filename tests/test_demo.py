"""elicense demo end to end (small): every license issued, exported and verified,
the statuses add up, the log phase verifies on the log path and audits clean."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from elicense.cli import main


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One small demo run (P-256 keeps it quick), its JSON report."""
    folder = tmp_path_factory.mktemp("demo") / "city"
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
                "0",
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

    from elicense.cli._log_demo import log_sample

    ids = [f"L{i}" for i in range(20_000)]
    lifecycle = random.Random(2026).sample(ids, k=1_300)
    sample = log_sample(ids, 2026, k=2_000)
    assert sample[:100] != lifecycle[:100]
    overlap = len(set(sample) & set(lifecycle))
    assert 60 < overlap < 200  # about 2,000 x 1,300 / 20,000 = 130 when independent


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
