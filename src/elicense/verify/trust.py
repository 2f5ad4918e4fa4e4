"""What a verifier trusts: platform keys, seal and license-type timelines, statuses.

A ledger statement is judged against the state of its seal (and license
type) *at the statement's position* in the ledger's global order. A
:class:`Timeline` holds an aggregate's state after each of its events, keyed
by position, so "the seal at position p" is a binary search.

Timelines are built by replaying the verbatim records through the folds the
domain aggregates apply themselves (:mod:`elicense.domain.state`, so the
verifier and the ledger cannot disagree on what an event does, and the
verifier needs no eventsourcing), checking each record's canonical form, hash chain and signature
once, when the trust is loaded — never per verified license.

Two sources implement :class:`TrustView`: a signed trust bundle (offline,
:class:`BundleTrust`) and a live ledger (online, in :mod:`elicense.verify.online`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import msgspec

from elicense import wire
from elicense.acts import PLATFORM_PREFIX, decode_statement
from elicense.crypto.suites import PublicKey, public_key
from elicense.documents import StatusEntry
from elicense.domain.state import CREATES, FOLDS, State
from elicense.domain.state.seal import SealStatus
from elicense.errors import ElicenseError
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.statusdoc import SignedStatusList
from elicense.record import PositionedRecord, decode_record
from elicense.verify.chain import ChainProblem, walk
from elicense.wire import signing_input

__all__ = [
    "SealSnapshot",
    "Timeline",
    "TimelineError",
    "TrustSource",
    "TrustView",
    "TypeSnapshot",
    "platform_keys_of",
    "seal_timeline",
    "type_timeline",
]


_PLATFORM_EVENTS = frozenset({wire.PLATFORM_ESTABLISHED})
_SEAL_EVENTS = frozenset(
    {wire.SEAL_MADE, wire.SEAL_FILED, wire.SEAL_SUSPENDED, wire.SEAL_REINSTATED, wire.SEAL_REVOKED}
)
_TYPE_EVENTS = frozenset(
    {wire.TYPE_DEFINED, wire.TYPE_REVISED, wire.TYPE_RETIRED, wire.TYPE_SHARED, wire.TYPE_UNSHARED}
)


class TimelineError(ElicenseError, ValueError):
    """An aggregate history that does not verify (chain, signature, canonical form).

    Attributes:
        code: finding code.
        version: the offending event's version.
        subject: the seal or type code whose history it is, when known.
    """

    def __init__(
        self, message: str, *, code: str, version: int, subject: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.version = version
        self.subject = subject


class SealSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A seal's state after one of its events (a :class:`~elicense.domain.seal.SealView`)."""

    code: str
    department: str
    alg: str
    key: Any  # PublicKey
    status: SealStatus
    valid_from: datetime
    valid_until: datetime
    compromised_since: datetime | None


class TypeSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A license type's state after one of its events (a LicenseTypeView)."""

    code: str
    retired: bool
    issuers: frozenset[str]
    schema: tuple[Any, ...]
    template_version: int
    template_digest: bytes


class Timeline:
    """An aggregate's states by position: ``at(p)`` is the state after the last
    event recorded before position ``p``."""

    __slots__ = ("positions", "states")

    def __init__(self, positions: list[int], states: list[Any]) -> None:
        self.positions = positions
        self.states = states

    def at(self, position: int) -> Any:
        """The state in force for an entry at ``position`` (``None`` before the first event)."""
        i = bisect.bisect_left(self.positions, position)
        return self.states[i - 1] if i else None

    @property
    def latest(self) -> Any:
        """The newest state."""
        return self.states[-1] if self.states else None


class TrustView(Protocol):
    """What the history checker asks of its trust source."""

    origin: str

    def platform_key(self, key_id: str) -> PublicKey | None:
        """The platform public key with ``key_id``."""
        ...

    def seal_at(self, code: str, position: int) -> SealSnapshot | None:
        """The seal's state for an entry at ``position``; ``None`` if unknown then."""
        ...

    def type_at(self, code: str, position: int) -> TypeSnapshot | None:
        """The license type's state for an entry at ``position``."""
        ...


class TrustSource(TrustView, Protocol):
    """Everything a :class:`~elicense.verify.verifier.Verifier` asks of what it trusts:
    a loaded trust bundle (:class:`~elicense.verify.sources.BundleTrust`, offline) or a
    snapshot of a live ledger (:class:`~elicense.verify.sources.LedgerTrust`, online)."""

    online: bool
    as_of: int
    issued_at: datetime | None

    def platform_keys(self) -> list[PublicKey]:
        """Every platform public key."""
        ...

    def compromised_since(self, code: str) -> datetime | None:
        """Since when seal ``code``'s key is compromised, per its newest record."""
        ...

    def seal_algs(self) -> set[str] | None:
        """The algorithms of every seal (``None``: not known without reading them all)."""
        ...

    def seal_events(self, code: str) -> tuple[PositionedRecord, ...] | None:
        """Seal ``code``'s records as the source holds them."""
        ...

    def license_status(self, key: str) -> StatusEntry | None:
        """License ``key``'s status entry (status, version, history digest)."""
        ...

    def history_digest(self, key: str) -> tuple[int, bytes] | None:
        """License ``key``'s number of records and their history digest (every record
        byte and every position), as the source holds them; ``None`` if it holds none."""
        ...

    def slot_status(self, slot: int) -> tuple[str, datetime] | None:
        """A status slot's status and the time the source says it."""
        ...

    def replaced_by(self, slot: int) -> str | None:
        """The identifier that replaced ``slot``'s (online only)."""
        ...

    def log_material(self) -> tuple[SignedCheckpoint, tuple[SignedStatusList, ...]] | None:
        """The log's signed checkpoint and status lists the source carries, if any."""
        ...

    def license_file(self, sha256: bytes) -> Any:
        """The ``file.record`` of a license file by its digest (online only; else ``None``)."""
        ...


def _replay(
    events: Sequence[PositionedRecord],
    kinds: frozenset[str],
    key_for: Callable[[Any, Any, int], PublicKey | None],
    snapshot: Callable[[Any], Any],
) -> Timeline:
    """Replay verbatim records, checking each once; snapshot the state after each.

    The records must walk (:func:`elicense.verify.chain.walk`); each record's event
    must be one of ``kinds`` (the aggregate's events), caused by its statement's kind,
    a creating event exactly at version 1; its fold (:data:`elicense.domain.state.FOLDS`)
    is what the ledger's aggregate applies too.
    """
    agg: Any = None
    positions: list[int] = []
    states: list[Any] = []
    try:
        for n, pr, rec, _ in walk(events, decode_record):
            agg = _apply(agg, n, pr, rec, kinds, key_for)
            positions.append(pr.position)
            try:
                states.append(snapshot(agg))
            except ElicenseError as e:  # the state's key cannot be used
                raise TimelineError(f"{rec.topic}: {e}", code="record.invalid", version=n) from None
    except ChainProblem as e:
        raise TimelineError(str(e), code=e.code, version=e.version) from None
    return Timeline(positions, states)


def _apply(
    agg: Any,
    n: int,
    pr: PositionedRecord,
    rec: Any,
    kinds: frozenset[str],
    key_for: Callable[[Any, Any, int], PublicKey | None],
) -> Any:
    """Check record ``n`` (signature, event, fold) and apply it to ``agg``."""
    try:
        act = decode_statement(rec.statement)
    except ElicenseError as e:
        raise TimelineError(str(e), code="record.malformed", version=n) from None
    try:
        key = key_for(agg, act, pr.position)
    except ElicenseError as e:  # an unknown algorithm, a malformed key (D7)
        raise TimelineError(
            f"{act.kind} on {act.subject}: {e}", code="record.invalid", version=n
        ) from None
    if key is None or not key.verify(rec.signature, signing_input(act.kind, rec.statement)):
        raise TimelineError(
            f"signature of {act.kind} on {act.subject} does not verify",
            code="statement.signature.invalid",
            version=n,
        )
    problem = _event_problem(rec.topic, act.kind, kinds, n)
    if problem is not None:
        raise TimelineError(problem, code="record.invalid", version=n)
    if agg is None:
        agg = State()
    try:
        FOLDS[rec.topic](agg, act, rec.statement, rec.annex)
    except Exception as e:  # a record the domain cannot apply
        raise TimelineError(f"{act.kind}: {e}", code="record.invalid", version=n) from None
    return agg


def _event_problem(topic: str, kind: str, kinds: frozenset[str], version: int) -> str | None:
    """Why event ``topic`` of statement ``kind`` cannot be this history's ``version``-th."""
    if topic not in kinds:
        if ":" in topic:
            return f"record topic {topic!r} is wire format v1; this verifier reads {wire.VERSION}"
        return f"event {topic!r} is not an event of this history"
    if kind not in wire.EVENTS[topic]:
        return f"event {topic!r} cannot record a {kind} statement"
    if (topic in CREATES) != (version == 1):
        return f"event {topic!r} at version {version}"
    return None


def platform_keys_of(history: Sequence[PositionedRecord]) -> dict[str, PublicKey]:
    """The platform keys established by the platform's records (self-signed)."""

    def key_for(agg: Any, act: Any, position: int) -> PublicKey | None:
        spki = getattr(act, "platform_key", None)
        if spki is not None:
            return public_key(act.alg, spki)
        return None if agg is None else _platform_key(agg, act)

    timeline = _replay(history, _PLATFORM_EVENTS, key_for, lambda p: dict(p.keys))
    if not timeline.states or not isinstance(timeline.latest, dict):
        raise TimelineError("no platform records", code="trust.platform.missing", version=0)
    try:
        return {kid: public_key(k.alg, k.spki) for kid, k in timeline.latest.items()}
    except ElicenseError as e:
        raise TimelineError(f"platform key: {e}", code="record.invalid", version=0) from None


def _platform_key(platform: Any, act: Any) -> PublicKey | None:
    if not act.seal.startswith(PLATFORM_PREFIX):
        return None
    k = platform.keys.get(act.seal[len(PLATFORM_PREFIX) :])
    return public_key(k.alg, k.spki) if k is not None else None


def seal_timeline(
    history: Sequence[PositionedRecord], platform_keys: dict[str, PublicKey]
) -> Timeline:
    """A seal's timeline; its ``seal.make`` must be self-signed and the rest
    signed by the platform."""

    def key_for(agg: Any, act: Any, position: int) -> PublicKey | None:
        if agg is None:
            return public_key(act.alg, act.public_key) if act.kind == "seal.make" else None
        if not act.seal.startswith(PLATFORM_PREFIX):
            return None
        return platform_keys.get(act.seal[len(PLATFORM_PREFIX) :])

    def snap(seal: Any) -> SealSnapshot:
        return SealSnapshot(
            code=seal.code,
            department=seal.department,
            alg=seal.alg,
            key=public_key(seal.alg, seal.public_key),
            status=seal.status,
            valid_from=seal.valid_from,
            valid_until=seal.valid_until,
            compromised_since=seal.compromised_since,
        )

    timeline = _replay(history, _SEAL_EVENTS, key_for, snap)
    # A compromise reaches back: entries recorded since compromised_since are untrusted even
    # though they precede the revocation, so every state carries the latest compromise time.
    latest = timeline.latest
    if latest is not None and latest.compromised_since is not None:
        timeline.states = [
            msgspec.structs.replace(state, compromised_since=latest.compromised_since)
            for state in timeline.states
        ]
    return timeline


def type_timeline(
    history: Sequence[PositionedRecord], seal_at: Callable[[str, int], Any]
) -> Timeline:
    """A license type's timeline; each act signed by a seal in force at its position."""

    def key_for(agg: Any, act: Any, position: int) -> PublicKey | None:
        seal = seal_at(act.seal, position)
        if seal is None or seal.department != act.subject[:18]:
            return None
        return seal.key  # type: ignore[no-any-return]

    def snap(t: Any) -> TypeSnapshot:
        return TypeSnapshot(
            code=t.code,
            retired=t.retired,
            issuers=t.issuers,
            schema=t.schema,
            template_version=t.template_version,
            template_digest=t.template_digest,
        )

    return _replay(history, _TYPE_EVENTS, key_for, snap)
