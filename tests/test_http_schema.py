"""Schemathesis against the service's own /openapi.json, served by a real uvicorn over a
real SQLite file: no 5xx, no response off its schema, every 4xx a problem+json with a
code. Examples are bounded per route; the ``ci`` Hypothesis profile derandomizes them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from http_support import serve, write_key
from support import World


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The schema of a server over a ledger with a license and a signed checkpoint."""
    tmp: Path = tmp_path_factory.mktemp("schema")
    world = World.new(tmp / "ledger.db")
    world.licensed()
    key = write_key(world, tmp)
    world.ledger.close()
    with serve(str(tmp / "ledger.db"), key, tmp, max_body=65536, no_access_log=True) as server:
        with server.client() as c:
            for _ in range(200):
                if c.get("/v1/log/checkpoint").status_code == 200:
                    break
                time.sleep(0.05)
        yield schemathesis.openapi.from_url(server.url + "/openapi.json")


def problem_with_code(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx answer is RFC 9457 problem+json carrying a stable ``code``."""
    if 400 <= response.status_code < 500:
        media = response.headers.get("content-type", [""])
        media = media[0] if isinstance(media, list) else media
        assert media.startswith("application/problem+json"), (response.status_code, media)
        assert response.json()["code"], response.text
    return None


def test_api_conforms_to_its_schema(api_schema: Any) -> None:
    """Every route (bounded examples each): no 5xx, responses match the schema, 4xx are
    coded problems. (Driven per operation: schemathesis's pytest plugin does not load
    under this pytest.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case: Any) -> None:
            case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance, problem_with_code]
            )

        run()
