"""The demo's reuse phase: the asked number of uses recorded as used, refusals
recorded with their codes, the read model agreeing with a replay, and the
sample views and copies verifying (a copy also as expired after its expiry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicense.cli import main


def test_the_demo_records_exactly_the_uses_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--uses N records N uses as used, and the statistics say so from both sides."""
    code = main(
        ["demo", "--dir", str(tmp_path / "d"), "--licenses", "400", "--uses", "500", "--json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)["reuse"]
    assert report["uses"] == 500
    assert report["statistics"]["uses"] == 500
    assert report["replay_agrees"] is True
    assert report["unrecorded"] == {}
    assert report["refused"] == report["statistics"]["refused"] > 0
    assert set(report["statistics"]["refused_by_code"]) <= {
        "use.consent.missing",
        "use.sharing.not_listed",
        "use.consent.other_item",
        "use.consent.other_department",
        "use.consent.withdrawn",
        "use.consent.expired",
        "use.license.suspended",
        "use.license.revoked",
        "use.license.cancelled",
    }
    assert report["statistics"]["type_opening_rate"] == pytest.approx(11 / 14)
    outcomes = report["verified"]
    assert outcomes.get("after expiry: invalid (expired)") == 1
    assert {k for k in outcomes if not k.startswith("after")} == {"valid (valid)"}


def test_the_demo_can_skip_the_reuse_phase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--uses 0 runs the demo without the reuse phase."""
    code = main(["demo", "--dir", str(tmp_path / "d"), "--licenses", "50", "--uses", "0", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["reuse"] == {}


def test_every_progress_bar_ends_at_its_total(tmp_path: Path) -> None:
    """The demo's bars are sized by what each stage counts: the reuse bar counts uses
    recorded as used (refusals are extra requests, not progress), so it ends at --uses,
    neither short of it nor past it (issuing likewise ends at its total)."""
    import argparse

    from elicense_demo.reuse_phase import reuse_phase
    from elicense_demo.run import run_demo

    counted: dict[str, int] = {}

    def tick(stage: str, n: int) -> None:
        counted[stage] = counted.get(stage, 0) + n

    args = argparse.Namespace(uses=300, seed=2026)
    run_demo(
        tmp_path / "d",
        licenses=200,
        approvals=0,
        alg="ecdsa-p256-sha256",
        progress=tick,
        reuse=reuse_phase(args, tick),
    )
    assert counted["reuse"] == 300
    assert counted["issue"] == 200
