"""Reading the facts reuse statistics need from recorded events.

:func:`read_facts` turns one stored event (position, topic, record bytes)
into the facts that matter for usage queries and statistics — a type
defined or retired, a sharing-list entry granted or withdrawn, a license
stored, a use recorded — or none. The pure replay (:mod:`elicense.reuse.stats`)
and the SQL projection (``elicense_sql.reuse``) both consume these facts, so
they read the records the same way and differ only in how they count.

Records are read with lean decoders of just the fields needed: the ledger
checked every statement when it recorded it, and the store's rows are
checked against their hashes by the verifier, not here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

from elicense import wire

__all__ = [
    "LicenseStored",
    "SharingGranted",
    "SharingWithdrawn",
    "TypeDefined",
    "TypeRetired",
    "UseRow",
    "micros",
    "read_facts",
]


def micros(t: datetime) -> int:
    """A UTC time as integer microseconds since the Unix epoch (exact, comparable)."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UseRow(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded use, as the usage queries show it.

    Attributes:
        position: the ledger position of the ``Used``/``Refused`` record.
        recorded_at: when the ledger recorded it.
        use: the use's subject (``<user USCC>/<request number>``).
        user: the user department.
        service_item: the service item.
        purpose: the stated purpose (事由).
        consent: the consent code named ("" none).
        license: the license concerned: as recorded, else as named ("" none).
        type_code: the license's type.
        holder: the holder's code: as the use names it, else the license's ("" unknown).
        outcome: ``used`` or ``refused``.
        code: the refusal's reason code ("" when used).
        fields: the disclosed field names (empty when refused).
    """

    position: int
    recorded_at: datetime
    use: str
    user: str
    service_item: str
    purpose: str
    consent: str
    license: str
    type_code: str
    holder: str
    outcome: str
    code: str
    fields: tuple[str, ...]

    @property
    def license_key(self) -> str:
        """The license's key (identifier without version and check), or ""."""
        return self.license.rsplit(".", 2)[0] if self.license else ""


class TypeDefined(msgspec.Struct, frozen=True):
    """A license type entered the catalogue."""

    type_code: str
    at: int


class TypeRetired(msgspec.Struct, frozen=True):
    """A license type was retired."""

    type_code: str
    at: int


class SharingGranted(msgspec.Struct, frozen=True):
    """(type, user) was listed for ``items`` (re-listing an entry keeps it as it was)."""

    type_code: str
    user: str
    items: tuple[str, ...]
    at: int
    position: int


class SharingWithdrawn(msgspec.Struct, frozen=True):
    """(type, user) was taken off the list for ``items`` (empty: all its items)."""

    type_code: str
    user: str
    items: tuple[str, ...]
    at: int


class LicenseStored(msgspec.Struct, frozen=True):
    """A license was issued (入库); ``identifier`` is its first version's."""

    identifier: str
    license_key: str
    type_code: str
    holder: str
    at: int
    position: int


Fact = TypeDefined | TypeRetired | SharingGranted | SharingWithdrawn | LicenseStored | UseRow

# -- lean decoders ---------------------------------------------------------------------------


class _Record(msgspec.Struct):
    recorded_at: Annotated[datetime, msgspec.Meta(tz=True)]
    statement: bytes
    annex: bytes = b""


class _Subject(msgspec.Struct):
    subject: str


class _Holder(msgspec.Struct):
    code: str


class _Issue(msgspec.Struct):
    subject: str
    holder: _Holder


class _Share(msgspec.Struct):
    subject: str
    user: str
    service_items: tuple[str, ...] = ()


class _Use(msgspec.Struct):
    subject: str
    service_item: str
    purpose: str
    consent: str = ""
    license: str = ""
    holder: str = ""
    license_type: str = ""


class _Annex(msgspec.Struct):
    license: str = ""
    code: str = ""
    fields: tuple[str, ...] = ()


_record = msgspec.json.Decoder(_Record)
_subject = msgspec.json.Decoder(_Subject)
_issue = msgspec.json.Decoder(_Issue)
_share = msgspec.json.Decoder(_Share)
_use = msgspec.json.Decoder(_Use)
_annex = msgspec.json.Decoder(_Annex)

DEFINED = wire.TYPE_DEFINED
RETIRED = wire.TYPE_RETIRED
SHARED = wire.TYPE_SHARED
UNSHARED = wire.TYPE_UNSHARED
ISSUED = wire.LICENSE_ISSUED
USED = wire.USE_RECORDED
REFUSED = wire.USE_REFUSED
TOPICS = frozenset({DEFINED, RETIRED, SHARED, UNSHARED, ISSUED, USED, REFUSED})
"""The event topics that carry reuse facts; every other event is skipped unread."""


def _type_of(identifier: str) -> str:
    parts = identifier.split(".")
    return parts[5] if len(parts) == 10 else ""


def read_facts(position: int, topic: str, state: bytes) -> Fact | None:
    """The reuse fact of one stored event, or ``None`` when it carries none."""
    if topic not in TOPICS:
        return None
    rec = _record.decode(state)
    at = micros(rec.recorded_at)
    if topic == ISSUED:
        act = _issue.decode(rec.statement)
        key = act.subject.rsplit(".", 2)[0]
        return LicenseStored(act.subject, key, _type_of(act.subject), act.holder.code, at, position)
    if topic in (USED, REFUSED):
        use = _use.decode(rec.statement)
        annex = _annex.decode(rec.annex)
        license = annex.license or use.license
        return UseRow(
            position=position,
            recorded_at=rec.recorded_at,
            use=use.subject,
            user=use.subject.split("/", 1)[0],
            service_item=use.service_item,
            purpose=use.purpose,
            consent=use.consent,
            license=license,
            type_code=use.license_type or _type_of(license),
            holder=use.holder,  # completed from the license by the consumer
            outcome="used" if topic == USED else "refused",
            code=annex.code,
            fields=annex.fields,
        )
    if topic in (SHARED, UNSHARED):
        share = _share.decode(rec.statement)
        if topic == SHARED:
            return SharingGranted(share.subject, share.user, share.service_items, at, position)
        return SharingWithdrawn(share.subject, share.user, share.service_items, at)
    code = _subject.decode(rec.statement).subject
    return TypeDefined(code, at) if topic == DEFINED else TypeRetired(code, at)
