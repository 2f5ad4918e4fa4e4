"""The platform operator's acts: filing seals (备案) and their lifecycle, holders' consents.

Signed with the platform key. Online (``PlatformOperator.online(ledger, key)``)
each act reads the version it is made against from the ledger, signs, submits
and returns the ledger's ``Receipt``; offline it returns the ``Signed``
statement, and an act on an existing subject takes ``expected_version``.
(Named so as not to be confused with the domain's ``Platform`` aggregate.)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from elicense import acts
from elicense.acts import AuthMethod, Signed
from elicense.api._desk import Clock, Desk, handed_back
from elicense.codec import utc_now
from elicense.crypto.keys import Signer
from elicense.crypto.suites import key_id
from elicense.domain.state import deterministic_id
from elicense.errors import NotFoundError
from elicense.filing import make_filing_seal
from elicense.ids import HolderCodeKind
from elicense.signatory import Signatory

if TYPE_CHECKING:
    from elicense.ledger.application import Ledger, Receipt

__all__ = ["PlatformOperator"]

R = TypeVar("R")


def _seal_version(code: str) -> Any:
    return lambda ledger: ledger.get_seal(code).version


def _consent_version(code: str) -> Any:
    def current(ledger: Ledger) -> int:
        version = len(ledger.history(deterministic_id("consent", code)))
        if not version:
            raise NotFoundError(f"consent {code} does not exist", subject=code)
        return version

    return current


class PlatformOperator(Desk[R]):
    """The acts the platform key signs."""

    @classmethod
    def online(
        cls, ledger: Ledger, signer: Signer, *, clock: Clock = utc_now
    ) -> PlatformOperator[Receipt]:
        """Acts recorded on ``ledger`` as they are signed."""
        signatory = Signatory.platform(origin=ledger.origin, signer=signer)
        return PlatformOperator(signatory, ledger=ledger, finish=ledger.submit, clock=clock)

    @classmethod
    def signing(
        cls, ledger: Ledger, signer: Signer, *, clock: Clock = utc_now
    ) -> PlatformOperator[Signed]:
        """Acts made against ``ledger``'s current versions and handed back signed."""
        signatory = Signatory.platform(origin=ledger.origin, signer=signer)
        return PlatformOperator(signatory, ledger=ledger, finish=handed_back, clock=clock)

    @classmethod
    def offline(
        cls, origin: str, signer: Signer, *, clock: Clock = utc_now
    ) -> PlatformOperator[Signed]:
        """Acts signed for ledger ``origin`` and handed back, to submit later."""
        signatory = Signatory.platform(origin=origin, signer=signer)
        return PlatformOperator(signatory, ledger=None, finish=handed_back, clock=clock)

    # -- seals -------------------------------------------------------------------------------

    def file_seal(
        self,
        code: str,
        *,
        made: acts.MakeSeal | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> R:
        """``seal.file`` (备案) of seal ``code``, with its GB/T 38540 ``SES_Seal`` made now
        by the platform as maker (the ledger requires it).

        Args:
            made: the seal's ``seal.make`` statement; online it is read from the ledger.
        """
        if made is None:
            if self.ledger is None:
                raise ValueError(f"filing {code} offline needs made= (its seal.make statement)")
            made = self.ledger.get_seal(code).made
        return self._act(
            acts.FileSeal,
            code,
            version=expected_version,
            current=_seal_version(code),
            annex=make_filing_seal(made, self.signatory.signer, at=self.clock()),
            key_id=self._key_id(made),
            note=note,
        )

    def suspend_seal(self, code: str, *, reason: str, expected_version: int | None = None) -> R:
        """``seal.suspend``: the seal signs nothing until reinstated."""
        return self._act(
            acts.SuspendSeal,
            code,
            version=expected_version,
            current=_seal_version(code),
            reason=reason,
        )

    def reinstate_seal(self, code: str, *, reason: str, expected_version: int | None = None) -> R:
        """``seal.reinstate``: end a suspension."""
        return self._act(
            acts.ReinstateSeal,
            code,
            version=expected_version,
            current=_seal_version(code),
            reason=reason,
        )

    def revoke_seal(
        self,
        code: str,
        *,
        reason: str,
        compromised_since: datetime | None = None,
        expected_version: int | None = None,
    ) -> R:
        """``seal.revoke``: for good; with ``compromised_since``, entries recorded since then
        are reported untrusted although they precede the revocation."""
        return self._act(
            acts.RevokeSeal,
            code,
            version=expected_version,
            current=_seal_version(code),
            reason=reason,
            compromised_since=compromised_since,
        )

    # -- consents (授权) --------------------------------------------------------------------------

    def grant_consent(
        self,
        code: str,
        *,
        holder: str,
        holder_code_kind: HolderCodeKind | str,
        user: str,
        service_item: str,
        purpose: str,
        valid_until: datetime,
        authentication: AuthMethod | str,
        authentication_ref: str,
        license: str = "",
        license_type: str = "",
    ) -> R:
        """``consent.grant``: the holder, authenticated by the platform, lets ``user`` use
        one license (``license``) or their licenses of a type (``license_type``)."""
        return self._act(
            acts.GrantConsent,
            code,
            version=None,
            holder=holder,
            holder_code_kind=HolderCodeKind(holder_code_kind),
            user=user,
            service_item=service_item,
            purpose=purpose,
            license=license,
            license_type=license_type,
            valid_until=valid_until,
            authentication=AuthMethod(authentication),
            authentication_ref=authentication_ref,
        )

    def withdraw_consent(
        self,
        code: str,
        *,
        reason: str,
        authentication: AuthMethod | str,
        authentication_ref: str,
        expected_version: int | None = None,
    ) -> R:
        """``consent.withdraw``: the holder takes consent ``code`` back.

        Raises:
            NotFoundError: online, no such consent.
        """
        return self._act(
            acts.WithdrawConsent,
            code,
            version=expected_version,
            current=_consent_version(code),
            reason=reason,
            authentication=AuthMethod(authentication),
            authentication_ref=authentication_ref,
        )

    @staticmethod
    def _key_id(made: acts.MakeSeal) -> str:
        return key_id(made.public_key)
