"""Every act the ledger records, as one literal table of signed statement kinds.

Each class is one kind of signed act; :mod:`elicense.acts.base` says what every
statement binds and how it is signed. Where each kind lives, and who signs it:

===================  ===========  ================================  ==============================
kind                 module       subject                           signed by
===================  ===========  ================================  ==============================
ledger.establish     ``ledger``   the ledger origin                 the platform key (self-signed)
seal.make            ``seals``    seal code                         the new seal's own key
seal.file            ``seals``    seal code                         the platform key
seal.suspend         ``seals``    seal code                         the platform key
seal.reinstate       ``seals``    seal code                         the platform key
seal.revoke          ``seals``    seal code                         the platform key
type.define          ``types``    type code (21 chars)              the defining authority's seal
type.revise          ``types``    type code                         the defining authority's seal
type.retire          ``types``    type code                         the defining authority's seal
license.issue        ``licenses`` license identifier (version 1)    a seal of the issuer
license.amend …      ``licenses`` the current license identifier    the issuer (expire: or platform)
file.record          ``licenses`` the license identifier            a seal of the issuer
type.share           ``reuse``    type code                         the defining authority's seal
type.unshare         ``reuse``    type code                         the defining authority's seal
consent.grant        ``reuse``    consent code (new)                the platform key
consent.withdraw     ``reuse``    consent code                      the platform key
use.request          ``reuse``    ``<user USCC>/<request number>``  a seal of the user department
===================  ===========  ================================  ==============================

:data:`KINDS` is the table the decoder reads: what :func:`decode_statement`
accepts never depends on what happened to be imported. A new kind is a class
in the module of its aggregate and one line in :data:`KINDS`.

Field validation here is structural (types, non-empty, date order); the
ledger checks identifiers, schemas and authority (:mod:`elicense.ledger.rules`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final, cast

from elicense.acts.base import PLATFORM_PREFIX, Signed, Statement, check_order
from elicense.acts.ledger import EstablishLedger
from elicense.acts.licenses import (
    LICENSE_FILE_MEDIA_TYPES,
    AmendLicense,
    ExpireLicense,
    Holder,
    IssueLicense,
    RecordLicenseFile,
    ReinstateLicense,
    RenewLicense,
    RevokeLicense,
    SuspendLicense,
)
from elicense.acts.reuse import (
    USE_SUBJECT,
    AuthMethod,
    GrantConsent,
    RequestUse,
    ShareType,
    UnshareType,
    UseResolution,
    WithdrawConsent,
)
from elicense.acts.seals import FileSeal, MakeSeal, ReinstateSeal, RevokeSeal, SealKind, SuspendSeal
from elicense.acts.types import (
    DefineType,
    FieldSpec,
    FieldType,
    HolderKind,
    LicenseKind,
    RetireType,
    ReviseType,
    Validity,
)
from elicense.codec import decode_canonical
from elicense.ids import HolderCodeKind

__all__ = [
    "KINDS",
    "LICENSE_FILE_MEDIA_TYPES",
    "PLATFORM_PREFIX",
    "USE_SUBJECT",
    "AmendLicense",
    "AnyStatement",
    "AuthMethod",
    "DefineType",
    "EstablishLedger",
    "ExpireLicense",
    "FieldSpec",
    "FieldType",
    "FileSeal",
    "GrantConsent",
    "Holder",
    "HolderCodeKind",
    "HolderKind",
    "IssueLicense",
    "LicenseKind",
    "MakeSeal",
    "RecordLicenseFile",
    "ReinstateLicense",
    "ReinstateSeal",
    "RenewLicense",
    "RequestUse",
    "RetireType",
    "ReviseType",
    "RevokeLicense",
    "RevokeSeal",
    "SealKind",
    "ShareType",
    "Signed",
    "Statement",
    "SuspendLicense",
    "SuspendSeal",
    "UnshareType",
    "UseResolution",
    "Validity",
    "WithdrawConsent",
    "check_order",
    "decode_signed",
    "decode_statement",
    "kinds",
]

AnyStatement = (
    EstablishLedger
    | MakeSeal
    | FileSeal
    | SuspendSeal
    | ReinstateSeal
    | RevokeSeal
    | DefineType
    | ReviseType
    | RetireType
    | ShareType
    | UnshareType
    | IssueLicense
    | AmendLicense
    | RenewLicense
    | SuspendLicense
    | ReinstateLicense
    | RevokeLicense
    | ExpireLicense
    | RecordLicenseFile
    | GrantConsent
    | WithdrawConsent
    | RequestUse
)
"""Every statement kind the ledger records: the one union the decoder reads."""

KINDS: Final[dict[str, type[Statement]]] = {cls.kind: cls for cls in AnyStatement.__args__}
"""Statement kind (its wire name, e.g. ``license.issue``) → its class."""


_STATEMENT_UNION = cast("type[Statement]", AnyStatement)  # msgspec decodes the union by tag


def kinds() -> dict[str, type[Statement]]:
    """The statement kinds, by wire name (a copy of :data:`KINDS`)."""
    return dict(KINDS)


@lru_cache(maxsize=8192)
def decode_statement(data: bytes) -> Statement:
    """Decode canonical statement bytes (cached: the same bytes decode once).

    Raises:
        EncodingError: malformed, unknown kind, or fields off their types.
        NonCanonicalError: well-formed but not the canonical encoding.
    """
    statement: Statement = decode_canonical(data, _STATEMENT_UNION, what="statement")
    return statement


def decode_signed(data: bytes) -> Signed:
    """Decode one :class:`Signed` (canonical JSON)."""
    return decode_canonical(data, Signed, what="signed statement")
