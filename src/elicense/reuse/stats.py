"""Reuse statistics recomputed by a pure replay of the recorded events.

The definitions are in docs/statistics.md; in short, for a period
``[since, until)`` of recorded times (either bound open):

- **用证量 (use count)** — ``Used`` records in the period; ``Refused`` ones are
  counted apart, by reason code. Broken down by department, service item, type.
- **事项用证率 (item use rate)** — of the service items on a live sharing-list
  entry at ``until``, the share that had at least one ``Used`` record in the period.
- **证照开通率 (type opening rate)** — of the license types in the catalogue
  (defined, not retired) at ``until``, the share with at least one live
  sharing-list entry.
- **入库量 (stored count)** — licenses issued (``License.Issued``) before
  ``until``, by type.

An auditor recomputes them with :func:`replay` from the ledger's events and
compares with the SQL projection's (``elicense_sql.reuse``): the two read
the same facts (:mod:`elicense.reuse.facts`) and must agree exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from elicense.reuse.facts import (
    LicenseStored,
    SharingGranted,
    SharingWithdrawn,
    TypeDefined,
    TypeRetired,
    UseRow,
    micros,
    read_facts,
)

__all__ = ["FOREVER", "Replay", "Statistics", "replay"]

FOREVER = 2**62
"""An open period bound, in microseconds (far beyond any recorded time)."""


class Statistics(msgspec.Struct, frozen=True, kw_only=True):
    """Reuse statistics for one period (see the module docstring and docs/statistics.md).

    Attributes:
        since, until: the period's bounds on recorded time (``None``: open).
        uses: 用证量, ``Used`` records in the period.
        refused: ``Refused`` records in the period.
        uses_by_department, uses_by_item, uses_by_type: ``uses`` broken down.
        refused_by_code: ``refused`` by reason code.
        items_listed: service items on a live sharing-list entry at ``until``.
        items_used: of those, the ones with a ``Used`` record in the period.
        types_defined: license types defined and not retired at ``until``.
        types_opened: of those, the ones with a live sharing-list entry at ``until``.
        stored: 入库量, licenses issued before ``until``.
        stored_by_type: ``stored`` by type code.
    """

    since: datetime | None = None
    until: datetime | None = None
    uses: int = 0
    refused: int = 0
    uses_by_department: dict[str, int] = {}
    uses_by_item: dict[str, int] = {}
    uses_by_type: dict[str, int] = {}
    refused_by_code: dict[str, int] = {}
    items_listed: int = 0
    items_used: int = 0
    types_defined: int = 0
    types_opened: int = 0
    stored: int = 0
    stored_by_type: dict[str, int] = {}

    @property
    def item_use_rate(self) -> float:
        """事项用证率: ``items_used / items_listed`` (0 when nothing is listed)."""
        return self.items_used / self.items_listed if self.items_listed else 0.0

    @property
    def type_opening_rate(self) -> float:
        """证照开通率: ``types_opened / types_defined`` (0 when the catalogue is empty)."""
        return self.types_opened / self.types_defined if self.types_defined else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with the two rates."""
        out: dict[str, Any] = msgspec.to_builtins(self)
        out["item_use_rate"] = self.item_use_rate
        out["type_opening_rate"] = self.type_opening_rate
        return out


def bounds(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    """The period in microseconds, open bounds made finite."""
    return (micros(since) if since else -FOREVER, micros(until) if until else FOREVER)


class Replay:
    """The reuse facts of a ledger folded in memory, in ledger order."""

    def __init__(self) -> None:
        self.types: dict[str, list[int]] = {}  # code -> [defined, retired or FOREVER]
        self.sharing: dict[tuple[str, str, str], list[list[int]]] = {}  # -> [[granted, ended]]
        self.licenses: dict[str, LicenseStored] = {}
        self.rows: list[UseRow] = []
        self.position = 0

    def apply(self, position: int, topic: str, state: bytes) -> None:
        """Fold one stored event."""
        self.position = position
        fact = read_facts(position, topic, state)
        if fact is None:
            return
        if isinstance(fact, UseRow):
            if not fact.holder:
                stored = self.licenses.get(fact.license_key)
                if stored is not None:
                    fact = msgspec.structs.replace(fact, holder=stored.holder)
            self.rows.append(fact)
        elif isinstance(fact, LicenseStored):
            self.licenses[fact.license_key] = fact
        elif isinstance(fact, SharingGranted):
            for item in fact.items:
                spans = self.sharing.setdefault((fact.type_code, fact.user, item), [])
                if not spans or spans[-1][1] != FOREVER:
                    spans.append([fact.at, FOREVER])
        elif isinstance(fact, SharingWithdrawn):
            for (code, user, item), spans in self.sharing.items():
                if (
                    (code, user) == (fact.type_code, fact.user)
                    and (not fact.items or item in fact.items)
                    and spans[-1][1] == FOREVER
                ):
                    spans[-1][1] = fact.at
        elif isinstance(fact, TypeDefined):
            self.types[fact.type_code] = [fact.at, FOREVER]
        elif isinstance(fact, TypeRetired):
            self.types[fact.type_code][1] = fact.at

    def uses(
        self,
        *,
        holder: str | None = None,
        license: str | None = None,
        department: str | None = None,
        service_item: str | None = None,
    ) -> list[UseRow]:
        """Recorded uses in ledger order, filtered (``license``: any version's identifier)."""
        key = license.rsplit(".", 2)[0] if license else None
        return [
            r
            for r in self.rows
            if (holder is None or r.holder == holder)
            and (key is None or r.license_key == key)
            and (department is None or r.user == department)
            and (service_item is None or r.service_item == service_item)
        ]

    def statistics(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Statistics:
        """The statistics for ``[since, until)`` (see :class:`Statistics`)."""
        lo, hi = bounds(since, until)
        used: list[UseRow] = []
        refused: Counter[str] = Counter()
        for r in self.rows:
            if lo <= micros(r.recorded_at) < hi:
                if r.outcome == "used":
                    used.append(r)
                else:
                    refused[r.code] += 1

        def live(span: list[int]) -> bool:
            return span[0] < hi <= span[1]

        listed = {k for k, spans in self.sharing.items() if any(live(s) for s in spans)}
        catalogue = {code for code, span in self.types.items() if live(span)}
        items = {item for _, _, item in listed}
        stored = Counter(s.type_code for s in self.licenses.values() if s.at < hi)
        return Statistics(
            since=since,
            until=until,
            uses=len(used),
            refused=sum(refused.values()),
            uses_by_department=dict(Counter(r.user for r in used)),
            uses_by_item=dict(Counter(r.service_item for r in used)),
            uses_by_type=dict(Counter(r.type_code for r in used)),
            refused_by_code=dict(refused),
            items_listed=len(items),
            items_used=len(items & {r.service_item for r in used}),
            types_defined=len(catalogue),
            types_opened=len(catalogue & {code for code, _, _ in listed}),
            stored=sum(stored.values()),
            stored_by_type=dict(stored),
        )


def replay(notifications: Iterable[Any]) -> Replay:
    """Fold every event of ``notifications`` (``Ledger.notifications()``: objects with
    ``id``, ``topic`` and ``state``) into a :class:`Replay`."""
    r = Replay()
    for n in notifications:
        r.apply(n.id, n.topic, bytes(n.state))
    return r
