"""D5: opening one PostgreSQL ledger from many processes at once (reliability findings).

Every ``Ledger(dsn)`` runs eventsourcing's schema creation; run by several
processes at once it collided (``tuple concurrently updated``, a duplicate
``pg_type`` row) with untyped errors. Eight processes open a fresh store, then
open the established ledger and each record a statement, at a barrier, round
after round: every attempt must succeed. ``ELICENSE_CONCURRENT_OPEN_ROUNDS``
sets the rounds (default 2; the long run is 20).
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator

import pytest

from elicense.cli import main
from elicense.codec import canonical
from elicense.errors import StorageError
from elicense.ledger.application import Ledger
from elicense_demo.scenario import LICENSE_TYPES, City
from race_support import open_and_write

PROCESSES = 8
ROUNDS = int(os.environ.get("ELICENSE_CONCURRENT_OPEN_ROUNDS", "2"))

pytestmark = pytest.mark.postgres


@pytest.fixture
def schemas(postgres_dsn: str) -> Iterator[list[str]]:
    """``ROUNDS + 1`` empty schemas of our own, dropped afterwards."""
    import psycopg

    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(ROUNDS + 1)]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield names
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.mark.slow
def test_d5_eight_processes_open_and_write_one_ledger_at_once(
    postgres_dsn: str, schemas: list[str]
) -> None:
    """8 processes × ROUNDS: opening a fresh store and opening and writing the established
    ledger at a barrier never fails (on 95e344f: InternalError "tuple concurrently updated",
    IntegrityError on pg_type, ProgrammingError — untyped)."""
    existing, fresh = f"{postgres_dsn}?schema={schemas[0]}", schemas[1:]
    city = City(alg="ecdsa-p256-sha256", seed=5)
    ledger = Ledger(existing)
    try:
        ledger.establish(origin=city.origin, name="race", signer=city.platform_key)
        ledger.submit_many(city.founding())
    finally:
        ledger.close()
    spec = LICENSE_TYPES[1]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [
        ctx.Process(
            target=open_and_write,
            args=(
                [f"{postgres_dsn}?schema={s}" for s in fresh],
                existing,
                [canonical(city.issuance(spec, 100 * n + w)) for n in range(ROUNDS)],
                barrier,
                results,
            ),
        )
        for w in range(PROCESSES)
    ]
    for p in workers:
        p.start()
    outcomes = [results.get(timeout=600) for _ in range(2 * ROUNDS * PROCESSES)]
    for p in workers:
        p.join(timeout=60)
    failed = [o for o in outcomes if o[2] != "ok"]
    print(
        f"concurrent open: {PROCESSES} processes x {ROUNDS} rounds, {len(outcomes)} attempts, "
        f"{len(failed)} failed, {sum('untyped' in o[2] for o in failed)} untyped"
    )
    assert not failed, failed[:5]
    assert all(p.exitcode == 0 for p in workers)
    ledger = Ledger(existing)
    try:
        licenses = [city.license_id(spec, 100 * n + w) for n in range(ROUNDS) for w in range(8)]
        assert all(ledger.get_license(str(i)).version == 1 for i in licenses)
    finally:
        ledger.close()


def test_d5_a_store_that_cannot_be_opened_is_a_storage_error(postgres_dsn: str) -> None:
    """What still fails is typed: a schema that does not exist is a StorageError (on
    95e344f: eventsourcing's ProgrammingError)."""
    with pytest.raises(StorageError) as e:
        Ledger(f"{postgres_dsn}?schema=t_{uuid.uuid4().hex[:12]}_absent")
    assert "PostgreSQL" in str(e.value)


def test_d5_cli_exits_2_on_a_storage_error(
    postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI answers a store it cannot open with exit 2 and one line, not a traceback and
    exit 1 (the exit of an "invalid" verdict)."""
    dsn = f"{postgres_dsn}?schema=t_{uuid.uuid4().hex[:12]}_absent"
    code = main(
        [
            "verify",
            "1.2.156.3005.2.11110000000000001R001.11110000000000001R.2026000001",
            "--ledger",
            dsn,
            "--json",
        ]
    )
    assert code == 2
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object, no traceback
    assert '"ok":false' in out
    assert "PostgreSQL" in out  # the store is named (the code is dotted since issue 17)
