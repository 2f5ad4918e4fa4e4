"""Writes and verification: ``POST /v1/statements``, ``POST /v1/verify``,
``GET /v1/licenses/{identifier}/verdict``, the trust bundle, health and readiness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response.base import ASGIResponse

from elicense.documents import SignedBundle
from elicense.verdict import Verdict
from elicense_http.messages import Health, SubmitRequest, SubmitResponse
from elicense_http.problems import PROBLEM_JSON, Problem, ProblemRefusal, ServiceError
from elicense_http.service import Service

Svc = NamedDependency[Service]
"""The service, injected by name."""

__all__ = ["HealthController", "Svc", "WriteController", "problem_responses"]

_TEXT = {
    400: "malformed request (`request.malformed`, `statement.malformed` …)",
    401: "the signature does not verify, or the signer is unknown",
    403: "the signer may not do this (seal revoked, not the issuer …)",
    404: "unknown subject, license or log entry",
    409: "stale expected version or duplicate subject",
    413: "body larger than the service accepts",
    415: "unsupported media type",
    422: "refused by a rule of the ledger",
    503: "the store is unavailable; retry after `Retry-After` seconds",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses of ``statuses``: RFC 9457 problem details with a ``code``."""
    return {
        s: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=_TEXT.get(s, "problem"),
            generate_examples=False,
        )
        for s in (*statuses, 400, 503)
    }


_VERDICT_JSON = "application/json"


@dataclass
class _DocumentBody(Operation):
    """The verify route's body: a document's raw bytes (read verbatim, never re-encoded)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        description="an exported license document, byte for byte",
                    )
                )
            },
            required=True,
            description="the document to verify",
        )


def verdict_response(verdict: Verdict) -> Response[bytes]:
    """The verdict's JSON, byte for byte what ``elicense verify --json`` prints."""
    return Response(verdict.to_json(), media_type=_VERDICT_JSON, status_code=200)


class WriteController(Controller):
    """Signed statements in; verdicts out."""

    path = "/v1"
    tags = ["statements and verification"]

    @post(
        "/statements",
        sync_to_thread=True,
        status_code=201,
        summary="Record signed statements (one or a batch)",
        responses=problem_responses(401, 403, 404, 409, 413, 422),
    )
    def submit(
        self,
        service: Svc,
        data: JSONBody[SubmitRequest],
        wait: Annotated[
            Literal["inclusion"] | None,
            QueryParameter(description="`inclusion`: answer once a checkpoint covers all"),
        ] = None,
        timeout: Annotated[
            float, QueryParameter(ge=0, le=60, description="seconds to wait for inclusion at most")
        ] = 20.0,
    ) -> Response[SubmitResponse]:
        """Record ``statements`` in one transaction, in order: all or nothing, or with
        ``partial`` the valid ones. Each recorded statement answers with its
        receipt (position, aggregate, version, event hash). Resubmitting statements
        already recorded answers the same receipts with status 200 and records
        nothing again. Nothing unsigned changes the ledger."""
        if not data.statements:
            raise ServiceError(400, "request.malformed", "statements: expected at least one")
        done = service.submit(data.statements, partial=data.partial)
        evidence = None
        if wait == "inclusion":
            evidence = service.wait_for_inclusion(done.receipts, timeout)
        body = SubmitResponse(
            receipts=done.receipts,
            refusals=[
                ProblemRefusal(index=i, code=e.code, message=str(e), subject=e.subject)
                for i, e in done.refusals
            ],
            evidence=evidence,
        )
        headers = {"Elicense-Replay": "true"} if done.replayed else {}
        return Response(body, status_code=200 if done.replayed else 201, headers=headers)

    @post(
        "/verify",
        status_code=200,
        summary="Verify a license document",
        responses={
            200: ResponseSpec(
                data_container=Verdict, description="the verdict", generate_examples=False
            ),
            **problem_responses(413),
        },
        operation_class=_DocumentBody,
    )
    async def verify(self, request: Request[Any, Any, Any], service: Svc) -> ASGIResponse:
        """The verdict of wire format v2 on the posted document (its bytes exactly as
        exported), as ``elicense verify --json`` prints it online. Malformed input is
        a verdict with a code (``document.malformed`` …), never an error."""
        body = await request.body()
        # The verdict is encoded in the worker thread and answered as finished bytes:
        # the event loop (shared by every connection) only copies them out.
        data = await anyio.to_thread.run_sync(service.verify_json, body, limiter=_verify_limiter())
        return ASGIResponse(body=data, media_type=_VERDICT_JSON)

    @get(
        "/licenses/{identifier:str}/verdict",
        sync_to_thread=True,
        summary="A license's online status",
        responses=problem_responses(),
    )
    def license_verdict(self, service: Svc, identifier: FromPath[str]) -> Verdict:
        """The verdict on the license ``identifier`` (电子证照标识) from the ledger and its
        log: status, findings and evidence; no personal data."""
        if not identifier.startswith("1.2.156."):
            raise ServiceError(
                404, "license.identifier.unknown", f"not a 电子证照标识: {identifier[:64]!r}"
            )
        return service.verify(identifier)

    @get(
        "/trust-bundle",
        sync_to_thread=True,
        summary="The platform-signed trust bundle",
        media_type="application/json",
        responses={
            200: ResponseSpec(
                data_container=SignedBundle,
                description="the signed trust bundle, byte for byte as signed",
                generate_examples=False,
            ),
            **problem_responses(),
        },
    )
    def trust_bundle(self, service: Svc) -> Response[bytes]:
        """Platform keys, filed seals with their histories, the newest checkpoint and
        its status lists; signed by the platform (verify with its pinned key)."""
        return Response(
            service.trust_bundle(),
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=5"},
        )


class HealthController(Controller):
    """Liveness and readiness for an orchestrator."""

    tags = ["operations"]

    @get("/healthz", sync_to_thread=False, summary="Liveness")
    def healthz(self, request: Request[Any, Any, Any]) -> Health:
        """The process answers (no store access)."""
        writer = request.app.state.get("writer")
        return Health(ok=True, log_writer=bool(writer is not None and writer.elected))

    @get(
        "/readyz",
        sync_to_thread=True,
        summary="Readiness",
        responses={503: ResponseSpec(data_container=Health, description="store unavailable")},
    )
    def readyz(self, request: Request[Any, Any, Any], service: Svc) -> Response[Health]:
        """The store answers: 200 with the newest position, else 503."""
        writer = request.app.state.get("writer")
        elected = bool(writer is not None and writer.elected)
        try:
            position = service.ledger.max_position()
        except Exception:
            return Response(
                Health(ok=False, store="unavailable", log_writer=elected),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return Response(Health(ok=True, log_writer=elected, position=position))


def echo_handler() -> Any:
    """``POST /echo``: the framework's own cost (the benchmark's baseline)."""

    @post("/echo", status_code=200, include_in_schema=False)
    async def echo(request: Request[Any, Any, Any]) -> Response[bytes]:
        return Response(await request.body(), media_type="application/json")

    return echo


_limiter: list[anyio.CapacityLimiter] = []


def _verify_limiter() -> anyio.CapacityLimiter:
    """One verification at a time per worker: the work is CPU-bound Python under one
    GIL, so more threads only contend for it (and for the store's connection)."""
    if not _limiter:
        _limiter.append(anyio.CapacityLimiter(1))
    return _limiter[0]
