"""Stored nodes of the transparency log: addressing, frontier and proof plans.

The pure half of the log's storage (no I/O): what a storage layer needs to
append leaves and to answer RFC 9162 proofs in O(log n) node reads without
rebuilding the tree. Hashing and verification live in :mod:`elicense.merkle`.

**Node addressing** (the storage layer's keys). Node ``(level, index)`` is the
root of the perfect subtree over leaves ``[index·2^level, (index+1)·2^level)``:
``(0, i)`` is leaf hash i, and ``(l, i) = node((l-1, 2i), (l-1, 2i+1))``. A node
exists once the tree holds ``(index+1)·2^level`` leaves and never changes
afterwards (a write-once row); a tree of n leaves has ``2n - popcount(n)`` of
them. Subtrees on the right border of a tree whose size is not a power of two
are not perfect and are never stored: a proof that needs one names the perfect
nodes under it, and :meth:`ProofPlan.assemble` hashes them together.

The flow:

1. keep a :class:`Frontier` (the perfect-subtree roots covering ``[0, size)``,
   O(log n) hashes); :meth:`Frontier.extend` returns the rows
   ``(level, index, hash)`` to insert with the batch;
2. :func:`inclusion_plan` / :func:`consistency_plan` name the O(log n) nodes a
   proof needs; fetch exactly those, then :meth:`ProofPlan.assemble`
   (or implement :class:`NodeStore` and call :func:`stored_inclusion_proof` …);
3. after a restart, ``Frontier(size=n, hashes=<nodes of frontier_ids(n)>)``
   resumes appending.

The node-id plans are checked against transparency-dev/merkle's published
vectors and the proofs against the RFC's recursion (tests/test_merkle.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol, TypeAlias

from elicense.errors import ProofError

# Validation and the split rule are shared with the RFC module on purpose: one
# definition of "a well-formed hash" and of where §2.1.1 splits a tree.
from elicense.merkle import SHA256, HashAlgorithm, _count, _require_hash, _require_proof, _split

__all__ = [
    "Frontier",
    "MemoryNodeStore",
    "NodeId",
    "NodeStore",
    "ProofPlan",
    "consistency_plan",
    "frontier_ids",
    "inclusion_plan",
    "stored_consistency_proof",
    "stored_inclusion_proof",
    "stored_root",
]

NodeId: TypeAlias = tuple[int, int]
"""``(level, index)``: the perfect subtree over leaves ``[index·2^level, (index+1)·2^level)``."""


def _cover(begin: int, end: int) -> tuple[NodeId, ...]:
    """Perfect subtrees covering [begin, end), largest first (begin aligned to the largest)."""
    ids = []
    width = end - begin
    while width:  # one subtree per set bit of the width
        level = width.bit_length() - 1
        ids.append((level, begin >> level))
        begin += 1 << level
        width -= 1 << level
    return tuple(ids)


def frontier_ids(size: int) -> tuple[NodeId, ...]:
    """Nodes of the :class:`Frontier` of a tree of ``size`` leaves, largest first."""
    return _cover(0, _count(size, "tree size"))


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """Which stored nodes a proof needs and how they combine.

    Attributes:
        groups: one group per proof hash, in proof order. A group of one node is
            that node's hash; a longer group (a right-border subtree that is not
            perfect, listed left to right) folds right to left:
            ``node(g0, node(g1, … g_last))``. The empty group is ``H()``.
    """

    groups: tuple[tuple[NodeId, ...], ...]

    @property
    def node_ids(self) -> tuple[NodeId, ...]:
        """The nodes to fetch, in proof order."""
        return tuple(chain.from_iterable(self.groups))

    def assemble(
        self, nodes: Mapping[NodeId, bytes], *, algorithm: HashAlgorithm = SHA256
    ) -> list[bytes]:
        """Proof hashes from the fetched ``nodes``.

        Raises:
            ProofError: a node is missing or has the wrong size.
        """
        size, proof = algorithm.digest_size, []
        for group in self.groups:
            r = b""
            for node_id in reversed(group):
                h = nodes.get(node_id)
                if type(h) is not bytes or len(h) != size:
                    if h is None:
                        raise ProofError(f"node {node_id} is needed but was not fetched")
                    _require_hash(h, algorithm, f"stored node {node_id}")
                r = algorithm.node(h, r) if r else h
            proof.append(r or algorithm.empty_root())
        return proof


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """The plan of PATH(index, D[size]) (RFC 9162 §2.1.3.1) over stored nodes.

    Raises:
        ProofError: ``index`` is not a leaf of a tree of ``size``.
    """
    if not 0 <= _count(index, "leaf index") < _count(size, "tree size"):
        raise ProofError(f"leaf index must be below the tree size {size}, found {index}")
    groups = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            groups.append(_cover(lo + k, hi))
            hi = lo + k
        else:
            groups.append(_cover(lo, lo + k))
            lo += k
    return ProofPlan(tuple(reversed(groups)))


def consistency_plan(size1: int, size2: int) -> ProofPlan:
    """The plan of PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1) over stored nodes.

    Empty when ``size1`` is 0 or ``size2``.

    Raises:
        ProofError: ``size1`` exceeds ``size2``.
    """
    if _count(size1, "first tree size") > _count(size2, "second tree size"):
        raise ProofError(f"first tree size must be at most the second, {size2}, found {size1}")
    groups = []
    lo, hi, complete = 0, size2, True
    while 0 < size1 < size2:
        if size1 == hi:  # SUBPROOF(m, D[m], b): the old tree's subtree itself, unless its root
            if not complete:
                groups.append(_cover(lo, hi))
            break
        k = _split(hi - lo)
        if size1 - lo <= k:
            groups.append(_cover(lo + k, hi))
            hi = lo + k
        else:
            groups.append(_cover(lo, lo + k))
            lo, complete = lo + k, False
    return ProofPlan(tuple(reversed(groups)))


class NodeStore(Protocol):
    """Read side of a node table keyed by ``(level, index)``."""

    def get_nodes(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        """Hashes of the nodes in ``ids`` that are stored; missing ones are left out."""
        ...


class MemoryNodeStore:
    """A dict of nodes keyed by ``(level, index)``: the in-memory twin of the SQL table."""

    def __init__(self) -> None:
        self.nodes: dict[NodeId, bytes] = {}

    def add(self, rows: Iterable[tuple[int, int, bytes]]) -> None:
        """Store ``(level, index, hash)`` rows; a node is written once, never changed.

        Raises:
            ProofError: a row would change a stored node.
        """
        nodes = self.nodes
        for level, index, h in rows:
            if nodes.setdefault((level, index), h) != h:
                raise ProofError(f"node {(level, index)} is already stored with another hash")

    def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """Hashes of the stored nodes among ``ids``."""
        nodes = self.nodes
        return {i: nodes[i] for i in ids if i in nodes}


def stored_inclusion_proof(
    store: NodeStore, index: int, size: int, *, algorithm: HashAlgorithm = SHA256
) -> list[bytes]:
    """Inclusion proof for leaf ``index`` of the tree of ``size``, from O(log n) nodes."""
    plan = inclusion_plan(index, size)
    return plan.assemble(store.get_nodes(plan.node_ids), algorithm=algorithm)


def stored_consistency_proof(
    store: NodeStore, size1: int, size2: int, *, algorithm: HashAlgorithm = SHA256
) -> list[bytes]:
    """Consistency proof from the tree of ``size1`` to that of ``size2``, from O(log n) nodes."""
    plan = consistency_plan(size1, size2)
    return plan.assemble(store.get_nodes(plan.node_ids), algorithm=algorithm)


def stored_root(store: NodeStore, size: int, *, algorithm: HashAlgorithm = SHA256) -> bytes:
    """Root of the tree of ``size`` leaves (any past size), from O(log n) nodes."""
    ids = frontier_ids(size)
    return ProofPlan((ids,)).assemble(store.get_nodes(ids), algorithm=algorithm)[0]


class Frontier:
    """The perfect-subtree roots covering ``[0, size)``: an append-only log's state.

    One hash per set bit of ``size``, largest subtree first (a transparency-dev
    compact range that starts at 0): appending costs amortised one node hash,
    :meth:`root` O(log n).
    """

    __slots__ = ("_algorithm", "_hashes", "_size")

    def __init__(
        self, *, algorithm: HashAlgorithm = SHA256, size: int = 0, hashes: Sequence[bytes] = ()
    ) -> None:
        """Start empty, or resume at ``size`` with the hashes of :func:`frontier_ids`.

        Raises:
            ProofError: ``hashes`` do not fit ``size``.
        """
        _require_proof(hashes, len(frontier_ids(size)), algorithm, f"frontier of size {size}")
        self._algorithm = algorithm
        self._size = size
        self._hashes = list(hashes)

    @property
    def algorithm(self) -> HashAlgorithm:
        """The tree's hash algorithm."""
        return self._algorithm

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Hashes of the nodes :func:`frontier_ids` names, largest subtree first."""
        return tuple(self._hashes)

    def copy(self) -> Frontier:
        """An independent copy: extend it, and keep it once the rows are committed."""
        return Frontier(algorithm=self._algorithm, size=self._size, hashes=self._hashes)

    def root(self) -> bytes:
        """Root of the tree (MTH, RFC 9162 §2.1.1), O(log n) hashes."""
        hashes, new = self._hashes, self._algorithm._new
        if not hashes:
            return self._algorithm.empty_root()
        r = hashes[-1]
        for i in range(len(hashes) - 2, -1, -1):
            r = new(b"\x01" + hashes[i] + r).digest()
        return r

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash without returning rows (for monitors that track roots only).

        Raises:
            ProofError: a leaf hash of the wrong size.
        """
        _require_hash(leaf_hash, self._algorithm, "leaf hash")
        hashes, new, h, s = self._hashes, self._algorithm._new, leaf_hash, self._size
        while s & 1:
            h = new(b"\x01" + hashes.pop() + h).digest()
            s >>= 1
        hashes.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append leaf hashes; return the nodes that became perfect, to store.

        Rows are ``(level, index, hash)`` in creation order, leaves (level 0)
        included. All or nothing: on error the frontier is unchanged.

        Raises:
            ProofError: a leaf hash of the wrong size.
        """
        rows: list[tuple[int, int, bytes]] = []
        row = rows.append
        stack = self._hashes[:]
        push, pop = stack.append, stack.pop
        new, digest_size, size = self._algorithm._new, self._algorithm.digest_size, self._size
        for h in leaf_hashes:
            if type(h) is not bytes or len(h) != digest_size:
                _require_hash(h, self._algorithm, f"leaf hash {size}")
            row((0, size, h))
            s, level = size, 0
            while s & 1:  # each trailing 1 bit of size closes a perfect subtree
                h = new(b"\x01" + pop() + h).digest()
                s >>= 1
                level += 1
                row((level, s, h))  # s == size >> level: the new node's index
            push(h)
            size += 1
        self._hashes, self._size = stack, size
        return rows
