"""The catalogue of every code elicense emits: finding, check, refusal, problem.

Codes are API: department systems branch on them. :data:`CATALOGUE` maps each
code the library (``src/elicense``) and its adapters (``elicense_http``,
``elicense_sql``) can emit to its area, its kind (a finding's severity, or how
else it is delivered) and one line saying what it means. Each area's codes are
documented in the file :data:`DOCS` names. ``tests/test_codes_documented.py``
scans the source for emitted codes and fails on a code missing here, an entry
nothing emits, or an entry missing from its document; docs/codes.md says how to
add one.

This package is data at the bottom of the layers: it imports only the stdlib.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from elicense.codes import cli, http, ledger, log, ofd, pdf, reuse, ses, verify
from elicense.codes.model import AREAS, KINDS, Area, Code, Kind

__all__ = ["AREAS", "CATALOGUE", "DOCS", "KINDS", "RESERVED", "TABLES", "Area", "Code", "Kind"]

TABLES: Final[dict[Area, dict[str, Code]]] = {
    "verify": verify.CODES,
    "ledger": ledger.CODES,
    "log": log.CODES,
    "ofd": ofd.CODES,
    "ses": ses.CODES,
    "pdf": pdf.CODES,
    "http": http.CODES,
    "reuse": reuse.CODES,
    "cli": cli.CODES,
}
"""Each area's table, as written (a code belongs to exactly one)."""

CATALOGUE: Final = MappingProxyType(
    {
        **verify.CODES,
        **ledger.CODES,
        **log.CODES,
        **ofd.CODES,
        **ses.CODES,
        **pdf.CODES,
        **http.CODES,
        **reuse.CODES,
        **cli.CODES,
    }
)
"""Every code elicense can emit → its :class:`Code` entry."""

DOCS: Final[dict[Area, str]] = {
    "verify": "docs/verification.md",
    "ledger": "docs/verification.md",
    "log": "docs/log.md",
    "ofd": "docs/ofd.md",
    "ses": "docs/ses.md",
    "pdf": "docs/pdf.md",
    "http": "docs/http.md",
    "reuse": "docs/reuse.md",
    "cli": "docs/codes.md",
}
"""The document (path from the repository root) that lists an area's codes."""

RESERVED: Final[dict[str, str]] = {}
"""Catalogue codes nothing emits yet, each with the reason it is kept."""
