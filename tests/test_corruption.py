"""Random corruption of stored rows: the audit detects and locates every change, on SQLite
and PostgreSQL.

Each flip changes one bit of one stored value — a column of an event row (id,
version, topic, state, position), or a byte of a chunk of the log's node table
(leaf hashes and interior nodes) — reads the value back (a flip that leaves it
equal is not a change and is drawn again, as is one the database refuses),
runs ``SqlLog.audit``, and restores the row. Every change must be *detected*
(a finding) and *located*: a finding at the flipped event's position, or
naming the flipped node ``(level, index)``; and no finding may accuse another
place.

Short by default. The long run (documented in README.md, Development)::

    ELICENSE_CORRUPTION_FLIPS=1000 pytest tests/test_corruption.py -s

flips that many event-row values and a fifth as many (at least 200 from 1,000
up) log-node bytes per backend, and prints the figures. The seed is
``ELICENSE_CORRUPTION_SEED`` (default 19), printed with every failure.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec
import pytest

from elicense.log.audit import AuditFinding, AuditReport
from elicense_demo.scenario import City
from elicense_sql.connection import Dialect, SqlStore
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore
from logkit import build_ledger

EVENT_FLIPS = int(os.environ.get("ELICENSE_CORRUPTION_FLIPS", "40"))
LOG_FLIPS = max(EVENT_FLIPS // 5, 15)
SEED = int(os.environ.get("ELICENSE_CORRUPTION_SEED", "19"))
RANGES = {"audit.log.mismatch", "audit.history.mismatch"}  # findings that name a range
COLUMNS = {"originator_id": 3, "originator_version": 2, "topic": 2, "state": 4, "position": 1}


@dataclass
class Tally:
    """What the flips did, for the figures and the assertion."""

    flips: Counter[str] = field(default_factory=Counter)
    detected: int = 0
    located: int = 0
    redrawn: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, what: str) -> str:
        total = sum(self.flips.values())
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.flips.items()))
        return (
            f"{what}: {total} flips ({kinds}); detected {self.detected}/{total}, located "
            f"{self.located}/{total}; {self.redrawn} draws that changed nothing or that the "
            "database refused were drawn again"
        )


class Ledger:
    """A logged, checkpointed ledger of some 600 events and raw access to its rows."""

    def __init__(self, dsn: str) -> None:
        city = City(alg="ecdsa-p256-sha256", seed=SEED)
        self.ledger, _ = build_ledger(city, dsn, extra=560)
        self.store = SqlLogStore.open(dsn)
        LogFollower(self.store).catch_up()
        self.log = SqlLog(self.store, self.ledger.origin)
        self.log.checkpoint(city.platform_key)
        key = city.platform_key.public_key
        self.keys = {key.key_id: key}.get
        self.raw = SqlStore(dsn)
        self.postgres = self.raw.dialect is Dialect.POSTGRESQL
        self.table = "elicense_events" if self.postgres else "stored_events"
        self.id = "notification_id" if self.postgres else "rowid"
        self.positions = [int(r[0]) for r in self.raw.query(f"SELECT {self.id} FROM {self.table}")]
        self.chunks = [
            (int(k), len(h)) for k, h in self.raw.query("SELECT id, hashes FROM elicense_log_nodes")
        ]

    def audit(self) -> AuditReport:
        return self.log.audit(self.keys)

    def read(self, position: int, column: str) -> Any:
        """The stored value, as bytes for text columns on SQLite (they may hold any bytes)."""
        if column == "position":
            return position
        expr = (
            column
            if self.postgres or column in ("originator_version", "state")
            else (f"CAST({column} AS BLOB)")
        )
        rows = self.raw.query(f"SELECT {expr} FROM {self.table} WHERE {self.id} = ?", (position,))
        value = rows[0][0]
        return bytes(value) if isinstance(value, memoryview) else value

    def write(self, position: int, column: str, value: Any) -> None:
        target = self.id if column == "position" else column
        mark = (
            "CAST(? AS TEXT)"
            if isinstance(value, bytes) and column in ("originator_id", "topic")
            else "?"
        )
        self.raw.execute(
            f"UPDATE {self.table} SET {target} = {mark} WHERE {self.id} = ?", (value, position)
        )

    def close(self) -> None:
        self.raw.close()
        self.store.close()
        self.ledger.close()


@pytest.fixture
def ledger(dsn: str) -> Iterator[Ledger]:
    led = Ledger(dsn)
    yield led
    led.close()


def _flip_int(value: int, rng: random.Random) -> int:
    flipped = (value & (2**64 - 1)) ^ (1 << rng.randrange(64))
    return flipped - 2**64 if flipped >= 2**63 else flipped


def _flip_bytes(value: bytes, rng: random.Random) -> bytes:
    data = bytearray(value)
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def _flipped(led: Ledger, column: str, original: Any, rng: random.Random) -> Any:
    """One bit of the stored value flipped, in the form the column takes back."""
    if column in ("originator_version", "position"):
        return _flip_int(original, rng)
    if led.postgres and column == "originator_id":
        return UUID(bytes=_flip_bytes(original.bytes, rng))
    if led.postgres and column == "topic":
        return _flip_bytes(original.encode(), rng).decode()  # may refuse: drawn again
    return _flip_bytes(original, rng)


def _precise(findings: tuple[AuditFinding, ...], ok: Callable[[AuditFinding], bool]) -> bool:
    return all(ok(f) for f in findings)


def _event_flip(led: Ledger, rng: random.Random, tally: Tally) -> None:
    column = rng.choices(list(COLUMNS), weights=list(COLUMNS.values()))[0]
    position = rng.choice(led.positions)
    original = led.read(position, column)
    try:
        new = _flipped(led, column, original, rng)
        led.write(position, column, new)
    except Exception:  # not UTF-8 (PostgreSQL text), a duplicate key
        tally.redrawn += 1
        return
    moved_to = new if column == "position" else position
    if led.read(moved_to, column) == original:  # the same value: not a change
        tally.redrawn += 1
        led.write(moved_to, column, original)
        return
    try:
        report = led.audit()
    finally:
        led.write(moved_to, column, original)
    tally.flips[column] += 1
    touched = {position, moved_to}

    def at_place(f: AuditFinding) -> bool:
        if f.code in RANGES:
            return f.position is not None and f.position <= position <= (f.other_position or 0)
        return f.position in touched

    where = f"seed {SEED}: {column} of position {position} {original!r} -> {new!r}"
    if report.ok:
        tally.failures.append(f"undetected, {where}")
        return
    tally.detected += 1
    if any(f.position == position for f in report.findings) and _precise(report.findings, at_place):
        tally.located += 1
    else:
        tally.failures.append(f"not located, {where}: {report.findings}")


def _log_flip(led: Ledger, rng: random.Random, tally: Tally) -> None:
    total = sum(size for _, size in led.chunks)
    at = rng.randrange(total)
    key = 0
    for key, size in led.chunks:  # noqa: B007 - the chunk the byte falls in
        if at < size:
            break
        at -= size
    level, chunk = key >> 40, key & ((1 << 40) - 1)
    node = (level, chunk * 256 + at // 32)
    [(original,)] = led.raw.query("SELECT hashes FROM elicense_log_nodes WHERE id = ?", (key,))
    original = bytes(original)
    data = bytearray(original)
    data[at] ^= 1 << rng.randrange(8)
    led.raw.execute("UPDATE elicense_log_nodes SET hashes = ? WHERE id = ?", (bytes(data), key))
    try:
        report = led.audit()
    finally:
        led.raw.execute("UPDATE elicense_log_nodes SET hashes = ? WHERE id = ?", (original, key))
    tally.flips["leaf hash" if level == 0 else "interior node"] += 1

    def names_node(f: AuditFinding) -> bool:
        return msgspec.structs.asdict(f).get("node") == node

    def at_place(f: AuditFinding) -> bool:
        return names_node(f) or (level == 0 and f.code == "audit.log.mismatch")

    where = f"seed {SEED}: byte {at} of node chunk {level}/{chunk}, node {node}"
    if report.ok:
        tally.failures.append(f"undetected, {where}")
        return
    tally.detected += 1
    if any(names_node(f) for f in report.findings) and _precise(report.findings, at_place):
        tally.located += 1
    else:
        tally.failures.append(f"not located, {where}: {report.findings}")


@pytest.mark.slow
def test_every_random_flip_of_a_stored_row_is_detected_and_located(
    ledger: Ledger, dsn: str
) -> None:
    """EVENT_FLIPS flips of event-row values and LOG_FLIPS of log-node bytes: every one
    detected and located by the audit, nothing else accused; the untouched ledger (before
    and after) audits clean."""
    assert ledger.audit().ok
    rng = random.Random(SEED)
    backend = "postgresql" if ledger.postgres else "sqlite"
    events, nodes = Tally(), Tally()
    while sum(events.flips.values()) < EVENT_FLIPS:
        _event_flip(ledger, rng, events)
    print(f"\n{events.line(f'{backend} event rows')}")
    while sum(nodes.flips.values()) < LOG_FLIPS:
        _log_flip(ledger, rng, nodes)
    print(nodes.line(f"{backend} log node rows"))
    assert not events.failures, events.failures[:3]
    assert not nodes.failures, nodes.failures[:3]
    assert set(events.flips) == set(COLUMNS)  # every column was flipped at least once
    assert {"leaf hash", "interior node"} <= set(nodes.flips)
    assert ledger.audit().ok  # every row restored
