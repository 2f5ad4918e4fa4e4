"""Authenticated reuse over real HTTP (uvicorn, SQLite file): a department's RFC 9421
signed use returns the platform-signed view and is recorded; a rule's refusal is
recorded as the library records it; every authentication failure is 401/403 with
its code, audit-logged, and leaves the ledger unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auth_support import (
    JSON,
    audit_codes,
    get_signed,
    post_signed,
    reuse_world,
    signed_headers,
    use_body,
)
from http_support import Server, serve, stored
from reuse_support import ReuseWorld, make_ric


class Env:
    """A running server over a reuse world."""

    def __init__(self, world: ReuseWorld, suspended: Any, server: Server, dsn: str) -> None:
        self.world = world
        self.suspended = suspended
        self.server = server
        self.dsn = dsn


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp: Path = tmp_path_factory.mktemp("auth")
    world, suspended = reuse_world(tmp / "ledger.db")
    key = tmp / "platform.pem"
    key.write_bytes(world.platform_key.to_pem())
    dsn = world.ledger.dsn
    with serve(dsn, key, tmp) as server:
        yield Env(world, suspended, server, dsn)


def _consented_use(env: Env, holder: int = 1) -> bytes:
    w = env.world
    lic = w.license_id(holder)
    code = w.consent(holder, w.user, license=lic)
    return use_body(w.use_statement(w.user, license=lic, consent=code), copy_days=7)


def test_signed_use_with_consent_returns_the_view_and_records_the_use(env: Env) -> None:
    """201 with a platform-signed view (and 加注件) that verifies online; exactly one record
    (``Used``) is added, and the department's read shows it."""
    body = _consented_use(env)
    before = stored(env.dsn)
    with env.server.client() as c:
        r = post_signed(c, env.world.user, "/v1/uses", body)
        assert r.status_code == 201, r.text
        answer = r.json()
        assert answer["receipt"]["refused"] is None
        after = stored(env.dsn)
        assert after[: len(before)] == before
        assert len(after) == len(before) + 1
        import base64

        for doc in (answer["view"], answer["copy"]):
            verdict = c.post("/v1/verify", content=base64.b64decode(doc), headers=JSON).json()
            assert verdict["ok"] is True, verdict
        rows = get_signed(c, env.world.user, f"/v1/uses?holder={make_ric(1)}").json()
        assert answer["receipt"]["subject"] in [row["use"] for row in rows]


def test_flipped_body_byte_is_refused_and_changes_nothing(env: Env) -> None:
    """Tamper twin: the body changed after signing → 401 ``auth.digest.mismatch``,
    audited, the ledger unchanged."""
    body = _consented_use(env)
    url = env.server.url + "/v1/uses"
    headers = signed_headers(env.world.user.key, env.world.user.seal, "POST", url, body)
    tampered = body.replace(b'"copy_days":7', b'"copy_days":8')
    before = stored(env.dsn)
    with env.server.client() as c:
        r = c.post("/v1/uses", content=tampered, headers=headers)
    assert (r.status_code, r.json()["code"]) == (401, "auth.digest.mismatch")
    assert stored(env.dsn) == before
    assert audit_codes(env.dsn)[-1] == "auth.digest.mismatch"


def test_use_without_consent_is_403_and_recorded_as_refused(env: Env) -> None:
    """No consent named: 403 ``use.consent.missing`` and one ``Refused`` record, as
    ``ReuseService.use`` records it."""
    w = env.world
    body = use_body(w.use_statement(w.user, license=w.license_id(2)))
    before = stored(env.dsn)
    with env.server.client() as c:
        r = post_signed(c, w.user, "/v1/uses", body)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "use.consent.missing"
        after = stored(env.dsn)
        assert after[: len(before)] == before
        assert len(after) == len(before) + 1
        assert int(r.headers["elicense-position"]) == after[-1][0]
        rows = get_signed(c, w.user, f"/v1/uses?license={w.license_id(2)}").json()
        assert rows[-1]["outcome"] == "refused"
        assert rows[-1]["code"] == "use.consent.missing"


def _refusal(env: Env, case: str) -> tuple[Any, dict[str, str], bytes]:
    w = env.world
    url = env.server.url + "/v1/uses"
    body = _consented_use(env)
    if case == "other-department":
        return 403, signed_headers(w.other.key, w.other.seal, "POST", url, body), body
    if case == "suspended-seal":
        s = env.suspended
        lic = w.license_id(1)
        code = w.consent(1, s, license=lic)
        body = use_body(w.use_statement(s, license=lic, consent=code))
        return 401, signed_headers(s.key, s.seal, "POST", url, body), body
    if case == "outside-window":
        old = int(time.time()) - 3600
        return 401, signed_headers(w.user.key, w.user.seal, "POST", url, body, created=old), body
    if case == "future":
        new = int(time.time()) + 3600
        return 401, signed_headers(w.user.key, w.user.seal, "POST", url, body, created=new), body
    if case == "unsigned":
        return 401, dict(JSON), body
    if case == "wrong-key":
        return 401, signed_headers(w.other.key, w.user.seal, "POST", url, body), body
    if case == "wrong-target":
        bad = env.server.url + "/v1/use"
        return 401, signed_headers(w.user.key, w.user.seal, "POST", bad, body), body
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other-department", "auth.department.mismatch"),
        ("suspended-seal", "auth.seal.suspended"),
        ("outside-window", "auth.created.outside_window"),
        ("future", "auth.created.outside_window"),
        ("unsigned", "auth.signature.missing"),
        ("wrong-key", "auth.signature.invalid"),
        ("wrong-target", "auth.signature.invalid"),
    ],
)
def test_refused_requests_are_audited_and_change_nothing(env: Env, case: str, code: str) -> None:
    """Each authentication failure answers its status and code, adds an audit row, and
    leaves the ledger exactly as it was."""
    status, headers, body = _refusal(env, case)
    before = stored(env.dsn)
    with env.server.client() as c:
        r = c.post("/v1/uses", content=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code
    assert stored(env.dsn) == before
    assert audit_codes(env.dsn)[-1] == code


def test_replayed_request_is_refused(env: Env) -> None:
    """The same signed request twice: the first is recorded, the second 401
    ``auth.replayed``, audited, nothing more recorded."""
    body = _consented_use(env)
    url = env.server.url + "/v1/uses"
    headers = signed_headers(env.world.user.key, env.world.user.seal, "POST", url, body)
    with env.server.client() as c:
        assert c.post("/v1/uses", content=body, headers=headers).status_code == 201
        before = stored(env.dsn)
        again = c.post("/v1/uses", content=body, headers=headers)
    assert (again.status_code, again.json()["code"]) == (401, "auth.replayed")
    assert stored(env.dsn) == before
    assert audit_codes(env.dsn)[-1] == "auth.replayed"


def test_a_department_reads_only_its_own_uses(env: Env) -> None:
    """Another department asking for the holder's uses sees none of ``user``'s."""
    _ = _consented_use(env)
    with env.server.client() as c:
        assert post_signed(c, env.world.user, "/v1/uses", _consented_use(env)).status_code == 201
        own = get_signed(c, env.world.user, f"/v1/uses?holder={make_ric(1)}").json()
        other = get_signed(c, env.world.other, f"/v1/uses?holder={make_ric(1)}").json()
    assert own
    assert all(row["user"] == env.world.user.uscc for row in own)
    assert all(row["user"] == env.world.other.uscc for row in other)


def test_holder_session_shows_uses_and_withdraws_a_consent(env: Env) -> None:
    """The platform asserts a holder (RFC 9421, platform key) → an HttpOnly SameSite=Strict
    session; through it the holder sees who used their license and withdraws a
    consent (recorded as the platform-signed act); a later use with that consent is
    recorded as refused."""
    w = env.world
    lic = w.license_id(1)
    code = w.consent(1, w.user, license=lic)
    platform_keyid = "platform:" + w.platform_key.public_key.key_id
    assertion = msgspec.json.encode(
        {"holder": make_ric(1), "authentication": "face", "authentication_ref": "F-1", "ttl": 300}
    )
    url = env.server.url + "/v1/holder/session"
    with env.server.client() as c:
        r = c.post(
            "/v1/holder/session",
            content=assertion,
            headers=signed_headers(w.platform_key, platform_keyid, "POST", url, assertion),
        )
        assert r.status_code == 201, r.text
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" in cookie
        token = r.json()["token"]
        session = {"cookie": f"elicense_holder={token}"}
        uses = c.get("/v1/holder/uses", headers=session).json()
        assert uses
        assert all(row["holder"] == make_ric(1) for row in uses)
        flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        bad = c.get("/v1/holder/uses", headers={"cookie": f"elicense_holder={flipped}"})
        assert (bad.status_code, bad.json()["code"]) == (401, "auth.session.invalid")
        withdrawn = c.post(
            f"/v1/holder/consents/{code}/withdraw", json={"reason": "不再授权"}, headers=session
        )
        assert withdrawn.status_code == 201, withdrawn.text
        body = use_body(w.use_statement(w.user, license=lic, consent=code))
        late = post_signed(c, w.user, "/v1/uses", body)
        assert (late.status_code, late.json()["code"]) == (403, "use.consent.withdrawn")
        # a seal cannot assert a holder
        seal_signed = c.post(
            "/v1/holder/session",
            content=assertion,
            headers=signed_headers(w.user.key, w.user.seal, "POST", url, assertion),
        )
        assert (seal_signed.status_code, seal_signed.json()["code"]) == (
            401,
            "auth.platform.unknown",
        )


def test_holder_cannot_withdraw_another_holders_consent(env: Env) -> None:
    """A session for holder 2 gets 404 for holder 1's consent; nothing recorded."""
    w = env.world
    code = w.consent(1, w.user, license=w.license_id(1))
    platform_keyid = "platform:" + w.platform_key.public_key.key_id
    assertion = msgspec.json.encode(
        {"holder": make_ric(2), "authentication": "face", "authentication_ref": "F-2"}
    )
    url = env.server.url + "/v1/holder/session"
    before = stored(env.dsn)
    with env.server.client() as c:
        token = c.post(
            "/v1/holder/session",
            content=assertion,
            headers=signed_headers(w.platform_key, platform_keyid, "POST", url, assertion),
        ).json()["token"]
        r = c.post(
            f"/v1/holder/consents/{code}/withdraw",
            json={"reason": "x"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert r.status_code == 404, r.text
    assert stored(env.dsn) == before


@pytest.mark.postgres
def test_a_request_replayed_to_another_worker_is_refused(
    tmp_path: Path, postgres_dsn: str, pg_schema: str
) -> None:
    """Two server processes on one PostgreSQL ledger (nothing shared but the database): a
    signed use accepted by the first is 401 ``auth.replayed`` at the second, audited
    there, and the ledger holds the use once."""
    dsn = f"{postgres_dsn}?schema={pg_schema}"
    world, _ = reuse_world(dsn)
    key = tmp_path / "platform.pem"
    key.write_bytes(world.platform_key.to_pem())
    lic = world.license_id(1)
    code = world.consent(1, world.user, license=lic)
    body = use_body(world.use_statement(world.user, license=lic, consent=code))
    world.ledger.close()
    with serve(dsn, key, tmp_path) as first, serve(dsn, key, tmp_path) as second:
        # @target-uri is the URI each server receives: the port differs, so the replay
        # goes to the same URI through the second server with the Host field of the first
        host = first.url.removeprefix("http://")
        headers = signed_headers(
            world.user.key, world.user.seal, "POST", first.url + "/v1/uses", body
        )
        with first.client() as c:
            assert c.post("/v1/uses", content=body, headers=headers).status_code == 201
        before = stored(dsn)
        with second.client() as c:
            again = c.post("/v1/uses", content=body, headers={**headers, "host": host})
        assert (again.status_code, again.json()["code"]) == (401, "auth.replayed")
        assert stored(dsn) == before
        assert audit_codes(dsn)[-1] == "auth.replayed"


def test_a_seal_suspended_after_a_request_is_refused_at_the_next(env: Env) -> None:
    """The server keeps a seal's state between requests only while the store holds no newer
    event of it: suspended between two requests, the second is 401 ``auth.seal.suspended``."""
    from elicense import acts

    w = env.world
    dept = w.department(5, "ecdsa-p256-sha256")
    w.share(dept)
    lic = w.license_id(1)
    first = use_body(w.use_statement(dept, license=lic, consent=w.consent(1, dept, license=lic)))
    second = use_body(w.use_statement(dept, license=lic, consent=w.consent(1, dept, license=lic)))
    with env.server.client() as c:
        assert post_signed(c, dept, "/v1/uses", first).status_code == 201
        w.submit(
            w.platform.sign(acts.SuspendSeal, subject=dept.seal, expected_version=2, reason="测试")
        )
        before = stored(env.dsn)
        r = post_signed(c, dept, "/v1/uses", second)
    assert (r.status_code, r.json()["code"]) == (401, "auth.seal.suspended")
    assert stored(env.dsn) == before
