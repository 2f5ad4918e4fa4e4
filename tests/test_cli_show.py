"""``elicense show`` and ``elicense list``: what the ledger holds, read without writing."""

from __future__ import annotations

from pathlib import Path

from test_cli import DEPT, TYPE, Cli
from test_cli import cli as cli  # the README's set-up, made by the CLI


def _issue_and_amend(cli: Cli) -> tuple[str, str]:
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    code, out = cli.json(
        "amend", lid, "--key", "seal.pem", "--field", "capital=200", "--reason", "增资"
    )
    assert code == 0, out
    return lid, out["license"]


def test_show_says_what_the_license_says(cli: Cli) -> None:
    """show, by the old identifier after 变更: the current identifier, holder, fields, status,
    version and lineage."""
    old, current = _issue_and_amend(cli)
    code, out = cli.json("show", old)
    assert code == 0, out
    lic = out["license"]
    assert lic["identifier"] == current
    assert (lic["type"], lic["issuer"], lic["number"]) == (TYPE, DEPT, "SJ2026000001")
    assert lic["holder"] == {"name": "某公司", "code": DEPT, "code_kind": "uscc"}
    assert lic["fields"] == {"capital": "200"}
    assert (lic["status"], lic["version"], lic["ledger_version"]) == ("valid", 2, 2)
    assert lic["lineage"] == [old]
    assert lic["last_operation"] == "09"


def test_show_follows_the_lifecycle(cli: Cli) -> None:
    """Tamper twin: after 暂扣 the same command says suspended, not valid."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    assert cli.json("suspend", lid, "--key", "seal.pem", "--reason", "整改")[0] == 0
    code, out = cli.json("show", lid)
    assert code == 0
    assert out["license"]["status"] == "suspended"
    code, text, err = cli.text("show", lid)
    assert (code, err) == (0, "")
    assert "status      suspended" in text
    assert "field       capital = 100" in text


def test_list_names_each_kind(cli: Cli) -> None:
    """list licenses, seals and types: the codes of what was recorded, nothing else."""
    old, current = _issue_and_amend(cli)
    cli.issue("2026000002")
    code, out = cli.json("list", "licenses")
    assert code == 0
    ids = [row["identifier"] for row in out["licenses"]]
    assert len(ids) == 2
    assert current in ids
    assert old not in ids  # one row per license, under its current identifier
    code, out = cli.json("list", "seals")
    assert out["seals"] == [
        {"code": "SJ0001", "name": "行政审批专用章", "department": DEPT, "status": "active",
         "valid_until": out["seals"][0]["valid_until"], "ses_filed": True}
    ]  # fmt: skip
    code, out = cli.json("list", "types")
    assert [row["code"] for row in out["types"]] == [TYPE]
    code, text, _ = cli.text("list", "licenses")
    assert code == 0
    assert text.count("\n") == 2


def test_show_and_list_do_not_write(cli: Cli, tmp_path: Path) -> None:
    """Both only read: the ledger file is byte for byte the same afterwards."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    before = (tmp_path / "elicense.db").read_bytes()
    assert cli.json("show", lid)[0] == 0
    for what in ("licenses", "seals", "types"):
        assert cli.json("list", what)[0] == 0
    assert (tmp_path / "elicense.db").read_bytes() == before


def test_show_of_a_malformed_identifier_is_2(cli: Cli) -> None:
    """A wrong check character is a usage error, one line naming the whole identifier."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    bad = lid[:-1] + ("1" if lid[-1] != "1" else "2")
    code, out, err = cli.text("show", bad)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert bad in err
