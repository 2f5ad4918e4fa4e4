"""GB/T 38540 seal and signature (``ses.*``) findings and passed checks.

Each code is documented in docs/ses.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "ses.alg.unsupported": Code(
        "ses",
        "indeterminate",
        "the signature algorithm is unknown, or its backend is missing (message names `pip "
        "install 'elicense[sm2]'`); `subject` is `seal` or `signature`",
    ),
    "ses.data_hash": Code("ses", "check", "`dataHash` matches the content given"),
    "ses.data_hash.mismatch": Code(
        "ses", "error", "`dataHash` is not the digest of the content given"
    ),
    "ses.data_hash.not_checked": Code(
        "ses",
        "indeterminate",
        "no content was given, so `dataHash` was not checked; the verdict is indeterminate, "
        "never valid (EU DSS: `SIGNED_DATA_NOT_FOUND`)",
    ),
    "ses.format": Code("ses", "check", "the bytes parsed as a seal or signature"),
    "ses.format.malformed": Code(
        "ses", "error", "the bytes are not a seal/signature of any version (message says where)"
    ),
    "ses.header.invalid": Code("ses", "error", "`SES_Header.ID` is not `ES`"),
    "ses.header.version_mismatch": Code(
        "ses", "warning", "header version differs from the structure's version (v4/v5)"
    ),
    "ses.internal_error": Code(
        "ses",
        "indeterminate",
        "verification stopped on an unexpected error (a bug; never expected)",
    ),
    "ses.seal.cert": Code(
        "ses", "check", "the maker certificate is trusted and valid at the judging time"
    ),
    "ses.seal.cert.expired": Code(
        "ses", "error", "the maker certificate had expired at the judging time"
    ),
    "ses.seal.cert.issuer_signature.invalid": Code(
        "ses",
        "error",
        "the maker certificate names an anchor as issuer, but the anchor's key does not verify it",
    ),
    "ses.seal.cert.issuer_signature.unsupported": Code(
        "ses", "indeterminate", "the maker certificate's signature algorithm cannot be checked here"
    ),
    "ses.seal.cert.key_mismatch": Code(
        "ses", "error", "the maker certificate's key is not of the seal's algorithm"
    ),
    "ses.seal.cert.malformed": Code("ses", "error", "the maker certificate does not parse"),
    "ses.seal.cert.nonconformant": Code(
        "ses",
        "warning",
        "the maker certificate is not strictly DER (a name string not in its declared type, "
        "e.g. UTF-8 in an IA5String): read leniently, its key still used",
    ),
    "ses.seal.cert.not_yet_valid": Code(
        "ses", "error", "the maker certificate was not yet valid at the judging time"
    ),
    "ses.seal.cert.untrusted": Code(
        "ses", "indeterminate", "the maker certificate is neither an anchor nor issued by one"
    ),
    "ses.seal.expired": Code("ses", "error", "the judging time is after `validEnd`"),
    "ses.seal.not_yet_valid": Code("ses", "error", "the judging time is before `validStart`"),
    "ses.seal.signature": Code("ses", "check", "the maker's signature verified"),
    "ses.seal.signature.invalid": Code(
        "ses", "error", "the maker's signature over `SES_SealInfo` does not verify"
    ),
    "ses.seal.timestamp": Code("ses", "check", "the v5 seal's timestamp verified"),
    "ses.seal.timestamp.invalid": Code(
        "ses",
        "error",
        "the TSA signature or `messageDigest` does not verify, or the TSA certificate was not "
        "valid at `genTime`",
    ),
    "ses.seal.timestamp.malformed": Code(
        "ses", "error", "the v5 seal's `timeStamp` does not parse as a CMS/TSTInfo token"
    ),
    "ses.seal.timestamp.mismatch": Code(
        "ses", "error", "the v5 seal's timestamp imprint is not the digest of `signedValue`"
    ),
    "ses.seal.timestamp.unsupported": Code(
        "ses",
        "indeterminate",
        "the v5 seal's timestamp uses a hash or signature algorithm that is not supported",
    ),
    "ses.seal.timestamp.untrusted": Code(
        "ses", "indeterminate", "the v5 seal's TSA certificate is not trusted (or not found)"
    ),
    "ses.seal.validity": Code("ses", "check", "the judging time is inside the seal's window"),
    "ses.signature": Code("ses", "check", "the signer's signature verified"),
    "ses.signature.cert": Code(
        "ses", "check", "the signer certificate is trusted and valid at the judging time"
    ),
    "ses.signature.cert.expired": Code(
        "ses", "error", "the signer certificate had expired at the judging time"
    ),
    "ses.signature.cert.issuer_signature.invalid": Code(
        "ses",
        "error",
        "the signer certificate names an anchor as issuer, but does not verify under it",
    ),
    "ses.signature.cert.issuer_signature.unsupported": Code(
        "ses",
        "indeterminate",
        "the signer certificate's signature algorithm cannot be checked here",
    ),
    "ses.signature.cert.key_mismatch": Code(
        "ses", "error", "the signer certificate's key is not of the signature's algorithm"
    ),
    "ses.signature.cert.malformed": Code("ses", "error", "the signer certificate does not parse"),
    "ses.signature.cert.nonconformant": Code(
        "ses",
        "warning",
        "the signer certificate is not strictly DER (as zsbk.ofd's, issued by a real CA): read "
        "leniently, the signature still checked with its key",
    ),
    "ses.signature.cert.not_yet_valid": Code(
        "ses", "error", "the signer certificate was not yet valid at the judging time"
    ),
    "ses.signature.cert.untrusted": Code(
        "ses", "indeterminate", "the signer certificate is neither an anchor nor issued by one"
    ),
    "ses.signature.cert_digest.unsupported": Code(
        "ses",
        "indeterminate",
        "a `certDigestList` entry uses a digest other than SM3/SHA-256/SHA-1",
    ),
    "ses.signature.cert_in_seal": Code(
        "ses", "check", "the signer certificate is listed in the seal's `certList`"
    ),
    "ses.signature.cert_not_in_seal": Code(
        "ses", "error", "the signer certificate is not in the seal's `certList`"
    ),
    "ses.signature.invalid": Code(
        "ses", "error", "the signer's signature over `TBS_Sign` does not verify"
    ),
    "ses.signature.time.unknown": Code(
        "ses",
        "indeterminate",
        "a v1 `timeInfo` holds no readable time and no `at=` was given (judged now)",
    ),
    "ses.signature.timestamp": Code(
        "ses",
        "check",
        "the signature's timestamp verified (the judging time becomes its `genTime`)",
    ),
    "ses.signature.timestamp.invalid": Code(
        "ses",
        "error",
        "the TSA signature or `messageDigest` does not verify, or the TSA certificate was not "
        "valid at `genTime`",
    ),
    "ses.signature.timestamp.malformed": Code(
        "ses", "error", "the signature's `timeStamp` does not parse as a CMS/TSTInfo token"
    ),
    "ses.signature.timestamp.mismatch": Code(
        "ses", "error", "the signature's timestamp imprint is not the digest of the signature value"
    ),
    "ses.signature.timestamp.unsupported": Code(
        "ses",
        "indeterminate",
        "the signature's timestamp uses a hash or signature algorithm that is not supported",
    ),
    "ses.signature.timestamp.untrusted": Code(
        "ses", "indeterminate", "the signature's TSA certificate is not trusted (or not found)"
    ),
    "ses.signature.version_mismatch": Code(
        "ses", "warning", "`TBS_Sign.version` differs from the structure's version"
    ),
    "ses.time.claimed": Code(
        "ses", "info", "judged at the time the signature claims; nothing proves it"
    ),
}
"""ses code → its entry."""
