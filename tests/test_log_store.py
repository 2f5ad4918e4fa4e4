"""The SQL log: follower, stored proofs, checkpoints and status lists, on SQLite and
PostgreSQL — every event logged exactly once, however the follower is stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from elicense.errors import ConflictError
from elicense.ledger.export import export_license, sign_bundle, trust_bundle
from elicense.log.checkpoint import CheckpointVerifier
from elicense.log.statusdoc import ListKind, StatusListDocument, load_status_list
from elicense.log.statuslist import Status, StatusArray, w3c_bit
from elicense.merkle import SHA256, root, verify_consistency, verify_inclusion
from elicense.verify.verifier import Verifier
from elicense_demo.scenario import City
from elicense_sql.connection import SqlStore
from elicense_sql.events import EventTable
from elicense_sql.follower import LogFollower
from elicense_sql.log_proofs import SqlLog
from elicense_sql.log_store import CHUNK, SqlLogStore
from logkit import KINDS, build_ledger, fill_events

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def city() -> City:
    return City(alg="ecdsa-p256-sha256", seed=9162)


@pytest.fixture
def store(dsn: str) -> Iterator[SqlLogStore]:
    s = SqlLogStore.open(dsn)
    yield s
    s.close()


def _events(dsn: str) -> list[tuple[int, bytes]]:
    with SqlStore(dsn) as s:
        return [(r.position, r.state) for r in EventTable(s).rows()]


def _assert_logged_once(dsn: str, store: SqlLogStore) -> None:
    """The log holds every event exactly once, in order, with the tree they make."""
    events = _events(dsn)
    leaves = list(store.leaves())
    assert [leaf.position for leaf in leaves] == [p for p, _ in events]
    assert [leaf.leaf_index for leaf in leaves] == list(range(len(events)))
    hashes = [SHA256.leaf(state) for _, state in events]
    assert [leaf.hash for leaf in leaves] == hashes
    assert store.state() == (events[-1][0], len(events))
    assert store.frontier().root() == root(hashes)


def test_follower_logs_every_event_and_proves_each(
    dsn: str, store: SqlLogStore, city: City
) -> None:
    """After catching up, every leaf has an inclusion proof and every older size a
    consistency proof, both from stored nodes, that verify against the root."""
    ledger, _ = build_ledger(city, dsn)
    assert LogFollower(store).catch_up() == ledger.max_position()
    _assert_logged_once(dsn, store)
    log = SqlLog(store, ledger.origin)
    size = store.state()[1]
    hashes = [leaf.hash for leaf in store.leaves()]
    top = root(hashes)
    for i, leaf in enumerate(store.leaves()):
        assert store.leaf_at(leaf.position) == i
        verify_inclusion(leaf.hash, i, size, log.inclusion_proof(i, size), top)
    for m in (1, 2, 7, size // 2, size - 1, size):
        verify_consistency(m, size, root(hashes[:m]), top, log.consistency_proof(m, size))
    ledger.close()


@pytest.mark.parametrize("page", [3, 100, CHUNK, 1000])
def test_pages_of_any_size_build_the_same_tree(dsn: str, store: SqlLogStore, page: int) -> None:
    """Chunks filled across page boundaries hold exactly the nodes of the tree."""
    fill_events(dsn, 3 * CHUNK + 37)
    follower = LogFollower(store, page=page)
    follower.catch_up()
    _assert_logged_once(dsn, store)
    size = follower.size
    hashes = [leaf.hash for leaf in store.leaves()]
    for i in range(0, size, 41):
        proof = SqlLog(store, "x").inclusion_proof(i, size)
        verify_inclusion(hashes[i], i, size, proof, root(hashes))


def test_follower_failing_inside_a_transaction_resumes_without_gaps_or_duplicates(
    dsn: str, store: SqlLogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A follower that dies after writing a page's rows but before committing leaves no trace;
    a new one finishes the job exactly once."""
    fill_events(dsn, 2 * CHUNK + 11)
    follower = LogFollower(store, page=50)
    follower.step()
    follower.step()
    real = store.sql.execute

    def dies_at_commit(statement: str, params: Any = ()) -> Any:
        if statement.startswith("UPDATE elicense_log_state"):
            raise KeyboardInterrupt("killed between the page's writes and its commit")
        return real(statement, params)

    monkeypatch.setattr(store.sql, "execute", dies_at_commit)
    with pytest.raises(KeyboardInterrupt):
        follower.step()
    monkeypatch.undo()
    with SqlLogStore.open(dsn) as fresh:
        assert fresh.state()[1] == 100
        LogFollower(fresh, page=64).catch_up()
        _assert_logged_once(dsn, fresh)


def test_follower_killed_by_a_signal_resumes_without_gaps_or_duplicates(
    dsn: str, store: SqlLogStore
) -> None:
    """``elicense log follow`` killed with SIGKILL mid-stream; the next run completes the log."""
    fill_events(dsn, 6000)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "adapters")]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "elicense",
            "log",
            "follow",
            "--ledger",
            dsn,
            "--page",
            "10",
            "--interval",
            "0.05",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while store.state()[1] < 300 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_at = store.state()[1]
    assert 300 <= killed_at < 6000, killed_at
    LogFollower(store, page=500).catch_up()
    _assert_logged_once(dsn, store)


def test_a_second_follower_is_refused_not_duplicated(dsn: str, store: SqlLogStore) -> None:
    """Two followers racing: the one that lost is refused and writes nothing."""
    fill_events(dsn, 120)
    with SqlLogStore.open(dsn) as other:
        first, second = LogFollower(store, page=50), LogFollower(other, page=50)
        first.step()
        with pytest.raises(ConflictError) as e:
            second.step()
        assert e.value.code == "log.follower.conflict"
        second.reload()
        second.catch_up()
    _assert_logged_once(dsn, store)


def test_checkpoint_status_lists_and_evidence(dsn: str, store: SqlLogStore, city: City) -> None:
    """A checkpoint's lists give each license's newest record its status and every
    superseded record INVALID; exported evidence verifies on the log path."""
    ledger, ids = build_ledger(city, dsn)
    LogFollower(store).catch_up()
    log = SqlLog(store, ledger.origin)
    signed = log.checkpoint(city.platform_key, now=datetime.now(UTC))
    keys = {city.platform_key.public_key.key_id: city.platform_key.public_key}.get
    cp = CheckpointVerifier(keys, ledger.origin).verify(signed)
    assert (cp.tree_size, cp.root_hash) == (store.state()[1], store.frontier().root())
    lists = log.status_lists(cp.tree_size)
    assert [
        msgspec.json.decode(s.status_list, type=StatusListDocument).kind for s in lists
    ] == list(ListKind)
    ietf = load_status_list(lists[0], keys, cp)
    expected = {
        "plain": 0,
        "suspended": 2,
        "revoked": 1,
        "amended": 0,
        "reinstated": 0,
        "renewed": 0,
    }
    leaf_of = {leaf.position: leaf.leaf_index for leaf in store.leaves()}
    for kind in KINDS:
        history = [e.position for e in ledger.history(ledger.get_license(ids[kind]).id)]
        head = leaf_of[history[-1]]
        assert ietf.status_of_leaf(head)[1] == expected[kind], kind
        for old in history[:-1]:
            assert ietf.status_of_leaf(leaf_of[old])[1] == Status.INVALID, (kind, old)
    bundle = sign_bundle(trust_bundle(ledger, log), city.platform_key)
    verifier = Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key])
    for kind in KINDS:
        v = verifier.verify(export_license(ledger, ids[kind], log=log))
        assert v.evidence.get("path") == "log", (kind, v.to_dict())
        assert v.ok == (kind not in ("suspended", "revoked")), (kind, v.to_dict())
    ledger.close()


def test_w3c_lists_agree_with_the_ietf_list(dsn: str, store: SqlLogStore, city: City) -> None:
    """The W3C revocation and suspension bitstrings mark exactly the IETF list's INVALID
    and SUSPENDED entries of the same checkpoint."""
    import gzip

    ledger, _ = build_ledger(city, dsn)
    LogFollower(store).catch_up()
    log = SqlLog(store, ledger.origin)
    cp = log.checkpoint(city.platform_key).decoded()
    docs = [
        msgspec.json.decode(s.status_list, type=StatusListDocument)
        for s in log.status_lists(cp.tree_size)
    ]
    ietf = StatusArray.from_compressed(docs[0].lst, docs[0].size, 2)
    for doc, value in ((docs[1], Status.INVALID), (docs[2], Status.SUSPENDED)):
        bits = gzip.decompress(doc.lst)
        marked = {i for i in range(doc.size) if bits[i >> 3] and w3c_bit(bits, i)}
        assert marked == {i for i in range(doc.size) if ietf[i] == value}
        assert doc.standard_json()["encodedList"].startswith("u")
    ledger.close()


def test_old_checkpoints_stay_provable(dsn: str, store: SqlLogStore, city: City) -> None:
    """A leaf is provable against a checkpoint signed before more events arrived."""
    ledger, ids = build_ledger(city, dsn)
    LogFollower(store).catch_up()
    log = SqlLog(store, ledger.origin)
    old = log.checkpoint(city.platform_key).decoded()
    fill_events(dsn, 300, seed=5)
    LogFollower(store).catch_up()
    new = log.checkpoint(city.platform_key).decoded()
    leaf = store.leaf_at(ledger.history(ledger.get_license(ids["plain"]).id)[-1].position)
    assert leaf is not None
    leaf_hash = next(x.hash for x in store.leaves() if x.leaf_index == leaf)
    verify_inclusion(
        leaf_hash, leaf, old.tree_size, log.inclusion_proof(leaf, old.tree_size), old.root_hash
    )
    verify_consistency(
        old.tree_size,
        new.tree_size,
        old.root_hash,
        new.root_hash,
        log.consistency_proof(old.tree_size, new.tree_size),
    )
    assert [s.decoded().tree_size for s in log.signed_checkpoints()] == [
        old.tree_size,
        new.tree_size,
    ]
    ledger.close()


def test_evidence_is_none_until_a_checkpoint_covers_the_record(
    dsn: str, store: SqlLogStore, city: City
) -> None:
    """No checkpoint, or one older than the record: the document carries no evidence."""
    ledger, ids = build_ledger(city, dsn, extra=0)
    LogFollower(store).catch_up()
    log = SqlLog(store, ledger.origin)
    position = ledger.max_position()
    assert log.evidence(position) is None
    log.checkpoint(city.platform_key)
    assert log.evidence(position) is not None
    fill_events(dsn, 3, seed=9)
    LogFollower(store).catch_up()
    assert log.evidence(ledger.max_position()) is None
    assert b'"log"' in export_license(ledger, ids["plain"], log=log)
    ledger.close()


def test_follower_signs_checkpoints_as_it_goes(dsn: str, store: SqlLogStore, city: City) -> None:
    """``run`` with ``checkpoint_every`` leaves a signed checkpoint of the whole log."""
    import threading

    ledger, _ = build_ledger(city, dsn, extra=0)
    log = SqlLog(store, ledger.origin)
    stop = threading.Event()
    follower = LogFollower(store)
    follower.run(
        interval=0.01,
        stop=stop,
        log=log,
        signer=city.platform_key,
        checkpoint_every=0.0,
        on_page=lambda _: stop.set(),
    )
    latest = log.latest()
    assert latest is not None
    assert latest.decoded().tree_size == ledger.max_position() == follower.size
    ledger.close()


def test_an_sm3_log_verifies_on_the_log_path(dsn: str, city: City) -> None:
    """A log made with SM3 names it in its checkpoints, and verifiers hash with it."""
    from elicense.merkle import SM3

    ledger, ids = build_ledger(city, dsn, extra=0)
    with SqlLogStore.open(dsn, algorithm=SM3) as sm3:
        LogFollower(sm3).catch_up()
        log = SqlLog(sm3, ledger.origin)
        cp = log.checkpoint(city.platform_key).decoded()
        assert cp.hash_alg == "sm3"
        assert cp.root_hash == root([SM3.leaf(s) for _, s in _events(dsn)], algorithm=SM3)
        bundle = sign_bundle(trust_bundle(ledger, log), city.platform_key)
        verifier = Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key])
        v = verifier.verify(export_license(ledger, ids["renewed"], log=log))
        assert v.ok, v.to_dict()
        assert v.evidence["checkpoint"]["hash_alg"] == "sm3"
    ledger.close()
