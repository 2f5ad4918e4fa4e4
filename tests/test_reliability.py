"""The reliability program (tools/reliability.py, README "Development"): its short run
in the suite, and the tamper twins that show its oracle and its verdict can fail.

The short run kills an ingesting process and a log follower with SIGKILL, flips
stored rows and fuzzes every public parser of outside bytes (20,000 cases); its
JSON must report nothing lost, broken, missed, unhandled or accepted. The twins
feed known-bad targets (a verifier stub that accepts everything, one that
raises, one that answers ``verifier.internal_error``) to the same oracle and the
same loop, and a doctored report to the same verdict function.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from _rel_fuzz import Target, fuzz_target, judge  # noqa: E402
from _rel_mutate import byte_edit, json_edit, meaning, strip_log  # noqa: E402
from reliability import failures  # noqa: E402

DOC = json.dumps(
    {
        "format": "elicense/license-document/v2",
        "license": "L1",
        "events": [{"position": 3, "record": "eyJraW5kIjoibGljZW5zZS5pc3N1ZSIsInYiOjF9"}],
        "seals": [{"key": "S1", "events": [{"position": 1}, {"position": 2}]}],
        "log": {"leaf_index": 2},
    },
    separators=(",", ":"),
).encode()


def _target(run: Any, documented: tuple[type[BaseException], ...] = ()) -> Target:
    return Target("stub", [DOC], run, "json", "json", documented=documented)


def _accept_all(data: bytes) -> tuple[bool, list[str]]:
    return True, []


def test_oracle_calls_a_changed_document_accepted_by_a_stub_accepted() -> None:
    """Tamper twin: a verifier stub that accepts everything accepts mutants, and the oracle
    says so — a changed seal history, a changed inner record, bytes that are not JSON."""
    t = _target(_accept_all)
    tree = json.loads(DOC)
    tree["seals"][0]["events"] = tree["seals"][0]["events"][:1]  # a prefix (D9)
    prefix = json.dumps(tree, separators=(",", ":")).encode()
    inner = DOC.replace(b"InYiOjF9", b"InYiOjJ9")  # {"v":1} -> {"v":2} inside the record
    for mutant in (prefix, inner, DOC[:-1] + b"\xff}"):
        assert judge(t, mutant)[0] == "accepted", mutant


def test_oracle_does_not_count_well_formed_re_encodings() -> None:
    """Happy twin: the same stub accepting a re-encoding of the original (spaces, key
    order) or the log-path document without its log section is not an accepted mutant."""
    known = {meaning("json", DOC), meaning("json", strip_log(DOC))}
    t = Target("stub", [DOC], _accept_all, "json", "json", known=known)
    spaced = json.dumps(json.loads(DOC), indent=2, sort_keys=True).encode()
    assert judge(t, spaced)[0] == "equivalent"
    assert judge(t, strip_log(DOC))[0] == "equivalent"
    assert judge(_target(lambda d: (False, ["document.noncanonical"])), spaced)[0] == "refused"


def test_oracle_counts_exceptions_and_internal_errors() -> None:
    """An exception escaping the parser is unhandled, unless it is the documented one; a
    verifier.internal_error verdict is counted on its own, valid or not."""

    def boom(data: bytes) -> tuple[bool, list[str]]:
        raise OverflowError("int too big to convert")

    assert judge(_target(boom), DOC + b" ")[0] == "unhandled"
    assert judge(_target(boom, documented=(OverflowError,)), DOC + b" ")[0] == "refused"
    internal = _target(lambda d: (False, ["verifier.internal_error"]))
    assert judge(internal, DOC + b" ")[0] == "internal_error"


def test_fuzz_loop_reports_a_planted_acceptance() -> None:
    """The loop the program runs, on the accepting stub: accepted mutants are counted and
    shown; on a stub that refuses everything, none are."""
    bad = fuzz_target(_target(_accept_all), 200, random.Random(1)).summary()
    assert bad["cases"] == 200
    assert bad["accepted"] > 0
    assert bad["examples"]["accepted"]
    good = fuzz_target(_target(lambda d: (False, ["x"])), 200, random.Random(1)).summary()
    assert good["accepted"] == good["unhandled"] == good["internal_error"] == 0
    assert good["refused"] == 200


def test_mutators_change_what_they_are_given() -> None:
    """Most mutants differ from the original (the loop redraws the rest)."""
    rng = random.Random(3)
    changed = sum(json_edit(DOC, rng, [DOC]) != DOC for _ in range(200))
    assert changed > 150
    assert sum(byte_edit(DOC, rng) != DOC for _ in range(200)) > 190


def test_the_verdict_names_every_nonzero_figure() -> None:
    """A report with a lost event, a missed flip or an accepted mutant is not ok."""
    report: dict[str, Any] = {
        "kills": {
            "sqlite": {
                "ingest": {"lost": 1, "half_written_batches": 0},
                "follower": {"not_exactly_once": 0},
                "audit": {"ok": True, "findings": []},
            }
        },
        "corruption": {
            "sqlite": {
                "event_rows": {"missed": 0},
                "log_nodes": {"missed": 2},
                "audit_clean_before_and_after": True,
            }
        },
        "fuzz": {"unhandled": 0, "internal_error": 0, "accepted": 3},
    }
    assert failures(report) == [
        "kills.sqlite.ingest.lost = 1",
        "corruption.sqlite.log_nodes.missed = 2",
        "fuzz.accepted = 3",
    ]
    report["kills"]["sqlite"]["ingest"]["lost"] = 0
    report["corruption"]["sqlite"]["log_nodes"]["missed"] = 0
    report["fuzz"]["accepted"] = 0
    assert failures(report) == []


@pytest.mark.slow
def test_short_run_loses_nothing_and_accepts_no_mutant(tmp_path: Path) -> None:
    """``python tools/reliability.py --short``: kills, flips and 20,000 fuzz cases; the
    JSON reports zero losses, zero unhandled exceptions and zero accepted mutants."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(ROOT / p) for p in ("src", "adapters")))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "reliability.py"), "--short", "--save", tmp_path],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failures"] == [], report["failures"]
    assert proc.returncode == 0
    kills = report["kills"]["sqlite"]
    assert kills["ingest"]["kills"] == 3
    assert kills["ingest"]["acknowledged"] > 0  # the kills hit a process that was recording
    assert kills["follower"]["kills"] == 3
    assert kills["audit"]["ok"]
    assert kills["audit"]["leaves"] == kills["audit"]["events"]
    for part in ("event_rows", "log_nodes"):
        flips = report["corruption"]["sqlite"][part]
        assert flips["flips"] > 0
        assert flips["located"] == flips["flips"]
    fuzz = report["fuzz"]
    assert fuzz["cases"] >= 19_900
    assert fuzz["unhandled"] == fuzz["internal_error"] == fuzz["accepted"] == 0
    for name in ("license_json_signature", "license_json_log", "payload_text", "trust_bundle",
                 "trust_bundle_resigned", "ses_seal", "ofd", "pdf"):  # fmt: skip
        assert fuzz["targets"][name]["cases"] > 0, name
