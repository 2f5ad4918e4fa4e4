"""The service over real HTTP: ``elicense serve`` on uvicorn in a subprocess, on a SQLite
file and on PostgreSQL with two workers submitting concurrently."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from elicense.acts import decode_statement
from elicense.crypto.keys import load_public_key
from elicense_sql.log_proofs import SqlLog
from http_support import Server, body, serve, stored, write_key
from support import World, flip

JSON = {"content-type": "application/json"}


def _covered(server: Server, size: int, timeout: float = 60) -> dict[str, Any]:
    """Wait until the newest checkpoint covers ``size`` leaves; return it."""
    from elicense.log.checkpoint import decode_signed_checkpoint

    deadline = time.monotonic() + timeout
    with server.client() as c:
        while True:
            r = c.get("/v1/log/checkpoint")
            if r.status_code == 200:
                cp = decode_signed_checkpoint(r.content).decoded()
                if cp.tree_size >= size:
                    return {"tree_size": cp.tree_size}
            assert time.monotonic() < deadline, r.text
            time.sleep(0.1)


def _audit_clean(world: World, dsn: str) -> None:
    log = SqlLog.existing(dsn, world.ledger.origin)
    assert log is not None
    try:
        key = load_public_key(world.pem())
        report = log.audit({key.key_id: key}.get)
        assert report.ok, report.findings
        assert report.unlogged_tail == 0
        assert len(report.checkpoints) >= 1
    finally:
        log.store.close()


def test_sqlite_server_records_verifies_and_refuses(tmp_path: Path) -> None:
    """On SQLite: a submission over HTTP waits for its inclusion, verifies online, replays
    idempotently; a flipped byte and a garbage body are refused with codes and change
    nothing; the log audit is clean."""
    world = World.new(tmp_path / "ledger.db")
    dept = world.department(1)
    type_code = world.define_type(dept)
    key = write_key(world, tmp_path)
    dsn = world.ledger.dsn
    signed = world.issue(dept, type_code, 1)
    with serve(dsn, key, tmp_path) as server, server.client() as c:
        r = c.post("/v1/statements?wait=inclusion", content=body(signed), headers=JSON)
        assert r.status_code == 201, r.text
        assert r.json()["evidence"][0]["leaf_index"] == r.json()["receipts"][0]["position"] - 1
        before = stored(dsn)
        again = c.post("/v1/statements", content=body(signed), headers=JSON)
        assert again.status_code == 200
        assert again.json()["receipts"] == r.json()["receipts"]
        bad = msgspec.structs.replace(signed, signature=flip(signed.signature, 3))
        refused = c.post("/v1/statements", content=body(bad), headers=JSON)
        assert refused.status_code == 401
        assert refused.json()["code"] == "statement.signature.invalid"
        garbage = c.post("/v1/statements", content=b"\xff{not json", headers=JSON)
        assert garbage.status_code == 400
        assert garbage.headers["content-type"].startswith("application/problem+json")
        assert stored(dsn) == before
        doc = world.document(decode_statement(signed.statement).subject)
        verdict = c.post("/v1/verify", content=doc, headers=JSON).json()
        assert verdict["ok"] is True
        assert c.get("/healthz").json()["log_writer"] is True
    assert "log writer elected" in server.stderr()
    assert '"route": "/v1/statements"' in server.stderr()
    assert (
        decode_statement(signed.statement).subject not in server.stderr()
    )  # no identifiers in access logs
    _audit_clean(world, dsn)


@pytest.mark.postgres
def test_postgres_two_workers_concurrent_submissions(
    tmp_path: Path, postgres_dsn: str, pg_schema: str
) -> None:
    """Two uvicorn workers on PostgreSQL, two clients submitting distinct batches and the
    same batch concurrently: no event lost or duplicated, one log writer elected, every
    receipt's position holds its statement, and the log audit is clean (no fork)."""
    dsn = f"{postgres_dsn}?schema={pg_schema}"
    world = World.new(dsn)
    dept = world.department(1)
    type_code = world.define_type(dept)
    key = write_key(world, tmp_path)
    start = len(stored(dsn))
    batches = [[world.issue(dept, type_code, 100 * b + k) for k in range(5)] for b in range(12)]
    shared = [world.issue(dept, type_code, 9000 + k) for k in range(3)]
    answers: dict[str, list[Any]] = {"a": [], "b": []}
    errors: list[str] = []

    def client(name: str, mine: list[list[Any]], server: Server) -> None:
        with server.client() as c:
            for batch in [shared, *mine]:
                r = c.post("/v1/statements", content=body(*batch), headers=JSON)
                if r.status_code not in (200, 201):
                    errors.append(r.text)
                answers[name].append((batch, r.json()))

    with serve(dsn, key, tmp_path, workers=2) as server:
        threads = [
            threading.Thread(target=client, args=("a", batches[0::2], server)),
            threading.Thread(target=client, args=("b", batches[1::2], server)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        total = start + 12 * 5 + len(shared)
        _covered(server, total)
        # while both workers run, exactly one of them writes the log (at shutdown the
        # survivor may take over the lock: that is failover, not a second writer)
        elected = server.stderr().count("log writer elected")
    rows = stored(dsn)
    assert len(rows) == total
    by_position = {p: state for p, _, _, state in rows}
    from elicense.record import decode_record

    for name in answers:
        for batch, answer in answers[name]:
            for signed, receipt in zip(batch, answer["receipts"], strict=True):
                record = decode_record(by_position[receipt["position"]])
                assert record.statement == signed.statement
    assert answers["a"][0][1]["receipts"] == answers["b"][0][1]["receipts"]
    assert elected == 1
    _audit_clean(world, dsn)


@pytest.mark.postgres
def test_postgres_outage_answers_503_and_recovers_without_a_restart(
    tmp_path: Path, postgres_dsn: str
) -> None:
    """While the database refuses connections the service answers 503 store.unavailable
    (never 500) to writes and to verification; once it accepts them again the same
    process records, reads and verifies."""
    import uuid

    import psycopg

    name = "t_outage_" + uuid.uuid4().hex[:10]
    admin = psycopg.connect(postgres_dsn, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    dsn = postgres_dsn.rsplit("/", 1)[0] + "/" + name

    def cut(on: bool) -> None:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {'false' if on else 'true'}")
        if on:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )

    try:
        world = World.new(dsn)
        dept = world.department(1)
        type_code = world.define_type(dept)
        key = write_key(world, tmp_path)
        before, after = world.issue(dept, type_code, 1), world.issue(dept, type_code, 2)
        known = world.issue(dept, type_code, 3)
        world.submit(known)
        doc = world.document(decode_statement(known.statement).subject)
        world.ledger.close()
        with serve(dsn, key, tmp_path) as server, server.client() as c:
            assert c.post("/v1/statements", content=body(before), headers=JSON).status_code == 201
            assert c.post("/v1/verify", content=doc, headers=JSON).json()["ok"] is True
            cut(True)
            unverified = c.post("/v1/verify", content=doc, headers=JSON)
            assert unverified.status_code == 503, unverified.text
            assert unverified.json()["code"] == "store.unavailable"
            down = c.post("/v1/statements", content=body(after), headers=JSON)
            assert down.status_code == 503, down.text
            assert down.json()["code"] == "store.unavailable"
            assert down.headers["retry-after"]
            assert c.get("/readyz").status_code == 503
            cut(False)
            deadline = time.monotonic() + 90  # the pool's reconnection backs off
            while c.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.2)
            up = c.post("/v1/statements", content=body(after), headers=JSON)
            assert up.status_code == 201, up.text
            assert c.post("/v1/verify", content=doc, headers=JSON).json()["ok"] is True
        assert len(stored(dsn)) == len({p for p, *_ in stored(dsn)})  # nothing twice
    finally:
        cut(False)
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
