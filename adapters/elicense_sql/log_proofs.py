"""Checkpoints, status lists and proofs from the SQL log (the library's ``LogSource``).

:class:`SqlLog` wraps a :class:`~elicense_sql.log_store.SqlLogStore` with what
the platform publishes. It signs checkpoints — and builds and signs the status
lists of each — inside one transaction that holds the follower's tracking row,
so a checkpoint and its lists describe exactly the same tree. It makes
inclusion and consistency proofs from stored nodes in O(log n) reads, and hands
exported documents their :class:`~elicense.log.evidence.LogEvidence`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from elicense.codec import canonical, decode_canonical, utc_now
from elicense.errors import ProofError
from elicense.log.audit import AuditReport, audit
from elicense.log.checkpoint import (
    Checkpoint,
    CheckpointVerifier,
    SignedCheckpoint,
    decode_signed_checkpoint,
    sign_checkpoint,
)
from elicense.log.evidence import LogEvidence, LogTrustMaterial, StatusRef
from elicense.log.statusdoc import (
    ListKind,
    SignedStatusList,
    StatusListDocument,
    build_status_lists,
    sign_status_list,
)
from elicense.log.statuslist import SlotMap, capacity_for
from elicense.merkle import verify_inclusion
from elicense.merkle_nodes import inclusion_plan, stored_consistency_proof, stored_inclusion_proof
from elicense_sql.connection import Dialect, SqlStore
from elicense_sql.events import EventTable
from elicense_sql.log_store import SqlLogStore

__all__ = ["SqlLog"]


class _Latest:
    """The newest checkpoint, decoded, with the IETF list's id and slot map."""

    __slots__ = ("checkpoint", "list_id", "signed", "slots")

    def __init__(
        self, signed: SignedCheckpoint, list_id: str | None, slots: SlotMap | None
    ) -> None:
        self.signed = signed
        self.checkpoint = signed.decoded()
        self.list_id = list_id
        self.slots = slots


class SqlLog:
    """The published side of the SQL log: checkpoints, status lists, proofs, evidence.

    Implements :class:`~elicense.log.evidence.LogSource`.

    Args:
        store: the log's tables.
        origin: the ledger's origin (checkpoints name it).
    """

    def __init__(self, store: SqlLogStore, origin: str) -> None:
        self.store = store
        self.origin = origin
        self._latest: _Latest | None = None

    @classmethod
    def existing(cls, dsn: str, origin: str) -> SqlLog | None:
        """The log in the ledger database at ``dsn``, or ``None`` when it has none (no
        table is created then); close it with ``log.store.close()``."""
        sql = SqlStore(dsn)
        try:
            if sql.dialect is Dialect.POSTGRESQL:
                found = sql.query(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = ? "
                    "AND table_name = 'elicense_log_state'",
                    (sql.schema,),
                )
            else:
                found = sql.query(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                    "AND name = 'elicense_log_state'"
                )
        except BaseException:
            sql.close()
            raise
        if not found:
            sql.close()
            return None
        return cls(SqlLogStore(sql), origin)

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint(self, signer: Any, *, now: datetime | None = None) -> SignedCheckpoint:
        """Sign a checkpoint of the log as it is, with its three status lists.

        The tree size, the root and the statuses are read while holding the
        tracking row the follower writes, so they describe one and the same tree.
        """
        sql = self.store.sql
        now = now or utc_now()
        with sql.transaction():
            _, size = self.store.state(lock=True)
            cp = Checkpoint(
                origin=self.origin,
                tree_size=size,
                root_hash=self.store.frontier(size).root(),
                timestamp=now,
                hash_alg=self.store.algorithm.name,
            )
            signed = sign_checkpoint(cp, signer)
            list_no, slots = self._slot_map(size)
            lists = build_status_lists(
                checkpoint=cp,
                list_id=f"{self.origin}/status/{list_no}",
                slots=slots,
                heads=self.store.heads(size),
                issued_at=now,
            )
            sql.execute(
                "INSERT INTO elicense_log_checkpoints (tree_size, signed) VALUES (?, ?) "
                "ON CONFLICT (tree_size) DO UPDATE SET signed = excluded.signed",
                (size, canonical(signed)),
            )
            sql.execute("DELETE FROM elicense_log_status_lists WHERE tree_size = ?", (size,))
            sql.executemany(
                "INSERT INTO elicense_log_status_lists (tree_size, kind, signed) VALUES (?, ?, ?)",
                [(size, d.kind.value, canonical(sign_status_list(d, signer))) for d in lists],
            )
        self._latest = None
        return signed

    def _slot_map(self, size: int) -> tuple[int, SlotMap]:
        """The newest list's slot map, or a new random one when the log has outgrown it."""
        rows = self.store.sql.query(
            "SELECT list_no, size, a, b FROM elicense_log_status_maps ORDER BY list_no DESC LIMIT 1"
        )
        if rows and int(rows[0][1]) >= size:
            no, n, a, b = (int(v) for v in rows[0])
            return no, SlotMap(size=n, a=a, b=b)
        no = int(rows[0][0]) + 1 if rows else 1
        slots = SlotMap.draw(capacity_for(size), random.SystemRandom())
        self.store.sql.execute(
            "INSERT INTO elicense_log_status_maps (list_no, size, a, b) VALUES (?, ?, ?, ?)",
            (no, slots.size, slots.a, slots.b),
        )
        return no, slots

    def signed_checkpoints(self) -> list[SignedCheckpoint]:
        """Every stored signed checkpoint, oldest first."""
        return [
            decode_signed_checkpoint(bytes(data))
            for (data,) in self.store.sql.query(
                "SELECT signed FROM elicense_log_checkpoints ORDER BY tree_size"
            )
        ]

    def latest(self) -> SignedCheckpoint | None:
        """The newest stored signed checkpoint, if any."""
        found = self._newest()
        return found.signed if found is not None else None

    def _newest(self) -> _Latest | None:
        if self._latest is None:
            rows = self.store.sql.query(
                "SELECT tree_size, signed FROM elicense_log_checkpoints "
                "ORDER BY tree_size DESC LIMIT 1"
            )
            if not rows:
                return None
            list_id, slots = None, None
            for sl in self.status_lists(int(rows[0][0])):
                doc = decode_canonical(sl.status_list, StatusListDocument, what="status list")
                if doc.kind is ListKind.IETF:
                    list_id, slots = doc.list_id, doc.slots
            self._latest = _Latest(decode_signed_checkpoint(bytes(rows[0][1])), list_id, slots)
        return self._latest

    def status_lists(self, tree_size: int) -> tuple[SignedStatusList, ...]:
        """The signed status lists of the checkpoint of ``tree_size``, IETF first."""
        order = {k.value: n for n, k in enumerate(ListKind)}
        rows = sorted(
            self.store.sql.query(
                "SELECT kind, signed FROM elicense_log_status_lists WHERE tree_size = ?",
                (tree_size,),
            ),
            key=lambda r: order.get(r[0], len(order)),
        )
        return tuple(
            decode_canonical(bytes(r[1]), SignedStatusList, what="status list") for r in rows
        )

    # -- proofs ------------------------------------------------------------------------------

    def inclusion_proof(self, leaf_index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 inclusion proof of a leaf in the tree of ``tree_size``, from stored nodes."""
        return stored_inclusion_proof(
            self.store, leaf_index, tree_size, algorithm=self.store.algorithm
        )

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 consistency proof between two sizes, from stored nodes."""
        return stored_consistency_proof(self.store, size1, size2, algorithm=self.store.algorithm)

    # -- LogSource ---------------------------------------------------------------------------

    def evidence(self, position: int) -> LogEvidence | None:
        """Evidence for the record at ``position`` against the newest checkpoint
        (``None`` when no checkpoint covers it yet), its proof checked against the
        checkpoint's root from the leaf the log holds.

        Raises:
            ProofError: ``log.unavailable`` or ``log.proof.invalid``: the log's tables are
                damaged on this leaf's path.
        """
        latest = self._newest()
        if latest is None:
            return None
        size = latest.checkpoint.tree_size
        leaf = self.store.leaf_at(position)
        if leaf is None or leaf >= size:
            return None
        status = None
        if latest.list_id is not None and latest.slots is not None:
            status = StatusRef(list=latest.list_id, index=latest.slots.slot(leaf))
        return LogEvidence(
            leaf_index=leaf,
            proof=b"".join(self._checked_proof(position, leaf, latest.checkpoint)),
            checkpoint=latest.signed,
            status=status,
        )

    def _checked_proof(self, position: int, leaf: int, cp: Checkpoint) -> list[bytes]:
        """The inclusion proof of ``leaf``, only once it leads from the logged leaf hash to
        the checkpoint's signed root: damaged node rows never leave as a proof.

        Raises:
            ProofError: ``log.unavailable`` (nodes the proof needs are missing) or
                ``log.proof.invalid`` (they are there but do not lead to the root).
        """
        algorithm, size = self.store.algorithm, cp.tree_size
        plan = inclusion_plan(leaf, size)
        nodes = self.store.get_nodes([*plan.node_ids, (0, leaf)])
        try:
            proof = plan.assemble(nodes, algorithm=algorithm)
            logged = nodes[(0, leaf)]
        except (ProofError, KeyError):
            raise ProofError(
                f"the log cannot prove position {position} (leaf {leaf}) in its checkpoint of "
                f"size {size}: nodes it needs are missing from its tables (see `elicense log "
                "audit`)",
                code="log.unavailable",
            ) from None
        try:
            verify_inclusion(logged, leaf, size, proof, cp.root_hash, algorithm=algorithm)
        except ProofError:
            raise ProofError(
                f"the log's stored nodes do not lead from leaf {leaf} (position {position}) to "
                f"the root of its signed checkpoint of size {size}: its tables are damaged (see "
                "`elicense log audit`)",
                code="log.proof.invalid",
            ) from None
        return proof

    def trust_material(self) -> LogTrustMaterial | None:
        """The newest checkpoint and its status lists, for a trust bundle or an online
        verifier: a checkpoint signed since (by another process too) is picked up."""
        latest = self._newest()
        if latest is not None:
            (size,) = self.store.sql.query("SELECT max(tree_size) FROM elicense_log_checkpoints")[0]
            if int(size) != latest.checkpoint.tree_size:
                self._latest = None
                latest = self._newest()
        if latest is None:
            return None
        return LogTrustMaterial(
            checkpoint=latest.signed,
            status_lists=self.status_lists(latest.checkpoint.tree_size),
        )

    def later_records(self, aggregate_id: str, after: int, size: int) -> list[tuple[int, int]]:
        """See :class:`~elicense.log.evidence.LogSource`."""
        from uuid import UUID

        return self.store.later_records(UUID(aggregate_id).bytes, after, size)

    # -- audit -------------------------------------------------------------------------------

    def audit(
        self,
        platform_key: Callable[[str], Any],
        *,
        since: SignedCheckpoint | None = None,
        events: EventTable | None = None,
    ) -> AuditReport:
        """Audit the log against the event store and every signed checkpoint
        (see :mod:`elicense.log.audit`).

        Args:
            platform_key: the platform's public key by key id (checkpoints are checked
                with it).
            since: an older signed checkpoint kept outside the database.
            events: the event table (default: the ledger's, on the log's connection).
        """
        with self.store.sql.snapshot():  # one state of every table, even with a follower
            return audit(
                (events or EventTable(self.store.sql)).rows(),
                self.store.leaves(),
                self.signed_checkpoints(),
                verifier=CheckpointVerifier(platform_key, self.origin),
                since=since,
                consistency=self.consistency_proof,
                algorithm=self.store.algorithm,
                nodes=_StoredNodes(self.store.sql),
            )


class _StoredNodes:
    """The interior chunks of ``elicense_log_nodes`` as the audit reads them
    (:class:`~elicense.log.audit_nodes.StoredNodes`): key ``level·2^40 + chunk``."""

    def __init__(self, sql: SqlStore) -> None:
        self.sql = sql

    def node_levels(self) -> list[int]:
        """Levels ≥ 1 with stored chunks: one index probe per level."""
        levels: list[int] = []
        key = 1 << _LEVEL
        while True:
            (found,) = self.sql.query(
                "SELECT min(id) FROM elicense_log_nodes WHERE id >= ?", (key,)
            )[0]
            if found is None:
                return levels
            levels.append(int(found) >> _LEVEL)
            key = (levels[-1] + 1) << _LEVEL

    def node_chunks(self, level: int) -> Iterator[tuple[int, bytes]]:
        """``(chunk, hashes)`` of ``level`` in chunk order, read 200 rows at a time."""
        start, end = level << _LEVEL, (level + 1) << _LEVEL
        while True:
            rows = self.sql.query(
                "SELECT id, hashes FROM elicense_log_nodes WHERE id >= ? AND id < ? "
                "ORDER BY id LIMIT 200",
                (start, end),
            )
            for key, data in rows:
                yield int(key) - (level << _LEVEL), bytes(data)
            if len(rows) < 200:
                return
            start = int(rows[-1][0]) + 1


_LEVEL = 40  # node keys: level << 40 | chunk
