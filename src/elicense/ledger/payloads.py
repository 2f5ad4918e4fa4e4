"""Verify-me payloads of licenses in the ledger (the text a license's QR code carries).

The platform makes them: :func:`license_payload` reads the license, its
per-license status slot (:mod:`elicense.log.slots`) and the record that made
its identifier, and signs the claims with the platform key
(:mod:`elicense.payload`). Nothing personal goes in: no holder, no 身份号码, no
field; the identifier itself only with ``with_identifier=True``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from elicense.codec import utc_now
from elicense.crypto.keys import Signer
from elicense.errors import ConflictError
from elicense.ledger.mapper import checked_record
from elicense.log.slots import LicenseSlots
from elicense.payload import PayloadClaims, make_payload, payload_text, short_lived

__all__ = ["license_payload", "license_slots"]

_CHINA = timezone(timedelta(hours=8))


def license_slots(ledger: Any) -> LicenseSlots:
    """Every license identifier's slot and status as of ``ledger``'s newest event.

    The first call replays the stored events; later calls on the same ledger object
    apply only the events recorded since (slots are assigned in ledger order and never
    move, so the table only grows). The table is shared: read it, never apply to it.

    Raises:
        StoredRecordError: a stored row that is not a valid record.
    """
    cache: _SlotCache | None = getattr(ledger, _CACHE, None)
    if cache is None:
        cache = _SlotCache()
        setattr(ledger, _CACHE, cache)
    with cache.lock:
        for n in ledger.notifications(start=cache.position + 1):
            rec = checked_record(n)
            cache.slots.apply(rec.aggregate_id, rec.topic, rec.statement, bytes(n.state))
            cache.position = n.id
        return cache.slots


_CACHE = "_elicense_license_slots"


class _SlotCache:
    __slots__ = ("lock", "position", "slots")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.position = 0
        self.slots = LicenseSlots()


def license_payload(
    ledger: Any,
    identifier: str,
    signer: Signer,
    *,
    host: str,
    at: datetime | None = None,
    minutes: int | None = None,
    with_identifier: bool = False,
    slots: LicenseSlots | None = None,
) -> str:
    """The verify-me text (``HTTPS://<HOST>/V/<BASE32>``) of license ``identifier``.

    Args:
        ledger: the ledger holding the license.
        identifier: the license's current 电子证照标识.
        signer: the platform key.
        host: the platform's public verification host.
        at: when the payload is made (default: now).
        minutes: make the short-lived (亮证) form, valid this many minutes (1–60).
        with_identifier: carry the identifier itself (a documented opt-in).
        slots: the ledger's slots, when the caller already has them (else replayed).

    Raises:
        NotFoundError: no such license.
        ConflictError: ``identifier`` is not the license's current identifier.
    """
    at = at or utc_now()
    lic = ledger.get_license(identifier)
    if lic.identifier != identifier:
        raise ConflictError(
            f"{identifier} was replaced by {lic.identifier}: make the payload of the current "
            "identifier",
            subject=identifier,
        )
    slots = slots or license_slots(ledger)
    slot = slots.slot_of(identifier)
    made_by = slots.made_by(identifier)
    assert slot is not None  # every identifier recorded has a slot
    assert made_by is not None
    exp = None
    if lic.valid_until is not None:  # valid through its last day, China time
        end = datetime.combine(lic.valid_until + timedelta(days=1), time(), _CHINA)
        exp = int(end.astimezone(UTC).timestamp())
    claims = PayloadClaims(
        iss=ledger.origin,
        iat=int(at.timestamp()),
        exp=exp,
        slot=slot,
        eh=made_by[:16],
        lt=lic.type_code,
        iu=lic.issuer,
        sub=identifier if with_identifier else None,
    )
    if minutes is not None:
        claims = short_lived(claims, at=at, minutes=minutes)
    return payload_text(make_payload(claims, signer), host)
