"""The code scan behind tests/test_codes_documented.py: where the library emits codes.

A code is a dotted lower-case name (``seal.revoked``). The scan reads the AST of
every module under ``src/elicense`` and ``adapters`` and collects string
constants in *code positions*:

* the value of a ``code=`` (or ``*_code=``) keyword argument;
* the first argument of the finding builders ``.error``, ``.indeterminate``,
  ``.warning``, ``.info`` and ``.passed``;
* a positional argument of a call to a function or class (defined anywhere in
  the scanned tree) whose parameter at that position is named ``code``
  (``AuthError("auth.expired", …)``, ``ServiceError(404, "log.unknown", …)``);
* the value assigned to a name ending in ``code``/``codes``/``finding``
  (``code = … or "use.refused"``, ``FINDING_CODES = frozenset({…})``);
* a ``return`` in a function whose name contains ``code``;
* a dotted constant in a module- or class-level table (any other assignment),
  less the wire names of :mod:`elicense.wire` (record topics and statement
  kinds are not codes), file names and :data:`EXCLUDED`.

In a code position an f-string (``f"ofd.container.{code}"``) is a *pattern*:
some catalogue code must match it, and the catalogue codes it matches count
as emitted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = (ROOT / "src" / "elicense", ROOT / "adapters")
WIRE = ROOT / "src" / "elicense" / "wire.py"
CATALOGUE_DIR = ROOT / "src" / "elicense" / "codes"

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
BUILDERS = frozenset({"error", "indeterminate", "warning", "info", "passed"})
FILE_SUFFIXES = (
    ".db",
    ".json",
    ".pem",
    ".pub",
    ".py",
    ".ofd",
    ".pdf",
    ".xml",
    ".der",
    ".png",
    ".js",
    ".css",
)
_CODE_NAME = re.compile(r"(?i)(^|_)(code|codes|finding|findings)$")

MODULE_ROOTS = frozenset({"elicense", "elicense_http", "elicense_sql", "eventsourcing"})
"""First segments of dotted module paths (lazy imports, logger names, store classes)."""

EXCLUDED: dict[str, str] = {
    "license.view": "documents.py LICENSE_VIEW_LABEL: a signing label, not a code",
    "annotated.copy": "documents.py ANNOTATED_COPY_LABEL: a signing label, not a code",
    "log.checkpoint": "log/checkpoint.py CHECKPOINT_KIND: the checkpoint's signing kind",
    "holder.name": "domain/sharing.py CORE_FIELDS: a license field name",
    "holder.code": "domain/sharing.py CORE_FIELDS: a license field name",
    "holder.code_kind": "domain/sharing.py CORE_FIELDS: a license field name",
    "issuer_signature.invalid": "crypto/ses/codes.py _CERT: a suffix of ses.<part>.cert.*",
    "issuer_signature.unsupported": "crypto/ses/codes.py _CERT: a suffix of ses.<part>.cert.*",
}
"""Dotted constants in module tables that are not codes: constant → why not."""

_AUTH_SEAL = 'elicense_http/auth.py: "auth." + the seal.* code of domain/seal.py seal_refusal'
COMPOSED: dict[str, str] = {
    "view.signature": "verify/views.py: f\"{what}.signature\" with what='view'",
    "copy.signature": "verify/views.py: f\"{what}.signature\" with what='copy'",
    "view.signature.invalid": "verify/views.py: f\"{what}.signature.invalid\", 'view'",
    "copy.signature.invalid": "verify/views.py: f\"{what}.signature.invalid\", 'copy'",
    "auth.seal.unknown": _AUTH_SEAL,
    "auth.seal.not_filed": _AUTH_SEAL,
    "auth.seal.suspended": _AUTH_SEAL,
    "auth.seal.revoked": _AUTH_SEAL,
    "auth.seal.compromised": _AUTH_SEAL,
    "auth.seal.expired": _AUTH_SEAL,
    "auth.seal.not_yet_valid": _AUTH_SEAL,
}
"""Codes built from a variable, which a loose pattern cannot credit: code → how.

Each must still match a scanned pattern, so the entry goes when the f-string does."""


@dataclass
class Scan:
    """What a scan found: code → where, and f-string pattern → where."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    patterns: dict[str, set[str]] = field(default_factory=dict)

    def add(self, code: str, where: str) -> None:
        self.codes.setdefault(code, set()).add(where)

    def merge(self, other: Scan) -> None:
        for c, w in other.codes.items():
            self.codes.setdefault(c, set()).update(w)
        for p, w in other.patterns.items():
            self.patterns.setdefault(p, set()).update(w)


def sources() -> list[Path]:
    """Every module the scan reads."""
    return [p for tree in TREES for p in sorted(tree.rglob("*.py"))]


def wire_names() -> frozenset[str]:
    """The dotted constants of :mod:`elicense.wire`: event names and statement kinds."""
    tree = ast.parse(WIRE.read_text(encoding="utf-8"))
    return frozenset(
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE_RE.match(n.value)
    )


def code_params(texts: Iterable[str]) -> dict[str, frozenset[int]]:
    """Callable name → the positions of its parameters named ``code``."""
    out: dict[str, set[int]] = {}
    for text in texts:
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        _positions(out, node.name, item.args.args[1:])
                    elif isinstance(item, ast.FunctionDef):
                        _positions(out, item.name, item.args.args[1:])
            elif isinstance(node, ast.FunctionDef):
                _positions(out, node.name, node.args.args)
    return {k: frozenset(v) for k, v in out.items() if v}


def _positions(out: dict[str, set[int]], name: str, args: list[ast.arg]) -> None:
    out.setdefault(name, set()).update(i for i, a in enumerate(args) if a.arg == "code")


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _values(expr: ast.expr, *, deep: bool = False) -> Iterator[ast.expr]:
    """The string-ish leaves of ``expr``: through ``a if c else b``, ``a or b`` and
    ``"prefix." + code`` (as an f-string); with ``deep``, every leaf of a table."""
    if deep:
        yield from (n for n in ast.walk(expr) if isinstance(n, ast.Constant | ast.JoinedStr))
    elif isinstance(expr, ast.IfExp):
        yield from _values(expr.body)
        yield from _values(expr.orelse)
    elif isinstance(expr, ast.BoolOp):
        for v in expr.values:
            yield from _values(v)
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        joined = ast.JoinedStr(values=[_part(expr.left), _part(expr.right)])
        yield ast.copy_location(joined, expr)
    else:
        yield expr


def _part(expr: ast.expr) -> ast.expr:
    if isinstance(expr, ast.Constant):
        return expr
    return ast.FormattedValue(value=expr, conversion=-1, format_spec=None)


def pattern_of(node: ast.JoinedStr) -> str | None:
    """The regex an f-string code matches, or None when it does not look like a code."""
    parts: list[str] = []
    shape: list[str] = []
    for v in node.values:
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            parts.append(re.escape(v.value))
            shape.append(v.value)
        else:
            parts.append("[a-z0-9_.]+")
            shape.append("x")
    return "".join(parts) if CODE_RE.match("".join(shape)) else None


def _defaults(node: ast.FunctionDef, take: Callable[..., None]) -> None:
    """The default value of a parameter named ``code``."""
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    pairs = [
        *zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True),
        *((k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None),
    ]
    for arg, default in pairs:
        if arg.arg == "code":
            take(default, default.lineno, strict=True)


def scan_source(
    text: str,
    where: str,
    *,
    params: dict[str, frozenset[int]],
    not_codes: frozenset[str] = frozenset(),
) -> Scan:
    """The codes one module's source emits (see the module docstring)."""
    found = Scan()
    tree = ast.parse(text)

    def take(expr: ast.expr, line: int, *, strict: bool, deep: bool = False) -> None:
        for leaf in _values(expr, deep=deep):
            if isinstance(leaf, ast.JoinedStr):
                pat = pattern_of(leaf)
                if pat is not None:
                    found.patterns.setdefault(pat, set()).add(f"{where}:{line}")
                continue
            if not (isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)):
                continue
            value = leaf.value
            if not CODE_RE.match(value):
                continue
            if not strict and (
                value in not_codes
                or value in EXCLUDED
                or value.endswith(FILE_SUFFIXES)
                or value.split(".")[0] in MODULE_ROOTS
            ):
                continue
            found.add(value, f"{where}:{getattr(leaf, 'lineno', line)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and _CODE_NAME.search(node.arg):
            take(node.value, node.value.lineno, strict=True)
        elif isinstance(node, ast.Call):
            name = _callee(node.func)
            if isinstance(node.func, ast.Attribute) and name in BUILDERS and node.args:
                take(node.args[0], node.lineno, strict=True)
            for i in params.get(name or "", ()):
                if i < len(node.args):
                    take(node.args[i], node.lineno, strict=True)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in targets]
            if any(_CODE_NAME.search(n) for n in names):
                take(node.value, node.lineno, strict=True, deep=True)
        elif isinstance(node, ast.FunctionDef):
            _defaults(node, take)
            if "code" in node.name:
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        take(ret.value, ret.lineno, strict=True)

    bodies = [tree.body, *(c.body for c in ast.walk(tree) if isinstance(c, ast.ClassDef))]
    for body in bodies:
        for st in body:
            if isinstance(st, ast.Assign | ast.AnnAssign) and st.value is not None:
                take(st.value, st.lineno, strict=False, deep=True)
    return found


def scan(paths: Iterable[Path] | None = None) -> Scan:
    """The codes the whole library emits: every module but :mod:`elicense.wire` and the
    catalogue itself (which would otherwise vouch for its own entries)."""
    chosen = [
        p
        for p in (sources() if paths is None else paths)
        if p != WIRE and not p.is_relative_to(CATALOGUE_DIR)
    ]
    texts = {p: p.read_text(encoding="utf-8") for p in chosen}
    params = code_params(texts.values())
    wire = wire_names()
    out = Scan()
    for p, text in texts.items():
        rel = p.relative_to(ROOT).as_posix()
        out.merge(scan_source(text, rel, params=params, not_codes=wire))
    return out


def credited(found: Scan, catalogue: Iterable[str]) -> set[str]:
    """The catalogue codes the scan shows emitted: literally; through a pattern that
    starts with literal text and holds at least two literal dots
    (``ofd.container.{code}``, ``ses.{part}.cert.{c}``); or composed
    (:data:`COMPOSED`) when any pattern matches them."""
    codes = set(catalogue)
    out = codes & set(found.codes)
    for pat in found.patterns:
        rx = re.compile(pat)
        literal = re.sub(r"\[a-z0-9_\.\]\+", "", pat)
        anchored = not pat.startswith("[") and literal.count("\\.") >= 2
        for c in codes:
            if rx.fullmatch(c) and (anchored or c in COMPOSED):
                out.add(c)
    return out


def unmatched_patterns(found: Scan, catalogue: Iterable[str]) -> set[str]:
    """Patterns no catalogue code matches."""
    codes = list(catalogue)
    return {p for p in found.patterns if not any(re.fullmatch(p, c) for c in codes)}


def documented(code: str, text: str) -> bool:
    """``code`` appears in ``text`` in backticks."""
    return f"`{code}`" in text
