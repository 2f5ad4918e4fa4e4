"""Wire format v2's one verdict shape: a leaf module, a generated schema, sub-results."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from elicense.verdict import (
    Outcome,
    SignatureResult,
    TimeSource,
    Verdict,
    VerdictBuilder,
    verdict_schema,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "elicense" / "verdict.py"


def test_verdict_module_is_a_leaf() -> None:
    """verdict.py imports nothing of elicense but the error tree."""
    tree = ast.parse(SRC.read_text(encoding="utf-8"))
    imported = {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("elicense")
    }
    assert imported == {"elicense.errors"}


def test_json_form_round_trips_and_matches_the_schema() -> None:
    """A verdict with sub-results encodes to one object that decodes back equal."""
    b = VerdictBuilder(subject="doc")
    b.judged_at = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    b.time_source = TimeSource.CALLER
    good = VerdictBuilder()
    good.passed("ses.signature")
    bad = VerdictBuilder()
    bad.error("ses.signature.invalid", "expected a valid SM2 signature, found a bad one")
    b.signature("ofd.seal", good.build(), signer="SJ0001", part="Doc_0/Signs/Sign_0")
    b.signature("ofd.seal", bad.build(), signer="SJ0002", part="Doc_0/Signs/Sign_1")
    v = b.build()
    assert v.outcome is Outcome.INVALID
    assert not v.ok
    assert [s.outcome for s in v.signatures] == [Outcome.VALID, Outcome.INVALID]
    data = v.to_json()
    assert msgspec.json.decode(data, type=Verdict) == v
    obj = msgspec.json.decode(data)
    assert list(obj)[:3] == ["ok", "outcome", "status"]
    assert obj["signatures"][1]["findings"][0]["code"] == "ses.signature.invalid"
    schema = verdict_schema()
    props = schema["$defs"]["Verdict"]["properties"]
    assert {
        "ok",
        "outcome",
        "findings",
        "checked",
        "judged_at",
        "time_source",
        "signatures",
    } <= set(props)
    assert "SignatureResult" in schema["$defs"]


def test_a_failed_signature_fails_the_document() -> None:
    """The whole verdict is not valid when one signature is not, though others are."""
    b = VerdictBuilder()
    b.passed("document.canonical")
    bad = VerdictBuilder()
    bad.indeterminate("cert.chain.unknown", "no trust anchor")
    b.signature("pades", bad.build())
    assert b.build().outcome is Outcome.INDETERMINATE


def test_ok_must_agree_with_the_outcome() -> None:
    """A verdict that says ok for an invalid outcome cannot be built or decoded."""
    with pytest.raises(ValueError, match="ok must be False"):
        Verdict(ok=True, outcome=Outcome.INVALID)
    forged = b'{"ok":true,"outcome":"invalid"}'
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(forged, type=Verdict)
    assert SignatureResult(kind="cose", outcome=Outcome.VALID).signer is None
