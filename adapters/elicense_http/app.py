"""``create_app``: the ASGI application over one ledger.

Composition happens here and nowhere at import time: the ledger, the
service, the log writer thread (if this process wins the election) and the
Litestar application with its routes, problem+json error handlers, body limit,
request timeout and access log.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import anyio
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.config import OpenAPIConfig

from elicense.errors import BatchRefusedError, ElicenseError
from elicense.ledger.application import Ledger
from elicense.ledger.storage import is_store_failure
from elicense_http.fastverify import FastVerify
from elicense_http.problems import PROBLEM_JSON, Problem, ServiceError, problem, problem_for
from elicense_http.routes import HealthController, WriteController, echo_handler
from elicense_http.service import Service

__all__ = ["create_app"]

# Plain ASGI types: the middleware below works with any ASGI app.
ASGIApp = Any
Scope = Any
Receive = Any
Send = Any
Message = Any

_access = logging.getLogger("elicense_http.access")
_errors = logging.getLogger("elicense_http.errors")


def _signer(platform_key: Any) -> Any:
    if isinstance(platform_key, str | os.PathLike):
        from elicense.crypto.keys import read_key_file

        return read_key_file(Path(platform_key))
    return platform_key


def create_app(
    ledger: str | os.PathLike[str] | Ledger,
    platform_key: Any,
    *,
    log_writer: bool = True,
    checkpoint_every: float = 0.5,
    max_body: int = 4 * 1024 * 1024,
    request_timeout: float = 65.0,
    status_max_age: int | None = None,
    echo: bool = False,
    auth_window: int = 120,
    debug: bool = False,
) -> Litestar:
    """The elicense HTTP service as a plain ASGI application.

    Args:
        ledger: a :class:`~elicense.ledger.application.Ledger` or its DSN (SQLite path
            or ``postgresql://…?schema=``); it must be established (``elicense init``).
        platform_key: the platform's signer, or the path of its key file: it signs
            checkpoints, status lists and the trust bundle.
        log_writer: stand for election as the one log writer (follows the ledger
            into the log and signs checkpoints every ``checkpoint_every`` seconds).
        max_body: largest request body accepted (413 ``request.too_large`` beyond).
        request_timeout: seconds before a request answers 503 ``request.timeout``.
        status_max_age: ``Cache-Control`` max-age of the current status lists
            (default: the checkpoint interval, at least one second).
        echo: add ``POST /echo`` (the benchmark's framework baseline).
        auth_window: seconds an RFC 9421 signature's ``created`` may lie in the past.
    """
    owned = not isinstance(ledger, Ledger)
    the_ledger: Ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    signer = _signer(platform_key)
    service = Service(the_ledger, signer)
    access: Any = None

    def get_access() -> Any:
        nonlocal access  # made on first use: it opens the auth tables in the store
        if access is None:
            from elicense_http.access import Access

            access = Access(the_ledger, signer, window=auth_window, write_lock=service._write)
        return access

    state = State(
        {
            "service": service,
            "writer": None,
            "status_max_age": status_max_age or max(1, round(checkpoint_every)),
            "checkpoint_every": checkpoint_every,
            "access": get_access,
        }
    )

    def startup(app: Litestar) -> None:
        origin = the_ledger.origin  # refuses to start on an unestablished store
        if the_ledger.dsn != "memory:":
            from elicense_sql.log_store import SqlLogStore

            SqlLogStore.open(the_ledger.dsn).close()  # the log's tables exist
        get_access()  # the replay and audit tables exist
        if log_writer:
            from elicense_http.writer import LogWriter

            writer = LogWriter(the_ledger.dsn, origin, signer, checkpoint_every=checkpoint_every)
            writer.start()
            app.state.writer = writer

    def shutdown(app: Litestar) -> None:
        writer = app.state.get("writer")
        if writer is not None:
            writer.stop()
        if owned:
            the_ledger.close()

    from elicense_http.logroutes import LogController
    from elicense_http.pages import PagesController, StaticController
    from elicense_http.reuseroutes import ReuseController

    handlers: list[Any] = [
        WriteController,
        LogController,
        ReuseController,
        HealthController,
        PagesController,
        StaticController,
        openapi_json,
    ]
    if echo:
        handlers.append(echo_handler())
    app = _App(
        route_handlers=handlers,
        dependencies={
            "service": Provide(lambda: service, sync_to_thread=False),
            "access": Provide(get_access, sync_to_thread=False),
        },
        exception_handlers={Exception: _on_error},
        on_startup=[startup],
        on_shutdown=[shutdown],
        state=state,
        request_max_body_size=max_body,
        openapi_config=OpenAPIConfig(
            title="elicense",
            version="1",
            description="Signed writes, verification, the public transparency log, and "
            "authenticated reuse (RFC 9421 signatures by filed seals) of an elicense ledger. "
            "Errors are RFC 9457 problem details with a `code`.",
            path="/schema",
            render_plugins=[],
        ),
        middleware=[_timeout_middleware(request_timeout), _access_log],
        debug=debug,
    )
    app.fast_verify = FastVerify(
        service.verify_json,
        router=app.route,
        on_error=lambda exc: _encoded_problem(state, exc),
        access_log=_write_access,
    )
    return app


class _App(Litestar):
    """The Litestar application, with verification of small JSON documents answered
    before routing (:mod:`elicense_http.fastverify`; everything else is routed)."""

    fast_verify: FastVerify | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.fast_verify is not None and FastVerify.wants(scope):
            await self.fast_verify(scope, receive, send)
        else:
            await Litestar.__call__(self, scope, receive, send)

    async def route(self, scope: Any, receive: Any, send: Any) -> None:
        """The router's answer (what ``__call__`` gives without the fast path)."""
        await Litestar.__call__(self, scope, receive, send)


@get("/openapi.json", sync_to_thread=False, include_in_schema=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The OpenAPI 3.1 document, generated from the types."""
    import msgspec

    schema = request.app.openapi_schema.to_schema()
    return Response(
        msgspec.json.encode(schema),
        media_type="application/vnd.oai.openapi+json",
    )


# -- errors ---------------------------------------------------------------------------------


def _on_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    body, headers = _problem_of(request.app.state, exc)
    return Response(body, status_code=body.status, media_type=PROBLEM_JSON, headers=headers)


def _encoded_problem(state: State, exc: Exception) -> tuple[int, dict[str, str], bytes]:
    """:func:`_problem_of` encoded as the router would answer it (for the fast path)."""
    import msgspec

    body, headers = _problem_of(state, exc)
    return body.status, headers, msgspec.json.encode(body)


def _problem_of(state: State, exc: Exception) -> tuple[Problem, dict[str, str]]:
    """The problem answering ``exc`` and its extra headers: the one table from an
    exception to a status and a code (docs/http.md)."""
    headers: dict[str, str] = {}
    from elicense_http.httpsig import AuthError

    if is_store_failure(exc):
        service = state.get("service")
        if service is not None:
            service.forget_thread_state()
        get = state.get("access")
        if get is not None:
            get().forget_thread_state()
        body = problem(503, "store.unavailable", f"the ledger's store did not answer: {exc}")
    elif isinstance(exc, AuthError):
        body = problem(exc.status, exc.code, str(exc))
    elif isinstance(exc, BatchRefusedError):
        body = problem_for(exc, exc.refusals)
    elif isinstance(exc, ServiceError):
        body = problem_for(exc)
        headers.update(exc.headers)
    elif isinstance(exc, ElicenseError):
        body = problem_for(exc)
    elif isinstance(exc, ValidationException):
        body = problem(400, "request.malformed", _validation_detail(exc))
    elif isinstance(exc, HTTPException):
        code = {
            404: "request.route.unknown",
            405: "request.method.unsupported",
            413: "request.too_large",
            415: "request.media_type.unsupported",
        }.get(exc.status_code, "request.malformed" if exc.status_code < 500 else "service.error")
        body = problem(exc.status_code, code, str(exc.detail))
        headers.update(exc.headers or {})
    else:
        _errors.error("unexpected error", exc_info=exc)
        body = problem(500, "service.internal_error", type(exc).__name__)
    if body.status == 503:
        headers.setdefault("Retry-After", "1")
    return body, headers


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = [f"{e.get('key', '')}: {e.get('message', '')}" for e in extra if isinstance(e, dict)]
    return "; ".join(parts)[:500] or str(exc.detail)


# -- middleware ----------------------------------------------------------------------------


def _timeout_middleware(seconds: float) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = False

            async def tracked(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            with anyio.move_on_after(seconds) as scope_:
                await app(scope, receive, tracked)
            if scope_.cancelled_caught and not started:
                body = problem(503, "request.timeout", f"no answer within {seconds} s")
                import msgspec

                data = msgspec.json.encode(body)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(data)).encode()),
                            (b"retry-after", b"1"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": data})

        return middleware

    return factory


def _access_log(app: ASGIApp) -> ASGIApp:
    """One JSON line per request: method, route template (never the path: it may hold an
    identifier), status, bytes and milliseconds. No query string, no body."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _access.isEnabledFor(logging.INFO):
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        status, size = 0, 0

        async def tracked(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await app(scope, receive, tracked)
        finally:
            _write_access(scope, scope.get("path_template") or "(unrouted)", status, size, start)

    return middleware


def _write_access(scope: Scope, route: str, status: int, size: int, start: float) -> None:
    if not _access.isEnabledFor(logging.INFO):
        return
    _access.info(
        json.dumps(
            {
                "method": scope.get("method"),
                "route": route,
                "status": status,
                "bytes": size,
                "ms": round((time.perf_counter() - start) * 1000, 2),
                "pid": os.getpid(),
            }
        )
    )
