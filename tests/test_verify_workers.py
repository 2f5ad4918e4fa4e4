"""``Ledger(verify_processes=N)``: signatures checked in worker processes while the
ledger runs the other checks give exactly the outcome of checking them in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from elicense.acts import Signed
from elicense.errors import BatchRefusedError
from elicense.ledger.application import Ledger
from elicense.ledger.verifyproc import VerifyWorkers, verify_jobs
from support import Dept, World, flip


@pytest.fixture(scope="module")
def offloading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Dept, str]]:
    """A SQLite ledger whose large batches go to one verify worker process."""
    path = Path(tmp_path_factory.mktemp("workers")) / "ledger.db"
    world = World.new(path)
    dept, type_code, _ = world.licensed()
    world.ledger.close()
    world.ledger = Ledger(path, verify_threads=1, verify_processes=1)
    yield world, dept, type_code
    world.ledger.close()


def _batch(world: World, dept: Dept, type_code: str, start: int, count: int = 70) -> list[Signed]:
    return [world.issue(dept, type_code, n) for n in range(start, start + count)]


def test_a_large_batch_is_recorded_with_its_signatures_checked_by_a_worker(
    offloading: tuple[World, Dept, str],
) -> None:
    world, dept, type_code = offloading
    result = world.ledger.submit_many(_batch(world, dept, type_code, 100))
    assert len(result.receipts) == 70
    assert world.ledger._workers is not None  # the batch did go to a worker


def test_a_bad_signature_in_an_offloaded_batch_is_refused_as_in_process(
    offloading: tuple[World, Dept, str],
) -> None:
    """The tamper twin: the batch is judged again with the worker's answers, so the
    refusal names the very statement, and nothing is recorded."""
    world, dept, type_code = offloading
    batch = _batch(world, dept, type_code, 200)
    batch[37] = msgspec.structs.replace(batch[37], signature=flip(batch[37].signature, 9))
    before = world.ledger.max_position()
    with pytest.raises(BatchRefusedError) as e:
        world.ledger.submit_many(batch)
    assert [(i, r.code) for i, r in e.value.refusals] == [(37, "statement.signature.invalid")]
    assert world.ledger.max_position() == before
    partial = world.ledger.submit_many(batch, partial=True)
    assert len(partial.receipts) == 69
    assert [i for i, _ in partial.refusals] == [37]


def test_a_dead_worker_leaves_verification_to_the_ledger(
    offloading: tuple[World, Dept, str],
) -> None:
    world, dept, type_code = offloading
    world.ledger.submit_many(_batch(world, dept, type_code, 300))
    workers = world.ledger._workers
    assert workers is not None
    for proc, _ in workers._workers:
        proc.kill()
        proc.join()
    bad = _batch(world, dept, type_code, 400)
    bad[3] = msgspec.structs.replace(bad[3], signature=flip(bad[3].signature, 9))
    with pytest.raises(BatchRefusedError):
        world.ledger.submit_many(bad)
    assert world.ledger._workers is None
    assert len(world.ledger.submit_many(_batch(world, dept, type_code, 500)).receipts) == 70


def test_verify_jobs_answers_one_byte_per_job(offloading: tuple[World, Dept, str]) -> None:
    _, dept, _ = offloading
    key = dept.key.public_key
    good = dept.key.sign(b"data")
    jobs = [(key.alg, key.spki, b"data", good), (key.alg, key.spki, b"other", good)]
    assert verify_jobs(jobs) == b"\x01\x00"
    workers = VerifyWorkers(2)
    try:
        workers.submit(jobs * 3)
        assert workers.results() == b"\x01\x00" * 3
    finally:
        workers.close()
