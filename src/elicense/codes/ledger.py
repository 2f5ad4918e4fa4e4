"""Ledger refusals (``RefusedError.code``) that are not also verifier findings.

Each code is documented in docs/verification.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "authority.not_authorised": Code(
        "ledger",
        "refusal",
        "the signer's department may not perform this act on this subject (the default of "
        "NotAuthorisedError)",
    ),
    "authority.not_defining_authority": Code(
        "ledger",
        "refusal",
        "a type.define, revise or retire signed by a seal of another department than the type's"
        " defining authority",
    ),
    "authority.not_user": Code(
        "ledger",
        "refusal",
        "a use.request whose request number names another department than the signing seal's",
    ),
    "authority.platform_required": Code(
        "ledger", "refusal", "an act only the platform key may sign was signed by a seal"
    ),
    "consent.expired": Code(
        "ledger", "refusal", "a consent.grant whose valid_until is not after the ledger's time"
    ),
    "consent.holder.mismatch": Code(
        "ledger", "refusal", "a consent.grant for a license the consenting holder does not hold"
    ),
    "consent.withdrawn": Code(
        "ledger", "refusal", "a consent.withdraw of a consent already withdrawn"
    ),
    "ledger.not_established": Code(
        "ledger", "refusal", "the store holds no ledger yet: establish one first"
    ),
    "seal.annex.invalid": Code(
        "ledger",
        "refusal",
        "a seal.file's SES_Seal annex does not parse, or does not fit the seal (maker key, seal"
        " id, certificate, validity)",
    ),
    "seal.annex.missing": Code(
        "ledger",
        "refusal",
        "a seal.file without the seal's GB/T 38540 SES_Seal annex (the ledger requires it)",
    ),
    "seal.key.mismatch": Code(
        "ledger", "refusal", "a seal.file names another key id than the seal's key"
    ),
    "seal.not_active": Code(
        "ledger", "refusal", "the signing seal may not sign now (the default of SealRefusedError)"
    ),
    "sharing.fields.unknown": Code(
        "ledger", "refusal", "a type.share lists fields the type does not define"
    ),
    "sharing.not_granted": Code(
        "ledger", "refusal", "a type.unshare of a department (or item) not on the sharing list"
    ),
    "statement.alg.unsupported": Code(
        "ledger",
        "refusal",
        "a statement carries a public key of an algorithm this installation does not support",
    ),
    "statement.annex.malformed": Code(
        "ledger", "refusal", "a use.request's resolution annex does not decode"
    ),
    "statement.annex.unexpected": Code(
        "ledger", "refusal", "an annex on a statement kind that takes none"
    ),
    "statement.fields.invalid": Code(
        "ledger",
        "refusal",
        "a license.issue, amend or renew whose fields or validity do not fit the license type",
    ),
    "statement.key.invalid": Code(
        "ledger", "refusal", "a statement carries a public key that does not decode"
    ),
    "statement.kind.unknown": Code(
        "ledger", "refusal", "the statement's kind is not one the ledger knows"
    ),
    "statement.malformed": Code("ledger", "refusal", "the signed statement does not decode"),
    "statement.refused": Code(
        "ledger", "refusal", "a statement the ledger refuses (the default of RefusedError)"
    ),
    "subject.duplicate": Code(
        "ledger",
        "refusal",
        "the subject of a creating act already exists (a request number used twice, a seal made"
        " twice)",
    ),
    "subject.not_found": Code(
        "ledger", "refusal", "the subject of the act does not exist in this ledger"
    ),
    "subject.version.conflict": Code(
        "ledger",
        "refusal",
        "the statement was made against another version of the subject, or a concurrent write "
        "came first",
    ),
    "use.resolution.mismatch": Code(
        "ledger",
        "refusal",
        "a use's resolution annex names a license that is not of the holder and type the use names",
    ),
}
"""ledger code → its entry."""
