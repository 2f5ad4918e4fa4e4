"""Per-license status slots: one status entry per license identifier, stable for its life.

Every identifier version a license ever has — made by ``license.issued``,
``license.amended`` or ``license.renewed`` — gets a **slot**: the number of
identifier versions made before it, in ledger order (0, 1, 2 …). Anyone
replaying the ledger computes the same slots, and a slot never moves.

The **license status list** is a 2-bit IETF Token Status List over the slots:
``VALID`` (0), ``INVALID`` (1) or ``SUSPENDED`` (2). An entry changes only
when its identifier's status changes: a suspension, a reinstatement, a
revocation or an expiry of the license, or an amendment or renewal, which
makes the old identifier INVALID and gives the new one its own slot. A use,
a recorded license file or any other event changes no entry — so a
verify-me QR printed with a slot stays true until the license itself changes.

This is what the verify-me payload (:mod:`elicense.payload`) names. The
per-record lists of the log path (:mod:`elicense.log.statusdoc`) stay: a
license document carries records, and there "is this still the newest
record?" is the question.
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from elicense import wire
from elicense.codec import sha256
from elicense.ids import parse_license_id
from elicense.lifecycle import LIFECYCLE
from elicense.log.heads import status_bits
from elicense.log.statuslist import Status, StatusArray

__all__ = ["LicenseSlots", "LicenseStatusList"]


class _Subject(msgspec.Struct):
    subject: str


class _Revoke(msgspec.Struct):
    reason_code: str | None = None


_subject = msgspec.json.Decoder(_Subject)
_revoke = msgspec.json.Decoder(_Revoke)


class LicenseStatusList(msgspec.Struct, frozen=True, kw_only=True):
    """The license status list as of one ledger position (it travels signed, inside the
    trust bundle).

    Attributes:
        size: number of slots.
        lst: the 2-bit entries, packed LSB first (IETF Token Status List) and ZLIB-compressed.
    """

    size: int
    lst: bytes

    def statuses(self) -> StatusArray:
        """The entries, unpacked.

        Raises:
            ValueError: ``lst`` is not a ZLIB stream of ``size`` 2-bit entries.
        """
        try:
            data = zlib.decompress(self.lst, bufsize=(self.size * 2 + 7) // 8 or 1)
        except zlib.error as e:
            raise ValueError(f"license status list: {e}") from None
        return StatusArray(max(self.size, 1), 2, data if self.size else bytes(1))


class LicenseSlots:
    """Slots and statuses of every license identifier, fed one stored event at a time
    in ledger order (:meth:`apply`)."""

    __slots__ = ("_current", "_identifiers", "_made_by", "_slot_of", "_status")

    def __init__(self) -> None:
        self._slot_of: dict[str, int] = {}
        self._identifiers: list[str] = []
        self._status = bytearray()  # one status per slot, unpacked
        self._made_by: list[bytes] = []  # SHA-256 of the record that made each identifier
        self._current: dict[Any, int] = {}  # license aggregate id -> its current slot

    def apply(self, aggregate_id: Any, topic: str, statement: bytes, record: bytes) -> None:
        """Take one stored event (its aggregate id, topic, statement and record bytes)."""
        step = LIFECYCLE.get(topic)
        if step is None:
            return  # not a license event: uses, files, seals … change no slot
        if topic == wire.LICENSE_ISSUED or step.new_identifier:
            identifier = _subject.decode(statement).subject
            if topic != wire.LICENSE_ISSUED:
                # the identifier after 变更/延续 is the named one's next version
                identifier = str(parse_license_id(identifier).next_version())
            old = self._current.get(aggregate_id)
            if old is not None:
                self._status[old] = Status.INVALID
            slot = len(self._identifiers)
            self._slot_of[identifier] = slot
            self._identifiers.append(identifier)
            self._status.append(Status.VALID)
            self._made_by.append(sha256(record))
            self._current[aggregate_id] = slot
            return
        current = self._current.get(aggregate_id)
        if current is None:
            return  # a history that does not start with an issuance: the verifier's concern
        if step.after is None:  # a revocation: every reason ends the license
            self._status[current] = Status.INVALID
        else:
            self._status[current] = status_bits(step.after)

    def slot_of(self, identifier: str) -> int | None:
        """The slot of ``identifier`` (any version ever made), or ``None``."""
        return self._slot_of.get(identifier)

    def identifier_of(self, slot: int) -> str | None:
        """The identifier holding ``slot``, or ``None``."""
        return self._identifiers[slot] if 0 <= slot < len(self._identifiers) else None

    def current_identifier(self, slot: int) -> str | None:
        """The identifier that replaced ``slot``'s license, if a newer one did."""
        identifier = self.identifier_of(slot)
        if identifier is None:
            return None
        key = identifier.rsplit(".", 2)[0]
        newest = None
        for later in self._identifiers[slot + 1 :]:
            if later.rsplit(".", 2)[0] == key:
                newest = later
        return newest

    def status(self, slot: int) -> int | None:
        """The 2-bit status of ``slot``, or ``None`` for a slot not yet given."""
        return self._status[slot] if 0 <= slot < len(self._status) else None

    def made_by(self, identifier: str) -> bytes | None:
        """SHA-256 of the record that made ``identifier``."""
        slot = self._slot_of.get(identifier)
        return None if slot is None else self._made_by[slot]

    def status_list(self) -> LicenseStatusList:
        """The license status list of everything applied so far."""
        size = len(self._status)
        packed = StatusArray(max(size, 1), 2)
        for slot, value in enumerate(self._status):
            if value:
                packed[slot] = value
        return LicenseStatusList(size=size, lst=packed.compressed())
