"""The README's "Use it" walk-through and its Python examples run as written.

The first command block of "Use it" is run line by line through the CLI in a
fresh directory (``ID`` replaced by the identifier it issues; a line with an
elided argument, ``…``, is skipped); then every ``<!-- test:python -->`` block
runs as it stands, importing only from the ``elicense`` facade.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from elicense.cli import main
from elicense.ids import LicenseId

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
LICENSE_ID = str(
    LicenseId.build(
        type_code="91110000600037341L001", issuer_code="91110000600037341L", serial="2026000001"
    )
)


def _blocks(after: str, lang: str) -> list[str]:
    """The code blocks in ``lang`` that follow a line equal to ``after``."""
    pattern = re.escape(after) + r"\n```" + lang + r"\n(.*?)```"
    return re.findall(pattern, README, flags=re.S)


def _use_it_commands() -> list[list[str]]:
    section = README[README.index("## Use it") :]
    block = section[
        section.index("```sh\n") + 6 : section.index("```", section.index("```sh\n") + 6)
    ]
    lines, current = [], ""
    for raw in block.splitlines():
        current += raw.rstrip("\\").rstrip() + " " if raw.endswith("\\") else raw
        if not raw.endswith("\\"):
            lines.append(current)
            current = ""
    commands = []
    for line in lines:
        text = line.split("  #")[0].split(" #")[0].strip()
        if not text or "…" in text:
            continue
        argv = shlex.split(text)
        assert argv[0] == "elicense", text
        commands.append([LICENSE_ID if a == "ID" else a for a in argv[1:]])
    return commands


PYTHON = _blocks("<!-- test:python -->", "python")


def test_the_readme_has_what_this_test_runs() -> None:
    """Two Python blocks and a walk-through of at least a dozen commands (so the tests
    below cannot pass by running nothing)."""
    assert len(PYTHON) == 2
    assert len(_use_it_commands()) >= 12


@pytest.fixture
def walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory in which the README's "Use it" commands have run."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELICENSE_LEDGER", raising=False)
    for argv in _use_it_commands():
        assert main(argv) in (0, 1), argv  # verify of a suspended license is 1, by the rule
    return tmp_path


def test_the_python_examples_run_as_written(
    walked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each block imports only from the facade and runs; the department's reinstatement
    is what the verifier sees next."""
    for block in PYTHON:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("elicense"):
                assert node.module == "elicense", ast.unparse(node)  # the facade, nothing deeper
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "not valid: license.suspended" in out  # the exported copy predates the reinstatement
    assert main(["verify", LICENSE_ID, "--json"]) == 0  # online: reinstated, valid


def test_a_tampered_document_is_not_valid_by_the_same_code(
    walked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The twin: the verifier block on a document with one byte flipped reports it."""
    doc = (walked / "license.json").read_bytes()
    i = doc.index(b'"license":"') + 12
    (walked / "license.json").write_bytes(doc[:i] + bytes([doc[i] ^ 1]) + doc[i + 1 :])
    exec(compile(PYTHON[1], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("False ")
    assert "not valid:" in out
    assert "license.suspended" not in out.split("not valid:")[1]
