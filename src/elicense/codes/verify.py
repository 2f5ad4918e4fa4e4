"""Verifier findings and passed checks (``Verdict.findings``, ``Verdict.checked``).

Each code is documented in docs/verification.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "authority.issuer": Code(
        "verify",
        "check",
        "every act was signed by a seal of the license's issuer, and the issuer could issue the"
        " type",
    ),
    "authority.not_issuer": Code(
        "verify",
        "error",
        "the seal's department is not the license's issuer, or not an issuer of the type",
    ),
    "authority.seal_required": Code(
        "verify", "error", "an act only a department seal may sign was signed by the platform"
    ),
    "chain.broken": Code("verify", "error", "a record's `prev_hash` is not its predecessor's hash"),
    "chain.linked": Code(
        "verify",
        "check",
        "every record carries the hash of its predecessor; versions and positions in order",
    ),
    "copy.expired": Code(
        "verify", "error", "judged after the copy's `expires_at` (status `expired`)"
    ),
    "copy.in_force": Code(
        "verify",
        "check",
        "judged inside the annotated copy's validity: made before, and not expired at, the time"
        " judged",
    ),
    "copy.not_yet_valid": Code(
        "verify", "indeterminate", "judged before the copy was made (check the clock)"
    ),
    "copy.signature": Code(
        "verify", "check", "the platform's signature over an annotated copy verifies"
    ),
    "copy.signature.invalid": Code(
        "verify", "error", "the platform's signature over the annotated copy does not verify"
    ),
    "document.canonical": Code(
        "verify",
        "check",
        "the document's bytes are the canonical encoding of its content, every byte decoded",
    ),
    "document.format.unknown": Code(
        "verify", "error", "neither JSON, an identifier, nor a registered binary format"
    ),
    "document.history.mismatch": Code(
        "verify", "error", "the records or positions differ from the ledger's (tampered)"
    ),
    "document.identifier_only": Code(
        "verify", "indeterminate", "an identifier alone cannot be verified offline"
    ),
    "document.kind.unsupported": Code(
        "verify", "error", "a document kind this verifier cannot verify (e.g. a trust bundle)"
    ),
    "document.license.mismatch": Code(
        "verify", "error", "the `license` field does not name the identifier the history ends at"
    ),
    "document.malformed": Code(
        "verify", "error", "not a decodable elicense document (or a part of it is not)"
    ),
    "document.noncanonical": Code(
        "verify", "error", "decodes, but the bytes are not the canonical encoding"
    ),
    "document.origin": Code(
        "verify", "check", "the view or annotated copy is of the trusted ledger"
    ),
    "document.origin.mismatch": Code(
        "verify", "error", "the document is from another ledger than the trust's"
    ),
    "document.seal.mismatch": Code(
        "verify", "error", "the document's seal filing records differ from the trusted ones"
    ),
    "document.seals.order": Code(
        "verify", "error", "the seal section lists a seal twice, or not sorted by seal code"
    ),
    "document.seals.incomplete": Code(
        "verify", "error", "a seal that signed is missing from the document's seal section"
    ),
    "document.superseded": Code(
        "verify",
        "error",
        "the ledger holds a longer history of this license (amended, suspended …since)",
    ),
    "document.type.unsupported": Code(
        "verify", "error", "the Python object given is not bytes, text or a path"
    ),
    "document.unreadable": Code("verify", "error", "the path cannot be read"),
    "document.version.unsupported": Code(
        "verify",
        "error",
        "an elicense document of another wire format version (e.g. `v1`), named in the message;"
        " this verifier reads v2 only",
    ),
    "history.aggregate.mismatch": Code(
        "verify", "error", "the records belong to more than one aggregate"
    ),
    "history.empty": Code("verify", "error", "the document holds no records"),
    "history.order": Code("verify", "error", "versions not 1, 2, … or positions not increasing"),
    "history.start": Code(
        "verify", "error", "the history does not start with `license.issue` of version 001"
    ),
    "identifier.invalid": Code(
        "verify", "error", "the identifier given does not parse or check (GB/T 36904)"
    ),
    "ledger.record.corrupt": Code(
        "verify",
        "error",
        "the ledger refuses one of its own stored rows of the license (columns that deny the "
        "record, a re-spelled id); `version` names the row",
    ),
    "ledger.record.missing": Code(
        "verify",
        "error",
        "the log's status list says the ledger's newest record of the license is no longer its "
        "newest: a later record is missing from the store",
    ),
    "license.cancelled": Code("verify", "error", "the license is cancelled (注销, 04)"),
    "license.expired": Code(
        "verify",
        "error",
        "the license is expired (失效, 05): recorded, or past `valid_until` on the date judged",
    ),
    "license.not_in_ledger": Code(
        "verify",
        "error",
        "the ledger (or a bundle covering its positions) does not know this license",
    ),
    "license.revoked": Code("verify", "error", "the license is revoked (吊销, 07)"),
    "license.status": Code("verify", "check", "the license is valid on the verification date"),
    "license.status.other": Code("verify", "error", "the license's status is other (其他, 99)"),
    "license.superseded": Code(
        "verify",
        "error",
        "(online) the identifier given was superseded by a newer version; "
        "`evidence.current_identifier` (and the message) name it",
    ),
    "license.suspended": Code(
        "verify", "error", "the license is suspended (暂扣, 02); also from a payload's status list"
    ),
    "license.transferred": Code("verify", "error", "the license is transferred (转出, 06)"),
    "license.version.unknown": Code(
        "verify", "error", "(online) the identifier names a version the ledger does not have"
    ),
    "license.withdrawn": Code("verify", "error", "the license is withdrawn (撤销, 03)"),
    "lifecycle.transition.refused": Code(
        "verify", "error", "the lifecycle table does not allow the act from the status before it"
    ),
    "lifecycle.transitions": Code(
        "verify",
        "check",
        "every act is allowed by the national lifecycle table from the status before it",
    ),
    "log.checkpoint.fresh": Code(
        "verify", "check", "the status list's checkpoint is younger than `max_checkpoint_age`"
    ),
    "log.checkpoint.key.unknown": Code(
        "verify", "error", "the checkpoint is signed by no key of this platform"
    ),
    "log.checkpoint.malformed": Code("verify", "error", "the checkpoint does not decode"),
    "log.checkpoint.origin.mismatch": Code("verify", "error", "the checkpoint is another ledger's"),
    "log.checkpoint.signature": Code(
        "verify", "check", "the checkpoint verifies under a platform key"
    ),
    "log.checkpoint.signature.invalid": Code(
        "verify", "error", "the checkpoint's signature does not verify"
    ),
    "log.checkpoint.stale": Code(
        "verify",
        "indeterminate",
        "the status list's checkpoint is older than `max_checkpoint_age` (default 24 h)",
    ),
    "log.inclusion": Code(
        "verify", "check", "the newest record is in the checkpoint's tree (inclusion proof)"
    ),
    "log.inclusion.invalid": Code(
        "verify", "error", "the inclusion proof does not lead to the checkpoint's root"
    ),
    "log.proof.invalid": Code(
        "verify",
        "error",
        "the ledger's log's stored nodes do not lead from the leaf it holds to its signed root:"
        " its tables are damaged",
    ),
    "log.proof.malformed": Code(
        "verify", "error", "the proof's length, hash sizes, index or size are impossible"
    ),
    "log.record.not_license": Code("verify", "error", "the newest record is not a license event"),
    "log.status": Code(
        "verify",
        "check",
        "the platform's signed status list gives the license's status for the newest record",
    ),
    "log.status.checkpoint.mismatch": Code(
        "verify", "indeterminate", "the status list is tied to another checkpoint"
    ),
    "log.status.index.mismatch": Code(
        "verify", "error", "the document names another status entry than its leaf's"
    ),
    "log.status.key.unknown": Code(
        "verify", "indeterminate", "the status list is signed by no key of this platform"
    ),
    "log.status.missing": Code(
        "verify",
        "error",
        "the document's own checkpoint's status list covers it, and it names no entry",
    ),
    "log.status.list_mismatch": Code(
        "verify",
        "error",
        "the status list the document's log evidence names is not the trust source's list",
    ),
    "log.status.malformed": Code(
        "verify", "indeterminate", "the bundle's status list does not decode"
    ),
    "log.status.mismatch": Code(
        "verify",
        "error",
        "the status entry disagrees with the newest record (e.g. a newer event exists)",
    ),
    "log.status.signature.invalid": Code(
        "verify", "indeterminate", "the bundle's status list does not verify"
    ),
    "log.unavailable": Code(
        "verify",
        "error",
        "the ledger's log cannot prove the record (`version`): node rows its proof needs are "
        "missing from the log's tables",
    ),
    "payload.alg.unknown": Code(
        "verify", "error", "the protected header names a COSE algorithm elicense does not use"
    ),
    "payload.claims.invalid": Code(
        "verify",
        "error",
        "signed, but the claims are off the schema: an unknown claim (e.g. a holder field), a "
        "missing one, a wrong type or range",
    ),
    "payload.expired": Code(
        "verify",
        "error",
        "judged at or after the payload's `exp` (the license's validity end, or the short-lived"
        " form's minutes)",
    ),
    "payload.issued.future": Code(
        "verify",
        "indeterminate",
        "the payload was made more than 5 minutes after the time judged at",
    ),
    "payload.key.unknown": Code(
        "verify",
        "indeterminate",
        "no platform key of the trust has the payload's kid (perhaps a key newer than the trust"
        " bundle)",
    ),
    "payload.malformed": Code(
        "verify",
        "error",
        "not `HTTPS://<host>/V/<BASE32>`, not CBOR, not a COSE_Sign1 of the fixed shape, or not"
        " its deterministic encoding",
    ),
    "payload.origin": Code("verify", "check", "the payload is of the trusted ledger"),
    "payload.origin.mismatch": Code("verify", "error", "the payload is of another ledger"),
    "payload.signature": Code(
        "verify", "check", "the payload's COSE signature verifies under a platform key"
    ),
    "payload.signature.invalid": Code(
        "verify",
        "error",
        "the signature does not verify under the platform key with that kid (or that key is of "
        "another algorithm)",
    ),
    "payload.status": Code("verify", "check", "the status list says the license is valid"),
    "payload.status.fresh": Code(
        "verify", "check", "the status list is younger than `max_status_age`"
    ),
    "payload.status.invalid": Code(
        "verify",
        "error",
        "the status list marks the slot invalid (revoked, superseded by an amendment or "
        "renewal, or ended)",
    ),
    "payload.status.stale": Code(
        "verify",
        "indeterminate",
        "a valid or suspended status from a list older than `max_status_age` (24 h)",
    ),
    "payload.status.unknown": Code(
        "verify",
        "indeterminate",
        "the status list has no such slot, or says a status this verifier does not know",
    ),
    "payload.validity": Code(
        "verify",
        "check",
        "judged inside the payload's validity (not expired, not made in the future)",
    ),
    "platform.alg.mismatch": Code("verify", "error", "the document's algorithm is not its key's"),
    "platform.key.unknown": Code(
        "verify", "error", "signed by a key that is not a platform key of the trusted ledger"
    ),
    "record.invalid": Code("verify", "error", "a trusted history record the domain cannot apply"),
    "record.malformed": Code("verify", "error", "a record (or its statement) does not decode"),
    "record.statement.mismatch": Code(
        "verify",
        "error",
        "the record's topic or version does not fit its statement's kind or expected version",
    ),
    "seal.compromised": Code(
        "verify", "error", "the record was made after the seal's `compromised_since`"
    ),
    "seal.expired": Code("verify", "error", "the record follows the seal's validity"),
    "seal.in_force": Code(
        "verify",
        "check",
        "every seal was filed, active, inside its validity and not compromised at the record's "
        "position and time",
    ),
    "seal.not_filed": Code("verify", "error", "the seal was made but not filed"),
    "seal.not_yet_valid": Code("verify", "error", "the record precedes the seal's validity"),
    "seal.revoked": Code("verify", "error", "the seal was revoked"),
    "seal.suspended": Code("verify", "error", "the seal was suspended"),
    "seal.unknown": Code("verify", "error", "the seal is not known at that position"),
    "statement.alg.mismatch": Code(
        "verify", "error", "the statement's algorithm is not its seal's"
    ),
    "statement.identifier.invalid": Code(
        "verify", "error", "a statement's subject is not a license identifier"
    ),
    "statement.invalid": Code(
        "verify",
        "error",
        "a statement the lifecycle cannot apply (e.g. revoke without reason code)",
    ),
    "statement.origin.mismatch": Code("verify", "error", "a statement is for another ledger"),
    "statement.signature": Code(
        "verify",
        "check",
        "every statement's signature verifies under its seal's (or the platform's) key",
    ),
    "statement.signature.invalid": Code("verify", "error", "a signature does not verify"),
    "statement.subject.mismatch": Code(
        "verify", "error", "a statement names another license or an old version of it"
    ),
    "status.current": Code(
        "verify",
        "check",
        "the document's history equals the ledger's (history digest), so its status is current",
    ),
    "status.stale": Code(
        "verify", "indeterminate", "the document has events newer than the trust bundle"
    ),
    "status.unknown": Code("verify", "indeterminate", "the license is newer than the trust bundle"),
    "template.mismatch": Code(
        "verify",
        "error",
        "an issuance or amendment names a template version or digest the type never had in "
        "force at its position, or no binding (a forged binding)",
    ),
    "template.stale": Code(
        "verify",
        "error",
        "an issuance or amendment is bound to an older template version than the one in force "
        "at its position (the ledger refuses it with the same code)",
    ),
    "trust.fresh": Code(
        "verify", "check", "the trust bundle is younger than the verifier's `max_age`"
    ),
    "trust.key.none": Code("verify", "raised", "no platform key was pinned"),
    "trust.key.unknown": Code(
        "verify", "raised", "the signing key is not among the bundle's platform records"
    ),
    "trust.key.unpinned": Code(
        "verify", "raised", "the bundle is signed by a key that is not pinned"
    ),
    "trust.malformed": Code(
        "verify", "raised", "the bundle does not decode, or its platform records do not verify"
    ),
    "trust.platform.missing": Code("verify", "raised", "the bundle holds no platform records"),
    "trust.seal.unknown": Code(
        "verify", "indeterminate", "a seal in the document is newer than the trust bundle"
    ),
    "trust.signature.invalid": Code("verify", "raised", "the bundle's signature does not verify"),
    "trust.stale": Code(
        "verify", "indeterminate", "the trust bundle is older than `max_age` (default 24 hours)"
    ),
    "type.retired": Code("verify", "error", "the license type was retired at that position"),
    "type.unknown": Code("verify", "error", "the license type was not defined at that position"),
    "verdict.not_valid": Code(
        "verify",
        "raised",
        "raise_for_failure on a verdict that is not valid yet names no failing finding",
    ),
    "verdict.nothing_checked": Code("verify", "indeterminate", "no check was performed"),
    "verifier.internal_error": Code(
        "verify", "error", "a bug in elicense; the message names the exception (please report it)"
    ),
    "view.license.changed": Code(
        "verify",
        "warning",
        "the trust source holds a newer version of the license than the view was taken from",
    ),
    "view.license.unknown": Code(
        "verify",
        "warning",
        "the trust source does not know the license although it covers the use's position",
    ),
    "view.signature": Code(
        "verify", "check", "the platform's signature over a field-minimised view verifies"
    ),
    "view.signature.invalid": Code(
        "verify", "error", "the platform's signature over the view does not verify"
    ),
}
"""verify code → its entry."""
