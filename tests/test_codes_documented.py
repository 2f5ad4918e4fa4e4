"""Every finding and refusal code the verifier and domain emit is documented.

Codes are an API: department systems branch on them. A code used in the code
but missing from docs/verification.md is a defect this test catches.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    *sorted((ROOT / "src/elicense/verify").glob("*.py")),
    *sorted((ROOT / "src/elicense/domain").glob("*.py")),
    *sorted((ROOT / "src/elicense/log").glob("*.py")),
    *sorted((ROOT / "src/elicense/payload").glob("*.py")),
    *sorted((ROOT / "src/elicense/ofd").glob("*.py")),
    *sorted((ROOT / "src/elicense/files").glob("*.py")),
]
DOC = "".join(
    (ROOT / "docs" / n).read_text(encoding="utf-8") for n in ("verification.md", "ofd.md", "pdf.md")
)


def _codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"error", "indeterminate", "warning", "info", "passed"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
            if (
                isinstance(node, ast.keyword)
                and node.arg == "code"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def test_codes_are_found() -> None:
    """The scan finds the codes (a scan that finds nothing would pass vacuously)."""
    assert {"statement.signature.invalid", "seal.revoked", "status.current"} <= _codes()


def test_every_code_is_documented() -> None:
    """Each code appears in docs/verification.md, in backticks."""
    missing = sorted(c for c in _codes() if f"`{c}`" not in DOC)
    assert not missing, f"undocumented codes: {missing}"
