"""The transparency log's tables, next to the event store (SQLite and PostgreSQL).

============================  ==================================================
table                         rows
============================  ==================================================
``elicense_log_nodes``        Merkle nodes in chunks of 256 of one level: key
                              ``level·2^40 + index // 256``, the hashes
                              concatenated (level 0: the leaf hashes)
``elicense_log_leaf_meta``    per chunk of 256 leaves: each leaf's position
                              (notification id), aggregate id, version, and
                              its status kind (a license event's status after
                              it; 255 for other events)
``elicense_log_state``        the follower's tracking: last position, tree size
``elicense_log_checkpoints``  signed checkpoints, by tree size
``elicense_log_status_maps``  each status list's size and slot map
``elicense_log_status_lists`` the signed lists of each checkpoint
============================  ==================================================

Node ``(level, index)`` is the perfect subtree of :mod:`elicense.merkle_nodes`;
nodes are write-once, so a chunk only ever grows and a proof for any past
size is O(log n) row reads — nothing is rebuilt. Chunks, rather than a row
per node, because a page of 1,000 leaves then writes about thirty rows instead
of two thousand: appending is bound by hashing, not by the database. A page —
leaves, nodes, meta, tracking — is one transaction (:meth:`SqlLogStore.append`),
so a follower killed anywhere resumes exactly where the last commit left it.
Checkpoints, status lists and proofs: :mod:`elicense_sql.log_proofs`.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from elicense.errors import ConflictError, StorageError
from elicense.ledger.storage import ddl_lock_key
from elicense.log.audit import LoggedLeaf
from elicense.merkle import SHA256, HashAlgorithm, hash_algorithm
from elicense.merkle_nodes import Frontier, NodeId, frontier_ids
from elicense_sql.connection import Dialect, SqlStore

__all__ = ["CHUNK", "NOT_LICENSE", "LeafColumns", "SqlLogStore", "chunk_key"]

CHUNK_BITS = 8
CHUNK = 1 << CHUNK_BITS
"""Nodes (and leaves) per row."""
NOT_LICENSE = 255
"""Status kind of an event that is not a license's."""
_W = 32  # bytes per hash (SHA-256 and SM3 alike)

_TABLES = (
    "CREATE TABLE IF NOT EXISTS elicense_log_nodes (id INTEGER PRIMARY KEY, hashes BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS elicense_log_leaf_meta (chunk INTEGER PRIMARY KEY, "
    "positions BLOB NOT NULL, aggregates BLOB NOT NULL, versions BLOB NOT NULL, "
    "kinds BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS elicense_log_state (name TEXT PRIMARY KEY, "
    "position INTEGER NOT NULL, size INTEGER NOT NULL, hash_alg TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS elicense_log_checkpoints (tree_size INTEGER PRIMARY KEY, "
    "signed BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS elicense_log_status_maps (list_no INTEGER PRIMARY KEY, "
    "size INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS elicense_log_status_lists (tree_size INTEGER NOT NULL, "
    "kind TEXT NOT NULL, signed BLOB NOT NULL, PRIMARY KEY (tree_size, kind))",
)
_NODES = (
    "INSERT INTO elicense_log_nodes (id, hashes) VALUES (?, ?) "
    "ON CONFLICT (id) DO UPDATE SET hashes = excluded.hashes"
)
_META = (
    "INSERT INTO elicense_log_leaf_meta (chunk, positions, aggregates, versions, kinds) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chunk) DO UPDATE SET positions = excluded.positions, "
    "aggregates = excluded.aggregates, versions = excluded.versions, kinds = excluded.kinds"
)


class LeafColumns(NamedTuple):
    """What the log keeps of a page's events besides their leaf hashes, column by column."""

    positions: list[int]
    aggregates: list[bytes]  # 16 bytes each
    versions: list[int]
    kinds: bytes  # status after a license event (0 valid, 1 invalid, 2 suspended), else 255


def chunk_key(level: int, chunk: int) -> int:
    """The ``elicense_log_nodes`` key of chunk ``chunk`` of level ``level``."""
    return level << 40 | chunk


def _ints(values: Sequence[int]) -> bytes:
    a = array("q", values)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()


def _unints(data: bytes) -> array[int]:
    a = array("q")
    a.frombytes(data)
    if sys.byteorder == "big":
        a.byteswap()
    return a


class SqlLogStore:
    """The log's tables in the ledger's database.

    Args:
        store: a connection to the ledger's database (one per thread).
        name: the log's name (its tracking row).
        algorithm: the Merkle hash of a new log; an existing log keeps its own.
    """

    def __init__(
        self, store: SqlStore, *, name: str = "log", algorithm: HashAlgorithm = SHA256
    ) -> None:
        self.sql = store
        self.name = name
        self.postgres = store.dialect is Dialect.POSTGRESQL
        if not self.postgres:
            for ddl in _TABLES:
                store.execute(ddl)
        elif not self._tables_exist():
            # Concurrent CREATE TABLE IF NOT EXISTS collides in PostgreSQL's catalog: one
            # process at a time, under the lock the event store's creation takes too.
            with store.transaction():
                store.execute("SELECT pg_advisory_xact_lock(?)", (ddl_lock_key(store.schema),))
                for ddl in _TABLES:
                    store.execute(ddl.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA"))
        if not self.postgres:
            # The log is derived data: a commit lost to a power failure is redone from the
            # tracking row, lost with it. WAL keeps every commit atomic either way.
            store.execute("PRAGMA synchronous=NORMAL")
        store.execute(
            "INSERT INTO elicense_log_state (name, position, size, hash_alg) VALUES (?, 0, 0, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, algorithm.name),
        )
        self.algorithm = hash_algorithm(
            store.query("SELECT hash_alg FROM elicense_log_state WHERE name = ?", (name,))[0][0]
        )
        self._edge: dict[int, bytes] = {}  # chunk key -> committed contents of a partial chunk
        self._meta_edge: tuple[int, tuple[bytes, ...]] | None = None

    def _tables_exist(self) -> bool:
        names = [ddl.split()[5] for ddl in _TABLES]
        rows = self.sql.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
            f"AND table_name IN ({', '.join('?' * len(names))})",
            (self.sql.schema, *names),
        )
        return int(rows[0][0]) == len(names)

    @classmethod
    def open(cls, dsn: str, **kwargs: Any) -> SqlLogStore:
        """The log store of the ledger at ``dsn`` (tables created if missing)."""
        return cls(SqlStore(dsn), **kwargs)

    def close(self) -> None:
        """Close the connection."""
        self.sql.close()

    def __enter__(self) -> SqlLogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state -------------------------------------------------------------------------------

    def state(self, *, lock: bool = False) -> tuple[int, int]:
        """``(last logged position, tree size)``; ``lock`` holds the row (PostgreSQL)
        until the transaction ends, so no follower commits in between."""
        suffix = " FOR UPDATE" if lock and self.postgres else ""
        rows = self.sql.query(
            "SELECT position, size FROM elicense_log_state WHERE name = ?" + suffix, (self.name,)
        )
        return int(rows[0][0]), int(rows[0][1])

    def frontier(self, size: int | None = None) -> Frontier:
        """The :class:`~elicense.merkle_nodes.Frontier` at ``size`` (default: the whole log)."""
        if size is None:
            size = self.state()[1]
        ids = frontier_ids(size)
        nodes = self.get_nodes(ids)
        missing = [i for i in ids if i not in nodes]
        if missing:
            raise StorageError(f"the log's nodes {missing} are missing: its tables are damaged")
        return Frontier(algorithm=self.algorithm, size=size, hashes=[nodes[i] for i in ids])

    # -- writing -----------------------------------------------------------------------------

    def append(
        self,
        *,
        expected: tuple[int, int],
        leaves: LeafColumns,
        nodes: Sequence[tuple[int, int, bytes]],
        position: int,
        size: int,
    ) -> None:
        """Write one page — nodes (leaf hashes at level 0), leaf meta, tracking — in one
        transaction.

        Args:
            expected: the ``(position, size)`` the page continues from.
            leaves: the page's events, for leaves ``expected[1]`` on.
            nodes: ``(level, index, hash)`` of every node the page completes, leaves
                included (:meth:`~elicense.merkle_nodes.Frontier.extend`).
            position, size: the tracking row after the page.

        Raises:
            ConflictError: another follower moved the log since ``expected``; nothing written.
        """
        try:
            with self.sql.transaction():
                found = self.state(lock=True)
                if found != expected:
                    raise ConflictError(
                        f"the log moved to position {found[0]} (size {found[1]}) while this "
                        f"follower expected {expected[0]}: another follower is running",
                        code="log.follower.conflict",
                    )
                node_rows = self._node_rows(nodes)
                meta_rows = self._meta_rows(expected[1], leaves)
                self.sql.executemany(_NODES, node_rows)
                self.sql.executemany(_META, meta_rows)
                self.sql.execute(
                    "UPDATE elicense_log_state SET position = ?, size = ? WHERE name = ?",
                    (position, size, self.name),
                )
        except BaseException:
            self._edge.clear()
            self._meta_edge = None
            raise
        # committed: the last chunk of each group is the new edge
        for key, data in node_rows:
            if len(data) < CHUNK * _W:
                self._edge[key] = data
            else:
                self._edge.pop(key, None)
        chunk, *columns = meta_rows[-1]
        self._meta_edge = (chunk, tuple(columns)) if len(columns[3]) < CHUNK else None

    def _node_rows(self, nodes: Sequence[tuple[int, int, bytes]]) -> list[tuple[int, bytes]]:
        """Each chunk the page touches, once, with its stored part and the new nodes.

        :meth:`~elicense.merkle_nodes.Frontier.extend` makes each level's nodes in
        index order, so a chunk's new nodes arrive consecutive and in order.
        """
        buckets: dict[int, list[bytes]] = {}
        firsts: dict[int, int] = {}
        for level, index, h in nodes:
            key = level << 40 | index >> CHUNK_BITS
            got = buckets.get(key)
            if got is None:
                buckets[key] = [h]
                firsts[key] = index
            else:
                got.append(h)
        rows = []
        for key, hashes in buckets.items():
            offset = firsts[key] & (CHUNK - 1)
            base = self._stored_chunk(key) if offset else b""
            if len(base) != offset * _W or offset + len(hashes) > CHUNK:
                raise StorageError(
                    f"node chunk {key >> 40}/{key & ((1 << 40) - 1)} holds {len(base) // _W} "
                    f"nodes, the page continues at {offset}"
                )
            rows.append((key, base + b"".join(hashes)))
        return rows

    def _stored_chunk(self, key: int) -> bytes:
        found = self._edge.get(key)
        if found is not None:
            return found
        rows = self.sql.query("SELECT hashes FROM elicense_log_nodes WHERE id = ?", (key,))
        return bytes(rows[0][0]) if rows else b""

    def _meta_rows(self, first: int, leaves: LeafColumns) -> list[tuple[Any, ...]]:
        """Each leaf-meta chunk the page touches, once, stored part and new leaves."""
        rows: list[tuple[Any, ...]] = []
        start, index, count = 0, first, len(leaves.kinds)
        while start < count:
            chunk, offset = divmod(index, CHUNK)
            end = min(count, start + CHUNK - offset)
            base = self._stored_meta(chunk) if offset else (b"", b"", b"", b"")
            if len(base[3]) != offset:
                raise StorageError(
                    f"leaf chunk {chunk} holds {len(base[3])} leaves, the page continues at "
                    f"{offset}"
                )
            rows.append(
                (
                    chunk,
                    base[0] + _ints(leaves.positions[start:end]),
                    base[1] + b"".join(leaves.aggregates[start:end]),
                    base[2] + _ints(leaves.versions[start:end]),
                    base[3] + leaves.kinds[start:end],
                )
            )
            index += end - start
            start = end
        return rows

    def _stored_meta(self, chunk: int) -> tuple[bytes, bytes, bytes, bytes]:
        if self._meta_edge is not None and self._meta_edge[0] == chunk:
            return self._meta_edge[1]  # type: ignore[return-value]
        rows = self.sql.query(
            "SELECT positions, aggregates, versions, kinds FROM elicense_log_leaf_meta "
            "WHERE chunk = ?",
            (chunk,),
        )
        if not rows:
            return b"", b"", b"", b""
        return bytes(rows[0][0]), bytes(rows[0][1]), bytes(rows[0][2]), bytes(rows[0][3])

    # -- reading -----------------------------------------------------------------------------

    def get_nodes(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        """Hashes of the stored nodes among ``ids`` (a ``NodeStore``), in one query.

        PostgreSQL cuts each node out of its chunk (32 bytes a node cross the wire);
        SQLite, in process, hands over the chunks and Python slices them.
        """
        wanted = list(dict.fromkeys(ids))
        places = [(chunk_key(lv, i >> CHUNK_BITS), (i & (CHUNK - 1)) * _W) for lv, i in wanted]
        out: dict[NodeId, bytes] = {}
        if self.postgres:
            rows = self.sql.query(
                "SELECT q.k, substr(n.hashes, q.o, 32) FROM unnest(?::bigint[], ?::bigint[], "
                "?::int[]) AS q(k, id, o) JOIN elicense_log_nodes n ON n.id = q.id",
                (list(range(len(wanted))), [p[0] for p in places], [p[1] + 1 for p in places]),
            )
            for k, data in rows:
                if len(data) == _W:
                    out[wanted[k]] = bytes(data)
            return out
        chunks: dict[int, bytes] = {}
        keys = list(dict.fromkeys(p[0] for p in places))
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            for key, data in self.sql.query(
                f"SELECT id, hashes FROM elicense_log_nodes WHERE id IN ({marks})", part
            ):
                chunks[int(key)] = bytes(data)
        for node, (key, at) in zip(wanted, places, strict=True):
            data = chunks.get(key, b"")
            if at + _W <= len(data):
                out[node] = data[at : at + _W]
        return out

    def leaf_at(self, position: int) -> int | None:
        """The leaf index of the event at ``position``, if logged.

        Leaf ``i`` holds a position of at least ``i + 1`` and the log has skipped
        ``last position − size`` ids in all, so the leaf lies in a window that wide
        (one leaf on SQLite, whose ids have no gaps).
        """
        last, size = self.state()
        if not 0 < position <= last:
            return None
        low, high = max(0, position - 1 - (last - size)), min(position - 1, size - 1)
        for chunk, positions in self.sql.query(
            "SELECT chunk, positions FROM elicense_log_leaf_meta WHERE chunk BETWEEN ? AND ? "
            "ORDER BY chunk",
            (low >> CHUNK_BITS, high >> CHUNK_BITS),
        ):
            values = _unints(bytes(positions))
            if values and values[0] <= position <= values[-1]:
                from bisect import bisect_left

                k = bisect_left(values, position)
                if k < len(values) and values[k] == position:
                    return int(chunk) * CHUNK + k
        return None

    def meta_chunks(
        self, *, with_hashes: bool = False, start: int = 0
    ) -> Iterator[tuple[int, tuple[bytes, ...]]]:
        """Every leaf-meta chunk from chunk ``start`` on, in order: ``(chunk, (positions,
        aggregates, versions, kinds[, leaf hashes]))``, read a few hundred at a time."""
        join = "LEFT JOIN elicense_log_nodes n ON n.id = m.chunk" if with_hashes else ""
        cols = ", n.hashes" if with_hashes else ""
        while True:
            rows = self.sql.query(
                f"SELECT m.chunk, m.positions, m.aggregates, m.versions, m.kinds{cols} "
                f"FROM elicense_log_leaf_meta m {join} WHERE m.chunk >= ? ORDER BY m.chunk "
                "LIMIT 200",
                (start,),
            )
            for chunk, *columns in rows:
                yield int(chunk), tuple(bytes(c or b"") for c in columns)
            if len(rows) < 200:
                return
            start = int(rows[-1][0]) + 1

    def leaves(self) -> Iterator[LoggedLeaf]:
        """Every leaf in order, with what was logged of it (for the audit)."""
        from uuid import UUID

        for chunk, (positions, aggregates, _, _, hashes) in self.meta_chunks(with_hashes=True):
            values = _unints(positions)
            for k, position in enumerate(values):
                yield LoggedLeaf(
                    chunk * CHUNK + k,
                    position,
                    str(UUID(bytes=aggregates[16 * k : 16 * k + 16])),
                    hashes[_W * k : _W * k + _W],
                )

    def later_records(self, aggregate: bytes, after: int, size: int) -> list[tuple[int, int]]:
        """``(leaf, version)`` of the leaves of ``aggregate`` (16 bytes) in ``(after, size)``:
        a scan of the leaf meta from ``after`` on (only a failing verification asks)."""
        found = []
        for chunk, (_, aggregates, versions, _) in self.meta_chunks(start=after >> CHUNK_BITS):
            if chunk * CHUNK >= size:
                break
            at = aggregates.find(aggregate)
            numbers = _unints(versions) if at != -1 else None
            while at != -1:
                leaf = chunk * CHUNK + at // 16
                if numbers is not None and at % 16 == 0 and after < leaf < size:
                    found.append((leaf, numbers[at // 16]))
                at = aggregates.find(aggregate, at + 1)
        return found

    def heads(self, size: int) -> list[tuple[int, int]]:
        """``(leaf index, status)`` of the newest record of every license among the first
        ``size`` leaves: two passes over the leaf meta, no per-license table."""
        superseded: set[bytes] = set()
        for chunk, (_, aggregates, versions, kinds) in self.meta_chunks():
            for k, version in enumerate(_unints(versions)):
                if kinds[k] != NOT_LICENSE and version > 1 and chunk * CHUNK + k < size:
                    superseded.add(
                        aggregates[16 * k : 16 * k + 16] + (version - 1).to_bytes(8, "big")
                    )
        heads = []
        for chunk, (_, aggregates, versions, kinds) in self.meta_chunks():
            for k, version in enumerate(_unints(versions)):
                leaf = chunk * CHUNK + k
                if kinds[k] == NOT_LICENSE or leaf >= size:
                    continue
                if aggregates[16 * k : 16 * k + 16] + version.to_bytes(8, "big") not in superseded:
                    heads.append((leaf, kinds[k]))
        return heads
