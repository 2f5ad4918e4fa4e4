"""What a new user looked for: ``check``, ``verify --max-age``, ``--version``, help text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from elicense.cli import main
from support import bundle_time, make_ric, make_uscc
from test_cli import Cli
from test_cli import cli as cli  # the README's set-up, made by the CLI

LICENSE = "1.2.156.3005.2.91110000600037341L001.91110000600037341L.2026000001.001.0"


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    out = capsys.readouterr()
    assert out.err == ""
    return code, out.out


@pytest.mark.parametrize(
    ("code", "kind", "flag"),
    [
        (LICENSE, "电子证照标识", "license"),
        (make_uscc(7), "统一社会信用代码", "uscc"),
        (make_ric(7), "公民身份号码", "ric"),  # a RIC mutant can be a valid USCC: --kind
    ],
)
def test_check_accepts_each_kind_and_refuses_every_other_check_character(
    capsys: pytest.CaptureFixture[str], code: str, kind: str, flag: str
) -> None:
    """A well-formed code exits 0 naming its kind; each wrong check character exits 1 with
    the expected character and the whole code."""
    status, out = _check(capsys, code, "--kind", flag)
    assert status == 0, out
    assert kind in out
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if c == code[-1]:
            continue
        mutant = code[:-1] + c
        status, out = _check(capsys, mutant, "--kind", flag)
        assert status == 1, mutant
        assert mutant in out, out
        assert "expected" in out, out


def test_check_json_names_the_parts(capsys: pytest.CaptureFixture[str]) -> None:
    """--json: the identifier's parts, one object."""
    status, out = _check(capsys, LICENSE, "--json")
    assert status == 0
    assert '"serial":"2026000001"' in out
    assert out.count("\n") == 1


def test_verify_max_age_decides_when_a_bundle_is_stale(cli: Cli) -> None:
    """A bundle 3 hours old: valid under --max-age 4, indeterminate (trust.stale) under 2."""
    code, out = cli.issue("2026000001")
    lid = out["receipts"][0]["subject"]
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    at = (bundle_time(Path("b.json").read_bytes()) + timedelta(hours=3)).isoformat()
    args = ("verify", "license.json", "--bundle", "b.json", "--platform-pub",
            "platform.pem.pub", "--at", at, "--max-age")  # fmt: skip
    code, verdict = cli.json(*args, "4")
    assert (code, verdict["outcome"]) == (0, "valid"), verdict
    code, verdict = cli.json(*args, "2")
    assert (code, verdict["outcome"]) == (1, "indeterminate"), verdict
    assert "trust.stale" in [f["code"] for f in verdict["findings"]]


def test_revoke_help_names_the_three_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    """The revocation reasons are named 注销 / 撤销 / 吊销 in the help."""
    assert main(["revoke", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for pair in ("cancelled = 注销", "withdrawn = 撤销", "revoked = 吊销"):
        assert pair in text
