"""PDF and recorded-file (``file.*``) findings and passed checks.

Each code is documented in docs/pdf.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "file.not_recorded": Code(
        "pdf", "error", "the ledger holds no `file.record` with this SHA-256"
    ),
    "file.recorded": Code(
        "pdf", "check", "the ledger recorded this file's digest (a license PDF or OFD)"
    ),
    "pdf.attachment.bound": Code("pdf", "check", "the attached document is the one the seal bound"),
    "pdf.attachment.malformed": Code("pdf", "error", "`license.json` is not a license document"),
    "pdf.attachment.mismatch": Code("pdf", "error", "the attached document was swapped"),
    "pdf.attachment.missing": Code(
        "pdf", "error", "`license.json` or `elicense-binding.json` absent"
    ),
    "pdf.binding.malformed": Code("pdf", "error", "the binding does not decode"),
    "pdf.binding.signature": Code("pdf", "check", "the binding verifies under the filed seal key"),
    "pdf.binding.signature.invalid": Code(
        "pdf", "error", "the binding does not verify under the filed seal key"
    ),
    "pdf.coverage": Code("pdf", "check", "the signed ranges cover the whole file"),
    "pdf.malformed": Code("pdf", "error", "not a readable PDF"),
    "pdf.modified_after_signing": Code(
        "pdf", "error", "an incremental update was appended after signing"
    ),
    "pdf.payload.mismatch": Code(
        "pdf", "error", "the QR's status differs from the attached document's"
    ),
    "pdf.signature.certificate_mismatch": Code(
        "pdf",
        "error",
        "the CMS carries a certificate other than the signer's, or /Contents holds more than"
        " the CMS and zero padding",
    ),
    "pdf.signature.digest_mismatch": Code(
        "pdf", "error", "a byte inside the signed ranges changed (a changed page)"
    ),
    "pdf.signature.intact": Code("pdf", "check", "the signed bytes hash to the signed digest"),
    "pdf.signature.invalid": Code("pdf", "error", "intact, but the signature does not verify"),
    "pdf.signature.malformed": Code("pdf", "error", "the CMS or byte range cannot be validated"),
    "pdf.signature.unexpected": Code("pdf", "error", "more than one signature"),
    "pdf.signature.valid": Code("pdf", "check", "the signature verifies under its certificate"),
    "pdf.signer.bound": Code("pdf", "check", "the PAdES certificate's key is the bound key"),
    "pdf.signer.not_issuer": Code(
        "pdf", "error", "the binding's seal signed none of the license's records"
    ),
    "pdf.signer.unbound": Code("pdf", "error", "the PDF was re-signed with another key"),
    "pdf.unsigned": Code("pdf", "error", "no signature field"),
}
"""pdf code → its entry."""
