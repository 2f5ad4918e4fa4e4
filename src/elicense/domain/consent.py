"""The Consent aggregate (授权用证): granted, withdrawn.

A consent is the holder's authorisation for one user department to use one
license, or the holder's licenses of one type, for one service item, with a
purpose (事由), until an expiry. The holder authenticates to the platform
(实名认证), so both events are signed by the platform key and name how the
holder was authenticated.

:func:`consent_refusal` is the one rule for "does this consent allow this
use now", applied by the ledger at its own time — never at a time the
department claims.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import AuthMethod, GrantConsent, Signed, decode_statement
from elicense.domain.base import LedgerAggregate, deterministic_id
from elicense.errors import TransitionRefusedError
from elicense.ids import parse_license_id

__all__ = ["Consent", "consent_refusal"]


class Consent(LedgerAggregate):
    """One holder's consent to one department's use for one service item."""

    WIRE_NAME = wire.CONSENT

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        code: str
        holder: str
        user: str
        service_item: str
        purpose: str
        license_key: str  # the license's key (identifier without version), or ""
        license_type: str  # the type code the consent covers
        valid_until: datetime
        authentication: AuthMethod
        withdrawn: bool

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the consent with code ``code``."""
        return deterministic_id("consent", code)

    @classmethod
    def grant(cls, signed: Signed) -> Consent:
        """Record a consent from its platform-signed ``consent.grant`` statement."""
        return cls._create_from(
            cls.Granted, cls.id_for(decode_statement(signed.statement).subject), signed
        )

    class Granted(LedgerAggregate.Created):
        TOPIC = wire.CONSENT_GRANTED

        def apply(self, consent: Consent) -> None:
            act = self.act
            assert isinstance(act, GrantConsent)
            consent.code = act.subject
            consent.holder = act.holder
            consent.user = act.user
            consent.service_item = act.service_item
            consent.purpose = act.purpose
            if act.license:
                lid = parse_license_id(act.license)
                consent.license_key = lid.key
                consent.license_type = lid.type_code
            else:
                consent.license_key = ""
                consent.license_type = act.license_type
            consent.valid_until = act.valid_until
            consent.authentication = act.authentication
            consent.withdrawn = False

    def withdraw(self, signed: Signed) -> None:
        """The holder withdraws the consent."""
        if self.withdrawn:
            raise TransitionRefusedError(
                f"consent {self.code} is already withdrawn",
                code="consent.withdrawn",
                subject=self.code,
            )
        self._record(self.Withdrawn, signed)

    class Withdrawn(LedgerAggregate.Event):
        TOPIC = wire.CONSENT_WITHDRAWN

        def apply(self, consent: Consent) -> None:
            consent.withdrawn = True

    def covers(self, license_key: str, type_code: str, holder: str) -> bool:
        """Whether this consent's scope covers the license with this key, type and holder."""
        if holder != self.holder:
            return False
        if self.license_key:
            return license_key == self.license_key
        return type_code == self.license_type


def consent_refusal(
    consent: Consent | None,
    *,
    code: str,
    user: str,
    service_item: str,
    license_key: str,
    type_code: str,
    holder: str,
    at: datetime,
) -> tuple[str, str] | None:
    """Why ``consent`` does not allow this use at ``at``: ``(code, message)``; ``None`` if it does.

    Args:
        consent: the consent the use names (``None``: unknown to the ledger).
        code: the consent code the use names (empty: none named).
        user, service_item: the use's department and service item.
        license_key, type_code, holder: the license used.
        at: the ledger's time.
    """
    if not code:
        return ("use.consent.missing", "the use names no consent of the holder")
    if consent is None:
        return ("use.consent.unknown", f"consent {code} does not exist in this ledger")
    # Plain ifs, not a table: the messages are formatted only for the check that fails.
    if consent.user != user:
        return (
            "use.consent.other_department",
            f"consent {code} authorises department {consent.user}, not {user}",
        )
    if consent.service_item != service_item:
        return (
            "use.consent.other_item",
            f"consent {code} is for service item {consent.service_item}, not {service_item}",
        )
    if not consent.covers(license_key, type_code, holder):
        return (
            "use.consent.other_license",
            f"consent {code} does not cover license {license_key} (holder, type or license)",
        )
    if consent.withdrawn:
        return ("use.consent.withdrawn", f"consent {code} was withdrawn")
    if at > consent.valid_until:
        return (
            "use.consent.expired",
            f"consent {code} expired at {consent.valid_until.isoformat()}; "
            f"the ledger's time is {at.isoformat()}",
        )
    return None
