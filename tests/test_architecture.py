"""The library's shape, held by tools: layers, no import cycle, a verifier without eventsourcing.

docs/architecture.md draws the layers; pyproject.toml's ``[tool.importlinter]``
states them as contracts. Each check here has a twin that plants the defect it
looks for and shows the check sees it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ADAPTERS = ROOT / "adapters"


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ADAPTERS)])}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_lint_imports_keeps_every_contract() -> None:
    """``lint-imports`` passes with the contracts of pyproject.toml."""
    done = _lint_imports(SRC)
    assert done.returncode == 0, done.stdout + done.stderr
    report = " ".join(done.stdout.split())
    for contract in _contracts():
        assert f"{contract['name']} KEPT" in report


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("verify/history.py", "import elicense.ledger.export", "Layers"),
        ("verify/trust.py", "import eventsourcing.domain", "never import eventsourcing"),
        ("ledger/export.py", "import elicense_sql", "never imports its adapters"),
        ("crypto/ses/parse.py", "import elicense.acts", "know nothing of the ledger"),
    ],
)
def test_lint_imports_breaks_on_a_planted_import(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    """The twin: one forbidden import, planted in a copy of the package, breaks its contract."""
    copy = tmp_path / "src"
    shutil.copytree(SRC / "elicense", copy / "elicense", ignore=shutil.ignore_patterns("*.pyc"))
    target = copy / "elicense" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    done = _lint_imports(copy)
    assert done.returncode != 0
    report = " ".join(done.stdout.split())  # long contract names wrap over lines
    names = [c["name"] for c in _contracts()]
    planted = [name for name in names if contract in name]
    assert len(planted) == 1
    assert f"{planted[0]} BROKEN" in report, done.stdout


def _contracts() -> list[dict[str, object]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


# -- cycles, counting function-local imports --------------------------------------------------


def cycles(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), imports as grimp
    sees them: module level and function local, ``TYPE_CHECKING`` ones excluded."""
    names = sorted(modules)
    edges = {m: graph.find_modules_directly_imported_by(m) & set(names) for m in names}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in names:
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """The import graph of ``elicense`` (function-local imports included)."""
    return grimp.build_graph("elicense", cache_dir=None, exclude_type_checking_imports=True)


def test_no_import_cycle_in_the_library(graph: grimp.ImportGraph) -> None:
    """No module of src/elicense reaches itself through imports, local ones included."""
    assert cycles(graph, graph.modules) == []


def test_a_planted_cycle_is_found(graph: grimp.ImportGraph) -> None:
    """The twin: a function-local import from the wire names back up to the verifier
    closes a cycle, and the check names its modules."""
    graph = graph.copy() if hasattr(graph, "copy") else graph
    graph.add_import(importer="elicense.wire", imported="elicense.verify.verifier")
    try:
        found = cycles(graph, graph.modules)
    finally:
        graph.remove_import(importer="elicense.wire", imported="elicense.verify.verifier")
    assert any({"elicense.wire", "elicense.verify.verifier"} <= set(c) for c in found)


def test_local_imports_are_in_the_graph(graph: grimp.ImportGraph) -> None:
    """The graph counts imports inside functions (the verifier loads the OFD reader
    in one), so a cycle through a lazy import cannot hide."""
    assert "elicense.verify.ofdfile" in graph.find_modules_directly_imported_by(
        "elicense.verify.inputs"
    )


# -- what a department's verifier loads -------------------------------------------------------


def _loads_eventsourcing(statement: str) -> bool:
    code = f"import sys; {statement}; print('eventsourcing' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(ADAPTERS)])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip() == "True"


def test_the_verifier_does_not_load_eventsourcing() -> None:
    """``from elicense import Verifier`` (and loading a trust bundle's code) needs no
    eventsourcing: the verifier replays histories through the domain's pure folds."""
    assert not _loads_eventsourcing("from elicense import Verifier")
    assert not _loads_eventsourcing("import elicense.verify.trust, elicense.verify.sources")


def test_the_ledger_does_load_eventsourcing() -> None:
    """The twin: the probe sees eventsourcing when something does load it."""
    assert _loads_eventsourcing("from elicense import Ledger; Ledger")
