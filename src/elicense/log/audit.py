"""Audit: recompute the log from the stored events and hold it against signed checkpoints.

Pure (no I/O): the caller streams the event store's rows and the log's leaf
rows, in order, and hands over the signed checkpoints it holds. Three
independent comparisons, so tampering with the events, the log tables or both
is caught, and named as precisely as the evidence allows:

1. **Row by row** (events against the log's leaf rows, merged by position):
   a row whose record bytes hash to another leaf (``audit.event.changed``),
   whose id/version/topic columns differ from its record, or are stored in
   another spelling or type than the event store writes — an id re-spelled in
   upper case still names the same UUID, but the store's reads no longer find
   it (``audit.event.columns``), two rows that swapped places
   (``audit.event.reordered``), a logged position with no row
   (``audit.event.deleted``), a row inside the logged range the log never saw
   (``audit.event.unlogged``). Each names the position, the leaf index and the
   aggregate.
2. **Log tables against checkpoints**: the leaf rows must hash to every
   checkpoint's root (``audit.log.mismatch``) — the leaf rows themselves are
   trusted only once they do — and every stored interior node, which proofs
   read instead of the leaves, must hash from the leaves below it
   (``audit.log.node``, naming the node and the leaves under it;
   :mod:`elicense.log.audit_nodes`). A leaf row that differs from its event
   while the events still hash to every signed checkpoint is the log's change,
   reported as ``audit.log.node`` at level 0 rather than as a changed event.
3. **Events against checkpoints**: the tree a fresh follower would build from
   the events as they are now must have every checkpoint's root
   (``audit.history.mismatch``). This needs nothing from the log tables, so it
   catches a rewrite whose author also rebuilt them; a signed root cannot
   point at the changed leaf, so the finding names the range between the last
   checkpoint that still holds and the first that fails. An older checkpoint
   kept outside the database (``--since``) and the consistency proof from it
   to the latest (``audit.consistency.invalid``) catch a rewritten tail even
   when every checkpoint in the database was re-signed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import msgspec

from elicense.errors import ProofError, TrustError
from elicense.log.audit_nodes import NODE_SAYS, Interior, NodeProblem, StoredNodes, leaf_runs
from elicense.log.checkpoint import Checkpoint, CheckpointVerifier, SignedCheckpoint
from elicense.merkle import SHA256, HashAlgorithm, verify_consistency
from elicense.merkle_nodes import Frontier

__all__ = ["AuditFinding", "AuditReport", "LoggedLeaf", "StoredRow", "audit"]

_NAMED = 20  # aggregates named for a range finding


class StoredRow(NamedTuple):
    """A row of the event store, exactly as stored.

    The reader compares the stored spelling and type of each column with what the
    event store itself writes, byte for byte, and says in ``problem`` what differs:
    ``aggregate_id`` is the canonical UUID text only when the column holds exactly
    the id the store writes (on SQLite: 32 lower-case hex digits), else what was
    found; ``version`` is -1 when the column holds no integer.
    """

    position: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes
    problem: str | None = None


class LoggedLeaf(NamedTuple):
    """A row of the log's leaf table."""

    leaf_index: int
    position: int
    aggregate_id: str
    hash: bytes


class AuditFinding(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One problem the audit found.

    Attributes:
        code: stable dotted code (see the module docstring).
        message: what was expected and what was found.
        position, leaf_index, aggregate_id: where (the first position of a range).
        other_position, other_aggregate_id: the second place (a reordered pair, a range's end).
        aggregates: aggregates whose events lie in a range (at most 20).
        node: ``(level, index)`` of the first stored log node concerned (``audit.log.node``).
    """

    code: str
    message: str
    position: int | None = None
    leaf_index: int | None = None
    aggregate_id: str | None = None
    other_position: int | None = None
    other_aggregate_id: str | None = None
    aggregates: tuple[str, ...] = ()
    node: tuple[int, int] | None = None


class AuditReport(msgspec.Struct, frozen=True, kw_only=True):
    """The audit's answer.

    Attributes:
        ok: no finding.
        events: event rows read.
        leaves: leaf rows read.
        checkpoints: the checkpoints held against the log, as summaries.
        unlogged_tail: event rows after the log's last leaf (a follower behind, not a fault).
        findings: the problems, in position order.
        nodes: stored interior nodes checked.
    """

    ok: bool
    events: int
    leaves: int
    checkpoints: tuple[dict[str, Any], ...]
    unlogged_tail: int
    findings: tuple[AuditFinding, ...]
    nodes: int = 0


class _Columns(msgspec.Struct):
    aggregate_id: str
    version: int
    topic: str


_columns = msgspec.json.Decoder(_Columns)


class _Tree:
    """A frontier that remembers its root at the sizes asked for, and the leaves' places."""

    def __init__(self, algorithm: HashAlgorithm, sizes: set[int]) -> None:
        self.frontier = Frontier(algorithm=algorithm)
        self.sizes = sizes
        self.roots: dict[int, bytes] = {}
        self.places: list[tuple[int, str]] = []  # (position, aggregate) by leaf index
        if 0 in sizes:
            self.roots[0] = self.frontier.root()

    def append(
        self,
        h: bytes,
        position: int,
        aggregate: str,
        now: bytes | None = None,
        interior: Interior | None = None,
    ) -> None:
        if interior is None:
            self.frontier.append(h)
        else:  # the logged tree: its nodes are checked against the stored ones
            interior.leaf(self.frontier, h, now)
        self.places.append((position, aggregate))
        if self.frontier.size in self.sizes:
            self.roots[self.frontier.size] = self.frontier.root()


def audit(
    rows: Iterable[StoredRow],
    leaves: Iterable[LoggedLeaf],
    checkpoints: Sequence[SignedCheckpoint],
    *,
    verifier: CheckpointVerifier,
    since: SignedCheckpoint | None = None,
    consistency: Callable[[int, int], list[bytes]] | None = None,
    algorithm: HashAlgorithm = SHA256,
    nodes: StoredNodes | None = None,
) -> AuditReport:
    """Audit the log (see the module docstring).

    Args:
        rows: the event store's rows in position order.
        leaves: the log's leaf rows in leaf order.
        checkpoints: signed checkpoints held in the database (verified here).
        verifier: verifies checkpoints against the platform's keys.
        since: an older signed checkpoint kept outside the database.
        consistency: makes the consistency proof between two sizes from the log's stored nodes.
        algorithm: the log's Merkle hash.
        nodes: the log's stored interior nodes (checked against the leaves when given).
    """
    findings: list[AuditFinding] = []
    verified: list[Checkpoint] = []
    external: Checkpoint | None = None
    for signed in (*checkpoints, *([since] if since is not None else [])):
        try:
            cp = verifier.verify(signed)
        except TrustError as e:
            findings.append(AuditFinding(code="audit.checkpoint.invalid", message=f"{e.code}: {e}"))
            continue
        if signed is since:
            external = cp
        if any(v.tree_size == cp.tree_size and v.root_hash != cp.root_hash for v in verified):
            findings.append(
                AuditFinding(
                    code="audit.checkpoint.fork",
                    message=f"two signed checkpoints of size {cp.tree_size} have different roots",
                )
            )
        verified.append(cp)
    verified.sort(key=lambda c: c.tree_size)
    sizes = {c.tree_size for c in verified}
    first_row_finding = len(findings)
    logged, actual = _Tree(algorithm, sizes), _Tree(algorithm, sizes)
    changed: list[
        tuple[int, int, str, bytes, bytes]
    ] = []  # (position, leaf, aggregate, now, logged)
    row_iter: Iterator[StoredRow] = iter(rows)
    row = next(row_iter, None)
    events = tail = 0
    last_logged = 0
    interior = Interior(nodes, algorithm.digest_size) if nodes is not None else None
    lost: list[int] = []  # leaf indices whose hash is missing from the log's rows
    for leaf in leaves:
        last_logged = leaf.position
        while row is not None and row.position < leaf.position:
            events += 1
            findings.append(
                AuditFinding(
                    code="audit.event.unlogged",
                    message=f"event at position {row.position} is inside the logged range but was "
                    "never logged (inserted afterwards?)",
                    position=row.position,
                    aggregate_id=row.aggregate_id,
                )
            )
            actual.append(algorithm.leaf(row.state), row.position, row.aggregate_id)
            row = next(row_iter, None)
        now = (
            algorithm.leaf(row.state) if row is not None and row.position == leaf.position else None
        )
        h = leaf.hash
        if len(h) != algorithm.digest_size:  # the leaf's chunk row is missing or cut short
            lost.append(leaf.leaf_index)
            h = now or bytes(algorithm.digest_size)
        logged.append(h, leaf.position, leaf.aggregate_id, now, interior)
        if now is None:
            findings.append(
                AuditFinding(
                    code="audit.event.deleted",
                    message=f"logged event at position {leaf.position} (leaf {leaf.leaf_index}) "
                    "is missing from the event store",
                    position=leaf.position,
                    leaf_index=leaf.leaf_index,
                    aggregate_id=leaf.aggregate_id,
                )
            )
            continue
        assert row is not None
        events += 1
        actual.append(now, row.position, row.aggregate_id)
        columns = _column_problem(row)
        if columns is not None:
            findings.append(
                AuditFinding(
                    code="audit.event.columns",
                    message=columns,
                    position=row.position,
                    leaf_index=leaf.leaf_index,
                    aggregate_id=row.aggregate_id,
                )
            )
        if now != h:
            changed.append((row.position, leaf.leaf_index, row.aggregate_id, now, h))
        row = next(row_iter, None)
    while row is not None:
        events += 1
        if row.position > last_logged:
            tail += 1
        actual.append(algorithm.leaf(row.state), row.position, row.aggregate_id)
        row = next(row_iter, None)
    row_findings = len(findings) > first_row_finding or bool(changed)
    problems = leaf_runs(lost, "missing")
    if interior is not None:
        problems += interior.check.finish()
    log_side = _log_side(verified, logged, actual)
    problems += leaf_runs([c[1] for c in changed if c[1] < log_side], "changed")
    findings.extend(_changed_findings([c for c in changed if c[1] >= log_side]))
    findings.extend(_node_findings(problems, logged))
    findings.extend(_checkpoint_findings(verified, logged, actual, row_findings))
    stored = [c for c in verified if c is not external]
    if external is not None and consistency is not None and stored:
        latest = max(stored, key=lambda c: (c.tree_size, c.timestamp))
        older, newer = sorted((external, latest), key=lambda c: c.tree_size)
        try:
            verify_consistency(
                older.tree_size,
                newer.tree_size,
                older.root_hash,
                newer.root_hash,
                consistency(older.tree_size, newer.tree_size),
                algorithm=algorithm,
            )
        except ProofError as e:
            findings.append(
                AuditFinding(
                    code="audit.consistency.invalid",
                    message=f"the checkpoint kept outside (size {external.tree_size}) and the "
                    f"log's newest (size {latest.tree_size}) are not one history: {e}",
                )
            )
    findings.sort(key=lambda f: (f.position is None, f.position or 0))
    return AuditReport(
        ok=not findings,
        events=events,
        leaves=logged.frontier.size,
        checkpoints=tuple({c.encode(): c.summary() for c in verified}.values()),
        unlogged_tail=tail,
        findings=tuple(findings),
        nodes=interior.check.checked if interior is not None else 0,
    )


def _column_problem(row: StoredRow) -> str | None:
    try:
        rec = _columns.decode(row.state)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        return f"event at position {row.position}: the stored bytes are not a record ({e})"
    if row.problem is not None:
        return (
            f"event at position {row.position}: {row.problem}; the record says "
            f"{rec.aggregate_id} v{rec.version} {rec.topic}"
        )
    if (rec.aggregate_id, rec.version, rec.topic) != (row.aggregate_id, row.version, row.topic):
        return (
            f"event at position {row.position}: columns say {row.aggregate_id} "
            f"v{row.version} {row.topic}, the record says {rec.aggregate_id} v{rec.version} "
            f"{rec.topic}"
        )
    return None


def _changed_findings(
    changed: list[tuple[int, int, str, bytes, bytes]],
) -> Iterator[AuditFinding]:
    by_logged = {c[4]: c for c in changed}
    paired: set[int] = set()
    for pos, leaf, agg, now, was in changed:
        if pos in paired:
            continue
        other = by_logged.get(now)
        if other is not None and other[3] == was and other[0] != pos:
            paired.update((pos, other[0]))
            yield AuditFinding(
                code="audit.event.reordered",
                message=f"events at positions {pos} and {other[0]} swapped places",
                position=pos,
                leaf_index=leaf,
                aggregate_id=agg,
                other_position=other[0],
                other_aggregate_id=other[2],
            )
            continue
        yield AuditFinding(
            code="audit.event.changed",
            message=f"event at position {pos} (leaf {leaf}) no longer hashes to its logged "
            f"leaf {was.hex()[:16]}…",
            position=pos,
            leaf_index=leaf,
            aggregate_id=agg,
        )


def _log_side(verified: list[Checkpoint], logged: _Tree, actual: _Tree) -> int:
    """Leaves below this index that differ from their events are the log's change: the
    events as stored hash to every signed checkpoint, the log's leaf rows do not."""
    if not verified or any(actual.roots.get(c.tree_size) != c.root_hash for c in verified):
        return 0
    if all(logged.roots.get(c.tree_size) == c.root_hash for c in verified):
        return 0
    return max(c.tree_size for c in verified)


def _node_findings(problems: list[NodeProblem], logged: _Tree) -> Iterator[AuditFinding]:
    for level, index, count, kind in problems:
        first, end = index << level, min((index + count) << level, len(logged.places))
        places = logged.places[first:end]
        what = "leaf hashes" if level == 0 else "nodes"
        last = f" … ({level}, {index + count - 1})" if count > 1 else ""
        covers = f" (leaves {first} … {end - 1})" if places else ""
        says = NODE_SAYS["leaf" if kind == "changed" and level == 0 else kind]
        yield AuditFinding(
            code="audit.log.node",
            message=f"the log's stored {what} ({level}, {index}){last}{covers} {says}",
            position=places[0][0] if places else None,
            leaf_index=first,
            aggregate_id=places[0][1] if places else None,
            other_position=places[-1][0] if len(places) > 1 else None,
            aggregates=tuple(dict.fromkeys(a for _, a in places))[:_NAMED],
            node=(level, index),
        )


def _checkpoint_findings(
    verified: list[Checkpoint], logged: _Tree, actual: _Tree, rows_explain: bool
) -> list[AuditFinding]:
    """The log tables against every checkpoint; then the events, unless the log tables
    hold and the row-by-row findings already name every change."""
    out = _first_mismatch(verified, logged, "audit.log.mismatch", "the log's leaf rows")
    if out or not rows_explain:
        out += _first_mismatch(verified, actual, "audit.history.mismatch", "the events as stored")
    return out


def _first_mismatch(
    verified: list[Checkpoint], tree: _Tree, code: str, what: str
) -> list[AuditFinding]:
    """The first checkpoint (by size) the tree does not match, located after the largest
    one below it that it does match."""
    holds = [c.tree_size for c in verified if tree.roots.get(c.tree_size) == c.root_hash]
    for cp in verified:
        size, root = cp.tree_size, tree.roots.get(cp.tree_size)
        if root == cp.root_hash:
            continue
        good = max((s for s in holds if s < size), default=0)
        places = tree.places[good:size]
        found = "too few leaves" if root is None else f"root {root.hex()[:16]}…"
        return [
            AuditFinding(
                code=code,
                message=f"{what} do not hash to signed checkpoint {size} ({found}): changed "
                f"between leaf {good} and leaf {size - 1}",
                position=places[0][0] if places else None,
                leaf_index=good,
                other_position=places[-1][0] if places else None,
                aggregate_id=places[0][1] if places else None,
                aggregates=tuple(dict.fromkeys(a for _, a in places))[:_NAMED],
            )
        ]  # later checkpoints fail for the same reason
    return []
