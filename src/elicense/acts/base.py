"""The base of every signed act: the fields all statements bind, signing, the kind.

Every act recorded in the ledger is a :class:`Statement` signed by one key:
a department's filed seal, the platform key, or (for ``seal.make``) the new
seal's own key as proof of possession. A statement binds

- ``origin``: the ledger it is meant for (no replay on another ledger);
- ``kind``: what is done (the msgspec tag, e.g. ``license.issue``);
- ``subject``: what it is done to (license identifier, seal code, type code …);
- ``expected_version``: the subject's version the signer saw (0 = new), so a
  signed "suspend" cannot be replayed after "reinstate" and a statement made
  offline against a stale version is refused as a conflict;
- the kind's own fields;
- ``seal`` and ``alg``: who signs, with which algorithm;
- ``signed_at``: the claimed signing time (a claim: the ledger order is the clock).

Wire format (docs/wire-format.md): the canonical bytes of the Struct
(:mod:`elicense.codec`), tag first, then the common fields, then the kind's
fields, all in declaration order. The signing input is
``b"elicense/v2/" + kind + b"\\x00" + canonical bytes``.

The kinds themselves are the literal table in :mod:`elicense.acts`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import msgspec

from elicense.codec import ENCODER, require_utc
from elicense.wire import signing_input

__all__ = ["PLATFORM_PREFIX", "Signed", "Statement", "check_order"]

PLATFORM_PREFIX = "platform:"
"""``seal`` of statements signed by the platform key: ``platform:<key id>``."""


def check_order(start: date | datetime, end: date | datetime | None, what: str) -> None:
    """Refuse a period whose end is before its start (``ValueError`` naming both)."""
    if end is not None and end < start:
        raise ValueError(f"{what}: end {end.isoformat()} is before start {start.isoformat()}")


class _Kind:
    """``Statement.kind``: read from the class's msgspec tag, so it is never set twice."""

    def __get__(self, obj: object, owner: type[Any]) -> str:
        tag = owner.__struct_config__.tag
        if not isinstance(tag, str):
            raise TypeError(f"{owner.__name__} has no statement kind (no string tag)")
        return tag


class Statement(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", forbid_unknown_fields=True
):
    """The fields every signed act carries. Subclasses add the act's own fields.

    Attributes:
        origin: the ledger this statement is meant for.
        subject: what the act is about (license identifier, seal code, type code …).
        expected_version: the subject's version the signer acted on; 0 for a new subject.
        seal: the signing seal's code, or ``platform:<key id>`` for the platform key.
        alg: the signature algorithm identifier.
        signed_at: the signer's claimed signing time (UTC).
    """

    origin: str
    subject: str
    expected_version: int
    seal: str
    alg: str
    signed_at: datetime

    kind: ClassVar[str] = _Kind()  # type: ignore[assignment]
    """The statement's kind: its msgspec tag, e.g. ``license.issue``."""

    def __post_init__(self) -> None:
        require_utc(self.signed_at, "signed_at")
        if self.expected_version < 0:
            raise ValueError(f"expected_version must be ≥ 0, found {self.expected_version}")
        for name in ("origin", "subject", "seal", "alg"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")

    @property
    def by_platform(self) -> bool:
        """Whether the platform key signs this statement."""
        return self.seal.startswith(PLATFORM_PREFIX)

    def encode(self) -> bytes:
        """The canonical bytes of this statement (what is signed)."""
        return ENCODER.encode(self)

    def signing_input(self) -> bytes:
        """The exact bytes the signer signs."""
        return signing_input(self.kind, self.encode())

    def sign(self, signer: Any) -> Signed:
        """Sign with ``signer`` (a :class:`~elicense.crypto.keys.Signer`)."""
        data = self.encode()
        return Signed(statement=data, signature=signer.sign(signing_input(self.kind, data)))

    def signed_with_annex(self, signer: Any, annex: bytes) -> Signed:
        """Sign with ``signer`` and attach ``annex`` (see :class:`Signed`)."""
        data = self.encode()
        return Signed(
            statement=data, signature=signer.sign(signing_input(self.kind, data)), annex=annex
        )


class Signed(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A statement's canonical bytes and the signature over its signing input.

    This is the unit departments hand to the ledger (``elicense submit``), one
    JSON object per line in a statements file.

    Attributes:
        statement: the statement's canonical bytes.
        signature: the signature over :func:`signing_input`.
        annex: facts that travel with the statement but are not covered by its
            signature and are checked by the ledger on their own terms — e.g. the
            GB/T 38540 SES_Seal of a filing, itself signed by the platform as
            maker. Empty for most kinds.
    """

    statement: bytes
    signature: bytes
    annex: bytes = b""
