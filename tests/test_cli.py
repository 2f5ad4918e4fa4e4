"""The signing CLI end to end, as the README's "Use it" section shows it.

A platform key and a ledger, a department seal made (采集) and filed (备案), a
license type defined, licenses issued, changed and suspended, signed offline
and submitted later, exported, and verified offline against a trust bundle —
each command run as a user types it, on a real SQLite file. The conventions
under test: ``--json`` prints exactly one JSON object; exit 0 yes/valid, 1
no/invalid, 2 a usage or input error; without ``--json`` a failure says why
in one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from elicense.cli import main
from support import flip

TYPE = "91110000600037341L001"
DEPT = "91110000600037341L"


class Cli:
    """Runs ``elicense`` in-process in one working directory."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def json(self, *argv: str) -> tuple[int, dict[str, Any]]:
        """Run with ``--json``: the exit code and the one JSON object printed."""
        code = main([*argv, "--json"])
        out = self.capsys.readouterr().out
        lines = out.splitlines()
        assert len(lines) == 1, f"--json must print exactly one line, got {out!r}"
        obj = json.loads(lines[0])
        assert isinstance(obj, dict)
        return code, obj

    def text(self, *argv: str) -> tuple[int, str, str]:
        """Run without ``--json``: the exit code, stdout and stderr."""
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def issue(self, serial: str, *extra: str) -> tuple[int, dict[str, Any]]:
        return self.json(
            "issue",
            "--key",
            "seal.pem",
            "--type",
            TYPE,
            "--serial",
            serial,
            "--number",
            f"SJ{serial}",
            "--holder-name",
            "某公司",
            "--holder-code",
            DEPT,
            "--field",
            "capital=100",
            *extra,
        )

    def bundle(self) -> None:
        code, _ = self.json("trust", "export", "--platform-key", "platform.pem", "--out", "b.json")
        assert code == 0

    def verify(self, document: str) -> tuple[int, dict[str, Any]]:
        return self.json(
            "verify", document, "--bundle", "b.json", "--platform-pub", "platform.pem.pub"
        )


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """A ledger in ``tmp_path`` with one filed seal and one license type, made by the CLI."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELICENSE_LEDGER", raising=False)
    c = Cli(capsys)
    steps: list[tuple[str, ...]] = [
        ("keygen", "--out", "platform.pem"),
        ("init", "--platform-key", "platform.pem", "--origin", "elicense:city.example"),
        ("keygen", "--out", "seal.pem"),
        ("seal", "make", "--key", "seal.pem", "--code", "SJ0001", "--department", DEPT,
         "--department-name", "市场监督管理局", "--name", "行政审批专用章"),
        ("seal", "file", "--platform-key", "platform.pem", "--code", "SJ0001"),
        ("type", "define", "--key", "seal.pem", "--code", TYPE, "--name", "营业执照",
         "--holder-kind", "organisation", "--field", "capital:注册资本:number:required"),
    ]  # fmt: skip
    for argv in steps:
        code, out = c.json(*argv)
        assert code == 0, (argv, out)
        assert out["ok"], (argv, out)
    return c


def _ledger_size() -> int:
    from elicense.ledger.application import Ledger

    ledger = Ledger("elicense.db")
    try:
        return int(ledger.max_position())
    finally:
        ledger.close()


def test_issue_export_and_verify_offline(cli: Cli) -> None:
    """The README's flow: an issued license exported and verified against the bundle."""
    code, out = cli.issue("2026000001")
    assert code == 0
    lid = out["receipts"][0]["subject"]
    assert lid.startswith(f"1.2.156.3005.2.{TYPE}.{DEPT}.2026000001.001.")
    assert out["license"] == lid
    assert cli.json("export", lid, "--out", "license.json")[0] == 0
    cli.bundle()
    code, verdict = cli.verify("license.json")
    assert code == 0, verdict
    assert verdict["ok"] is True
    assert verdict["status"] == "valid"
    assert verdict["findings"] == []
    assert "statement.signature" in verdict["checked"]


def test_a_flipped_byte_anywhere_in_the_document_is_not_ok(cli: Cli) -> None:
    """Tamper twin of the flow above: one flipped byte (here every 41st, and both ends)
    gives exit 1, ``ok: false`` and a coded finding."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    document = Path("license.json").read_bytes()
    for i in sorted({0, len(document) - 1, *range(0, len(document), 41)}):
        Path("tampered.json").write_bytes(flip(document, i))
        code, verdict = cli.verify("tampered.json")
        assert code == 1, (i, verdict)
        assert verdict["ok"] is False
        assert verdict["findings"], verdict
        assert all(f["code"] for f in verdict["findings"]), verdict


def test_a_flipped_byte_in_the_bundle_is_refused(cli: Cli) -> None:
    """A trust bundle that is not the platform's refuses to load: not ok, with its code."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    bundle = Path("b.json").read_bytes()
    Path("b.json").write_bytes(flip(bundle, len(bundle) // 2))
    code, out = cli.verify("license.json")
    assert code != 0
    assert out["ok"] is False
    assert out["error"]["code"].startswith("trust."), out


def test_lifecycle_commands_change_what_verification_says(cli: Cli) -> None:
    """暂扣 makes the license not ok with status suspended; 发还 makes it valid again;
    变更 raises the identifier's version, which the command reports and export takes."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    code, out = cli.json("suspend", lid, "--key", "seal.pem", "--reason", "整改")
    assert code == 0
    assert out["receipts"][0]["version"] == 2
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    code, verdict = cli.verify("license.json")
    assert (code, verdict["status"]) == (1, "suspended")
    assert [f["code"] for f in verdict["findings"]] == ["license.suspended"]

    cli.json("reinstate", lid, "--key", "seal.pem", "--reason", "整改完成")
    code, out = cli.json(
        "amend", lid, "--key", "seal.pem", "--field", "capital=200", "--reason", "增资"
    )
    assert code == 0
    current = out["license"]
    assert current != lid
    assert ".002." in current
    assert cli.json("export", current, "--out", "license.json")[0] == 0
    cli.bundle()
    code, verdict = cli.verify("license.json")
    assert (code, verdict["status"], verdict["subject"]) == (0, "valid", current), verdict
    assert verdict["evidence"]["version"] == 4


def test_amend_reports_the_new_identifier_in_text(cli: Cli) -> None:
    """Without --json the new identifier is printed too (a person has to find it)."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    code, out, _ = cli.text("renew", lid, "--key", "seal.pem", "--valid-until", "2040-01-01",
                            "--reason", "延续")  # fmt: skip
    assert code == 0
    assert "license identifier now: " in out
    assert out.strip().endswith(".002." + out.strip()[-1])


def test_signed_offline_then_submitted(cli: Cli) -> None:
    """``--out`` only signs; ``submit`` records the file in one batch; submitting the same
    file again is refused whole (duplicates) and records nothing."""
    for serial in ("2026000002", "2026000003"):
        code, out = cli.issue(serial, "--out", "statements.jsonl")
        assert code == 0
        assert out["written"] == 1
    before = _ledger_size()
    code, out = cli.json("submit", "statements.jsonl")
    assert (code, out["recorded"], out["refused"]) == (0, 2, [])
    assert _ledger_size() == before + 2
    code, out = cli.json("submit", "statements.jsonl")
    assert code == 1
    assert out["recorded"] == 0
    assert [r["line"] for r in out["refused"]] == [1, 2]
    assert {r["code"] for r in out["refused"]} == {"subject.duplicate"}, out
    assert _ledger_size() == before + 2


def test_unfiled_seal_is_refused_and_nothing_is_recorded(cli: Cli) -> None:
    """A seal made but not filed (未备案) cannot issue: exit 1 with its code."""
    cli.json("keygen", "--out", "seal2.pem")
    code, _ = cli.json("seal", "make", "--key", "seal2.pem", "--code", "SJ0002",
                       "--department", DEPT, "--department-name", "市场监督管理局",
                       "--name", "第二枚章")  # fmt: skip
    assert code == 0
    before = _ledger_size()
    code, out = cli.issue("2026000004", "--key", "seal2.pem")  # the later --key wins
    assert code == 1, out
    assert out["ok"] is False
    assert out["error"]["code"] == "seal.not_filed"
    assert _ledger_size() == before


def test_garbage_document_is_invalid_with_a_code(cli: Cli) -> None:
    """Any bytes in, a verdict out: garbage exits 1 with a coded finding."""
    cli.bundle()
    Path("garbage.json").write_bytes(b'{"format": 1, "\xff')
    code, verdict = cli.verify("garbage.json")
    assert code == 1
    assert verdict["ok"] is False
    assert verdict["findings"][0]["code"].startswith("document."), verdict


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("verify", "missing.json", "--bundle", "b.json", "--platform-pub", "platform.pem.pub"),
         "no such document"),
        (("verify", "license.json", "--bundle", "b.json"), "--platform-pub"),
        (("suspend", "1.2.156.3005.2.x", "--key", "seal.pem", "--reason", "r"), "1.2.156"),
        (("issue", "--key", "nokey.pem", "--type", TYPE, "--serial", "2026000009", "--number",
          "n", "--holder-name", "h", "--holder-code", DEPT), "nokey.pem"),
    ],
    ids=["missing document", "bundle without key", "bad identifier", "missing key file"],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(cli: Cli, argv: tuple[str, ...], says: str) -> None:
    """Input errors exit 2 and say why in one line on stderr (and one JSON object with --json)."""
    cli.bundle()
    Path("license.json").write_bytes(b"{}")
    code, out, err = cli.text(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("elicense: error: "), err
    assert err.count("\n") == 1, err
    assert says in err
    code, obj = cli.json(*argv)
    assert code == 2
    assert obj["ok"] is False
    assert obj["error"]["message"]


def test_verify_without_json_is_readable(cli: Cli) -> None:
    """A person reads the verdict: the document, VALID or not, and the status."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    cli.json("suspend", lid, "--key", "seal.pem", "--reason", "整改")
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    code, out, _ = cli.text(
        "verify", "license.json", "--bundle", "b.json", "--platform-pub", "platform.pem.pub"
    )
    assert code == 1
    assert out.splitlines()[0].startswith("license.json: INVALID")
    assert "license.suspended" in out


def test_sign_a_statement_file_offline_then_submit(cli: Cli) -> None:
    """``sign`` turns a statement file into a signed statement with a seal key and no
    ledger; ``submit`` records it. Without an origin it is a usage error, not a guess."""
    lid = cli.issue("2026000001")[1]["receipts"][0]["subject"]
    statement = {"kind": "license.suspend", "subject": lid, "expected_version": 1, "reason": "抽检"}
    Path("suspend.json").write_text(json.dumps(statement, ensure_ascii=False))
    code, out, err = cli.text("sign", "suspend.json", "--key", "seal.pem")
    assert code == 2
    assert "--origin" in err
    code, out = cli.json(
        "sign", "suspend.json", "--key", "seal.pem", "--origin", "elicense:city.example",
        "--out", "signed.jsonl",
    )  # fmt: skip
    assert code == 0
    assert out["written"] == 1
    code, out = cli.json("submit", "signed.jsonl")
    assert (code, out["recorded"]) == (0, 1)
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    assert cli.verify("license.json")[1]["status"] == "suspended"


def test_password_protected_key(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--password-env`` encrypts a new key and unlocks it; a wrong or missing password
    is an input error naming the key file, and nothing is recorded."""
    monkeypatch.setenv("SEAL_PW", "正确的口令")
    code, _ = cli.json("keygen", "--out", "locked.pem", "--password-env", "SEAL_PW")
    assert code == 0
    assert Path("locked.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    make = ("seal", "make", "--key", "locked.pem", "--code", "SJ0003", "--department", DEPT,
            "--department-name", "市场监督管理局", "--name", "加密章")  # fmt: skip
    before = _ledger_size()
    monkeypatch.setenv("WRONG_PW", "错误")
    for extra in (("--password-env", "WRONG_PW"), ()):
        code, _, err = cli.text(*make, *extra)
        assert code == 2
        assert "locked.pem" in err
    assert _ledger_size() == before
    code, out = cli.json(*make, "--password-env", "SEAL_PW")
    assert code == 0, out
    assert _ledger_size() == before + 1


def test_payload_make_and_verify_offline_then_suspended(cli: Cli) -> None:
    """`elicense payload` prints the QR text; `verify TEXT --bundle` is 0, then 1 (暂扣) after a
    suspension and a newer bundle; an edited text is 1."""
    _, out = cli.issue("2026000009")
    lid = out["license"]
    code, made = cli.json(
        "payload", lid, "--platform-key", "platform.pem", "--host", "zwfw.example.gov.cn"
    )
    assert code == 0, made
    text = made["payload"]
    assert text.startswith("HTTPS://ZWFW.EXAMPLE.GOV.CN/V/")
    cli.bundle()
    code, verdict = cli.verify(text)
    assert code == 0, verdict
    assert verdict["status"] == "valid"
    assert verdict["signatures"][0]["kind"] == "cose"
    code, tampered = cli.verify(text[:-3] + ("AAA" if text[-3:] != "AAA" else "BBB"))
    assert code == 1
    assert not tampered["ok"]
    code, _ = cli.json("suspend", lid, "--key", "seal.pem", "--reason", "整改")
    assert code == 0
    cli.bundle()
    code, verdict = cli.verify(text)
    assert code == 1
    assert verdict["status"] == "suspended"
    code, out = cli.json("payload", lid, "--platform-key", "platform.pem", "--host", "h.example",
                         "--minutes", "99")  # fmt: skip
    assert code == 2
