"""The exit-status rule of the README ("Exit status"), walked row by row.

Every row is a mistake a new user made (../shared/notes/field-report.md): the
command answers with its exit status and exactly one line on stderr saying what
was expected and what was found — never a traceback. Read commands on a store
that holds no ledger create no file, table or schema.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from elicense.ids import LicenseId
from test_cli import DEPT, TYPE, Cli
from test_cli import cli as cli  # the README's set-up, made by the CLI

ROOT = Path(__file__).resolve().parents[1]
# well formed, never issued
MISSING = str(LicenseId.build(type_code=TYPE, issuer_code=DEPT, serial="2026000099"))


def _one_line(cli: Cli, *argv: str) -> tuple[int, str]:
    """Run a command: its exit status and its one line on stderr (asserted: one line,
    no traceback, nothing on stdout)."""
    code, out, err = cli.text(*argv)
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err
    assert err.endswith("\n"), err
    assert out == "", out
    return code, err.strip()


def _issued(cli: Cli) -> str:
    code, out = cli.issue("2026000001")
    assert code == 0, out
    return str(out["receipts"][0]["subject"])


# -- row: verify answers a verdict ------------------------------------------------------------


def test_verify_valid_is_0_and_not_in_ledger_is_1(cli: Cli) -> None:
    """A valid license is 0; a well-formed identifier the ledger never issued is a verdict: 1."""
    lid = _issued(cli)
    assert cli.json("verify", lid)[0] == 0
    code, verdict = cli.json("verify", MISSING)
    assert code == 1
    assert verdict["ok"] is False
    assert "license.not_in_ledger" in [f["code"] for f in verdict["findings"]]


# -- row: a signed act the ledger refuses by a rule ------------------------------------------


def test_a_refused_act_is_1_with_its_code(cli: Cli) -> None:
    """暂扣 twice: the second is refused by the lifecycle rule (exit 1, code printed)."""
    lid = _issued(cli)
    assert cli.json("suspend", lid, "--key", "seal.pem", "--reason", "整改")[0] == 0
    code, out, err = cli.text("suspend", lid, "--key", "seal.pem", "--reason", "整改")
    assert code == 1
    assert "Traceback" not in out + err
    assert "lifecycle.transition.refused" in out + err


# -- row: files, bundles, keys ----------------------------------------------------------------


def test_unreadable_inputs_are_2(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing document, a garbage or re-signed trust bundle, a missing key file, a key of
    the wrong kind and a wrong password: each 2, naming what it expected."""
    lid = _issued(cli)
    cli.json("export", lid, "--out", "license.json")
    cli.bundle()
    good = Path("b.json").read_bytes()
    Path("garbage.bin").write_bytes(b"\x00\x01garbage")
    Path("resigned.json").write_bytes(good.replace(b'"', b"'", 1))
    verify = ("verify", "license.json", "--platform-pub", "platform.pem.pub", "--bundle")
    monkeypatch.setenv("WRONG_PW", "错误")
    cli.json("keygen", "--out", "locked.pem", "--password-env", "WRONG_PW")
    monkeypatch.setenv("WRONG_PW", "another")
    cases = [
        (("verify", "nothing.json", "--bundle", "b.json", "--platform-pub", "platform.pem.pub"),
         "nothing.json"),
        ((*verify, "garbage.bin"), "trust bundle"),
        ((*verify, "resigned.json"), "trust bundle"),
        (("suspend", lid, "--key", "nokey.pem", "--reason", "r"), "nokey.pem"),
        (("suspend", lid, "--key", "platform.pem.pub", "--reason", "r"), "PRIVATE KEY"),
        (("suspend", lid, "--key", "locked.pem", "--seal", "SJ0001", "--password-env", "WRONG_PW",
          "--reason", "r"), "wrong password"),
    ]  # fmt: skip
    for argv, says in cases:
        code, line = _one_line(cli, *argv)
        assert code == 2, (argv, line)
        assert says in line, (argv, line)


# -- row: a ledger that cannot be opened ------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.mkdir(), "found a directory"),
        (lambda p: p.write_bytes(b"not a database\n" * 40), "expected a SQLite database"),
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: None, "no ledger at"),
    ],
    ids=["directory", "not sqlite", "empty file", "missing"],
)
def test_a_ledger_that_cannot_be_opened_is_2_and_left_alone(
    cli: Cli, tmp_path: Path, make: object, says: str
) -> None:
    """Each read and write command names the bad ledger in one line and changes nothing."""
    path = tmp_path / "bad.db"
    make(path)  # type: ignore[operator]
    before = _snapshot(path)
    for argv in (("verify", MISSING), ("stats",), ("usage", "--holder", DEPT),
                 ("export", MISSING), ("log", "audit"), ("show", MISSING),
                 ("list", "licenses"), ("suspend", MISSING, "--key", "seal.pem", "--reason",
                 "r")):  # fmt: skip
        code, line = _one_line(cli, *argv, "--ledger", str(path))
        assert code == 2, (argv, line)
        assert says in line, (argv, line)
        assert str(path) in line, (argv, line)
        assert _snapshot(path) == before, argv


def _snapshot(path: Path) -> object:
    if path.is_dir():
        return sorted(os.listdir(path))
    return path.read_bytes() if path.exists() else None


def test_an_sqlite_file_without_a_ledger_gets_no_table(cli: Cli, tmp_path: Path) -> None:
    """Tamper twin of the empty file: a SQLite file of someone else's is refused, untouched."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE theirs (x)")
    before = path.read_bytes()
    code, line = _one_line(cli, "stats", "--ledger", str(path))
    assert code == 2
    assert "holds no elicense tables" in line
    assert path.read_bytes() == before


@pytest.fixture
def pg_empty(postgres_dsn: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of the test's own, dropped afterwards."""
    import psycopg

    name = "t_empty_" + uuid.uuid4().hex[:10]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(postgres_dsn)._replace(path="/" + name))
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _user_relations(dsn: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT nspname, relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace "
            "WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchall()
        schemas = conn.execute(
            "SELECT nspname, '' FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' "
            "AND nspname NOT IN ('information_schema', 'public')"
        ).fetchall()
    return sorted(rows + schemas)


def test_read_commands_leave_an_empty_postgres_database_empty(cli: Cli, pg_empty: str) -> None:
    """stats, usage, verify, export and log audit on an empty database: 2, no table, no schema."""
    assert _user_relations(pg_empty) == []
    for argv in (("stats",), ("usage", "--holder", DEPT), ("verify", MISSING),
                 ("export", MISSING), ("log", "audit")):  # fmt: skip
        for dsn in (pg_empty, pg_empty + "?schema=elicense"):
            code, line = _one_line(cli, *argv, "--ledger", dsn)
            assert code == 2, (argv, line)
            assert "holds no table elicense_events" in line, line
    assert _user_relations(pg_empty) == []


def test_init_is_the_one_command_that_creates_a_ledger(cli: Cli, pg_empty: str) -> None:
    """Twin of the test above: init writes the tables, and stats then answers 0."""
    assert cli.json("init", "--platform-key", "platform.pem", "--ledger", pg_empty,
                    "--origin", "elicense:pg.example")[0] == 0  # fmt: skip
    assert _user_relations(pg_empty) != []
    assert cli.json("stats", "--ledger", pg_empty)[0] == 0


@pytest.mark.parametrize(
    ("netloc_path", "says"),
    [
        ("postgres@127.0.0.1:1/x", "connection refused"),
        ("postgres@{host}/no_such_db_e17", 'database "no_such_db_e17" does not exist'),
        ("no_such_role_e17@{host}/postgres", 'role "no_such_role_e17" does not exist'),
    ],
    ids=["closed port", "no database", "no role"],
)
def test_postgres_that_cannot_be_reached_is_named(
    cli: Cli, postgres_dsn: str, netloc_path: str, says: str
) -> None:
    """Server down, no such database, no such role: one line naming the cause (exit 2)."""
    parts = urlsplit(postgres_dsn)
    dsn = "postgresql://" + netloc_path.format(host=f"{parts.hostname}:{parts.port or 5432}")
    init = ("init", "--platform-key", "platform.pem", "--origin", "elicense:pg.example")
    for argv in (("stats",), ("verify", MISSING), init):
        code, line = _one_line(cli, *argv, "--ledger", dsn)
        assert code == 2, (argv, line)
        assert says in line, line


def test_postgres_without_the_extra_names_the_extra(
    cli: Cli, postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg not importable (as without ``elicense[postgres]``): the line names the extra."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    code, line = _one_line(cli, "stats", "--ledger", postgres_dsn)
    assert code == 2
    assert "pip install 'elicense[postgres]'" in line


# -- rows: names that do not exist, bad arguments ---------------------------------------------


def test_names_that_do_not_exist_are_2(cli: Cli) -> None:
    """A license, seal or type that is not in the ledger: 2 in every command but verify."""
    _issued(cli)
    cases = [
        (("export", MISSING), MISSING),
        (("show", MISSING), MISSING),
        (("suspend", MISSING, "--key", "seal.pem", "--reason", "r"), MISSING),
        (("seal", "file", "--platform-key", "platform.pem", "--code", "SJ9999"), "SJ9999"),
        (("issue", "--key", "seal.pem", "--type", "91110000600037341L999", "--serial",
          "2026000005", "--number", "n", "--holder-name", "h", "--holder-code", DEPT),
         "91110000600037341L999"),
    ]  # fmt: skip
    for argv, says in cases:
        code, line = _one_line(cli, *argv)
        assert code == 2, (argv, line)
        assert says in line, (argv, line)


def test_bad_arguments_are_2(cli: Cli) -> None:
    """Dates out of order, a wrong check character, an unknown option: 2, one line each."""
    lid = _issued(cli)
    wrong_check = lid[:-1] + ("0" if lid[-1] != "0" else "1")
    issue = ("issue", "--key", "seal.pem", "--type", TYPE, "--number", "n", "--holder-name",
             "h", "--holder-code", DEPT, "--serial")  # fmt: skip
    cases = [
        ((*issue, "2026000006", "--valid-until", "2020-01-01"), "2020-01-01"),
        ((*issue, "2026000007", "--valid-from", "2027-01-01", "--valid-until", "2026-12-31"),
         "2027-01-01"),
        (("stats", "--since", "2027-01-01", "--until", "2026-01-01"), "--until"),
        (("export", wrong_check), wrong_check),
        (("stats", "--no-such-option"), "--no-such-option"),
    ]  # fmt: skip
    before = cli.json("stats")[1]
    for argv, says in cases:
        code, line = _one_line(cli, *argv)
        assert code == 2, (argv, line)
        assert says in line, (argv, line)
    assert cli.json("stats")[1] == before  # nothing recorded


def test_version_and_json_errors(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the version; a --json error carries a dotted code, never a class name."""
    from elicense import __version__
    from elicense.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"elicense {__version__}"
    code, out = cli.json("export", MISSING)
    assert code == 2
    assert out["error"]["code"] == "subject.not_found"
    code, out = cli.json("stats", "--ledger", "nowhere.db")
    assert (code, out["error"]["code"]) == (2, "usage.invalid")


# -- row: Ctrl-C ------------------------------------------------------------------------------


def test_ctrl_c_is_130_in_one_line_and_the_ledger_is_consistent(tmp_path: Path) -> None:
    """SIGINT while the demo writes its ledger: 130, one line, and the recorded events
    replay to the same statistics as the projection (nothing half-written)."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT / 'adapters'}")
    db = tmp_path / "d" / "ledger.db"
    demo = [sys.executable, "-m", "elicense", "demo", "--dir", str(db.parent), "--licenses",
            "20000", "--no-log", "--uses", "0", "--alg", "ed25519"]  # fmt: skip
    # A shell's background job ignores SIGINT; a terminal's foreground job does not.
    proc = subprocess.Popen(
        demo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        while _events(db) < 500 and proc.poll() is None:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert text.count("\n") == 1, text
    assert "interrupted" in text, text
    check = subprocess.run(
        [sys.executable, "-m", "elicense", "stats", "--check", "--json", "--ledger", str(db)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert b'"replay_agrees":true' in check.stdout
    assert _events(db) >= 500


def _events(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    except sqlite3.Error:
        return 0


# -- D2: a stored row that cannot be read -----------------------------------------------------


def test_non_hex_originator_id_is_a_stored_record_error_naming_its_position(cli: Cli) -> None:
    """D2 (reliability-findings.md): after ``originator_id = 'zz' || …`` on one row, every
    command that reads the whole ledger names that row's position in one line (exit 2);
    the twin with the row restored succeeds."""
    _issued(cli)
    commands = [
        ("stats", "--check"),
        ("trust", "export", "--platform-key", "platform.pem", "--out", "b.json"),
        ("log", "bundle", "--platform-key", "platform.pem", "--out", "lb.json"),
    ]
    with sqlite3.connect("elicense.db") as conn:
        row, oid = conn.execute(
            "SELECT rowid, originator_id FROM stored_events ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE stored_events SET originator_id = ? WHERE rowid = ?", (
            "zz" + oid[2:], row))  # fmt: skip
    for argv in commands:
        code, line = _one_line(cli, *argv)
        assert code == 2, (argv, line)
        assert f"position {row} cannot be read" in line, (argv, line)
    with sqlite3.connect("elicense.db") as conn:
        conn.execute("UPDATE stored_events SET originator_id = ? WHERE rowid = ?", (oid, row))
    for argv in commands:
        assert cli.json(*argv)[0] == 0, argv
