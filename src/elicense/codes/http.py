"""HTTP problem codes the service adds (``elicense_http``).

Each code is documented in docs/http.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "auth.alg.mismatch": Code("http", "problem", "`alg` is not the key's"),
    "auth.components.missing": Code(
        "http",
        "problem",
        "does not cover `@method`, `@target-uri`, `content-digest`, or lacks `created`/`keyid`",
    ),
    "auth.created.outside_window": Code(
        "http",
        "problem",
        "the signature's `created` is more than 120 s old or more than 10 s ahead",
    ),
    "auth.department.mismatch": Code(
        "http", "problem", "(403) the signed `use.request` is another department's"
    ),
    "auth.digest.malformed": Code(
        "http", "problem", "`Content-Digest` is not an RFC 8941 dictionary of byte sequences"
    ),
    "auth.digest.mismatch": Code(
        "http", "problem", "`Content-Digest` is not the digest of the body received"
    ),
    "auth.digest.missing": Code("http", "problem", "the request has no `Content-Digest` field"),
    "auth.digest.unsupported": Code(
        "http", "problem", "`Content-Digest` holds neither sha-256 nor sha-512"
    ),
    "auth.expired": Code("http", "problem", "the signature's `expires` has passed"),
    "auth.platform.unknown": Code(
        "http", "problem", "a holder assertion not signed by a platform key"
    ),
    "auth.replayed": Code("http", "problem", "this signature was presented before"),
    "auth.seal.compromised": Code(
        "http", "problem", "the signing seal was compromised (`compromised_since`) before now"
    ),
    "auth.seal.expired": Code("http", "problem", "the signing seal's validity has ended"),
    "auth.seal.not_filed": Code("http", "problem", "the signing seal was made but not filed"),
    "auth.seal.not_yet_valid": Code("http", "problem", "the signing seal's validity has not begun"),
    "auth.seal.revoked": Code("http", "problem", "the signing seal was revoked"),
    "auth.seal.suspended": Code("http", "problem", "the signing seal is suspended"),
    "auth.seal.unknown": Code("http", "problem", "the `keyid` names no seal of this ledger"),
    "auth.session.expired": Code("http", "problem", "the holder session token has expired"),
    "auth.session.invalid": Code(
        "http",
        "problem",
        "the holder session token does not decode or its signature does not verify",
    ),
    "auth.session.missing": Code(
        "http", "problem", "a holder route was called without the session cookie"
    ),
    "auth.signature.invalid": Code(
        "http", "problem", "the signature does not verify (wrong key, changed method/URI/digest)"
    ),
    "auth.signature.malformed": Code(
        "http",
        "problem",
        "not RFC 8941 structured fields, several signatures, unsupported component",
    ),
    "auth.signature.missing": Code("http", "problem", "no `Signature-Input`/`Signature`"),
    "license.identifier.unknown": Code(
        "http", "problem", "the path names no 电子证照标识 (not a 1.2.156. identifier)"
    ),
    "log.checkpoint.unknown": Code("http", "problem", "no checkpoint has been signed yet"),
    "log.hash.unknown": Code("http", "problem", "no leaf of the log has the hash asked for"),
    "log.leaf.unknown": Code(
        "http", "problem", "the leaf index asked for is not in a tree of the size asked for"
    ),
    "log.note.unsupported": Code(
        "http", "problem", "no signed-note form of the checkpoint for this platform key or log hash"
    ),
    "log.status.kind.unknown": Code("http", "problem", "the path names no kind of status list"),
    "log.status.time.unknown": Code(
        "http", "problem", "no checkpoint was signed at or before the time asked for"
    ),
    "log.tile.unknown": Code(
        "http", "problem", "the tile path does not parse, or names a tile (or width) the tree lacks"
    ),
    "log.tile.unsupported": Code("http", "problem", "tlog-tiles are served only for a SHA-256 log"),
    "log.tree_size.unknown": Code(
        "http", "problem", "the tree size asked for is larger than the log"
    ),
    "log.unknown": Code("http", "problem", "this ledger keeps no transparency log"),
    "reads.unavailable": Code(
        "http", "problem", "read routes need a SQL store; an in-memory ledger has none"
    ),
    "request.malformed": Code(
        "http", "problem", "the request or its body does not fit the route (validation failed)"
    ),
    "request.media_type.unsupported": Code(
        "http", "problem", "the body's media type is not one the route takes (415)"
    ),
    "request.method.unsupported": Code(
        "http", "problem", "the route does not take this method (405)"
    ),
    "request.query.invalid": Code(
        "http", "problem", "the query parameters are missing, contradictory or out of range"
    ),
    "request.refused": Code(
        "http",
        "problem",
        "the library refused the request's content with an error that has no code of its own (422)",
    ),
    "request.route.unknown": Code("http", "problem", "no route has this path (404)"),
    "request.timeout": Code(
        "http", "problem", "the service did not answer within its time limit (503, Retry-After)"
    ),
    "request.too_large": Code(
        "http", "problem", "the body is larger than the limit (`--max-body`, default 4 MiB)"
    ),
    "service.error": Code(
        "http", "problem", "an HTTP error of the framework with status 500 or above"
    ),
    "service.internal_error": Code(
        "http", "problem", "a bug in the service; the detail names the exception (please report it)"
    ),
    "statement.kind.unexpected": Code(
        "http", "problem", "the body is a signed statement, but not a use.request"
    ),
    "store.unavailable": Code(
        "http", "problem", "the ledger's store did not answer (503, Retry-After)"
    ),
    "use.refused": Code(
        "http",
        "problem",
        "a use recorded as refused whose receipt names no reason (otherwise the problem's code "
        "is the `use.*` reason)",
    ),
}
"""http code → its entry."""
