"""Verdicts and findings: what every verification answers with.

A :class:`Verdict` is ``valid``, ``invalid`` or ``indeterminate`` (as in
ETSI EN 319 102-1): a missing status or a stale checkpoint is indeterminate,
never valid. It carries the license status, the findings (each with a stable
dotted code) and the codes of the checks that passed. A failure never shares
a code with a pass: passes are named for the check (``statement.signature``),
failures add what went wrong (``statement.signature.invalid``).

Severity decides the outcome: any ``error`` makes the verdict invalid; else
any ``indeterminate`` makes it indeterminate; ``warning`` and ``info`` never
change it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import msgspec

from elicense.domain.codes import LicenseStatus
from elicense.errors import VerificationError

__all__ = ["STATUS_FINDINGS", "Finding", "Outcome", "Severity", "Verdict", "VerdictBuilder"]

STATUS_FINDINGS: dict[LicenseStatus, str] = {
    LicenseStatus.SUSPENDED: "license.suspended",
    LicenseStatus.WITHDRAWN: "license.withdrawn",
    LicenseStatus.CANCELLED: "license.cancelled",
    LicenseStatus.EXPIRED: "license.expired",
    LicenseStatus.TRANSFERRED: "license.transferred",
    LicenseStatus.REVOKED: "license.revoked",
    LicenseStatus.OTHER: "license.status.other",
}
"""The error a verdict carries for a license in each status but valid."""


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


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of a verification, with its evidence.

    Attributes:
        outcome: valid, invalid or indeterminate.
        status: the license (or artifact) status, e.g. ``valid``, ``suspended``; ``None``
            when no status could be established.
        findings: coded findings, most decisive first.
        checked: codes of the checks that passed.
        subject: what was verified (a license identifier, a seal code …).
        evidence: what was established: seal codes, log index, checkpoint size and age.
    """

    outcome: Outcome
    status: str | None = None
    findings: tuple[Finding, ...] = ()
    checked: tuple[str, ...] = ()
    subject: str | None = None
    evidence: dict[str, Any] = {}

    @property
    def ok(self) -> bool:
        """True only for ``valid``."""
        return self.outcome is Outcome.VALID

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
        """The JSON form: always one object with ``ok``, ``outcome``, ``status``,
        ``findings`` and ``checked`` (plus ``subject`` and ``evidence``)."""
        return {
            "ok": self.ok,
            "outcome": self.outcome.value,
            "status": self.status,
            "findings": [msgspec.to_builtins(f) for f in self.findings],
            "checked": list(self.checked),
            "subject": self.subject,
            "evidence": msgspec.to_builtins(self.evidence),
        }

    def to_json(self) -> bytes:
        """:meth:`to_dict` as compact JSON bytes."""
        return msgspec.json.encode(self.to_dict())


_RANK = {Severity.ERROR: 0, Severity.INDETERMINATE: 1, Severity.WARNING: 2, Severity.INFO: 3}


class VerdictBuilder:
    """Collects findings and passed checks, then builds the :class:`Verdict`.

    The outcome is derived from the findings, never set by hand, so a check
    cannot forget to make a failure count.
    """

    __slots__ = ("_checked", "_findings", "evidence", "failed", "status", "subject")

    def __init__(self, subject: str | None = None) -> None:
        self.failed = False
        """Whether an error has been recorded."""
        self._findings: list[Finding] = []
        self._checked: list[str] = []
        self.subject = subject
        self.status: str | None = None
        self.evidence: dict[str, Any] = {}

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
            outcome=outcome,
            status=self.status,
            findings=tuple(findings),
            checked=tuple(dict.fromkeys(self._checked)),
            subject=self.subject,
            evidence=self.evidence,
        )
