"""Every code elicense emits is in the catalogue, and every catalogue code is documented.

Codes are an API: department systems branch on them. The scan (tests/codescan.py)
reads every module of ``src/elicense`` and ``adapters`` for codes in code
positions; :data:`elicense.codes.CATALOGUE` lists each with its area, kind and
meaning; each area's document (:data:`elicense.codes.DOCS`) lists each in
backticks. A code used but not catalogued, a catalogue entry nothing emits, or
an entry missing from its document is a defect these tests catch.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from codescan import (
    CODE_RE,
    COMPOSED,
    ROOT,
    Scan,
    code_params,
    credited,
    documented,
    scan,
    scan_source,
    sources,
    unmatched_patterns,
)
from elicense.codes import CATALOGUE, DOCS, RESERVED, TABLES


@cache
def _scan() -> Scan:
    return scan()


@cache
def _doc(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def _uncatalogued(found: Scan) -> list[str]:
    return sorted(c for c in found.codes if c not in CATALOGUE)


def test_scan_finds_known_codes() -> None:
    """The scan finds codes of every form (a scan that finds nothing would pass vacuously)."""
    found = _scan()
    known = {
        "statement.signature.invalid",  # b.error(...)
        "status.current",  # b.passed(...)
        "seal.revoked",  # a finding and a refusal
        "template.stale",  # code="template.stale" if … else …
        "document.version.unsupported",
        "authority.not_defining_authority",  # require_department(…, code)
        "log.proof.malformed",  # a default value of code=
        "auth.replayed",  # AuthError("auth.replayed", …)
        "log.unknown",  # ServiceError(404, "log.unknown", …)
        "audit.log.mismatch",  # _first_mismatch(…, code, …)
        "use.license.revoked",  # REFUSAL_CODES table
        "license.revoked",  # _STATUS_FINDING table
        "verdict.not_valid",  # code = … if … else "verdict.not_valid"
        "input.invalid",  # return in error_code()
        "ofd.sign.cert.expired",  # FINDING_CODES table
    }
    assert known <= set(found.codes), sorted(known - set(found.codes))
    assert any(p.startswith("ofd\\.container\\.") for p in found.patterns)
    assert len(found.codes) > 300
    assert not any(w.startswith("src/elicense/codes/") for ws in found.codes.values() for w in ws)


def test_every_emitted_code_is_catalogued() -> None:
    """Each code in a code position of the source is in elicense.codes."""
    missing = {c: sorted(_scan().codes[c])[:2] for c in _uncatalogued(_scan())}
    assert not missing, f"codes emitted but not in elicense.codes: {missing}"


def test_every_pattern_matches_a_catalogue_code() -> None:
    """Each f-string code (``f"ofd.container.{code}"``) names some catalogue code."""
    unmatched = unmatched_patterns(_scan(), CATALOGUE)
    assert not unmatched, f"code patterns matching no catalogue code: {sorted(unmatched)}"


def test_every_catalogue_code_is_emitted() -> None:
    """No dead entries: each catalogue code is emitted somewhere, or reserved with a reason."""
    emitted = credited(_scan(), CATALOGUE)
    dead = sorted(c for c in CATALOGUE if c not in emitted and c not in RESERVED)
    assert not dead, f"catalogue codes nothing emits (delete, or add to RESERVED): {dead}"
    assert not (set(RESERVED) & emitted), "a reserved code is emitted: drop it from RESERVED"
    assert all(RESERVED.values())
    assert set(COMPOSED) <= set(CATALOGUE)


def test_every_catalogue_code_is_documented_in_its_area_doc() -> None:
    """Each code appears in backticks in the document of its area."""
    missing = sorted(
        f"{code} ({DOCS[entry.area]})"
        for code, entry in CATALOGUE.items()
        if not documented(code, _doc(DOCS[entry.area]))
    )
    assert not missing, f"catalogue codes missing from their document: {missing}"


def test_catalogue_is_well_formed() -> None:
    """Codes are dotted names, each in exactly one area table, named after it."""
    seen: set[str] = set()
    for area, table in TABLES.items():
        assert not seen & set(table), f"codes in two areas: {sorted(seen & set(table))}"
        seen |= set(table)
        for code, entry in table.items():
            assert CODE_RE.match(code), code
            assert entry.area == area, code
            assert entry.meaning, code
            assert "\n" not in entry.meaning, code
    assert seen == set(CATALOGUE)


def test_catalogue_modules_stay_small() -> None:
    """One literal table per area module, each at most 450 lines."""
    for path in sorted((ROOT / "src/elicense/codes").glob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 450, f"{path.name}: {lines} lines; split the area"


def test_catalogue_imports_only_the_stdlib() -> None:
    """elicense.codes is at the bottom of the layers: it imports nothing else of elicense."""
    for path in sorted((ROOT / "src/elicense/codes").glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:from|import) ([\w.]+)", line)
            if m and m.group(1).split(".")[0] == "elicense":
                assert m.group(1).startswith("elicense.codes"), f"{path.name}: {line}"


def test_scan_reports_a_planted_code() -> None:
    """Tamper twin: codes planted in a module are found, and reported as uncatalogued
    and undocumented."""
    texts = [p.read_text(encoding="utf-8") for p in sources()]
    planted = """
class PlantedError(Exception):
    def __init__(self, code: str, message: str) -> None: ...

PLANTED_CODES = {"planted.table.entry": "a table"}
DEFAULT_CODE = "planted.constant"
PLANTED_KIND = "planted.not.a.code.json"

def check(b, ok):
    b.error("planted.finding.invalid", "planted")
    b.passed(f"planted.prefix.{ok}")
    raise PlantedError("planted.raised.code", "planted")

def refuse():
    raise ValueError("x", code="planted.keyword" if True else "planted.other")
"""
    params = code_params([*texts, planted])
    found = scan_source(planted, "planted.py", params=params)
    expected = {
        "planted.table.entry",
        "planted.constant",
        "planted.finding.invalid",
        "planted.raised.code",
        "planted.keyword",
        "planted.other",
    }
    assert set(found.codes) == expected
    assert _uncatalogued(found) == sorted(expected)
    assert unmatched_patterns(found, CATALOGUE) == {"planted\\.prefix\\.[a-z0-9_.]+"}
    assert not any(documented(c, _doc("docs/verification.md")) for c in expected)


def test_scan_reports_a_dead_entry() -> None:
    """Tamper twin: a catalogue entry the source no longer emits is not credited."""
    emitted = credited(_scan(), [*CATALOGUE, "planted.dead.entry"])
    assert "planted.dead.entry" not in emitted
    assert "seal.revoked" in emitted


def test_codes_doc_links_stay_in_the_repository() -> None:
    """docs/codes.md and the link to it use relative links to files that exist."""
    for name in ("docs/codes.md", "docs/verification.md"):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", _doc(name)):
            assert not re.match(r"[a-z]+:", target), f"{name}: absolute link {target}"
            resolved = (ROOT / name).parent.joinpath(target).resolve()
            assert resolved.is_relative_to(ROOT), f"{name}: {target} leaves the repository"
            assert resolved.exists(), f"{name}: {target} does not exist"
    assert "(codes.md)" in _doc("docs/verification.md")


def test_area_documents_exist() -> None:
    for path in set(DOCS.values()):
        assert Path(ROOT / path).is_file(), path
