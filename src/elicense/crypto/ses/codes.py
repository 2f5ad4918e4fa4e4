"""The vocabulary of SES verification: every finding code and every passed-check code.

Codes are stable and dotted; a failure never shares a code with a pass
(``ses.signature`` passed, ``ses.signature.invalid`` failed). docs/ses.md
lists each with its severity; a test keeps the two in step.
"""

from __future__ import annotations

__all__ = ["CHECK_CODES", "FINDING_CODES"]

_CERT = (
    "malformed",
    "nonconformant",
    "key_mismatch",
    "untrusted",
    "issuer_signature.invalid",
    "issuer_signature.unsupported",
    "expired",
    "not_yet_valid",
)
_STAMP = ("malformed", "mismatch", "invalid", "untrusted", "unsupported")

CHECK_CODES: frozenset[str] = frozenset(
    {
        "ses.format",
        "ses.seal.signature",
        "ses.seal.cert",
        "ses.seal.validity",
        "ses.seal.timestamp",
        "ses.signature",
        "ses.signature.cert",
        "ses.signature.cert_in_seal",
        "ses.signature.timestamp",
        "ses.data_hash",
    }
)
"""Codes of passed checks (``Verdict.checked``); listed in docs/ses.md."""

FINDING_CODES: frozenset[str] = frozenset(
    {
        "ses.format.malformed",
        "ses.header.invalid",
        "ses.header.version_mismatch",
        "ses.alg.unsupported",
        "ses.seal.signature.invalid",
        "ses.seal.expired",
        "ses.seal.not_yet_valid",
        "ses.signature.invalid",
        "ses.signature.version_mismatch",
        "ses.signature.cert_not_in_seal",
        "ses.signature.cert_digest.unsupported",
        "ses.signature.time.unknown",
        "ses.time.claimed",
        "ses.data_hash.mismatch",
        "ses.data_hash.not_checked",
        "ses.internal_error",
        *(f"ses.{part}.cert.{c}" for part in ("seal", "signature") for c in _CERT),
        *(f"ses.{part}.timestamp.{c}" for part in ("seal", "signature") for c in _STAMP),
    }
)
"""Every finding code the verifier can emit; listed with its severity in docs/ses.md."""
