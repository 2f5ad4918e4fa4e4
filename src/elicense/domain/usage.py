"""The Use aggregate (用证记录): one record per use — ``Used`` or ``Refused``.

A department's validly signed ``use.request`` is always recorded, exactly
once (its subject is the department's request number): as ``Used`` with the
fields disclosed, or as ``Refused`` with the reason code when a policy check
failed (no consent, consent withdrawn or expired, department not on the
sharing list, another service item, license suspended or revoked …). The
license itself is never touched by a use.

What the ledger adds to the department's statement is the event's annex,
canonical bytes of :class:`Disclosure` (``Used``) or :class:`UseRefusal`
(``Refused``); the annex is part of the event record, so the hash chain and
the transparency log cover it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

from elicense import wire
from elicense.acts import RequestUse, Signed, decode_statement
from elicense.codec import canonical, decode_canonical
from elicense.domain.base import LedgerAggregate, deterministic_id

__all__ = ["REFUSAL_CODES", "Disclosure", "Use", "UseRefusal"]

REFUSAL_CODES: dict[str, str] = {
    "use.license.not_found": "the license (or the holder's license of the type) does not exist",
    "use.sharing.not_listed": "the department is not on the type's sharing list",
    "use.sharing.item_not_listed": "the department is listed, but not for this service item",
    "use.fields.not_listed": "the use asks for fields the sharing list does not grant",
    "use.consent.missing": "the use names no consent",
    "use.consent.unknown": "the consent named does not exist",
    "use.consent.other_department": "the consent authorises another department",
    "use.consent.other_item": "the consent is for another service item",
    "use.consent.other_license": "the consent does not cover this license (holder, type, license)",
    "use.consent.withdrawn": "the holder withdrew the consent",
    "use.consent.expired": "the consent expired before the ledger's time",
    "use.license.suspended": "the license is suspended (暂扣)",
    "use.license.withdrawn": "the license is withdrawn (撤销)",
    "use.license.cancelled": "the license is cancelled (注销)",
    "use.license.revoked": "the license is revoked (吊销)",
    "use.license.expired": "the license is expired (失效, or past its validity)",
    "use.license.transferred": "the license is transferred (转出)",
    "use.license.other": "the license's status is other (其他)",
}
"""Every reason code a ``Refused`` use may carry, in the order the ledger checks them."""


class Disclosure(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The annex of ``Used``: which license state was used and which fields disclosed.

    Attributes:
        license: the license's identifier at the use (its current version).
        license_version: the License aggregate's version the use saw.
        status: the license's national status code at the use (``01``).
        fields: the disclosed field names, sorted; never beyond the sharing list.
    """

    license: str
    license_version: int
    status: str
    fields: tuple[str, ...]


class UseRefusal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The annex of ``Refused``: why.

    Attributes:
        code: a reason code of :data:`REFUSAL_CODES`.
        message: what was expected and what was found.
        license: the license concerned, when the ledger found one.
    """

    code: str
    message: str
    license: str = ""

    def __post_init__(self) -> None:
        if self.code not in REFUSAL_CODES:
            raise ValueError(f"unknown use refusal code {self.code!r}")


class Use(LedgerAggregate):
    """One use of a license by a department: used, or refused."""

    WIRE_NAME = wire.USE

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        code: str
        user: str
        service_item: str
        purpose: str
        consent: str
        used: bool
        license: str
        license_version: int
        fields: tuple[str, ...]
        refusal: str | None

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the use with subject ``code`` (``<USCC>/<number>``)."""
        return deterministic_id("use", code)

    @classmethod
    def record_used(cls, signed: Signed, disclosure: Disclosure) -> Use:
        """Record the use as ``Used``, disclosing ``disclosure.fields``."""
        return cls._start(cls.Used, signed, canonical(disclosure))

    @classmethod
    def record_refused(cls, signed: Signed, refusal: UseRefusal) -> Use:
        """Record the use as ``Refused`` for ``refusal.code``."""
        return cls._start(cls.Refused, signed, canonical(refusal))

    @classmethod
    def _start(
        cls, event_class: type[LedgerAggregate.Created], signed: Signed, annex: bytes
    ) -> Use:
        return cls._create_from(
            event_class, cls.id_for(decode_statement(signed.statement).subject), signed, annex
        )

    class Used(LedgerAggregate.Created):
        TOPIC = wire.USE_RECORDED

        @property
        def disclosure(self) -> Disclosure:
            """The annex: license state used and fields disclosed."""
            return decode_canonical(self.annex, Disclosure, what="use disclosure")

        def apply(self, use: Use) -> None:
            _request(use, self.act)
            d = self.disclosure
            use.used = True
            use.license = d.license
            use.license_version = d.license_version
            use.fields = d.fields
            use.refusal = None

    class Refused(LedgerAggregate.Created):
        TOPIC = wire.USE_REFUSED

        @property
        def refusal(self) -> UseRefusal:
            """The annex: the reason."""
            return decode_canonical(self.annex, UseRefusal, what="use refusal")

        @property
        def refusal_code(self) -> str:
            """The reason code (what the ledger's receipt reports)."""
            return self.refusal.code

        def apply(self, use: Use) -> None:
            _request(use, self.act)
            r = self.refusal
            use.used = False
            use.license = r.license
            use.license_version = 0
            use.fields = ()
            use.refusal = r.code


def _request(use: Use, act: object) -> None:
    assert isinstance(act, RequestUse)
    use.code = act.subject
    use.user = act.user
    use.service_item = act.service_item
    use.purpose = act.purpose
    use.consent = act.consent
