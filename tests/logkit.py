"""Shared helpers of the transparency-log tests (not a test module).

- :func:`build_ledger`: a small real ledger — a demo city's seals and types,
  licenses with every lifecycle act — on any DSN;
- :class:`MemoryLog`: an in-memory :class:`~elicense.log.evidence.LogSource`
  (the SQL log store's fake), so library tests need no database;
- :func:`bundle_for`: a platform-signed trust bundle carrying a log's material.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from elicense import acts, wire
from elicense.codec import utc_now
from elicense.ledger.application import Ledger
from elicense.ledger.export import sign_bundle, trust_bundle
from elicense.lifecycle import RevocationReason
from elicense.log.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from elicense.log.evidence import LogEvidence, LogTrustMaterial, StatusRef
from elicense.log.heads import HEAD_STATUS
from elicense.log.statusdoc import build_status_lists, sign_status_list
from elicense.log.statuslist import SlotMap, capacity_for
from elicense.merkle import SHA256
from elicense.merkle_nodes import Frontier, MemoryNodeStore, stored_inclusion_proof
from elicense_demo.scenario import LICENSE_TYPES, City

__all__ = ["KINDS", "MemoryLog", "build_ledger", "bundle_for"]

KINDS = ("plain", "suspended", "revoked", "amended", "reinstated", "renewed")
"""The licenses :func:`build_ledger` makes, by what happened to them."""


def build_ledger(city: City, dsn: str, *, extra: int = 4) -> tuple[Ledger, dict[str, str]]:
    """A ledger at ``dsn`` with one license per :data:`KINDS` and ``extra`` plain ones.

    Returns the ledger and each kind's current identifier.
    """
    ledger = Ledger(dsn)
    ledger.establish(origin=city.origin, name="test", signer=city.platform_key)
    ledger.submit_many(city.founding())
    spec = LICENSE_TYPES[1]  # five years' validity: expiry is testable
    issued = list(city.issuances(len(KINDS) + extra, (spec,), 0))
    ledger.submit_many([s for _, _, s in issued])
    ids = {
        kind: str(city.license_id(spec, n)) for kind, (_, n, _) in zip(KINDS, issued, strict=False)
    }
    d = city.departments[spec.department].signatory
    later = [
        d.sign(acts.SuspendLicense, subject=ids["suspended"], expected_version=1, reason="整改"),
        d.sign(
            acts.RevokeLicense,
            subject=ids["revoked"],
            expected_version=1,
            reason_code=RevocationReason.REVOKED,
            reason="吊销",
        ),
        d.sign(
            acts.AmendLicense,
            subject=ids["amended"],
            expected_version=1,
            **city.binding(spec),
            changes={"category": "变更"},
            reason="变更",
        ),
        d.sign(acts.SuspendLicense, subject=ids["reinstated"], expected_version=1, reason="暂扣"),
        d.sign(
            acts.RenewLicense,
            subject=ids["renewed"],
            expected_version=1,
            valid_until=date(2045, 12, 31),
            reason="延续",
        ),
    ]
    ledger.submit_many(later)
    ledger.submit(
        d.sign(acts.ReinstateLicense, subject=ids["reinstated"], expected_version=2, reason="发还")
    )
    for kind in ("amended", "renewed"):
        ids[kind] = ledger.get_license(ids[kind]).identifier
    return ledger, ids


class MemoryLog:
    """The log of a ledger, in memory: leaves, nodes, checkpoints, status lists.

    Implements :class:`~elicense.log.evidence.LogSource` like the SQL log store.
    """

    def __init__(self, ledger: Ledger, signer: Any) -> None:
        self.ledger = ledger
        self.signer = signer
        self.store = MemoryNodeStore()
        self.frontier = Frontier()
        self.leaf_of: dict[int, int] = {}  # position -> leaf index
        self.kinds: list[tuple[Any, int, int]] = []  # (aggregate, version, status or -1)
        self.material: LogTrustMaterial | None = None
        self.slots: SlotMap | None = None
        self.list_id = f"{ledger.origin}/status/1"

    def follow(self) -> int:
        """Append every event not logged yet; return the tree size."""
        start = max(self.leaf_of, default=0) + 1
        for n in self.ledger.notifications(start):
            self.leaf_of[n.id] = self.frontier.size
            self.store.add(self.frontier.extend([SHA256.leaf(bytes(n.state))]))
            self.kinds.append((n.originator_id, n.originator_version, HEAD_STATUS.get(n.topic, -1)))
        return self.frontier.size

    def heads(self, size: int) -> list[tuple[int, int]]:
        """``(leaf, status)`` of every license's newest record among the first ``size``."""
        newest: dict[Any, tuple[int, int]] = {}
        for leaf, (aggregate, _, status) in enumerate(self.kinds[:size]):
            if status >= 0:
                newest[aggregate] = (leaf, status)
        return list(newest.values())

    def checkpoint(
        self, *, now: datetime | None = None, slots: SlotMap | None = None
    ) -> SignedCheckpoint:
        """Sign a checkpoint of the log as it is, with its status lists."""
        now = now or utc_now()
        size = self.frontier.size
        cp = Checkpoint(
            origin=self.ledger.origin,
            tree_size=size,
            root_hash=self.frontier.root(),
            timestamp=now,
            hash_alg="sha256",
        )
        signed = sign_checkpoint(cp, self.signer)
        if slots is not None or self.slots is None or self.slots.size < size:
            self.slots = slots or SlotMap(size=capacity_for(size), a=40_503, b=1_234)
        lists = build_status_lists(
            checkpoint=cp,
            list_id=self.list_id,
            slots=self.slots,
            heads=self.heads(size),
            issued_at=now,
        )
        self.material = LogTrustMaterial(
            checkpoint=signed,
            status_lists=tuple(sign_status_list(d, self.signer) for d in lists),
        )
        return signed

    def evidence(self, position: int) -> LogEvidence | None:
        """See :class:`~elicense.log.evidence.LogSource`."""
        if self.material is None:
            return None
        cp = self.material.checkpoint.decoded()
        leaf = self.leaf_of.get(position)
        if leaf is None or leaf >= cp.tree_size:
            return None
        assert self.slots is not None
        proof = stored_inclusion_proof(self.store, leaf, cp.tree_size)
        return LogEvidence(
            leaf_index=leaf,
            proof=b"".join(proof),
            checkpoint=self.material.checkpoint,
            status=StatusRef(list=self.list_id, index=self.slots.slot(leaf)),
        )

    def trust_material(self) -> LogTrustMaterial | None:
        """See :class:`~elicense.log.evidence.LogSource`."""
        return self.material

    def later_records(self, aggregate_id: str, after: int, size: int) -> list[tuple[int, int]]:
        """See :class:`~elicense.log.evidence.LogSource`."""
        return [
            (leaf, version)
            for leaf, (aggregate, version, _) in enumerate(self.kinds[:size])
            if leaf > after and str(aggregate) == aggregate_id
        ]


def bundle_for(ledger: Ledger, log: Any, signer: Any) -> bytes:
    """The platform-signed trust bundle of ``ledger`` with ``log``'s checkpoint and lists."""
    return sign_bundle(trust_bundle(ledger, log), signer)


def fill_events(dsn: str, count: int, *, seed: int = 1) -> None:
    """Write ``count`` synthetic events (one license each) straight into the event table."""
    import random
    import uuid

    from elicense_sql.connection import Dialect, SqlStore
    from elicense_sql.events import EventTable

    Ledger(dsn).close()  # creates the event table
    rng = random.Random(seed)
    with SqlStore(dsn) as store:
        table = EventTable(store)
        postgres = store.dialect is Dialect.POSTGRESQL
        rows = []
        for _ in range(count):
            ident = uuid.UUID(int=rng.getrandbits(128))
            state = rng.randbytes(rng.randrange(200, 1200))
            rows.append((ident if postgres else ident.hex, 1, _ISSUED, state))
        with store.transaction():
            store.executemany(
                f"INSERT INTO {table.table} (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )


_ISSUED = wire.LICENSE_ISSUED


class Tamper:
    """Changes the event table behind the ledger's back, as someone with database access."""

    def __init__(self, dsn: str) -> None:
        from elicense_sql.connection import SqlStore
        from elicense_sql.events import EventTable

        self.store = SqlStore(dsn)
        self.table = EventTable(self.store)
        self.t, self.id = self.table.table, self.table.id

    def row(self, position: int) -> tuple[Any, ...]:
        """``(originator_id, version, topic, state)`` at ``position``."""
        return tuple(
            self.store.query(
                f"SELECT originator_id, originator_version, topic, state FROM {self.t} "
                f"WHERE {self.id} = ?",
                (position,),
            )[0]
        )

    def flip_state_byte(self, position: int, at: int = 40) -> None:
        """Change one byte of the stored record."""
        state = bytes(self.row(position)[3])
        changed = state[:at] + bytes([state[at] ^ 0x01]) + state[at + 1 :]
        self.store.execute(
            f"UPDATE {self.t} SET state = ? WHERE {self.id} = ?", (changed, position)
        )

    def set_column(self, position: int, column: str, value: Any) -> None:
        """Change one column (``topic``, ``originator_version`` …) of a row."""
        self.store.execute(
            f"UPDATE {self.t} SET {column} = ? WHERE {self.id} = ?", (value, position)
        )

    def delete(self, position: int) -> None:
        """Delete the event at ``position``."""
        self.store.execute(f"DELETE FROM {self.t} WHERE {self.id} = ?", (position,))

    def swap(self, p: int, q: int) -> None:
        """Swap the events at two positions, every column of them."""
        a, b = self.row(p), self.row(q)
        with self.store.transaction():
            self.set_column(p, "originator_version", -1)
            for position, (ident, version, topic, state) in ((q, a), (p, b)):
                self.store.execute(
                    f"UPDATE {self.t} SET originator_id = ?, originator_version = ?, topic = ?, "
                    f"state = ? WHERE {self.id} = ?",
                    (ident, version, topic, state, position),
                )

    def close(self) -> None:
        """Close the connection."""
        self.store.close()
