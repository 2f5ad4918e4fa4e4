"""Wire names: the one table of every name that appears in signed, hashed, stored or
exported bytes (docs/wire-format.md, version 2).

Event names are what a record's ``topic`` says and what the event store's
``topic`` column holds; statement kinds are the ``kind`` tag of a signed
statement and part of its signing input; formats are the ``format`` tag of an
exported document. They are data, not Python paths: moving or renaming a
module changes none of them, and another implementation copies them from this
table (or from the specification, which lists the same names).

A name here is frozen once released: what may never change is listed in
docs/wire-format.md §"What may never change".
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AGGREGATES",
    "EVENTS",
    "FORMATS",
    "SIGNING_TAG",
    "STATEMENT_KINDS",
    "VERSION",
    "signing_input",
    "wire_version_of",
]

VERSION: Final = "v2"
"""The wire format version every name and signing label below belongs to."""

SIGNING_TAG: Final = b"elicense/v2/"
"""Prefix of every signing input: ``SIGNING_TAG ‖ label ‖ 0x00 ‖ bytes``."""


def signing_input(label: str, data: bytes) -> bytes:
    """``b"elicense/v2/" + label + b"\\x00" + data``: what every elicense signature covers."""
    return SIGNING_TAG + label.encode() + b"\x00" + data


# -- aggregates (the prefix of their events' names) --------------------------------------------

PLATFORM: Final = "platform"
SEAL: Final = "seal"
LICENSE_TYPE: Final = "type"
LICENSE: Final = "license"
CONSENT: Final = "consent"
USE: Final = "use"
LICENSE_FILE: Final = "file"

AGGREGATES: Final = (PLATFORM, SEAL, LICENSE_TYPE, LICENSE, CONSENT, USE, LICENSE_FILE)

# -- event names (record topics) ---------------------------------------------------------------

PLATFORM_ESTABLISHED: Final = "platform.established"
SEAL_MADE: Final = "seal.made"
SEAL_FILED: Final = "seal.filed"
SEAL_SUSPENDED: Final = "seal.suspended"
SEAL_REINSTATED: Final = "seal.reinstated"
SEAL_REVOKED: Final = "seal.revoked"
TYPE_DEFINED: Final = "type.defined"
TYPE_REVISED: Final = "type.revised"
TYPE_RETIRED: Final = "type.retired"
TYPE_SHARED: Final = "type.shared"
TYPE_UNSHARED: Final = "type.unshared"
LICENSE_ISSUED: Final = "license.issued"
LICENSE_AMENDED: Final = "license.amended"
LICENSE_RENEWED: Final = "license.renewed"
LICENSE_SUSPENDED: Final = "license.suspended"
LICENSE_REINSTATED: Final = "license.reinstated"
LICENSE_REVOKED: Final = "license.revoked"
LICENSE_EXPIRED: Final = "license.expired"
CONSENT_GRANTED: Final = "consent.granted"
CONSENT_WITHDRAWN: Final = "consent.withdrawn"
USE_RECORDED: Final = "use.recorded"
USE_REFUSED: Final = "use.refused"
FILE_RECORDED: Final = "file.recorded"

# -- statement kinds (the ``kind`` tag, part of the signing input) -------------------------------

LEDGER_ESTABLISH: Final = "ledger.establish"
SEAL_MAKE: Final = "seal.make"
SEAL_FILE: Final = "seal.file"
SEAL_SUSPEND: Final = "seal.suspend"
SEAL_REINSTATE: Final = "seal.reinstate"
SEAL_REVOKE: Final = "seal.revoke"
TYPE_DEFINE: Final = "type.define"
TYPE_REVISE: Final = "type.revise"
TYPE_RETIRE: Final = "type.retire"
TYPE_SHARE: Final = "type.share"
TYPE_UNSHARE: Final = "type.unshare"
LICENSE_ISSUE: Final = "license.issue"
LICENSE_AMEND: Final = "license.amend"
LICENSE_RENEW: Final = "license.renew"
LICENSE_SUSPEND: Final = "license.suspend"
LICENSE_REINSTATE: Final = "license.reinstate"
LICENSE_REVOKE: Final = "license.revoke"
LICENSE_EXPIRE: Final = "license.expire"
CONSENT_GRANT: Final = "consent.grant"
CONSENT_WITHDRAW: Final = "consent.withdraw"
USE_REQUEST: Final = "use.request"
FILE_RECORD: Final = "file.record"

EVENTS: Final[dict[str, tuple[str, ...]]] = {
    # event name: the statement kinds whose recording it is
    PLATFORM_ESTABLISHED: (LEDGER_ESTABLISH,),
    SEAL_MADE: (SEAL_MAKE,),
    SEAL_FILED: (SEAL_FILE,),
    SEAL_SUSPENDED: (SEAL_SUSPEND,),
    SEAL_REINSTATED: (SEAL_REINSTATE,),
    SEAL_REVOKED: (SEAL_REVOKE,),
    TYPE_DEFINED: (TYPE_DEFINE,),
    TYPE_REVISED: (TYPE_REVISE,),
    TYPE_RETIRED: (TYPE_RETIRE,),
    TYPE_SHARED: (TYPE_SHARE,),
    TYPE_UNSHARED: (TYPE_UNSHARE,),
    LICENSE_ISSUED: (LICENSE_ISSUE,),
    LICENSE_AMENDED: (LICENSE_AMEND,),
    LICENSE_RENEWED: (LICENSE_RENEW,),
    LICENSE_SUSPENDED: (LICENSE_SUSPEND,),
    LICENSE_REINSTATED: (LICENSE_REINSTATE,),
    LICENSE_REVOKED: (LICENSE_REVOKE,),
    LICENSE_EXPIRED: (LICENSE_EXPIRE,),
    CONSENT_GRANTED: (CONSENT_GRANT,),
    CONSENT_WITHDRAWN: (CONSENT_WITHDRAW,),
    USE_RECORDED: (USE_REQUEST,),
    USE_REFUSED: (USE_REQUEST,),
    FILE_RECORDED: (FILE_RECORD,),
}
"""Every event name, with the statement kinds that cause it."""

STATEMENT_KINDS: Final = frozenset(k for kinds in EVENTS.values() for k in kinds)
"""Every statement kind."""

# -- document formats (the ``format`` tag) and other signing labels ---------------------------

LICENSE_DOCUMENT: Final = "elicense/license-document/v2"
TRUST_BUNDLE: Final = "elicense/trust-bundle/v2"
SIGNED_TRUST_BUNDLE: Final = "elicense/signed-trust-bundle/v2"
CHECKPOINT: Final = "elicense/checkpoint/v2"
SIGNED_CHECKPOINT: Final = "elicense/signed-checkpoint/v2"
STATUS_LIST: Final = "elicense/status-list/v2"
SIGNED_STATUS_LIST: Final = "elicense/signed-status-list/v2"
SIGNED_LICENSE_VIEW: Final = "elicense/signed-license-view/v2"
SIGNED_ANNOTATED_COPY: Final = "elicense/signed-annotated-copy/v2"

FORMATS: Final = (
    LICENSE_DOCUMENT,
    TRUST_BUNDLE,
    SIGNED_TRUST_BUNDLE,
    CHECKPOINT,
    SIGNED_CHECKPOINT,
    STATUS_LIST,
    SIGNED_STATUS_LIST,
    SIGNED_LICENSE_VIEW,
    SIGNED_ANNOTATED_COPY,
)
"""Every document format this version reads and writes."""


def wire_version_of(format_tag: str) -> str | None:
    """The version an ``elicense/<name>/<version>`` format tag names, else ``None``.

    Lets a reader refuse a document of another version by name (``v1``) instead
    of calling it malformed.
    """
    parts = format_tag.split("/")
    if len(parts) == 3 and parts[0] == "elicense" and parts[1] and parts[2]:
        return parts[2]
    return None
