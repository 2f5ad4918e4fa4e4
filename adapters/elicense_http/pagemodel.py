"""What the pages read that the library's read models do not serve: department and type
names (for labels) and each holder's consents (for the holder's page).

:class:`PageModel` follows the ledger's stored events in order, one pass, and keeps
only what it needs; each read applies the events recorded since the last one. It
holds no personal data beyond what the holder's own page shows to that holder
(the consents: holder code, user department, service item, purpose, validity).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import msgspec

from elicense import wire
from elicense.ledger.mapper import checked_record

__all__ = ["ConsentRow", "PageModel"]


class _Act(msgspec.Struct):
    """The fields of the statements the model reads (unknown fields ignored)."""

    subject: str = ""
    department: str = ""
    department_name: str = ""
    name: str = ""
    holder: str = ""
    user: str = ""
    service_item: str = ""
    purpose: str = ""
    license: str = ""
    license_type: str = ""
    valid_until: datetime | None = None
    reason: str = ""


_act = msgspec.json.Decoder(_Act)
_WANTED = frozenset(
    (
        wire.SEAL_MADE,
        wire.TYPE_DEFINED,
        wire.TYPE_REVISED,
        wire.CONSENT_GRANTED,
        wire.CONSENT_WITHDRAWN,
    )
)


class ConsentRow(msgspec.Struct, frozen=True, kw_only=True):
    """One consent as its holder sees it.

    Attributes:
        code: the consent's code (the key to withdraw it).
        user: the user department's 统一社会信用代码.
        user_name: that department's name ("" unknown).
        service_item: the service item.
        purpose: the stated purpose (事由).
        license: the license it covers ("" when it covers a type).
        license_type: the type it covers ("" when it covers one license).
        granted_at: when the ledger recorded the grant.
        valid_until: its expiry.
        withdrawn_at: when the ledger recorded the withdrawal (``None``: not withdrawn).
    """

    code: str
    user: str
    user_name: str
    service_item: str
    purpose: str
    license: str
    license_type: str
    granted_at: datetime
    valid_until: datetime | None
    withdrawn_at: datetime | None = None


class PageModel:
    """Names and consents, caught up with ``ledger`` on each read (thread-safe)."""

    def __init__(self, ledger: Any) -> None:
        self._ledger = ledger
        self._lock = threading.Lock()
        self._position = 0
        self.departments: dict[str, str] = {}  # USCC -> department name (from seals made)
        self.types: dict[str, str] = {}  # type code -> name
        self._consents: dict[str, ConsentRow] = {}
        self._holder_of: dict[str, str] = {}  # consent code -> holder code

    def catch_up(self) -> PageModel:
        """Apply the events recorded since the last read."""
        with self._lock:
            for n in self._ledger.notifications(start=self._position + 1):
                if n.topic in _WANTED:  # the topic column: no decoding of licenses or uses
                    self._apply(checked_record(n))
                self._position = n.id
        return self

    def _apply(self, rec: Any) -> None:
        topic = rec.topic
        if topic == wire.SEAL_MADE:
            act = _act.decode(rec.statement)
            self.departments.setdefault(act.department, act.department_name)
        elif topic in (wire.TYPE_DEFINED, wire.TYPE_REVISED):
            act = _act.decode(rec.statement)
            if act.name:
                self.types[act.subject] = act.name
        elif topic == wire.CONSENT_GRANTED:
            act = _act.decode(rec.statement)
            self._holder_of[act.subject] = act.holder
            self._consents[act.subject] = ConsentRow(
                code=act.subject,
                user=act.user,
                user_name="",
                service_item=act.service_item,
                purpose=act.purpose,
                license=act.license,
                license_type=act.license_type,
                granted_at=rec.recorded_at,
                valid_until=act.valid_until,
            )
        elif topic == wire.CONSENT_WITHDRAWN:
            code = _act.decode(rec.statement).subject
            row = self._consents.get(code)
            if row is not None:
                self._consents[code] = msgspec.structs.replace(row, withdrawn_at=rec.recorded_at)

    def consents(self, holder: str) -> list[ConsentRow]:
        """The holder's consents, in the order granted, with the user's name."""
        self.catch_up()
        with self._lock:
            rows = [self._consents[c] for c, h in self._holder_of.items() if h == holder]
            return [
                msgspec.structs.replace(r, user_name=self.departments.get(r.user, "")) for r in rows
            ]

    def department_name(self, code: str) -> str:
        """The department's name as its seals give it ("" unknown)."""
        return self.departments.get(code, "")

    def type_name(self, code: str) -> str:
        """The license type's name ("" unknown)."""
        return self.types.get(code, "")
