"""The facade: a small public surface that loads nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import elicense

HEAVY = ["pyhanko", "psycopg", "psycopg_pool", "litestar", "starlette", "fastapi", "uvicorn"]


SRC = [str(Path(__file__).resolve().parents[1] / d) for d in ("src", "adapters")]


def _modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*SRC, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


def test_import_loads_no_heavy_dependency() -> None:
    """`import elicense` loads neither pyhanko, a database driver nor a web framework."""
    loaded = _modules_after("import elicense")
    assert "elicense" in loaded
    assert {m for m in loaded if m.split(".")[0] in HEAVY} == set()


@pytest.mark.parametrize(
    "module",
    ["elicense.ledger.application", "elicense.verify.verifier", "elicense.ledger.export"],
)
def test_core_modules_load_no_heavy_dependency(module: str) -> None:
    """The ledger and the verifier import no driver or framework either (SQLite is stdlib)."""
    loaded = _modules_after(f"import {module}")
    assert {m for m in loaded if m.split(".")[0] in HEAVY} == set()


def test_memory_and_sqlite_ledgers_load_no_postgres_driver(tmp_path: Path) -> None:
    """Opening memory: and SQLite ledgers never imports psycopg."""
    loaded = _modules_after(
        "from elicense.ledger.application import Ledger\n"
        "Ledger('memory:').close()\n"
        f"Ledger({str(tmp_path / 'l.db')!r}).close()"
    )
    assert "psycopg" not in loaded


@pytest.mark.parametrize("name", elicense.__all__)
def test_every_public_name_exists(name: str) -> None:
    """Each name in elicense.__all__ is an attribute of the package."""
    assert hasattr(elicense, name)


def test_public_names_are_unique() -> None:
    """__all__ lists each name once."""
    assert len(set(elicense.__all__)) == len(elicense.__all__)


def test_version_matches_the_distribution() -> None:
    """elicense.__version__ is the installed distribution's version (when installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("elicense")
    except PackageNotFoundError:
        pytest.skip("elicense is not installed as a distribution")
    assert elicense.__version__ == installed


def test_errors_in_the_facade_are_the_error_tree() -> None:
    """The facade's errors are the classes of elicense.errors (VerificationError lives beside
    the verdict it carries, so the error tree imports nothing of the verdict)."""
    from elicense import errors, verdict

    names = [name for name in elicense.__all__ if name.endswith("Error")]
    assert "VerificationError" in names
    for name in names:
        home = verdict if name == "VerificationError" else errors
        assert getattr(elicense, name) is getattr(home, name)
        assert issubclass(getattr(elicense, name), errors.ElicenseError)
