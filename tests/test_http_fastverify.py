"""``POST /v1/verify`` answered before routing (elicense_http.fastverify) gives exactly
what the router's handler gives, and hands everything it should not answer to the
router: chunked or large bodies, PDFs, other methods, and errors while verifying."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.acts import decode_statement
from elicense.errors import StorageError
from elicense_http.app import create_app
from elicense_http.fastverify import FAST_MAX, FastVerify
from http_support import serve, write_key
from support import World, flip

JSON = {"content-type": "application/json"}


def _chunked(data: bytes) -> Iterator[bytes]:
    """The body as a generator: httpx sends it chunked, without Content-Length."""
    yield data[: len(data) // 2]
    yield data[len(data) // 2 :]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, bytes]]:
    world = World.new(tmp_path / "ledger.db")
    dept = world.department(1)
    type_code = world.define_type(dept)
    signed = world.issue(dept, type_code, 1)
    world.submit(signed)
    yield world, world.document(decode_statement(signed.statement).subject)
    world.ledger.close()


def test_fast_and_routed_answers_are_the_same_bytes(
    tmp_path: Path, world: tuple[World, bytes]
) -> None:
    """Over real HTTP: a document with Content-Length (answered before routing) and the
    same document sent chunked (routed, verified in a worker thread) give the same status,
    media type and verdict bytes — for the genuine document and for a tampered one, whose
    verdict fails with a code."""
    w, doc = world
    key = write_key(w, tmp_path)
    tampered = flip(doc, len(doc) // 2)
    with serve(w.ledger.dsn, key, tmp_path) as server, server.client() as c:
        for data in (doc, tampered):
            fast = c.post("/v1/verify", content=data, headers=JSON)
            routed = c.post("/v1/verify", content=_chunked(data), headers=JSON)
            assert fast.status_code == routed.status_code == 200
            assert fast.headers["content-type"] == routed.headers["content-type"]
            assert fast.content == routed.content
        assert c.post("/v1/verify", content=doc, headers=JSON).json()["ok"] is True
        bad = c.post("/v1/verify", content=tampered, headers=JSON).json()
        assert bad["ok"] is False
        assert bad["findings"][0]["code"]
        assert c.get("/v1/verify").status_code == 405  # other methods: the router's answer
    assert server.stderr().count('"route": "/v1/verify"') >= 4  # both paths log the request


def _front(w: World, verify_json: Any = None) -> tuple[Any, list[str]]:
    """The application with its router wrapped to record which requests reached it."""
    app = create_app(w.ledger, w.platform_key, log_writer=False, max_body=FAST_MAX * 4)
    routed: list[str] = []

    async def router(scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])
        await app.route(scope, receive, send)

    fast = app.fast_verify
    assert fast is not None
    app.fast_verify = FastVerify(
        verify_json or app.state.service.verify_json, router, fast._on_error, lambda *a: None
    )
    return app, routed


def _post(app: Any, path: str, data: bytes, method: str = "POST") -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.request(method, path, content=data, headers=JSON)

    return asyncio.run(go())


def test_only_small_documents_are_answered_before_routing(world: tuple[World, bytes]) -> None:
    """A JSON document is answered without the router; a PDF, a body over FAST_MAX and a
    body with no Content-Length reach the router, which answers them (a coded verdict,
    or 413 past the body limit)."""
    w, doc = world
    app, routed = _front(w)
    assert _post(app, "/v1/verify", doc).json()["ok"] is True
    assert routed == []
    pdf = _post(app, "/v1/verify", b"%PDF-1.7\n" + b"0" * 64)
    assert pdf.status_code == 200
    assert pdf.json()["ok"] is False
    assert routed == ["/v1/verify"]
    big = _post(app, "/v1/verify", b"{" + b" " * FAST_MAX + b"}")
    assert big.status_code == 200
    assert big.json()["findings"][0]["code"].startswith("document.")
    assert routed == ["/v1/verify"] * 2
    too_big = _post(app, "/v1/verify", b"{" + b" " * (FAST_MAX * 4) + b"}")
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "request.too_large"


def test_a_store_failure_while_verifying_answers_503_once(world: tuple[World, bytes]) -> None:
    """When verification finds the store unavailable, the fast path answers the
    application's own problem for it — 503 store.unavailable with Retry-After — and does
    not try again through the router (an outage is no time to double the waiting)."""
    w, doc = world
    calls: list[int] = []

    def failing(data: bytes) -> bytes:
        calls.append(len(data))
        raise StorageError("the ledger's store did not answer: connection refused")

    app, routed = _front(w, failing)
    r = _post(app, "/v1/verify", doc)
    assert (calls, routed) == ([len(doc)], [])
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == "1"
    assert r.json()["code"] == "store.unavailable"
    genuine, _ = _front(w)
    assert _post(genuine, "/v1/verify", doc).json()["ok"] is True  # the twin: store up


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    body=st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=300).map(lambda b: b"{" + b),
        st.text(max_size=200).map(str.encode),
    ),
    length=st.one_of(st.none(), st.sampled_from(["abc", "-1", "1e3", "5", " 7", "99999999"])),
)
def test_garbage_bodies_and_lengths_answer_a_coded_verdict_or_problem(
    garbage_app: Any, body: bytes, length: str | None
) -> None:
    """Hypothesis: any body, with a Content-Length that may be a lie or not a number, is
    answered by a verdict with a code (200) or a problem with a code — never a 500."""

    async def go() -> tuple[int, Any]:
        scope_headers = [(b"content-type", b"application/json")]
        if length is not None:
            scope_headers.append((b"content-length", length.encode()))
        sent: list[Any] = []
        chunks = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Any:
            return chunks.pop() if chunks else {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/v1/verify", "raw_path": b"/v1/verify",
            "query_string": b"", "root_path": "", "headers": scope_headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        await garbage_app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], msgspec.json.decode(data)

    status, answer = asyncio.run(go())
    assert status < 500, answer
    if status == 200:
        assert answer["ok"] is False
        assert answer["findings"][0]["code"]
    else:
        assert answer["code"]


@pytest.fixture(scope="module")
def garbage_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    w = World.new(tmp_path_factory.mktemp("garbage") / "ledger.db")
    yield create_app(w.ledger, w.platform_key, log_writer=False, max_body=FAST_MAX * 4)
    w.ledger.close()
