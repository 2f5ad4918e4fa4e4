"""Authenticated routes: ``POST /v1/uses`` (授权用证), ``GET /v1/uses`` (the department's
own uses), and the holder's record through a platform-asserted session
(``POST /v1/holder/session``, ``GET /v1/holder/uses``,
``POST /v1/holder/consents/{code}/withdraw``).

Every handler reads the body verbatim, authenticates it (RFC 9421, see
:mod:`elicense_http.auth`) and only then decodes it: nothing unsigned is parsed
past the digest check, and nothing unsigned changes the ledger.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from elicense.ledger.application import Receipt
from elicense.reuse.facts import UseRow
from elicense_http.access import Access
from elicense_http.auth import Caller, HolderSession
from elicense_http.httpsig import AuthError
from elicense_http.messages import (
    HolderAssertion,
    SessionResponse,
    UseRequest,
    UseResponse,
    WithdrawRequest,
)
from elicense_http.problems import problem
from elicense_http.routes import problem_responses

__all__ = ["HOLDER_COOKIE", "ReuseController"]

AccessDep = NamedDependency[Access]
HOLDER_COOKIE = "elicense_holder"
_MAX_SESSION = 900


def _headers(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Field name (lowercase) → its field lines combined with ``, `` (RFC 9421 §2.1)."""
    out: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1").strip()
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def target_uri(request: Request[Any, Any, Any]) -> str:
    """``@target-uri``: scheme, the Host field, the raw path and query, as received."""
    scope = request.scope
    host = _headers(request).get("host", "")
    path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope['scheme']}://{host}{path}" + (f"?{query}" if query else "")


async def _authenticated(
    request: Request[Any, Any, Any], access: Access, route: str, *, platform: bool = False
) -> tuple[Caller, bytes]:
    body = await request.body()
    caller: Caller = await anyio.to_thread.run_sync(
        lambda: access.auth.authenticate(
            method=request.method,
            url=target_uri(request),
            headers=_headers(request),
            body=body,
            route=route,
            platform=platform,
        )
    )
    return caller, body


_AUTH = problem_responses(401, 403, 404, 409, 422)


class ReuseController(Controller):
    """Department uses and reads; the holder's record."""

    path = "/v1"
    tags = ["authenticated reuse"]

    @post(
        "/uses",
        status_code=201,
        summary="Use a license with the holder's consent (授权用证)",
        responses=_AUTH,
        request_max_body_size=1024 * 1024,
    )
    async def use(
        self, request: Request[Any, Any, Any], access: AccessDep, data: JSONBody[UseRequest]
    ) -> Response[Any]:
        """Signed (RFC 9421) by a filed seal of the using department; the body carries
        the department's own signed ``use.request``. 201: the use is recorded and the
        answer holds the platform-signed field-minimised view (and the 加注件 when
        ``copy_days`` is given). 403 with the reason code: the use is recorded as
        refused (no live consent, not on the sharing list …). 401: not authenticated
        (audited; nothing recorded)."""
        body = await request.body()
        method, url, headers = request.method, target_uri(request), _headers(request)
        req = data

        # On the loop: the caller's signature (CPU and one indexed read), then the use is
        # recorded with whatever else queued meanwhile (Access.uses_recorder: on the loop
        # for SQLite, in a worker thread for PostgreSQL).
        caller = access.auth.authenticate(
            method=method, url=url, headers=headers, body=body, route="/v1/uses"
        )
        outcome = await access.use(
            caller,
            req.statement,
            copy_days=req.copy_days,
            user_name=req.user_name,
            method=method,
            route="/v1/uses",
        )
        headers = {"Elicense-Position": str(outcome.receipt.position)}
        if not outcome.used:
            code = outcome.receipt.refused or "use.refused"
            detail = f"the use is recorded as refused at position {outcome.receipt.position}"
            return Response(
                problem(403, code, detail),
                status_code=403,
                media_type="application/problem+json",
                headers=headers,
            )
        return Response(
            UseResponse(receipt=outcome.receipt, view=outcome.view, copy=outcome.copy),
            status_code=201,
            headers=headers,
        )

    @get("/uses", summary="The calling department's recorded uses", responses=_AUTH)
    async def uses(
        self,
        request: Request[Any, Any, Any],
        access: AccessDep,
        holder: Annotated[str | None, Parameter(max_length=64)] = None,
        license: Annotated[str | None, Parameter(max_length=256)] = None,
        service_item: Annotated[str | None, Parameter(max_length=128)] = None,
    ) -> list[UseRow]:
        """Uses recorded for the signing seal's department (never another's), filtered
        by holder, license (any version's identifier) or service item; signed like a
        use (the digest of the empty body)."""
        caller, _ = await _authenticated(request, access, "/v1/uses")
        rows: list[UseRow] = await anyio.to_thread.run_sync(
            lambda: access.uses(caller, holder=holder, license=license, service_item=service_item)
        )
        return rows

    @post(
        "/holder/session",
        status_code=201,
        summary="Exchange a platform-signed holder assertion for a session",
        responses=_AUTH,
        request_max_body_size=64 * 1024,
    )
    async def session(
        self,
        request: Request[Any, Any, Any],
        access: AccessDep,
        data: JSONBody[HolderAssertion],
    ) -> Response[SessionResponse]:
        """Signed (RFC 9421) by the platform key (``keyid`` = ``platform:<key id>``): the
        platform's front end asserts the holder it authenticated. The answer sets a
        short-lived holder-scoped session cookie (HttpOnly, SameSite=Strict, Secure)
        and returns the same token for clients without cookies."""
        await _authenticated(request, access, "/v1/holder/session", platform=True)
        a = data
        import secrets

        expires = int(access.auth.clock()) + min(a.ttl, _MAX_SESSION)
        session = HolderSession(
            holder=a.holder,
            expires=expires,
            authentication=a.authentication,
            authentication_ref=a.authentication_ref,
            nonce=secrets.token_hex(8),
        )
        token = access.auth.issue_session(session)
        cookie = (
            f"{HOLDER_COOKIE}={token}; Max-Age={min(a.ttl, _MAX_SESSION)}; Path=/v1/holder; "
            "HttpOnly; Secure; SameSite=Strict"
        )
        return Response(
            SessionResponse(holder=a.holder, expires=expires, token=token),
            status_code=201,
            headers={"Set-Cookie": cookie, "Cache-Control": "no-store"},
        )

    @get("/holder/uses", summary="Who used the holder's licenses", responses=_AUTH)
    async def holder_uses(self, request: Request[Any, Any, Any], access: AccessDep) -> list[UseRow]:
        """Every recorded use of the session holder's licenses: department, service
        item, purpose, time, outcome, fields disclosed."""
        session = _session(request, access, "/v1/holder/uses")
        rows: list[UseRow] = await anyio.to_thread.run_sync(lambda: access.holder_uses(session))
        return rows

    @post(
        "/holder/consents/{code:str}/withdraw",
        status_code=201,
        summary="The holder withdraws a consent",
        responses=_AUTH,
        sync_to_thread=True,
    )
    def withdraw(
        self,
        request: Request[Any, Any, Any],
        access: AccessDep,
        code: FromPath[str],
        data: JSONBody[WithdrawRequest],
    ) -> Receipt:
        """Recorded as the platform-signed ``consent.withdraw`` naming the session's
        authentication; only the holder's own consents (another's is 404)."""
        session = _session(request, access, "/v1/holder/consents/{code}/withdraw")
        return access.withdraw(session, code, data.reason)


def _session(request: Request[Any, Any, Any], access: Access, route: str) -> HolderSession:
    token = request.cookies.get(HOLDER_COOKIE)
    auth = _headers(request).get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    try:
        return access.auth.session(token)
    except AuthError as e:
        access.auth.refuse(e, method=request.method, route=route)
        raise
