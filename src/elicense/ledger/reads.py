"""Reading the ledger: aggregates replayed from their stored rows, and the rows verbatim.

:class:`LedgerReads` is the reading half of :class:`~elicense.ledger.application.Ledger`
(which adds the storage set-up and the writing): the aggregates by their codes and
identifiers, an aggregate's records with their global positions, and every record in
global order. A stored row the domain cannot read or apply raises
:class:`~elicense.ledger.mapper.StoredRecordError`, naming the row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Notification

from elicense.domain.base import LedgerAggregate, replay
from elicense.domain.license import License
from elicense.domain.license_file import LicenseFile
from elicense.domain.license_type import LicenseType
from elicense.domain.seal import Seal
from elicense.errors import NotFoundError
from elicense.ids import parse_license_id
from elicense.ledger.mapper import StoredRecordError
from elicense.ledger.payloads import license_slots
from elicense.ledger.storage import is_store_failure
from elicense.log.slots import LicenseSlots
from elicense.record import PositionedRecord

__all__ = ["LedgerReads"]


class LedgerReads(Application[UUID]):
    """The reads of :class:`~elicense.ledger.application.Ledger`; use a ``Ledger``.

    Relies on the Ledger's recorder (``select_positioned``, ``select_many``) and mapper.
    """

    def _load(self, aggregate_id: UUID) -> LedgerAggregate | None:
        try:
            agg: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except StoredRecordError:
            raise
        except Exception:  # the rows decode but the domain cannot apply them: say which
            self._replay_rows(aggregate_id, self.recorder.select_events(aggregate_id))
            raise
        assert isinstance(agg, LedgerAggregate)
        return agg

    def _load_many(self, aggregate_ids: list[UUID]) -> dict[UUID, LedgerAggregate]:
        recorder: Any = self.recorder
        found = recorder.select_many(aggregate_ids)
        return {i: self._replay_rows(i, events) for i, events in found.items()}

    def _replay_rows(self, aggregate_id: UUID, rows: Sequence[Any]) -> LedgerAggregate:
        """Replay stored rows; a row the domain cannot apply is a StoredRecordError.

        A record can be canonical and still not fit its row, e.g. another event's
        statement re-encoded under this topic: the event's apply then fails.
        """
        agg: Any = None
        for row in rows:
            event = self.mapper.to_domain_event(row)
            try:
                agg = replay([event], agg)
            except Exception as e:
                raise StoredRecordError(
                    f"stored event of aggregate {aggregate_id} version {row.originator_version} "
                    f"does not apply to its aggregate: {e!r}",
                    aggregate_id=aggregate_id,
                    version=row.originator_version,
                ) from None
        assert isinstance(agg, LedgerAggregate)
        return agg

    def _get(self, cls: type[Any], aggregate_id: UUID, what: str) -> Any:
        agg = self._load(aggregate_id)
        if agg is None or not isinstance(agg, cls):
            raise NotFoundError(f"{what} does not exist in this ledger", subject=what)
        return agg

    def get_seal(self, code: str) -> Seal:
        """The seal with ``code``."""
        return self._get(Seal, Seal.id_for(code), f"seal {code}")  # type: ignore[no-any-return]

    def get_license_type(self, code: str) -> LicenseType:
        """The license type with ``code``."""
        return self._get(  # type: ignore[no-any-return]
            LicenseType, LicenseType.id_for(code), f"license type {code}"
        )

    def template_binding(self, type_code: str) -> dict[str, Any]:
        """The template binding (``template_version``, ``template_digest``) an issuance or
        amendment of a ``type_code`` license signed now must carry.

        Raises:
            NotFoundError: no such license type.
        """
        return self.get_license_type(type_code).binding()

    def license_file(self, sha256: bytes) -> LicenseFile | None:
        """The license file recorded with SHA-256 digest ``sha256``, or ``None``."""
        agg = self._load(LicenseFile.id_for(sha256))
        return agg if isinstance(agg, LicenseFile) else None

    def get_license(self, identifier: str) -> License:
        """The license with ``identifier`` (any version of it)."""
        lid = parse_license_id(identifier)
        return self._get(License, License.id_for(lid), f"license {identifier}")  # type: ignore[no-any-return]

    def history(self, aggregate_id: UUID) -> list[PositionedRecord]:
        """The aggregate's stored records, verbatim, with their global positions."""
        recorder: Any = self.recorder
        return [
            PositionedRecord(position=pos, record=bytes(stored.state))
            for pos, stored in recorder.select_positioned(aggregate_id)
        ]

    def replayed_history(
        self, aggregate_id: UUID
    ) -> tuple[LedgerAggregate | None, list[PositionedRecord]]:
        """The aggregate replayed from its stored rows and those rows verbatim with their
        positions, from one read. A row the domain cannot apply raises StoredRecordError."""
        recorder: Any = self.recorder
        rows = recorder.select_positioned(aggregate_id)
        if not rows:
            return None, []
        agg = self._replay_rows(aggregate_id, [stored for _, stored in rows])
        return agg, [PositionedRecord(position=p, record=bytes(s.state)) for p, s in rows]

    def notifications(self, start: int = 1, page: int = 1000) -> Iterator[Notification]:
        """Every stored event in global order, read page by page (streams)."""
        next_id = start
        while True:
            try:
                items = self.recorder.select_notifications(next_id, page)
            except ValueError:  # a row the recorder cannot read, e.g. a non-hex id column (D2)
                raise self._unreadable_row(next_id, page) from None
            if not items:
                return
            yield from items
            next_id = items[-1].id + 1

    def _unreadable_row(self, start: int, page: int) -> StoredRecordError:
        """The StoredRecordError naming the first row from ``start`` the recorder refuses."""
        for position in range(start, start + page):
            try:
                self.recorder.select_notifications(position, 1, stop=position)
            except ValueError as e:
                return StoredRecordError(
                    f"the stored event at position {position} cannot be read: expected "
                    f"a hexadecimal aggregate id and an integer version, found a row that "
                    f"gives {type(e).__name__}: {e} (run `elicense log audit`)",
                    aggregate_id=None,
                    version=0,
                )
        return StoredRecordError(  # pragma: no cover - the page failed, so one row does
            f"a stored event from position {start} cannot be read", aggregate_id=None, version=0
        )

    def max_position(self) -> int:
        """The position of the newest recorded event (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    @staticmethod
    def store_failure(exc: BaseException) -> bool:
        """Whether ``exc`` is this ledger's store failing to answer
        (:func:`~elicense.ledger.storage.is_store_failure`)."""
        return is_store_failure(exc)

    def license_slots(self) -> LicenseSlots:
        """Every license identifier's status slot as of the newest event
        (:func:`elicense.ledger.payloads.license_slots`: replayed once, then kept up)."""
        return license_slots(self)
