"""Pages people look at (issue #16): scan-to-verify, the holder's usage record, the
bureau's statistics — plain server-rendered HTML with the adapter's own CSS and
scripts under a strict Content Security Policy (see docs/pages.md).

Routes (none in the OpenAPI document: they are for people, not programs, except the
figures as JSON/CSV):

- ``GET /V/{b32}``: the scan-to-verify page; ``GET /V/{b32}/check``: its answer as JSON
  (the page's 重新核验 button).
- ``GET /v1/holder/page``: the holder's uses and consents (the holder session);
  ``GET /v1/holder/consents``: the consents as JSON.
- ``GET /stats``, ``/stats.json``, ``/stats.csv``: the statistics for a period.
- ``GET /static/{name}``: the pages' CSS and scripts.

No page sets a cookie; the holder page reads the session cookie the platform's front
end set (``POST /v1/holder/session``). Paths carry no personal data: the payload is
non-personal by construction, and the holder is known from the session only.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from elicense_http.access import Access
from elicense_http.httpsig import AuthError
from elicense_http.pagehtml import page_headers
from elicense_http.pagemodel import ConsentRow, PageModel
from elicense_http.problems import ServiceError
from elicense_http.scanpage import B32, OfflineData, scan_page, scan_view
from elicense_http.service import Service

__all__ = ["PagesController", "StaticController"]

HTML = "text/html; charset=utf-8"
_STATIC = {
    "pages.css": "text/css; charset=utf-8",
    "verify.js": "text/javascript; charset=utf-8",
    "holder.js": "text/javascript; charset=utf-8",
    # sm-crypto 0.5.8's dist/sm2.js, vendored unmodified (docs/pages.md): SM2 for verify.js
    "sm-crypto-sm2.js": "text/javascript; charset=utf-8",
}
_lock = threading.Lock()
ServiceDep = NamedDependency[Service]
AccessDep = NamedDependency[Access]
_Time = Annotated[str | None, Parameter(max_length=40)]


def _parts(service: Service) -> tuple[PageModel, OfflineData]:
    """The page model and offline-data cache of ``service``'s ledger (made once)."""
    with _lock:
        found: tuple[PageModel, OfflineData] | None = getattr(service, "_elicense_pages", None)
        if found is None:
            found = (PageModel(service.ledger), OfflineData())
            service._elicense_pages = found  # type: ignore[attr-defined]
        return found


def _html(text: str, status: int = 200, *, private: bool = False) -> Response[str]:
    return Response(
        text, status_code=status, media_type=HTML, headers=page_headers(private=private)
    )


def _payload(b32: str) -> str:
    if not B32.fullmatch(b32):
        raise ServiceError(404, "request.route.unknown", "not a verify-me payload")
    return b32


class PagesController(Controller):
    """Scan-to-verify, the holder's page, statistics."""

    include_in_schema = False

    @get("/V/{b32:str}", sync_to_thread=True)
    def scan(self, service: ServiceDep, b32: FromPath[str]) -> Response[str]:
        """The page a license's QR code opens."""
        model, offline = _parts(service)
        view = scan_view(service, model, _payload(b32))
        return _html(scan_page(view, offline.get(service)))

    @get("/V/{b32:str}/check", sync_to_thread=True)
    def check(self, service: ServiceDep, b32: FromPath[str]) -> Response[bytes]:
        """The scan page's answer as JSON (the page's 重新核验)."""
        model, _ = _parts(service)
        view = scan_view(service, model, _payload(b32))
        headers = page_headers() | {"Cache-Control": "no-store"}
        return Response(msgspec.json.encode(view), media_type="application/json", headers=headers)

    @get("/v1/holder/page")
    async def holder(
        self, request: Request[Any, Any, Any], service: ServiceDep, access: AccessDep
    ) -> Response[str]:
        """The holder's uses and consents."""
        from elicense_http.holderpage import holder_page, login_page
        from elicense_http.reuseroutes import _session

        try:
            session = _session(request, access, "/v1/holder/page")
        except AuthError as e:
            return _html(login_page(e.code), 401, private=True)
        model, _ = _parts(service)

        def render() -> str:
            uses = access.holder_uses(session)
            return holder_page(uses, model.consents(session.holder), model)

        return _html(await anyio.to_thread.run_sync(render), private=True)

    @get("/v1/holder/consents")
    async def consents(
        self, request: Request[Any, Any, Any], service: ServiceDep, access: AccessDep
    ) -> list[ConsentRow]:
        """The session holder's consents (granted, withdrawn, expired), oldest first."""
        from elicense_http.reuseroutes import _session

        session = _session(request, access, "/v1/holder/consents")
        model, _ = _parts(service)
        rows: list[ConsentRow] = await anyio.to_thread.run_sync(
            lambda: model.consents(session.holder)
        )
        return rows

    @get("/stats", sync_to_thread=True)
    def stats(
        self, service: ServiceDep, access: AccessDep, since: _Time = None, until: _Time = None
    ) -> Response[str]:
        """The statistics page for ``[since, until)``."""
        from elicense_http.statspage import parse_period, stats_data, stats_page

        lo, hi = parse_period(since, until)
        model, _ = _parts(service)
        data = stats_data(access.projection(), lo, hi)
        model.catch_up()
        return _html(stats_page(data, model, since or "", until or ""))

    @get("/stats.json", sync_to_thread=True)
    def stats_json(
        self, access: AccessDep, since: _Time = None, until: _Time = None
    ) -> Response[bytes]:
        """The page's figures as JSON (``statistics`` is ``elicense stats --json``'s)."""
        from elicense_http.statspage import parse_period, stats_data

        lo, hi = parse_period(since, until)
        data = stats_data(access.projection(), lo, hi)
        return Response(msgspec.json.encode(data), media_type="application/json")

    @get("/stats.csv", sync_to_thread=True)
    def stats_csv(
        self, access: AccessDep, since: _Time = None, until: _Time = None
    ) -> Response[str]:
        """The page's figures as CSV (``figure,key,value``)."""
        from elicense_http.statspage import parse_period, stats_csv, stats_data

        lo, hi = parse_period(since, until)
        text = stats_csv(stats_data(access.projection(), lo, hi))
        return Response(text, media_type="text/csv; charset=utf-8")


class StaticController(Controller):
    """The pages' CSS and scripts, from this origin only (the one third-party file is the
    pinned, vendored ``sm-crypto-sm2.js``)."""

    include_in_schema = False

    @get("/static/{name:str}", sync_to_thread=False)
    def static(self, name: FromPath[str]) -> Response[bytes]:
        """One of the adapter's static files."""
        media = _STATIC.get(name)
        if media is None:
            raise ServiceError(404, "request.route.unknown", "no such static file")
        data = resources.files("elicense_http").joinpath("static", name).read_bytes()
        headers = {
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        return Response(data, media_type=media, headers=headers)
