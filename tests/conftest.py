"""Shared test fixtures: Hypothesis profiles, the shared test data, databases.

- ``../shared/testdata`` holds artifacts made by other implementations. Tests
  that need it skip with a reason when it is absent (a user's own clone) and
  fail instead when ``CI=true``.
- PostgreSQL: DSN from ``ELICENSE_TEST_POSTGRES_DSN`` (default the local
  server). With ``CI=true`` PostgreSQL tests must run, never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED_TESTDATA = Path(
    os.environ.get("ELICENSE_SHARED_TESTDATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
)
POSTGRES_DSN = os.environ.get(
    "ELICENSE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The shared third-party artifacts folder (../shared/testdata)."""
    if not SHARED_TESTDATA.is_dir():
        _unavailable(f"shared test data not found at {SHARED_TESTDATA}")
    return SHARED_TESTDATA


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """A reachable PostgreSQL DSN, or skip (fail under CI=true)."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'elicense[postgres]')")
    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as e:
        _unavailable(f"PostgreSQL not reachable at {POSTGRES_DSN}: {e}")
    return POSTGRES_DSN


@pytest.fixture
def pg_schema(postgres_dsn: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield name
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh ledger DSN on each backend: a SQLite file, and a PostgreSQL schema of its own
    (a test module that needs another ``dsn`` defines its own, which wins)."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    pg, schema = request.getfixturevalue("postgres_dsn"), request.getfixturevalue("pg_schema")
    return f"{pg}?schema={schema}"
