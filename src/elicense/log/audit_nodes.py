"""Audit of the log's interior nodes: every stored node must hash from the leaves.

Inclusion and consistency proofs, ``elicense log prove`` and online
verification read the stored nodes of levels ≥ 1 (:mod:`elicense.merkle_nodes`),
never the leaves below them, so the audit holds every stored node against the
node the leaves give. Pure (no I/O): the caller hands over the stored chunks,
one level at a time, in index order (:class:`StoredNodes`); the audit feeds
:meth:`NodeCheck.node` each node its trees produce, in the order they produce
them (each level in index order).

A node is accepted when it equals the node of the tree over the log's leaf
rows, or of the tree over the events' own hashes where they differ from the
log's — so a changed event row or a changed leaf row is blamed where it is, not
on the nodes above it, and a changed interior node is named by itself.
Consecutive bad nodes of one chunk are reported as one problem; a chunk missing
or cut short, and nodes stored beyond the tree, are problems too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol

from elicense.merkle_nodes import Frontier

__all__ = ["NODE_SAYS", "Interior", "NodeCheck", "NodeProblem", "StoredNodes", "leaf_runs"]

CHUNK_BITS = 8
"""Nodes per stored chunk: ``2 ** CHUNK_BITS`` (the SQL store's layout)."""
_CHUNK = 1 << CHUNK_BITS


class StoredNodes(Protocol):
    """The log's stored interior nodes, as the audit reads them."""

    def node_levels(self) -> Sequence[int]:
        """The levels (≥ 1) that have stored chunks, ascending."""
        ...

    def node_chunks(self, level: int) -> Iterator[tuple[int, bytes]]:
        """``(chunk, hashes)`` of one level in chunk order: chunk ``c`` holds nodes
        ``c·256 …`` of the level, concatenated."""
        ...


class NodeProblem(NamedTuple):
    """Nodes ``first … first + span - 1`` of ``level`` are wrong (``kind``: ``changed``,
    ``missing`` or ``extra``)."""

    level: int
    first: int
    span: int
    kind: str


NODE_SAYS = {
    "changed": "do not hash from the leaves below: proofs through them fail",
    "missing": "are missing from the log's tables: proofs that need them cannot be made",
    "extra": "are stored beyond the log's tree",
    "leaf": "differ from their events, which still hash to every signed checkpoint",
}
"""What an ``audit.log.node`` finding says, by kind (``leaf``: a changed level-0 row)."""


def leaf_runs(indices: list[int], kind: str) -> list[NodeProblem]:
    """Consecutive leaf indices (level 0) as one problem per run."""
    out: list[NodeProblem] = []
    for i in indices:
        if out and out[-1].first + out[-1].span == i:
            out[-1] = out[-1]._replace(span=out[-1].span + 1)
        else:
            out.append(NodeProblem(0, i, 1, kind))
    return out


class _Level:
    """The stored chunks of one level, walked in step with the expected nodes."""

    def __init__(self, chunks: Iterator[tuple[int, bytes]]) -> None:
        self.chunks = chunks
        self.chunk = -1  # the chunk in hand
        self.data: bytes | None = None  # its stored bytes (None: not stored)
        self.expected = 0  # expected nodes of the chunk in hand so far
        self.ahead: tuple[int, bytes] | None = next(chunks, None)
        self.run: list[int] = []  # (index, count) of the bad run being built


class NodeCheck:
    """Holds the nodes the audit's trees produce against the stored ones.

    Args:
        stored: the stored nodes (one :meth:`StoredNodes.node_chunks` walk per level).
        width: bytes per hash.
    """

    def __init__(self, stored: StoredNodes, width: int) -> None:
        self.stored = stored
        self.width = width
        self.levels: dict[int, _Level] = {}
        self.problems: list[NodeProblem] = []
        self.checked = 0

    def node(self, level: int, index: int, expected: bytes, alternative: bytes | None) -> None:
        """Check stored node ``(level, index)`` against ``expected`` (or ``alternative``)."""
        lv = self.levels.get(level)
        if lv is None:
            lv = self.levels[level] = _Level(self.stored.node_chunks(level))
        chunk, at = index >> CHUNK_BITS, (index & (_CHUNK - 1)) * self.width
        if chunk != lv.chunk:
            self._close_chunk(level, lv)
            self._open_chunk(level, lv, chunk)
        lv.expected += 1
        self.checked += 1
        data = lv.data
        if data is None:
            return  # the whole chunk is reported missing when it closes
        found = data[at : at + self.width]
        if len(found) < self.width:
            return  # cut short: reported when the chunk closes
        if found == expected or (alternative is not None and found == alternative):
            self._end_run(level, lv)
        elif lv.run and lv.run[0] + lv.run[1] == index:
            lv.run[1] += 1
        else:
            self._end_run(level, lv)
            lv.run = [index, 1]

    def finish(self) -> list[NodeProblem]:
        """Close every level: chunks cut short or missing, and nodes stored beyond the tree."""
        for level, lv in self.levels.items():
            self._close_chunk(level, lv)
            self._open_chunk(level, lv, -1)  # report what is stored beyond the last chunk
        for level in self.stored.node_levels():
            if level not in self.levels:  # a level the tree does not reach
                for chunk, data in self.stored.node_chunks(level):
                    self._extra(level, chunk << CHUNK_BITS, len(data))
        return sorted(self.problems)

    def _open_chunk(self, level: int, lv: _Level, chunk: int) -> None:
        """Take chunk ``chunk`` in hand (-1: none), reporting stored chunks skipped over."""
        while lv.ahead is not None and (chunk < 0 or lv.ahead[0] < chunk):
            self._extra(level, lv.ahead[0] << CHUNK_BITS, len(lv.ahead[1]))
            lv.ahead = next(lv.chunks, None)
        lv.chunk, lv.expected, lv.data = chunk, 0, None
        if lv.ahead is not None and lv.ahead[0] == chunk:
            lv.data = lv.ahead[1]
            lv.ahead = next(lv.chunks, None)

    def _close_chunk(self, level: int, lv: _Level) -> None:
        """The chunk in hand is done: report its bad run, or it missing, short or long."""
        if lv.chunk < 0:
            return
        self._end_run(level, lv)
        first = lv.chunk << CHUNK_BITS
        if lv.data is None:
            self.problems.append(NodeProblem(level, first, lv.expected, "missing"))
            return
        stored = len(lv.data)
        want = lv.expected * self.width
        if stored < want:
            have = stored // self.width
            self.problems.append(NodeProblem(level, first + have, lv.expected - have, "missing"))
        elif stored > want:
            self._extra(level, first + lv.expected, stored - want)

    def _extra(self, level: int, index: int, size: int) -> None:
        self.problems.append(NodeProblem(level, index, -(-size // self.width), "extra"))

    def _end_run(self, level: int, lv: _Level) -> None:
        if lv.run:
            self.problems.append(NodeProblem(level, lv.run[0], lv.run[1], "changed"))
            lv.run = []


class Interior:
    """Feeds :class:`NodeCheck` the nodes of the tree over the log's leaf rows and, from
    the first leaf whose event hashes otherwise, of the tree over the events' hashes.

    Args:
        stored: the stored nodes.
        width: bytes per hash.
    """

    def __init__(self, stored: StoredNodes, width: int) -> None:
        self.check = NodeCheck(stored, width)
        self.alternative: Frontier | None = None

    def leaf(self, logged: Frontier, h: bytes, now: bytes | None) -> None:
        """Append leaf hash ``h`` to ``logged`` (the event's own hash is ``now``, if any) and
        check the nodes it completes."""
        if self.alternative is None and now is not None and now != h:
            self.alternative = logged.copy()
        rows = logged.extend((h,))
        other = self.alternative.extend((now or h,)) if self.alternative is not None else None
        for k, (level, index, node) in enumerate(rows):
            if level:
                self.check.node(level, index, node, other[k][2] if other is not None else None)
