"""Fuzzing every public parser of outside bytes, with an oracle for accepted mutants.

Each target is a public entry point that reads bytes from outside and the
originals it is fed: ``Verifier.verify`` on license documents of both paths,
on verify-me payload texts, OFD files and PDF files; ``Verifier.from_bundle``
on the signed trust bundle; ``ses.verify`` on the filed GB/T 38540 seal. Every
case is one mutant of a real exported original (:mod:`_rel_mutate`) and ends
in exactly one outcome (:func:`judge`):

- ``unchanged`` — the mutation gave back the original bytes (not counted as a case);
- ``refused`` — a verdict that is not valid, or the target's documented error;
- ``equivalent`` — valid, and it means what a well-formed original means (a
  re-encoding, a log-path document without its log section, or with a log
  section the verdict did not use: verified on the signature path);
- ``unauthenticated`` — valid on the log path, and it differs from an original
  only in what that path documents as the platform's unauthenticated claim
  (record positions, the status reference: src/elicense/verify/logpath.py);
  counted and reported, not a failure;
- ``accepted`` — valid, and its meaning differs from every well-formed original:
  a mutant the target failed to refuse;
- ``internal_error`` — a ``verifier.internal_error`` verdict ("a bug in elicense");
- ``unhandled`` — any other exception escaping the entry point.
"""

from __future__ import annotations

import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _rel_mutate import MUTATORS, describe, meaning, strip_log

__all__ = ["FAILURES", "Target", "fuzz", "judge", "targets"]

FAILURES = ("accepted", "internal_error", "unhandled")
Run = Callable[[bytes], tuple[Any, ...]]  # (ok, codes) or (ok, codes, evidence path)


@dataclass
class Target:
    """One parser: how to run it, how to mutate and how to read its input."""

    name: str
    originals: list[bytes]
    run: Run
    mutator: str  # a key of MUTATORS
    kind: str  # a kind of meaning()
    documented: tuple[type[BaseException], ...] = ()
    known: set[object] = field(default_factory=set)
    by_path: dict[str, set[object]] = field(default_factory=dict)
    """License documents: meanings as each verification path reads them."""

    def __post_init__(self) -> None:
        if not self.known:
            self.known = {meaning(self.kind, o) for o in self.originals}


def judge(target: Target, mutant: bytes) -> tuple[str, str]:
    """The outcome of one mutant and a line saying why."""
    try:
        ok, codes, *path = target.run(mutant)
    except target.documented as e:
        return "refused", type(e).__name__
    except Exception as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        return "unhandled", f"{type(e).__name__}: {e} at {frame.filename}:{frame.lineno}"
    if "verifier.internal_error" in codes:
        return "internal_error", ",".join(codes)
    if not ok:
        return "refused", codes[0] if codes else "not ok"
    if meaning(target.kind, mutant) in target.known:
        return "equivalent", "means what an original means"
    if target.by_path:
        where = "log" if path and path[0] == "log" else "signature"
        as_read = meaning(f"json-{where}-path", mutant)
        if where != "log" and as_read in target.by_path["signature"]:
            return "equivalent", "the signature path verified it; its log section took no part"
        if where == "log" and as_read in target.by_path["log"]:
            return "unauthenticated", "differs only in a position or the status reference"
    return "accepted", "valid, and differs from every well-formed original"


def _verdict(fn: Callable[[bytes], Any]) -> Run:
    def run(data: bytes) -> tuple[bool, list[str], str]:
        v = fn(data)
        return bool(v.ok), list(v.codes), str(v.evidence.get("path", ""))

    return run


def targets(world: Any) -> list[Target]:
    """Every public parser of outside bytes, with the world's originals."""
    from elicense.crypto import ses
    from elicense.errors import TrustError
    from elicense.verify.verifier import Verifier

    verifier, o = world.verifier, world.originals
    anchors = ses.TrustAnchors([world.seal_cert])

    def verify(data: bytes) -> Any:
        return verifier.verify(data)

    def verify_text(data: bytes) -> Any:  # a scanned QR's text, as a string
        return verifier.verify(data.decode("utf-8", "surrogateescape"))

    def load_bundle(data: bytes) -> tuple[bool, list[str]]:
        Verifier.from_bundle(data, platform_keys=[world.platform_pem])
        return True, []

    sig = list(o["license_json_signature"].values())
    log = list(o["license_json_log"].values())
    documents = [*sig, *log, *(strip_log(d) for d in log)]
    known = {meaning("json", d) for d in documents}
    # of every document: a signature-path mutant may grow a log section, and vice versa
    by_path = {p: {meaning(f"json-{p}-path", d) for d in documents} for p in ("signature", "log")}
    out = [
        Target(
            "license_json_signature",
            sig,
            _verdict(verify),
            "json",
            "json",
            known=known,
            by_path=by_path,
        ),
        Target(
            "license_json_log", log, _verdict(verify), "json", "json", known=known, by_path=by_path
        ),
        Target(
            "payload_text",
            list(o["payload_text"].values()),
            _verdict(verify_text),
            "payload",
            "payload",
        ),
        Target(
            "payload_bytes",
            list(o["payload_text"].values()),
            _verdict(verify),
            "payload",
            "payload",
        ),
        Target(
            "trust_bundle",
            list(o["trust_bundle"].values()),
            load_bundle,
            "json",
            "json",
            documented=(TrustError,),
        ),
        Target(
            "ses_seal",
            list(o["ses_seal"].values()),
            _verdict(lambda d: ses.verify(d, trust=anchors)),
            "bytes",
            "bytes",
        ),
    ]
    from _rel_resigned import resigned_bundle_target

    out.append(resigned_bundle_target(world, Target))
    if "ofd" in o:
        out.append(Target("ofd", list(o["ofd"].values()), _verdict(verify), "zip", "zip"))
    if "pdf" in o:
        out.append(Target("pdf", list(o["pdf"].values()), _verdict(verify), "bytes", "pdf"))
    return out


@dataclass
class Tally:
    """One target's figures."""

    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        cases = sum(n for k, n in self.outcomes.items() if k not in ("unchanged", "mutator_error"))
        return {
            "cases": cases,
            **{
                k: self.outcomes.get(k, 0)
                for k in ("refused", "equivalent", "unauthenticated", *FAILURES)
            },
            "unchanged_redrawn": self.outcomes.get("unchanged", 0),
            "mutator_errors": self.outcomes.get("mutator_error", 0),
            "cases_per_second": round(cases / self.seconds, 1) if self.seconds else None,
            "examples": self.examples,
            "top_refusals": dict(self.refusals.most_common(6)),
        }


def fuzz_target(
    target: Target, cases: int, rng: random.Random, *, save: Path | None = None
) -> Tally:
    """``cases`` mutants of ``target``'s originals, judged."""
    tally = Tally()
    mutate = MUTATORS[target.mutator]
    start = time.perf_counter()
    done = 0
    while done < cases:
        original = rng.choice(target.originals)
        try:
            mutant = mutate(original, rng, target.originals)
        except Exception as e:  # a bug of the mutator, not of the target: counted, not fatal
            tally.outcomes["mutator_error"] += 1
            seen = tally.examples.setdefault("mutator_error", [])
            if len(seen) < 5:
                seen.append(f"{type(e).__name__}: {e}"[:300])
            continue
        if mutant == original:
            tally.outcomes["unchanged"] += 1
            continue
        outcome, why = judge(target, mutant)
        tally.outcomes[outcome] += 1
        if outcome == "refused":
            tally.refusals[why] += 1
        done += 1
        if outcome in (*FAILURES, "unauthenticated"):
            seen = tally.examples.setdefault(outcome, [])
            if len(seen) < 5:
                where = describe(target.kind, mutant, target.originals)
                seen.append(f"{why}: {where}" if where else why)
                if save is not None and outcome in FAILURES:
                    save.mkdir(parents=True, exist_ok=True)
                    (save / f"{target.name}-{outcome}-{len(seen)}.bin").write_bytes(mutant)
    tally.seconds = time.perf_counter() - start
    return tally


WEIGHTS: dict[str, float] = {
    "license_json_signature": 30,
    "license_json_log": 30,
    "payload_text": 10,
    "payload_bytes": 6,
    "trust_bundle": 4,
    "trust_bundle_resigned": 1,
    "ses_seal": 14,
    "ofd": 4,
    "pdf": 2,
}


def fuzz(
    world: Any,
    total: int,
    seed: int,
    *,
    save: Path | None = None,
    on_target: Callable[[str, dict[str, Any]], object] | None = None,
) -> dict[str, Any]:
    """``total`` cases over every target (by :data:`WEIGHTS`); the figures, by target
    (each also handed to ``on_target`` as soon as it is known)."""
    found = targets(world)
    weight = sum(WEIGHTS[t.name] for t in found)
    counts = [max(1, int(total * WEIGHTS[t.name] / weight)) for t in found]
    counts[0] += max(0, total - sum(counts))  # exactly ``total`` in all
    per: dict[str, Any] = {}
    for t, n in zip(found, counts, strict=True):
        tally = fuzz_target(t, n, random.Random(f"{seed}/{t.name}"), save=save)
        per[t.name] = tally.summary()
        if on_target is not None:
            on_target(t.name, per[t.name])
    kinds = ("cases", "equivalent", "unauthenticated", *FAILURES, "mutator_errors")
    totals = {k: sum(p[k] for p in per.values()) for k in kinds}
    return {"seed": seed, **totals, "targets": per}
