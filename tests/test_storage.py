"""Storage: the ledger on a SQLite file and on PostgreSQL persists, serialises writers,
and a changed byte in the database is caught by verification.

The tamper tests edit the raw database (sqlite3 / psycopg) the way an
operator with database access could, then verify online (replaying the live
ledger) and offline (a document re-exported after the edit, checked against
a trust bundle exported before it).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from elicense import acts
from elicense.errors import ConflictError, EncodingError, RefusedError
from elicense.ids import parse_license_id
from elicense.ledger.application import Ledger
from elicense.ledger.mapper import StoredRecordError
from elicense.lifecycle import LicenseStatus
from elicense.merkle import SHA256
from elicense.record import decode_record
from elicense.verdict import Verdict
from elicense.verify.verifier import Verifier
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import SqlLogStore, chunk_key
from support import Dept, World, bundle_time, flip

# -- raw access to the two stores ------------------------------------------------------------------


@dataclass
class Store:
    """One backend: the ledger DSN and raw SQL access to its events table."""

    name: str
    dsn: str
    execute: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
    param: str  # placeholder style
    table: str
    id_of: Callable[[UUID], Any]  # how the originator_id column holds a UUID

    def rows(self, aggregate_id: UUID) -> list[tuple[int, str, bytes]]:
        """(version, topic, state) of an aggregate's rows, in version order."""
        p = self.param
        return [
            (v, t, bytes(s))
            for v, t, s in self.execute(
                f"SELECT originator_version, topic, state FROM {self.table} "
                f"WHERE originator_id = {p} ORDER BY originator_version",
                (self.id_of(aggregate_id),),
            )
        ]

    def state(self, aggregate_id: UUID, version: int) -> bytes:
        """The stored record bytes of one event."""
        return next(s for v, _, s in self.rows(aggregate_id) if v == version)

    def set(self, aggregate_id: UUID, version: int, column: str, value: Any) -> None:
        """Overwrite one column of one row."""
        p = self.param
        self.execute(
            f"UPDATE {self.table} SET {column} = {p} "
            f"WHERE originator_id = {p} AND originator_version = {p}",
            (value, self.id_of(aggregate_id), version),
        )


def _sqlite_store(path: Path) -> Store:
    def execute(sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA synchronous = OFF")  # a test's edits need no fsync
            with conn:
                return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    return Store("sqlite", str(path), execute, "?", "stored_events", lambda u: u.hex)


def _postgres_store(dsn: str, schema: str) -> Store:
    import psycopg

    def execute(sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(sql, args)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    return Store(
        "postgres",
        f"{dsn}?schema={schema}",
        execute,
        "%s",
        f"{schema}.elicense_events",
        lambda u: u,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The SQLite file store and the PostgreSQL store (a fresh schema per test)."""
    if request.param == "sqlite":
        return _sqlite_store(tmp_path / "ledger.db")
    return _postgres_store(
        request.getfixturevalue("postgres_dsn"), request.getfixturevalue("pg_schema")
    )


@pytest.fixture
def world(backend: Store) -> Iterator[World]:
    """An established ledger on the backend."""
    w = World.new(backend.dsn)
    yield w
    w.ledger.close()


def at_time(bundle: bytes) -> datetime:
    """A verification time at which ``bundle`` is fresh."""
    return bundle_time(bundle) + timedelta(minutes=1)


# -- persistence -----------------------------------------------------------------------------------


def _history_world(world: World) -> tuple[Any, str]:
    dept, _, identifier = world.licensed()
    world.submit(world.act(dept, acts.AmendLicense, identifier, 1))
    current = world.ledger.get_license(identifier).identifier
    world.submit(world.act(dept, acts.SuspendLicense, current, 2))
    return dept, identifier


def test_ledger_persists_and_reopens(world: World) -> None:
    """A new Ledger on the same store reads every event, byte for byte, and the same state."""
    _, identifier = _history_world(world)
    before = [(n.id, n.topic, bytes(n.state)) for n in world.ledger.notifications()]
    lic = world.ledger.get_license(identifier)
    world.ledger.close()
    again = Ledger(world.ledger.dsn, verify_threads=1)
    try:
        assert [(n.id, n.topic, bytes(n.state)) for n in again.notifications()] == before
        reread = again.get_license(identifier)
        assert (reread.identifier, reread.status, reread.version, reread.data) == (
            lic.identifier,
            LicenseStatus.SUSPENDED,
            3,
            {"capital": "200", "founded": "2020-02-29"},
        )
        assert again.origin == world.ledger.origin
        verdict = Verifier.from_ledger(again).verify(lic.identifier, at=datetime.now(UTC))
        assert verdict.status == "suspended"
        assert "chain.linked" in verdict.checked
    finally:
        again.close()


def test_reopened_ledger_continues_the_global_order(world: World) -> None:
    """Writing through a reopened ledger continues positions and aggregate versions."""
    dept, identifier = _history_world(world)
    last = world.ledger.max_position()
    current = world.ledger.get_license(identifier).identifier
    world.ledger.close()
    other = world.reopen()
    try:
        receipt = other.submit(other.act(dept, acts.ReinstateLicense, current, 3))
        assert (receipt.position, receipt.version) == (last + 1, 4)
    finally:
        other.ledger.close()


def test_history_positions_are_the_stores_notification_ids(world: World) -> None:
    """history() answers each record with its global position, as notifications() has it."""
    _, identifier = _history_world(world)
    lic = world.ledger.get_license(identifier)
    by_position = {n.id: bytes(n.state) for n in world.ledger.notifications()}
    history = world.ledger.history(lic.id)
    assert [by_position[h.position] for h in history] == [h.record for h in history]
    assert [decode_record(h.record).version for h in history] == [1, 2, 3]


# -- concurrent writers ----------------------------------------------------------------------------


def test_concurrent_writer_loses_with_conflict_and_nothing_is_lost(world: World) -> None:
    """Two ledgers check the same license at version 1; the one that writes second gets a
    ConflictError and the first one's event stays."""
    dept, _, identifier = world.licensed()
    other = world.reopen()
    try:
        suspend = world.act(dept, acts.SuspendLicense, identifier, 1)
        amend = other.act(dept, acts.AmendLicense, identifier, 1)
        put = other.ledger.events.put

        def put_after_the_other_writer(events: Any, **kw: Any) -> Any:
            world.submit(suspend)  # lands between other's checks and its write
            return put(events, **kw)

        other.ledger.events.put = put_after_the_other_writer  # type: ignore[method-assign]
        with pytest.raises(ConflictError) as e:
            other.submit(amend)
        assert e.value.code == "subject.version.conflict"
        other.ledger.events.put = put  # type: ignore[method-assign]
        lic = other.ledger.get_license(identifier)
        assert (lic.version, lic.status, lic.license_id.version) == (2, LicenseStatus.SUSPENDED, 1)
        with pytest.raises(ConflictError):
            other.submit(amend)  # the stale statement stays stale
    finally:
        other.ledger.close()


def test_racing_writers_one_wins_rest_conflict(world: World) -> None:
    """Four ledgers submitting acts on one license at once: exactly one is recorded."""
    dept, _, identifier = world.licensed()
    ledgers = [world.reopen() for _ in range(4)]
    statements = [
        w.act(dept, acts.AmendLicense, identifier, 1, changes={"capital": str(100 + i)})
        for i, w in enumerate(ledgers)
    ]
    barrier = threading.Barrier(len(ledgers))
    results: list[Any] = [None] * len(ledgers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = ledgers[i].submit(statements[i])
        except RefusedError as e:
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ledgers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in ledgers:
        w.ledger.close()
    winners = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(results[i], ConflictError) for i in range(4) if i not in winners)
    lic = world.ledger.get_license(identifier)
    assert lic.version == 2
    assert lic.data["capital"] == str(100 + winners[0])


def test_a_seal_revoked_by_another_writer_between_batches_is_seen(world: World) -> None:
    """Batches of license acts reuse the seals and types earlier batches read; an event
    written by another ledger in between empties that cache, so the next batch is judged
    against the revoked seal."""
    dept, type_code, _ = world.licensed()
    world.submit(world.issue(dept, type_code, 2))  # the seal and type are now cached
    other = world.reopen()
    try:
        other.submit(other.seal_act(acts.RevokeSeal, dept.seal, 2))
    finally:
        other.ledger.close()
    with pytest.raises(RefusedError) as e:
        world.submit(world.issue(dept, type_code, 3))
    assert e.value.code == "seal.revoked"


def test_a_seal_revoked_by_this_ledger_between_batches_is_seen(world: World) -> None:
    """The twin: the same ledger's own revocation (a batch that is not license acts) is
    seen by its next batch too."""
    dept, type_code, _ = world.licensed()
    world.submit(world.issue(dept, type_code, 2))
    world.submit(world.seal_act(acts.RevokeSeal, dept.seal, 2))
    with pytest.raises(RefusedError) as e:
        world.submit(world.issue(dept, type_code, 3))
    assert e.value.code == "seal.revoked"


def test_batches_of_license_acts_reuse_what_earlier_batches_read(world: World) -> None:
    """Nothing else wrote: the second batch reads no seal or type from the store."""
    dept, type_code, _ = world.licensed()
    world.submit(world.issue(dept, type_code, 2))
    reads: list[Any] = []
    load_many = world.ledger._load_many

    def counting(ids: list[Any]) -> Any:
        reads.extend(ids)
        return load_many(ids)

    world.ledger._load_many = counting  # type: ignore[method-assign]
    world.submit(world.issue(dept, type_code, 3))
    assert len(reads) == 1  # only the new license's id, which is absent
    assert world.ledger.get_license(world.license_id(dept, type_code, 3)).version == 1


# -- tampering -------------------------------------------------------------------------------------


@dataclass
class Scene:
    """A license with three events (issue, amend, suspend), its old bundle and document."""

    world: World
    store: Store
    identifier: str
    key: str
    aggregate_id: UUID
    bundle: bytes
    at: datetime
    log: SqlLog
    dept: Dept


@pytest.fixture
def scene(world: World, backend: Store) -> Iterator[Scene]:
    """The license of :func:`_history_world`, with a trust bundle exported and a log
    checkpoint signed before any tamper."""
    dept, identifier = _history_world(world)
    lic = world.ledger.get_license(identifier)
    bundle = world.bundle()
    with SqlLogStore.open(backend.dsn) as store:
        LogFollower(store).catch_up()
        log = SqlLog(store, world.ledger.origin)
        log.checkpoint(world.platform_key)
        yield Scene(
            world,
            backend,
            lic.identifier,
            parse_license_id(identifier).key,
            lic.id,
            bundle,
            at_time(bundle),
            log,
            dept,
        )


def rewrite(scene: Scene, version: int, **changes: Any) -> None:
    """Re-encode one stored record with fields changed (canonical, so only meaning changes)."""
    rec = decode_record(scene.store.state(scene.aggregate_id, version))
    scene.store.set(
        scene.aggregate_id, version, "state", msgspec.structs.replace(rec, **changes).encode()
    )


def online(scene: Scene, *, log: bool = True) -> Verdict:
    """The verdict of the live ledger (and its log) on the license's current identifier."""
    verifier = Verifier.from_ledger(scene.world.ledger, log=scene.log if log else None)
    return verifier.verify(scene.identifier, at=scene.at)


def offline(scene: Scene) -> Verdict:
    """The verdict on a re-exported document against the bundle exported before the tamper."""
    verifier = Verifier.from_bundle(scene.bundle, platform_keys=[scene.world.pem()])
    return verifier.verify(scene.world.document(scene.identifier), at=scene.at)


def assert_caught(verdict: Verdict, code: str, version: int | None, key: str) -> None:
    """Not ok, with a finding of ``code`` naming the license key and the version."""
    assert not verdict.ok, verdict.to_dict()
    found = [f for f in verdict.findings if f.code == code]
    assert found, verdict.to_dict()
    assert found[0].subject == key, verdict.to_dict()
    if version is not None:
        assert found[0].version == version, verdict.to_dict()


def test_untampered_scene_verifies_both_ways(scene: Scene) -> None:
    """The twin of every tamper test: online and offline both say suspended, nothing else."""
    for verdict in (online(scene), online(scene, log=False), offline(scene)):
        assert verdict.status == "suspended"
        assert verdict.codes == ["license.suspended"]
    assert {"log.inclusion", "log.status"} <= set(online(scene).checked)


def _statement_with_other_capital(scene: Scene, version: int) -> bytes:
    statement = decode_record(scene.store.state(scene.aggregate_id, version)).statement
    assert b'"capital":"200"' in statement
    return statement.replace(b'"capital":"200"', b'"capital":"900"')


@pytest.mark.parametrize("version", [1, 2])
def test_changed_statement_byte_is_caught(scene: Scene, version: int) -> None:
    """A statement field changed in the database fails its signature, online and offline."""
    statement = decode_record(scene.store.state(scene.aggregate_id, version)).statement
    old, new = (
        (b'"capital":"100"', b'"capital":"900"')
        if version == 1
        else (
            b'"capital":"200"',
            b'"capital":"900"',
        )
    )
    assert old in statement
    rewrite(scene, version, statement=statement.replace(old, new))
    assert_caught(online(scene), "statement.signature.invalid", version, scene.key)
    assert_caught(offline(scene), "statement.signature.invalid", version, scene.key)


@pytest.mark.parametrize("version", [1, 3])
def test_changed_signature_byte_is_caught(scene: Scene, version: int) -> None:
    """A signature byte changed in the database is caught at that version."""
    rec = decode_record(scene.store.state(scene.aggregate_id, version))
    rewrite(scene, version, signature=flip(rec.signature, 5))
    assert_caught(online(scene), "statement.signature.invalid", version, scene.key)
    assert_caught(offline(scene), "statement.signature.invalid", version, scene.key)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_changed_prev_hash_byte_is_caught(scene: Scene, version: int) -> None:
    """A prev_hash byte changed in the database breaks the chain at that version."""
    rec = decode_record(scene.store.state(scene.aggregate_id, version))
    rewrite(scene, version, prev_hash=flip(rec.prev_hash, 0))
    assert_caught(online(scene), "chain.broken", version, scene.key)
    assert_caught(offline(scene), "chain.broken", version, scene.key)


@pytest.mark.parametrize("version", [1, 2])
def test_changed_recorded_time_of_older_event_is_caught(scene: Scene, version: int) -> None:
    """Shifting the recorded time of a non-newest event breaks the chain at the next version."""
    rec = decode_record(scene.store.state(scene.aggregate_id, version))
    rewrite(scene, version, recorded_at=rec.recorded_at + timedelta(seconds=1))
    assert_caught(online(scene), "chain.broken", version + 1, scene.key)
    assert_caught(offline(scene), "chain.broken", version + 1, scene.key)


def _shift_newest_recorded_time(scene: Scene) -> None:
    rec = decode_record(scene.store.state(scene.aggregate_id, 3))
    rewrite(scene, 3, recorded_at=rec.recorded_at - timedelta(days=1))


def test_changed_recorded_time_of_newest_event_is_caught_offline(scene: Scene) -> None:
    """No hash covers the newest event's recorded time yet; a bundle exported before the
    change still catches it (the history digest differs)."""
    _shift_newest_recorded_time(scene)
    assert_caught(offline(scene), "document.history.mismatch", None, scene.key)


def test_changed_recorded_time_of_newest_event_is_caught_online(scene: Scene) -> None:
    """No hash of the ledger covers the newest event's recorded time yet; the log's signed
    checkpoint does, so online verification with the log names the version."""
    _shift_newest_recorded_time(scene)
    assert_caught(online(scene), "log.inclusion.invalid", 3, scene.key)


def test_changed_newest_record_and_its_leaf_are_caught_online(scene: Scene) -> None:
    """Rewriting the log's stored leaf hash to match the changed record does not help: the
    proof must still lead to the root the platform signed. The log can no longer prove the
    version (log.proof.invalid): the record and its leaf changed together look like a
    damaged log, and are judged as harshly as a changed record."""
    _shift_newest_recorded_time(scene)
    evidence = scene.log.evidence(scene.world.ledger.max_position())
    assert evidence is not None
    leaf = evidence.leaf_index
    sql = scene.log.store.sql
    key = chunk_key(0, leaf >> 8)
    (hashes,) = sql.query("SELECT hashes FROM elicense_log_nodes WHERE id = ?", (key,))[0]
    new_leaf = SHA256.leaf(scene.store.state(scene.aggregate_id, 3))
    at = 32 * (leaf & 255)
    hashes = bytes(hashes)[:at] + new_leaf + bytes(hashes)[at + 32 :]
    sql.execute("UPDATE elicense_log_nodes SET hashes = ? WHERE id = ?", (hashes, key))
    scene.log.store._edge.clear()  # the store's cache of partial chunks
    assert_caught(online(scene), "log.proof.invalid", 3, scene.key)


def _hide_newest_event(scene: Scene) -> None:
    """Move the newest row to another aggregate id: to the ledger it is gone."""
    scene.store.set(scene.aggregate_id, 3, "originator_id", scene.store.id_of(UUID(int=1)))


def test_hidden_newest_event_is_caught_offline(scene: Scene) -> None:
    """A suspension hidden from the store (its row moved to another id) makes a re-exported
    document superseded against a bundle that saw it."""
    _hide_newest_event(scene)
    verdict = offline(scene)
    assert not verdict.ok
    assert "document.superseded" in codes_of(verdict)


def test_hidden_newest_event_is_caught_online(scene: Scene) -> None:
    """A row moved away leaves a shorter, self-consistent history; the log's signed status
    list says version 2 is no longer the newest, and which status the newest gives."""
    _hide_newest_event(scene)
    verdict = online(scene)
    assert_caught(verdict, "ledger.record.missing", 3, scene.key)
    assert verdict.status == "suspended"
    assert "version 3" in verdict.findings[0].message


def test_records_newer_than_the_checkpoint_are_checked_up_to_it(scene: Scene) -> None:
    """A record the log has no checkpoint over yet is judged from the ledger alone; the
    newest covered one is still proved (the twin of the hidden-record test)."""
    lic = scene.world.ledger.get_license(scene.identifier)
    scene.world.submit(
        scene.world.act(scene.dept, acts.ReinstateLicense, lic.identifier, lic.version)
    )
    verdict = online(scene)
    assert verdict.ok, verdict.to_dict()
    assert verdict.status == "valid"
    assert "log.inclusion" in verdict.checked
    assert "log.status" not in verdict.checked  # the list does not reach version 4


def test_every_raw_byte_flip_of_a_stored_record_is_caught(scene: Scene) -> None:
    """Flipping any one byte of the raw stored bytes of version 2 either makes the exporter
    refuse the corrupt store or the verifiers say not ok; online always says not ok."""
    original = scene.store.state(scene.aggregate_id, 2)
    verifier = Verifier.from_bundle(scene.bundle, platform_keys=[scene.world.pem()])
    step = 1 if scene.store.name == "sqlite" else 7  # PostgreSQL round trips cost more
    for i in range(0, len(original), step):
        scene.store.set(scene.aggregate_id, 2, "state", flip(original, i))
        verdict = online(scene)
        assert not verdict.ok, i
        assert "verifier.internal_error" not in verdict.codes, (i, verdict.to_dict())
        try:
            document = scene.world.document(scene.identifier)
        except EncodingError:
            continue  # the mapper refuses a row whose bytes are not a canonical record
        assert not verifier.verify(document, at=scene.at).ok, i
    scene.store.set(scene.aggregate_id, 2, "state", original)
    assert online(scene).codes == ["license.suspended"]


# -- the columns no signature covers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("topic", "elicense.domain.license:License.Reinstated"),
        ("topic", "elicense.domain.license:License.Nope"),
        ("originator_version", 9),
    ],
    ids=["topic of another event", "unknown topic", "version"],
)
def test_changed_column_makes_reads_refuse_the_row(scene: Scene, column: str, value: Any) -> None:
    """The mapper compares id, version and topic columns with the record: reading the
    license through the ledger raises StoredRecordError naming the row."""
    scene.store.set(scene.aggregate_id, 3, column, value)
    with pytest.raises(StoredRecordError) as e:
        scene.world.ledger.get_license(scene.identifier)
    assert e.value.aggregate_id == scene.aggregate_id


def test_changed_topic_column_does_not_change_online_verdict(scene: Scene) -> None:
    """Online verification reads the records, not the topic column: still suspended."""
    scene.store.set(scene.aggregate_id, 3, "topic", "elicense.domain.license:License.Reinstated")
    assert online(scene).codes == ["license.suspended"]


def test_bundle_is_not_built_from_a_topic_column_the_record_denies(scene: Scene) -> None:
    """A trust bundle exported after the topic column of a suspension was changed to
    'Reinstated' must not present the license as valid."""
    document = scene.world.document(scene.identifier)
    scene.store.set(scene.aggregate_id, 3, "topic", "elicense.domain.license:License.Reinstated")
    try:
        bundle = scene.world.bundle()
    except EncodingError:
        return  # refusing to export from a corrupt store is an answer
    verifier = Verifier.from_bundle(bundle, platform_keys=[scene.world.pem()])
    verdict = verifier.verify(document, at=at_time(bundle))
    assert not verdict.ok, verdict.to_dict()


def test_bundle_is_not_built_from_a_version_column_the_record_denies(scene: Scene) -> None:
    """A trust bundle must not take a license's version from a changed version column."""
    document = scene.world.document(scene.identifier)
    scene.store.set(scene.aggregate_id, 3, "originator_version", 7)
    try:
        bundle = scene.world.bundle()
    except EncodingError:
        return
    verifier = Verifier.from_bundle(bundle, platform_keys=[scene.world.pem()])
    verdict = verifier.verify(document, at=at_time(bundle))
    assert verdict.codes == ["license.suspended"], verdict.to_dict()


def test_submit_on_a_corrupt_license_is_refused_as_corrupt(scene: Scene) -> None:
    """An act on a license whose stored row does not add up is refused with
    ledger.record.corrupt, and nothing is recorded."""
    scene.store.set(scene.aggregate_id, 3, "topic", "elicense.domain.license:License.Reinstated")
    position = scene.world.ledger.max_position()
    with pytest.raises(RefusedError) as e:
        scene.world.ledger.submit(
            scene.world.platform.sign(
                acts.ExpireLicense, subject=scene.identifier, expected_version=3
            )
        )
    assert e.value.code == "ledger.record.corrupt"
    assert scene.world.ledger.max_position() == position


def test_corrupt_row_refuses_only_the_statements_that_read_it(scene: Scene) -> None:
    """In a partial batch, the act on the corrupt license is refused; another license's
    issuance in the same batch is recorded."""
    world = scene.world
    other = world.department(2)
    type_code = world.define_type(other)
    scene.store.set(scene.aggregate_id, 3, "topic", "elicense.domain.license:License.Reinstated")
    expire = world.platform.sign(acts.ExpireLicense, subject=scene.identifier, expected_version=3)
    result = world.ledger.submit_many([expire, world.issue(other, type_code, 1)], partial=True)
    assert [(i, e.code) for i, e in result.refusals] == [(0, "ledger.record.corrupt")]
    assert [r.index for r in result.receipts] == [1]


def test_statement_signed_by_a_seal_with_a_corrupt_row_is_refused_as_corrupt(
    world: World, backend: Store
) -> None:
    """A seal whose filing row does not add up signs nothing: ledger.record.corrupt."""
    dept = world.department(1)
    seal_id = world.ledger.get_seal(dept.seal).id
    backend.set(seal_id, 2, "topic", "elicense.domain.seal:Seal.Suspended")
    position = world.ledger.max_position()
    signed = dept.sign(acts.DefineType, subject=dept.uscc + "001", expected_version=0, name="T")
    with pytest.raises(RefusedError) as e:
        world.submit(signed)
    assert e.value.code == "ledger.record.corrupt"
    assert world.ledger.max_position() == position


def test_record_whose_statement_does_not_decode_is_a_corrupt_row(scene: Scene) -> None:
    """A canonical record carrying garbage as its statement is refused on read like any
    corrupt row: StoredRecordError naming the row, and ledger.record.corrupt on submit."""
    rewrite(scene, 3, statement=b"not a statement")
    with pytest.raises(StoredRecordError) as e:
        scene.world.ledger.get_license(scene.identifier)
    assert (e.value.aggregate_id, e.value.version) == (scene.aggregate_id, 3)
    with pytest.raises(StoredRecordError):
        scene.world.document(scene.identifier)
    expire = scene.world.platform.sign(
        acts.ExpireLicense, subject=scene.identifier, expected_version=3
    )
    with pytest.raises(RefusedError) as refusal:
        scene.world.submit(expire)
    assert refusal.value.code == "ledger.record.corrupt"
    assert_caught(online(scene), "record.malformed", 3, scene.key)


def test_changed_byte_in_the_signing_seals_history_is_caught(scene: Scene) -> None:
    """A changed signature in the seal's filing record is caught: offline the document's seal
    section no longer matches the bundle; online the seal's history does not verify."""
    seal_code = decode_record(scene.store.state(scene.aggregate_id, 1)).statement
    seal = scene.world.ledger.get_seal(msgspec.json.decode(seal_code)["seal"])
    filing = decode_record(scene.store.state(seal.id, 2))
    scene.store.set(
        seal.id,
        2,
        "state",
        msgspec.structs.replace(filing, signature=flip(filing.signature, 3)).encode(),
    )
    off = offline(scene)
    assert not off.ok
    assert codes_of(off) == ["document.seal.mismatch"]
    on = online(scene)
    assert not on.ok
    assert "verifier.internal_error" not in codes_of(on), on.to_dict()
    assert on.findings[0].subject == seal.code, on.to_dict()


def codes_of(verdict: Verdict) -> list[str]:
    """The verdict's finding codes."""
    return [f.code for f in verdict.findings]


def test_record_carrying_another_events_statement_is_a_corrupt_row(scene: Scene) -> None:
    """The suspension's row re-encoded with the amendment's statement and signature (each
    genuine): reads refuse the row, submit refuses as corrupt, verification catches it."""
    amend = decode_record(scene.store.state(scene.aggregate_id, 2))
    rewrite(scene, 3, statement=amend.statement, signature=amend.signature)
    with pytest.raises(StoredRecordError) as e:
        scene.world.ledger.get_license(scene.identifier)
    assert (e.value.aggregate_id, e.value.version) == (scene.aggregate_id, 3)
    expire = scene.world.platform.sign(
        acts.ExpireLicense, subject=scene.identifier, expected_version=3
    )
    with pytest.raises(RefusedError) as refusal:
        scene.world.submit(expire)
    assert refusal.value.code == "ledger.record.corrupt"
    assert_caught(online(scene), "record.statement.mismatch", 3, scene.key)
