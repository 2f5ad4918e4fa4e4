"""OFD (GB/T 33190) verification findings and passed checks.

Each code is documented in docs/ofd.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "ofd.container": Code("ofd", "check", "the container passed every limit"),
    "ofd.container.compression": Code(
        "ofd", "error", "an entry uses a method other than stored or deflated"
    ),
    "ofd.container.corrupt": Code(
        "ofd", "error", "an entry does not inflate, fails its CRC or lies about its size"
    ),
    "ofd.container.duplicate": Code(
        "ofd", "error", "two entries share a name (readers would disagree)"
    ),
    "ofd.container.encrypted": Code("ofd", "error", "an entry is encrypted"),
    "ofd.container.malformed": Code(
        "ofd", "error", "not a zip archive, or its directory does not read"
    ),
    "ofd.container.missing": Code(
        "ofd",
        "error",
        "a file the structure needs (OFD.xml, Document.xml, Signatures.xml, a Signature.xml) is"
        " absent",
    ),
    "ofd.container.path": Code(
        "ofd",
        "error",
        "an entry name or location is absolute, leaves the container, or holds `\\`, NUL or a "
        "drive",
    ),
    "ofd.container.ratio": Code(
        "ofd",
        "error",
        "a large entry's compression ratio is a zip bomb's; refused before inflating",
    ),
    "ofd.container.too_large": Code(
        "ofd", "error", "the file, an entry or all entries exceed the limits"
    ),
    "ofd.container.too_many_entries": Code("ofd", "error", "more entries than the limit"),
    "ofd.coverage": Code("ofd", "check", "every file is protected by some signature"),
    "ofd.coverage.added": Code(
        "ofd",
        "error",
        "a file no signature protects in a document a signature locked (it protects "
        "Signatures.xml): added after signing",
    ),
    "ofd.coverage.broken_by_later": Code(
        "ofd",
        "error",
        "a later signature changed a file this one protected (or the list it locked)",
    ),
    "ofd.coverage.open": Code(
        "ofd", "warning", "Signatures.xml is not protected: further signatures may be appended"
    ),
    "ofd.coverage.pages_unprotected": Code(
        "ofd", "indeterminate", "OFD.xml, a document root or a page no signature protects"
    ),
    "ofd.coverage.unprotected": Code("ofd", "warning", "another file no signature protects"),
    "ofd.internal_error": Code(
        "ofd", "error", "a defect stopped verification (reported, never raised)"
    ),
    "ofd.license.unbound": Code(
        "ofd",
        "warning",
        "no `file.record` binds the file to a license (online: none of its SHA-256; offline: a "
        "trust bundle holds none): judged by its signatures alone, without a license status",
    ),
    "ofd.property_info.mismatch": Code(
        "ofd", "warning", "the SES `propertyInfo` names another file than the signature's"
    ),
    "ofd.reference.malformed": Code("ofd", "error", "a CheckValue is not base64"),
    "ofd.reference.mismatch": Code("ofd", "error", "a protected file changed after signing"),
    "ofd.reference.missing": Code(
        "ofd", "error", "a protected file is not in the container (removed after signing)"
    ),
    "ofd.references": Code("ofd", "check", "every Reference of the signature matches"),
    "ofd.references.empty": Code("ofd", "error", "a signature protects no file"),
    "ofd.references.method.unsupported": Code(
        "ofd", "indeterminate", "a CheckMethod other than SM3 or SHA-256"
    ),
    "ofd.seal_file": Code("ofd", "check", "`Seal.esl` is the seal inside the signature"),
    "ofd.seal_file.changed": Code(
        "ofd", "error", "the signature's own `Seal.esl` changed after signing (replaced seal)"
    ),
    "ofd.seal_file.mismatch": Code(
        "ofd",
        "error",
        "`Seal.esl` is not the seal inside the signature (re-signed with another seal)",
    ),
    "ofd.seal_file.missing": Code(
        "ofd", "error", "`Signature.xml` points to a seal file that is absent"
    ),
    "ofd.sign.alg.unsupported": Code("ofd", "indeterminate", "the CMS signer key is not SM2"),
    "ofd.sign.cert": Code(
        "ofd", "check", "the digital signer's certificate is trusted and valid then"
    ),
    "ofd.sign.cert.expired": Code(
        "ofd", "error", "the digital signer's certificate expired before the judging time"
    ),
    "ofd.sign.cert.issuer_signature.invalid": Code(
        "ofd",
        "error",
        "the digital signer's certificate names a trusted issuer whose key did not sign it",
    ),
    "ofd.sign.cert.issuer_signature.unsupported": Code(
        "ofd",
        "indeterminate",
        "the digital signer's certificate's issuer signature cannot be checked here",
    ),
    "ofd.sign.cert.malformed": Code(
        "ofd", "error", "the digital signer's certificate does not parse"
    ),
    "ofd.sign.cert.nonconformant": Code(
        "ofd", "warning", "the digital signer's certificate is not strictly DER; read leniently"
    ),
    "ofd.sign.cert.not_yet_valid": Code(
        "ofd", "error", "the digital signer's certificate was not yet valid at the judging time"
    ),
    "ofd.sign.cert.untrusted": Code(
        "ofd",
        "indeterminate",
        "the digital signer's certificate is neither a trust anchor nor issued by one",
    ),
    "ofd.sign.data": Code("ofd", "check", "a CMS signature's content is SM3(`Signature.xml`)"),
    "ofd.sign.data.mismatch": Code(
        "ofd", "error", "the CMS content (or messageDigest) is not SM3(`Signature.xml`)"
    ),
    "ofd.sign.key_unknown": Code(
        "ofd",
        "indeterminate",
        "a bare SM2 signature and no key or certificate given; or CMS without a certificate",
    ),
    "ofd.sign.malformed": Code("ofd", "error", "CMS SignedData that does not read"),
    "ofd.sign.signature": Code("ofd", "check", "the digital signature verifies"),
    "ofd.sign.signature.invalid": Code(
        "ofd", "error", "the digital signature verifies under none of the keys"
    ),
    "ofd.sign.time.unknown": Code(
        "ofd", "indeterminate", "SignatureDateTime unreadable and no `at` given"
    ),
    "ofd.signature.type.unsupported": Code(
        "ofd", "indeterminate", "a signature `Type` other than Seal or Sign"
    ),
    "ofd.signature.value_missing": Code("ofd", "error", "the SignedValue file is absent"),
    "ofd.signatures.none": Code("ofd", "error", "the file carries no signature"),
    "ofd.stamp.page_missing": Code(
        "ofd", "error", "a StampAnnot is on a page the document does not have"
    ),
    "ofd.stamp.pages": Code("ofd", "check", "every StampAnnot is on an existing page"),
    "ofd.structure.malformed": Code(
        "ofd",
        "error",
        "a DocBody without DocRoot, a Signature entry without BaseLoc, no SignedInfo",
    ),
    "ofd.unreadable": Code("ofd", "error", "the file cannot be read"),
    "ofd.xml.dtd": Code("ofd", "error", "a DTD or entity declaration (refused, never expanded)"),
    "ofd.xml.malformed": Code(
        "ofd", "error", "not well-formed XML (an undeclared entity included)"
    ),
    "ofd.xml.too_deep": Code("ofd", "error", "elements nest deeper than 64"),
    "ofd.xml.too_many_elements": Code("ofd", "error", "more than 500,000 elements"),
}
"""ofd code → its entry."""
