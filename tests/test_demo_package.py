"""The demo city is its own package (elicense_demo): the library and its CLI load
neither it nor tqdm, and the distribution needs tqdm only for the ``demo`` extra."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import requires
from pathlib import Path

import pytest

from elicense.cli import _common

ROOT = Path(__file__).resolve().parents[1]


def test_library_and_cli_load_neither_the_demo_nor_tqdm() -> None:
    """`import elicense; import elicense.cli` (and building the parser, which registers
    `elicense demo`) leaves tqdm and elicense_demo out of sys.modules."""
    code = (
        "import json, sys\nimport elicense\nimport elicense.cli\n"
        "elicense.cli.build_parser()\nprint(json.dumps(sorted(sys.modules)))"
    )
    paths = [str(ROOT / "src"), str(ROOT / "adapters"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert "elicense" in loaded
    assert loaded & {"tqdm", "elicense_demo"} == set()


def _tqdm_requirements(requirements: list[str]) -> list[str]:
    return [r for r in requirements if r.replace(" ", "").lower().startswith("tqdm")]


def test_installed_metadata_needs_tqdm_only_for_the_demo_extra() -> None:
    """The installed distribution lists tqdm only under an extra (``demo``), so
    ``pip install .`` installs no tqdm; and that metadata is this checkout's."""
    tqdm = _tqdm_requirements(requires("elicense") or [])
    assert tqdm, "the installed elicense lists no tqdm at all"
    stale = "installed metadata is stale: reinstall elicense from this checkout"
    assert all("extra ==" in r for r in tqdm), f"{stale}: {tqdm}"
    assert all('extra == "demo"' in r for r in tqdm), tqdm
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert _tqdm_requirements(project["dependencies"]) == []
    assert _tqdm_requirements(project["optional-dependencies"]["demo"])


def test_progress_without_tqdm_prints_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without tqdm, progress is plain lines on stderr (when it is a terminal), and
    nothing with --json."""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with _common.progress(5, "issuing", argparse.Namespace(json=False), unit=" lic") as bar:
        assert isinstance(bar, _common.PlainProgress)  # without tqdm, plain lines
    assert err.getvalue() == ""  # nothing counted, nothing printed
    with _common.PlainProgress(5, "issuing", " lic", hidden=False, every=0.0) as bar:
        bar.update(2)
        bar.update(3)
    assert err.getvalue() == "issuing: 2/5 lic\nissuing: 5/5 lic\n"
    quiet = _common.progress(None, "logging", argparse.Namespace(json=True))
    quiet.update(7)
    quiet.close()
    assert err.getvalue().count("\n") == 2
