"""The reuse commands: sharing, consent, use, usage and stats, with their exit codes
and JSON forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from elicense.cli import main
from elicense.codec import canonical
from elicense.crypto.keys import write_key_file
from reuse_support import FIELDS, ITEM, ReuseWorld


@pytest.fixture
def world(tmp_path: Path) -> tuple[ReuseWorld, dict[str, str]]:
    """A SQLite ledger with license 1 issued; the keys written as files."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    w.issue(1)
    keys = {}
    for name, key in (
        ("platform", w.platform_key),
        ("issuer", w.issuer.key),
        ("user", w.user.key),
    ):
        keys[name] = str(write_key_file(key, tmp_path / f"{name}.pem"))
    keys["ledger"] = str(tmp_path / "ledger.db")
    return w, keys


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def _share(w: ReuseWorld, k: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    fields = [a for f in FIELDS for a in ("--field", f)]
    code, out = _run(
        capsys,
        "sharing",
        "grant",
        w.type_code,
        "--ledger",
        k["ledger"],
        "--key",
        k["issuer"],
        "--seal",
        w.issuer.seal,
        "--user",
        w.user.uscc,
        "--item",
        ITEM,
        *fields,
    )
    assert code == 0, out


def _consent(w: ReuseWorld, k: dict[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out = _run(
        capsys,
        "consent",
        "grant",
        "--ledger",
        k["ledger"],
        "--platform-key",
        k["platform"],
        "--holder",
        w.holder(1).code,
        "--user",
        w.user.uscc,
        "--item",
        ITEM,
        "--purpose",
        "办理许可",
        "--type",
        w.type_code,
        "--auth",
        "face",
        "--auth-ref",
        "F-1",
        "--code",
        "CN-CLI-1",
    )
    assert code == 0, out
    return "CN-CLI-1"


def _use(
    w: ReuseWorld, k: dict[str, str], capsys: pytest.CaptureFixture[str], request: str, *extra: str
) -> tuple[int, dict[str, Any]]:
    return _run(
        capsys,
        "use",
        "--ledger",
        k["ledger"],
        "--key",
        k["user"],
        "--seal",
        w.user.seal,
        "--request",
        request,
        "--item",
        ITEM,
        "--purpose",
        "办理许可",
        *extra,
    )


def test_a_consented_use_writes_a_view_and_a_copy_that_verify(
    world: tuple[ReuseWorld, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """elicense use exits 0, writes the signed view and copy; elicense verify accepts the copy."""
    w, k = world
    _share(w, k, capsys)
    consent = _consent(w, k, capsys)
    view, copy = tmp_path / "view.json", tmp_path / "copy.json"
    code, out = _use(
        w,
        k,
        capsys,
        "BJ0001",
        "--license",
        w.license_id(1),
        "--consent",
        consent,
        "--platform-key",
        k["platform"],
        "--view-out",
        str(view),
        "--copy-days",
        "3",
        "--copy-out",
        str(copy),
        "--user-name",
        "部门2",
    )
    assert code == 0, out
    assert out["outcome"] == "used"
    assert out["files"] == {"view": str(view), "copy": str(copy)}
    code, verdict = _run(capsys, "verify", "--ledger", k["ledger"], str(copy))
    assert code == 0, verdict
    assert verdict["outcome"] == "valid"


def test_a_use_without_consent_is_recorded_as_refused_and_exits_1(
    world: tuple[ReuseWorld, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Tamper twin: no consent → exit 1, the reason code, recorded at a position."""
    w, k = world
    _share(w, k, capsys)
    code, out = _use(w, k, capsys, "BJ0002", "--license", w.license_id(1))
    assert code == 1
    assert out["refused"] == "use.consent.missing"
    assert out["receipt"]["position"] == w.ledger.max_position()


def test_a_use_by_holder_and_type_is_resolved_through_the_projection(
    world: tuple[ReuseWorld, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """--holder and --type find the holder's license (the platform attaches the resolution)."""
    w, k = world
    _share(w, k, capsys)
    consent = _consent(w, k, capsys)
    code, out = _use(
        w,
        k,
        capsys,
        "BJ0003",
        "--holder",
        w.holder(1).code,
        "--type",
        w.type_code,
        "--consent",
        consent,
    )
    assert code == 0, out


def test_use_needs_one_way_to_name_the_license(
    world: tuple[ReuseWorld, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither --license nor --holder/--type is an input error (exit 2), nothing recorded."""
    w, k = world
    before = w.ledger.max_position()
    code, _ = _use(w, k, capsys, "BJ0004")
    assert code == 2
    assert w.ledger.max_position() == before


def test_usage_and_stats_answer_from_the_projection(
    world: tuple[ReuseWorld, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """usage --holder lists the holder's uses; stats --check agrees with the replay."""
    w, k = world
    _share(w, k, capsys)
    consent = _consent(w, k, capsys)
    _use(w, k, capsys, "BJ0005", "--license", w.license_id(1), "--consent", consent)
    _use(w, k, capsys, "BJ0006", "--license", w.license_id(1))
    code, out = _run(capsys, "usage", "--ledger", k["ledger"], "--holder", w.holder(1).code)
    assert code == 0
    assert [u["outcome"] for u in out["uses"]] == ["used", "refused"]
    code, out = _run(capsys, "stats", "--ledger", k["ledger"], "--check")
    assert code == 0
    assert out["replay_agrees"] is True
    assert out["statistics"]["uses"] == 1
    assert out["statistics"]["type_opening_rate"] == 1.0
    assert main(["stats", "--ledger", k["ledger"]]) == 0
    assert "用证量" in capsys.readouterr().out


def test_consent_withdraw_then_use_is_refused(
    world: tuple[ReuseWorld, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """consent withdraw records the withdrawal; a later use is refused as withdrawn."""
    w, k = world
    _share(w, k, capsys)
    consent = _consent(w, k, capsys)
    code, out = _run(
        capsys,
        "consent",
        "withdraw",
        consent,
        "--ledger",
        k["ledger"],
        "--platform-key",
        k["platform"],
        "--reason",
        "撤回",
        "--auth",
        "sms",
        "--auth-ref",
        "S",
    )
    assert code == 0, out
    code, out = _use(w, k, capsys, "BJ0007", "--license", w.license_id(1), "--consent", consent)
    assert code == 1
    assert out["refused"] == "use.consent.withdrawn"


def test_submitting_a_use_the_ledger_records_as_refused_exits_1(
    world: tuple[ReuseWorld, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A use signed offline and submitted with ``elicense submit`` that the ledger records
    as refused (no consent) is recorded, and the command says so and exits 1, like
    ``elicense use``; a consented one in the same file exits 0 on its own."""
    w, k = world
    _share(w, k, capsys)
    statements = tmp_path / "uses.jsonl"
    statements.write_bytes(
        canonical(w.use_statement(w.user, license=w.license_id(1), purpose="办理许可")) + b"\n"
    )
    before = w.ledger.max_position()
    code, out = _run(capsys, "submit", "--ledger", k["ledger"], str(statements))
    assert code == 1, out
    assert out["recorded"] == 1
    assert out["refused"] == []
    assert out["recorded_as_refused"] == [
        {"file": str(statements), "line": 1, "code": "use.consent.missing"}
    ]
    assert w.ledger.max_position() == before + 1

    consent = _consent(w, k, capsys)
    used = w.use_statement(w.user, license=w.license_id(1), purpose="办理许可", consent=consent)
    statements.write_bytes(canonical(used) + b"\n")
    code, out = _run(capsys, "submit", "--ledger", k["ledger"], str(statements))
    assert (code, out["recorded"], out["recorded_as_refused"]) == (0, 1, []), out
