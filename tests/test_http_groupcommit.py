"""Uses that reach the ledger together are recorded in one transaction (group commit),
and each request still gets the answer it would have had alone: used, refused by a
rule (recorded), or not validly made (nothing recorded for it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from auth_support import reuse_world, signed_headers, use_body
from elicense_http.app import create_app
from elicense_http.groupcommit import GroupCommit
from http_support import stored
from reuse_support import ReuseWorld
from support import flip

BASE = "http://elicense.test"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ReuseWorld]:
    w, _ = reuse_world(tmp_path / "ledger.db")
    yield w
    w.ledger.close()


def _requests(w: ReuseWorld, n: int) -> list[tuple[str, bytes]]:
    """``n`` use bodies, each tagged with the answer it must get: every third has no
    consent (a rule refuses it: recorded as refused), every fifth carries a statement
    whose signature is broken (not validly made: nothing recorded)."""
    out = []
    for k in range(n):
        lic = w.license_id(1 + k % 2)
        if k % 5 == 4:
            code = w.consent(1 + k % 2, w.user, license=lic)
            signed = w.use_statement(w.user, license=lic, consent=code)
            signed = msgspec.structs.replace(signed, signature=flip(signed.signature, 5))
            out.append(("invalid", use_body(signed)))
        elif k % 3 == 2:
            out.append(("refused", use_body(w.use_statement(w.user, license=lic))))
        else:
            code = w.consent(1 + k % 2, w.user, license=lic)
            out.append(("used", use_body(w.use_statement(w.user, license=lic, consent=code))))
    return out


async def _post_all(app: Any, w: ReuseWorld, bodies: list[bytes]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:

        async def post(body: bytes) -> httpx.Response:
            headers = signed_headers(w.user.key, w.user.seal, "POST", BASE + "/v1/uses", body)
            return await c.post("/v1/uses", content=body, headers=headers)

        return list(await asyncio.gather(*(post(b) for b in bodies)))


def test_concurrent_uses_are_recorded_together_each_with_its_own_answer(
    world: ReuseWorld,
) -> None:
    """Twelve uses posted at once: fewer transactions than uses, and per request the
    answer of the use alone — 201 used, 403 ``use.consent.missing`` recorded as refused,
    401 ``statement.signature.invalid`` with nothing recorded for it."""
    w = world
    tagged = _requests(w, 12)
    before = stored(w.ledger.dsn)
    app = create_app(w.ledger, w.platform_key, log_writer=False)
    answers = asyncio.run(_post_all(app, w, [b for _, b in tagged]))
    expected = {"used": 201, "refused": 403, "invalid": 401}
    for (kind, _), r in zip(tagged, answers, strict=True):
        assert r.status_code == expected[kind], (kind, r.text)
        if kind == "refused":
            assert r.json()["code"] == "use.consent.missing"
        if kind == "invalid":
            assert r.json()["code"] == "statement.signature.invalid"
    after = stored(w.ledger.dsn)
    assert after[: len(before)] == before
    recorded = sum(kind != "invalid" for kind, _ in tagged)
    assert len(after) == len(before) + recorded  # one record per use; none for the invalid
    positions = sorted(int(r.headers["elicense-position"]) for r in answers if r.status_code != 401)
    assert positions == [p for p, *_ in after[len(before) :]]
    recorder = app.state.access().uses_recorder
    assert recorder.items == len(tagged)
    assert recorder.batches < recorder.items  # the twin of one transaction per use


def test_a_failing_batch_answers_every_request_with_its_error() -> None:
    """When recording raises (the store went away), every request of the batch gets that
    error; the next batch is recorded again."""
    calls: list[list[int]] = []

    def record(items: Any) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            raise OSError("the store went away")
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(record, in_thread=False)

    async def run() -> list[Any]:
        first = await asyncio.gather(*(group.submit(i) for i in (1, 2, 3)), return_exceptions=True)
        second = await asyncio.gather(*(group.submit(i) for i in (4, 5)))
        return [first, second]

    first, second = asyncio.run(run())
    assert [type(e) for e in first] == [OSError] * 3
    assert second == [40, 50]
    assert calls == [[1, 2, 3], [4, 5]]


def test_a_conflict_in_a_batch_reaches_only_the_use_that_collides(
    world: ReuseWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When another worker wins the race for a subject of the batch (ConflictError: nothing
    of the batch recorded), each use is recorded alone: the others are used, and only the
    one that collides answers the conflict. The collision is injected in front of the real
    ReuseService (a race between two workers cannot be timed in a test)."""
    from elicense.errors import ConflictError
    from elicense_http.access import Access
    from elicense_http.auth import Caller

    w = world
    access = Access(w.ledger, w.platform_key)
    tagged = [b for kind, b in _requests(w, 6) if kind == "used"]
    uses = [msgspec.json.decode(b)["statement"] for b in tagged]
    signeds = [
        msgspec.convert(u, type=type(w.use_statement(w.user, license=w.license_id(1))))
        for u in uses
    ]
    colliding = signeds[1].signature
    real = access.reuse.use_many

    sizes: list[int] = []

    def use_many(items: Any, **kw: Any) -> Any:
        items = list(items)
        sizes.append(len(items))
        if any(s.signature == colliding for s in items):
            raise ConflictError("another writer recorded events of the same subjects first")
        return real(items, **kw)

    monkeypatch.setattr(access.reuse, "use_many", use_many)
    caller = Caller(keyid=w.user.seal, department=w.user.uscc)
    before = len(stored(w.ledger.dsn))

    async def run() -> list[Any]:
        calls = [
            access.use(caller, s, copy_days=None, user_name="", method="POST", route="/v1/uses")
            for s in signeds
        ]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    answers = asyncio.run(run())
    assert isinstance(answers[1], ConflictError)
    assert all(a.view for i, a in enumerate(answers) if i != 1)
    assert len(stored(w.ledger.dsn)) == before + len(signeds) - 1
    assert sizes[0] > 1  # a batch, with the colliding use in it …
    assert sizes[1 : 1 + sizes[0]] == [1] * sizes[0]  # … then each of its uses alone


@pytest.mark.postgres
def test_two_workers_on_postgres_record_concurrent_uses_once_each(
    tmp_path: Path, postgres_dsn: str, pg_schema: str
) -> None:
    """Two server processes on one PostgreSQL ledger (batches recorded in a worker thread
    there), three clients each posting distinct signed uses to both at once: every use is
    answered 201 or, when another worker won the race for a subject, 409 and can be sent
    again; in the end every use is recorded exactly once, at the position its answer
    names, and nothing else is."""
    import threading

    from http_support import serve

    dsn = f"{postgres_dsn}?schema={pg_schema}"
    w, _ = reuse_world(dsn)
    bodies = [b for kind, b in _requests(w, 30) if kind == "used"]
    key = tmp_path / "platform.pem"
    key.write_bytes(w.platform_key.to_pem())
    before = len(stored(dsn))
    w.ledger.close()
    positions: list[int] = []
    errors: list[str] = []
    with serve(dsn, key, tmp_path) as first, serve(dsn, key, tmp_path) as second:

        def client(k: int) -> None:
            server = (first, second)[k % 2]
            with server.client() as c:
                for body in bodies[k::3]:
                    for _ in range(5):  # a 409 (nothing recorded) is sent again, signed anew
                        url = server.url + "/v1/uses"
                        headers = signed_headers(w.user.key, w.user.seal, "POST", url, body)
                        r = c.post("/v1/uses", content=body, headers=headers)
                        if r.status_code != 409:
                            break
                    if r.status_code != 201:
                        errors.append(r.text)
                        continue
                    positions.append(int(r.headers["elicense-position"]))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    after = stored(dsn)
    assert len(after) == before + len(bodies)
    assert sorted(positions) == [p for p, *_ in after[before:]]
