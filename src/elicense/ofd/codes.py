"""The vocabulary of OFD verification: finding codes and passed-check codes.

The SES codes (``ses.*``, :mod:`elicense.crypto.ses.codes`) come on top, for
each seal signature. docs/ofd.md lists every code with its severity; a test
keeps the two in step.
"""

from __future__ import annotations

__all__ = ["CHECK_CODES", "FINDING_CODES"]

CHECK_CODES: frozenset[str] = frozenset(
    {
        "ofd.container",
        "ofd.references",
        "ofd.seal_file",
        "ofd.stamp.pages",
        "ofd.coverage",
        "ofd.sign.signature",
        "ofd.sign.cert",
        "ofd.sign.data",
    }
)
"""Codes of passed checks (``Verdict.checked``)."""

_CONTAINER = (
    "malformed",
    "too_large",
    "too_many_entries",
    "ratio",
    "path",
    "duplicate",
    "encrypted",
    "compression",
    "corrupt",
    "missing",
)
_XML = ("malformed", "dtd", "too_deep", "too_many_elements")

FINDING_CODES: frozenset[str] = frozenset(
    {
        *(f"ofd.container.{c}" for c in _CONTAINER),
        *(f"ofd.xml.{c}" for c in _XML),
        "ofd.unreadable",
        "ofd.structure.malformed",
        "ofd.signatures.none",
        "ofd.signature.type.unsupported",
        "ofd.signature.value_missing",
        "ofd.references.empty",
        "ofd.references.method.unsupported",
        "ofd.reference.missing",
        "ofd.reference.malformed",
        "ofd.reference.mismatch",
        "ofd.property_info.mismatch",
        "ofd.seal_file.missing",
        "ofd.seal_file.changed",
        "ofd.seal_file.mismatch",
        "ofd.stamp.page_missing",
        "ofd.coverage.broken_by_later",
        "ofd.coverage.added",
        "ofd.coverage.pages_unprotected",
        "ofd.coverage.unprotected",
        "ofd.coverage.open",
        "ofd.sign.key_unknown",
        "ofd.sign.signature.invalid",
        "ofd.sign.malformed",
        "ofd.sign.data.mismatch",
        "ofd.sign.cert.malformed",
        "ofd.sign.cert.nonconformant",
        "ofd.sign.cert.untrusted",
        "ofd.sign.cert.issuer_signature.invalid",
        "ofd.sign.cert.issuer_signature.unsupported",
        "ofd.sign.cert.expired",
        "ofd.sign.cert.not_yet_valid",
        "ofd.sign.alg.unsupported",
        "ofd.sign.time.unknown",
        "ofd.internal_error",
    }
)
"""Every finding code the OFD verifier emits itself; listed in docs/ofd.md."""
