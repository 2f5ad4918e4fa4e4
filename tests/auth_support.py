"""Helpers for the authenticated routes' tests: a reuse world on a real store (a user
department with a P-256 seal, a second department, a suspended one), and requests
signed the way a department system signs them (RFC 9421)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from elicense import acts
from elicense.acts import Signed
from elicense.crypto.suites import ECDSA_P256
from elicense.ledger.application import Ledger
from elicense_http.httpsig import sign_request
from reuse_support import ReuseWorld

JSON = {"content-type": "application/json"}


def reuse_world(dsn: str | Path, *, alg: str = ECDSA_P256) -> tuple[ReuseWorld, Any]:
    """A world (P-256 seals unless ``alg``) with licenses 1 and 2 shared with ``user`` and a
    suspended fourth department; returns the world and that department."""
    world = ReuseWorld.new(dsn, alg=alg)
    world.issue(1)
    world.issue(2)
    world.share(world.user)
    world.share(world.other)
    suspended = world.department(4, alg)
    world.share(suspended)
    world.submit(
        world.platform.sign(
            acts.SuspendSeal, subject=suspended.seal, expected_version=2, reason="测试"
        )
    )
    return world, suspended


def use_body(signed: Signed, **extra: Any) -> bytes:
    """The JSON body of ``POST /v1/uses``."""
    return msgspec.json.encode({"statement": signed, **extra})


def signed_headers(
    signer: Any,
    keyid: str,
    method: str,
    url: str,
    body: bytes,
    *,
    created: int | None = None,
) -> dict[str, str]:
    """RFC 9421 headers (and ``content-type``) of a request."""
    headers = sign_request(
        signer,
        method=method,
        url=url,
        body=body,
        keyid=keyid,
        created=int(time.time()) if created is None else created,
    )
    return {**headers, **JSON}


def post_signed(
    client: httpx.Client, dept: Any, path: str, body: bytes, **kwargs: Any
) -> httpx.Response:
    """POST ``body`` to ``path`` signed by ``dept``'s seal."""
    url = str(client.base_url).rstrip("/") + path
    headers = signed_headers(dept.key, dept.seal, "POST", url, body, **kwargs)
    return client.post(path, content=body, headers=headers)


def get_signed(client: httpx.Client, dept: Any, path: str) -> httpx.Response:
    """GET ``path`` (with its query) signed by ``dept``'s seal."""
    url = str(client.base_url).rstrip("/") + path
    return client.get(path, headers=signed_headers(dept.key, dept.seal, "GET", url, b""))


def audit_codes(dsn: str) -> list[str]:
    """The codes of the audit table, oldest first."""
    from elicense_sql.connection import SqlStore

    with SqlStore(dsn) as store:
        return [str(r[0]) for r in store.query("SELECT code FROM http_auth_audit ORDER BY at_us")]


def ledger_of(dsn: str) -> Ledger:
    """A fresh ledger object on ``dsn`` (reads what the server wrote)."""
    return Ledger(dsn, verify_threads=1)
