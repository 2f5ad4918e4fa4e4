"""What both desks share: sign with the right version, then submit or hand back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from elicense import acts
from elicense.acts import Signed, Statement
from elicense.codec import Clock, utc_now
from elicense.signatory import Signatory

if TYPE_CHECKING:
    from elicense.ledger.application import Ledger

__all__ = ["Clock", "Desk", "OfflineVersionError", "handed_back", "license_version"]


R = TypeVar("R")


class OfflineVersionError(ValueError):
    """An act on an existing subject, signed offline without the version it is made against."""


class Desk(Generic[R]):
    """Signs acts as one signatory; online, reads versions from the ledger and submits.

    ``R`` is what an act returns: the ledger's ``Receipt`` online, the ``Signed``
    statement offline (for ``elicense submit`` or ``Ledger.submit`` later).
    """

    def __init__(
        self,
        signatory: Signatory,
        *,
        ledger: Ledger | None,
        finish: Callable[[Signed], R],
        clock: Clock = utc_now,
    ) -> None:
        self.signatory = signatory
        self.ledger = ledger
        self.clock = clock
        self._finish = finish

    def _act(
        self,
        cls: type[Statement],
        subject: str,
        *,
        version: int | None,
        current: Callable[[Ledger], int] | None = None,
        annex: bytes = b"",
        **fields: Any,
    ) -> R:
        """Sign ``cls`` on ``subject`` against ``version`` — or, when ``None``, against the
        ledger's current version (``current``), or 0 for a new subject — and finish."""
        if version is None:
            if current is None:
                version = 0
            elif self.ledger is None:
                raise OfflineVersionError(
                    f"{cls.kind} on {subject}: signing offline needs expected_version, the "
                    f"version of {subject} the statement is made against"
                )
            else:
                version = current(self.ledger)
        signed = self.signatory.sign(
            cls,
            subject=subject,
            expected_version=version,
            annex=annex,
            signed_at=self.clock(),
            **fields,
        )
        return self._finish(signed)

    def expire(
        self, identifier: str, *, reason: str = "", expected_version: int | None = None
    ) -> R:
        """``license.expire`` (过期失效): signed by a seal of the issuer, or by the platform key
        for any license — the one act both desks have."""
        return self._act(
            acts.ExpireLicense,
            identifier,
            version=expected_version,
            current=license_version(identifier),
            reason=reason,
        )


def license_version(identifier: str) -> Callable[[Ledger], int]:
    """Reads the version of license ``identifier`` from a ledger."""
    return lambda ledger: ledger.get_license(identifier).version


def handed_back(signed: Signed) -> Signed:
    """Finish an act by handing the signed statement back (offline)."""
    return signed
