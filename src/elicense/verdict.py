"""Verdicts and findings: what every verification answers with (wire format v2).

This module is a leaf: it imports nothing of elicense but the error tree, so
every verifier (license documents, verify-me payloads, GB/T 38540 seals and
signatures, PDF and OFD files) and every adapter (CLI, HTTP) shares one shape.

A :class:`Verdict` is ``valid``, ``invalid`` or ``indeterminate`` (as in
ETSI EN 319 102-1): a missing status or a stale checkpoint is indeterminate,
never valid. It carries the license status, the findings (each with a stable
dotted code), the codes of the checks that passed, when and against which
time source it was judged, and — for files that carry several signatures —
one :class:`SignatureResult` per signature. A failure never shares a code with
a pass: passes are named for the check (``statement.signature``), failures add
what went wrong (``statement.signature.invalid``).

Severity decides the outcome: any ``error`` makes the verdict invalid; else
any ``indeterminate`` makes it indeterminate; ``warning`` and ``info`` never
change it. ``ok`` is a field of the JSON form, always equal to
``outcome == "valid"``; :func:`verdict_schema` is the JSON Schema of that form,
generated from these types.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from elicense.errors import ElicenseError

__all__ = [
    "Finding",
    "Outcome",
    "Severity",
    "SignatureResult",
    "TimeSource",
    "Verdict",
    "VerdictBuilder",
    "VerificationError",
    "verdict_schema",
]


class VerificationError(ElicenseError):
    """A verification that did not end ``valid``, for callers who prefer exceptions.

    Attributes:
        code: the code of the first decisive finding.
        verdict: the full :class:`~elicense.verdict.Verdict`.
    """

    def __init__(self, message: str, *, code: str, verdict: Verdict) -> None:
        super().__init__(message)
        self.code = code
        self.verdict = verdict


class Outcome(StrEnum):
    """The overall answer."""

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


class Severity(StrEnum):
    """How a finding bears on the outcome."""

    ERROR = "error"
    INDETERMINATE = "indeterminate"
    WARNING = "warning"
    INFO = "info"


class TimeSource(StrEnum):
    """What the verdict's ``judged_at`` and the artifact's times rest on."""

    CLOCK = "clock"
    """The verifier's own clock (no ``at=`` given)."""
    CALLER = "caller"
    """A time the caller passed as ``at=``."""
    LEDGER = "ledger"
    """The ledger's order: records are judged at their recorded positions."""
    CLAIMED = "claimed"
    """A signing time the artifact claims and nothing proves."""
    TIMESTAMP = "timestamp"
    """A verified timestamp token."""


class Finding(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One coded observation.

    Attributes:
        code: stable dotted code, e.g. ``seal.revoked``.
        severity: how it bears on the outcome.
        message: a sentence saying what was expected and what was found.
        subject: the license, seal or document part it concerns, if any.
        version: the event version it concerns, if any.
    """

    code: str
    severity: Severity
    message: str
    subject: str | None = None
    version: int | None = None


class SignatureResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The result for one signature of a document that carries several.

    Attributes:
        kind: what kind of signature: ``statement`` (a ledger record's), ``cose``
            (a verify-me payload), ``pades``, ``ses`` (GB/T 38540), ``ofd.seal``,
            ``ofd.sign``.
        signer: who signed, as far as established: a seal code, ``platform:<key id>``,
            a certificate subject.
        outcome: this signature's own outcome, by the same severity rule.
        findings: its findings.
        checked: the checks it passed.
        part: where in the document the signature sits (a record version, a PDF
            field name, an OFD ``Signature.xml`` path), if it has such a place.
    """

    kind: str
    signer: str | None = None
    outcome: Outcome
    findings: tuple[Finding, ...] = ()
    checked: tuple[str, ...] = ()
    part: str | None = None


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of a verification, with its evidence.

    Attributes:
        ok: true exactly when ``outcome`` is ``valid`` (checked on construction).
        outcome: valid, invalid or indeterminate.
        status: the license (or artifact) status, e.g. ``valid``, ``suspended``; ``None``
            when no status could be established.
        findings: coded findings, most decisive first.
        checked: codes of the checks that passed.
        subject: what was verified (a license identifier, a seal code …).
        judged_at: the time the verdict was judged at (UTC), when it depends on one.
        time_source: what ``judged_at`` rests on.
        signatures: one result per signature, for documents that carry several.
        evidence: what was established: seal codes, log index, checkpoint size and age,
            the age of the status list used.
    """

    ok: bool
    outcome: Outcome
    status: str | None = None
    findings: tuple[Finding, ...] = ()
    checked: tuple[str, ...] = ()
    subject: str | None = None
    judged_at: datetime | None = None
    time_source: TimeSource | None = None
    signatures: tuple[SignatureResult, ...] = ()
    evidence: dict[str, Any] = {}

    def __post_init__(self) -> None:
        if self.ok is not (self.outcome is Outcome.VALID):
            raise ValueError(
                f"ok must be {self.outcome is Outcome.VALID} for a verdict {self.outcome}"
            )

    @property
    def codes(self) -> list[str]:
        """The codes of all findings."""
        return [f.code for f in self.findings]

    def first_failure(self) -> Finding | None:
        """The most decisive finding that made this verdict not valid."""
        for f in self.findings:
            if f.severity in (Severity.ERROR, Severity.INDETERMINATE):
                return f
        return None

    def raise_for_failure(self) -> Verdict:
        """Return self when valid, else raise :class:`VerificationError` with the first code."""
        if self.ok:
            return self
        f = self.first_failure()
        code = f.code if f else "verdict.not_valid"
        message = f.message if f else f"verdict is {self.outcome}"
        raise VerificationError(f"{self.outcome}: {code}: {message}", code=code, verdict=self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form as builtins: one object, the fields in declaration order."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result

    def to_json(self) -> bytes:
        """The JSON form as compact bytes."""
        return msgspec.json.encode(self)


def verdict_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a verdict's JSON form, generated from the types."""
    schema: dict[str, Any] = msgspec.json.schema(Verdict)
    return schema


_RANK = {Severity.ERROR: 0, Severity.INDETERMINATE: 1, Severity.WARNING: 2, Severity.INFO: 3}


class VerdictBuilder:
    """Collects findings and passed checks, then builds the :class:`Verdict`.

    The outcome is derived from the findings, never set by hand, so a check
    cannot forget to make a failure count.
    """

    __slots__ = (
        "_checked",
        "_findings",
        "evidence",
        "failed",
        "judged_at",
        "signatures",
        "status",
        "subject",
        "time_source",
    )

    def __init__(self, subject: str | None = None) -> None:
        self.failed = False
        """Whether an error has been recorded."""
        self._findings: list[Finding] = []
        self._checked: list[str] = []
        self.subject = subject
        self.status: str | None = None
        self.evidence: dict[str, Any] = {}
        self.judged_at: datetime | None = None
        self.time_source: TimeSource | None = None
        self.signatures: list[SignatureResult] = []

    def passed(self, code: str) -> None:
        """Record that the check ``code`` passed."""
        self._checked.append(code)

    def passed_all(self, codes: Iterable[str]) -> None:
        """Record that all the checks ``codes`` passed."""
        self._checked.extend(codes)

    def error(self, code: str, message: str, **where: Any) -> None:
        """Record a finding that makes the verdict invalid."""
        self.failed = True
        self._findings.append(Finding(code=code, severity=Severity.ERROR, message=message, **where))

    def indeterminate(self, code: str, message: str, **where: Any) -> None:
        """Record a finding that makes the verdict at best indeterminate."""
        self._findings.append(
            Finding(code=code, severity=Severity.INDETERMINATE, message=message, **where)
        )

    def warning(self, code: str, message: str, **where: Any) -> None:
        """Record a warning (does not change the outcome)."""
        self._findings.append(
            Finding(code=code, severity=Severity.WARNING, message=message, **where)
        )

    def info(self, code: str, message: str, **where: Any) -> None:
        """Record an informational finding."""
        self._findings.append(Finding(code=code, severity=Severity.INFO, message=message, **where))

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings made elsewhere."""
        for f in findings:
            self.failed = self.failed or f.severity is Severity.ERROR
            self._findings.append(f)

    def signature(
        self, kind: str, sub: Verdict, *, signer: str | None = None, part: str | None = None
    ) -> None:
        """Record the result of one signature, judged on its own as ``sub``.

        The signature's findings also count for the whole verdict: a failed
        signature fails the document.
        """
        self.signatures.append(
            SignatureResult(
                kind=kind,
                signer=signer,
                outcome=sub.outcome,
                findings=sub.findings,
                checked=sub.checked,
                part=part,
            )
        )
        self.extend(sub.findings)
        self.passed_all(sub.checked)

    def build(self) -> Verdict:
        """The verdict; outcome derived from the worst finding."""
        if not self._checked and not self._findings:
            # Danger is loud: a verification that established nothing is not a pass.
            self.indeterminate("verdict.nothing_checked", "no check was performed")
        if not self._findings:
            findings: list[Finding] = []
            outcome = Outcome.VALID
        else:
            findings = sorted(self._findings, key=lambda f: _RANK[f.severity])
            if self.failed:
                outcome = Outcome.INVALID
            elif findings[0].severity is Severity.INDETERMINATE:
                outcome = Outcome.INDETERMINATE
            else:
                outcome = Outcome.VALID
        return Verdict(
            ok=outcome is Outcome.VALID,
            outcome=outcome,
            status=self.status,
            findings=tuple(findings),
            checked=tuple(dict.fromkeys(self._checked)),
            subject=self.subject,
            judged_at=self.judged_at,
            time_source=self.time_source,
            signatures=tuple(self.signatures),
            evidence=self.evidence,
        )
