"""Signatories: who signs statements for one ledger, and with which key.

A :class:`Signatory` fills in the fields every statement shares (origin,
seal, algorithm, signing time) and signs with a
:class:`~elicense.crypto.keys.Signer`. Department systems and the CLI use it
to make statements offline; the ledger never sees the key.

Example::

    dept = Signatory(origin="elicense:city", seal="SEAL-001", signer=key)
    signed = dept.sign(acts.SuspendLicense, subject=license_id, expected_version=1,
                       reason="整改")
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from elicense.acts import PLATFORM_PREFIX, Signed, Statement
from elicense.codec import utc_now

__all__ = ["Signatory"]

S = TypeVar("S", bound=Statement)


class Signatory:
    """Signs statements for ledger ``origin`` as ``seal`` with ``signer``.

    Args:
        origin: the ledger's origin.
        seal: the seal code, or ``platform:<key id>`` (see :meth:`platform`).
        signer: a :class:`~elicense.crypto.keys.Signer` holding the key.
    """

    __slots__ = ("origin", "seal", "signer")

    def __init__(self, *, origin: str, seal: str, signer: Any) -> None:
        self.origin = origin
        self.seal = seal
        self.signer = signer

    @classmethod
    def platform(cls, *, origin: str, signer: Any) -> Signatory:
        """The platform key as signatory."""
        return cls(origin=origin, seal=PLATFORM_PREFIX + signer.public_key.key_id, signer=signer)

    def statement(
        self,
        cls: type[S],
        *,
        subject: str,
        expected_version: int,
        signed_at: datetime | None = None,
        **fields: Any,
    ) -> S:
        """Build (without signing) a statement of kind ``cls``."""
        return cls(
            origin=self.origin,
            subject=subject,
            expected_version=expected_version,
            seal=self.seal,
            alg=self.signer.alg,
            signed_at=signed_at or utc_now(),
            **fields,
        )

    def sign(
        self,
        cls: type[Statement],
        *,
        subject: str,
        expected_version: int,
        annex: bytes = b"",
        signed_at: datetime | None = None,
        **fields: Any,
    ) -> Signed:
        """Build and sign a statement of kind ``cls``."""
        act = self.statement(
            cls, subject=subject, expected_version=expected_version, signed_at=signed_at, **fields
        )
        return act.signed_with_annex(self.signer, annex) if annex else act.sign(self.signer)
