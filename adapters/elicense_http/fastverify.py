"""``POST /v1/verify`` of a JSON document, answered before routing, on the event loop.

Verification is the public hot route (every scan of a verify-me QR, every
department checking a license it received). Through the router it cost about
twice the framework's own echo plus the in-process verification: the hop to a
worker thread and back, the dependency injection, and the framework's code
running between two verifications (which evicts what the interpreter keeps warm)
(measured in benchmarks/http.py; docs/http.md gives the figures).

So a request that is certainly a small JSON document or a verify-me payload is
answered here, in a few lines of plain ASGI, with the same bytes the router's
handler gives (``Service.verify_json``). Anything else — another method, no or a
large ``Content-Length``, a PDF or OFD body, an error of any kind while verifying —
goes to the router, which answers it as before (413, problem+json, a worker
thread for the large documents). When verification raises (the store is down…),
the answer is the application's own problem for that exception (``on_error``:
the one table from an exception to a status and a code), never a second try.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from elicense_http.problems import PROBLEM_JSON

__all__ = ["FAST_MAX", "PATH", "FastVerify"]

PATH = "/v1/verify"
FAST_MAX = 256 * 1024
"""Largest body answered here (bytes): a JSON license document with a long history."""

_VERDICT = [(b"content-type", b"application/json")]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]
AccessLog = Callable[[Scope, str, int, int, float], None]
OnError = Callable[[Exception], tuple[int, dict[str, str], bytes]]


class FastVerify:
    """Answers small ``POST /v1/verify`` requests itself; hands the rest to ``router``.

    Args:
        verify_json: ``Service.verify_json`` (document bytes → the verdict's JSON).
        router: the application that answers everything else (the Litestar router).
        on_error: an exception → the status, extra headers and body of its problem.
        access_log: writes the access line (if access logging is on).
    """

    def __init__(
        self,
        verify_json: Callable[[bytes], bytes],
        router: ASGI,
        on_error: OnError,
        access_log: AccessLog,
    ) -> None:
        self._verify_json = verify_json
        self._router = router
        self._on_error = on_error
        self._access_log = access_log

    @staticmethod
    def wants(scope: Scope) -> bool:
        """Whether ``scope`` is a request this path may answer."""
        return bool(scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = _content_length(scope)
        if length is None or length > FAST_MAX:
            await self._router(scope, receive, send)
            return
        start = time.perf_counter()
        body, disconnected = await _read(receive, length)
        if disconnected:
            return  # the client went away: nobody to answer
        if not _small_document(body):
            await self._router(scope, _replay(body, receive), send)
            return
        try:
            status, headers, data = 200, _VERDICT, self._verify_json(body)
        except Exception as e:  # answered as the router answers it (503 store.unavailable …)
            status, extra, data = self._on_error(e)
            headers = [(b"content-type", PROBLEM_JSON.encode()), *_encode(extra)]
        headers = [*headers, (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
        self._access_log(scope, PATH, status, len(data), start)


def _content_length(scope: Scope) -> int | None:
    found = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            if found is not None or not value.isdigit():
                return None  # repeated or malformed: the router decides
            found = int(value)
        elif name == b"transfer-encoding":
            return None
    return found


async def _read(receive: Receive, length: int) -> tuple[bytes, bool]:
    """The body (at most ``length`` bytes: the server enforces Content-Length)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _small_document(body: bytes) -> bool:
    """A JSON document, or a verify-me payload (text, no PDF or OFD container)."""
    head = body[:1]
    return head == b"{" or (0 < len(body) <= 4096 and not body.startswith((b"%PDF", b"PK")))


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over ``body`` (already read) once, then the client's."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
