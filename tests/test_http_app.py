"""The HTTP service in process (Litestar's test client) on a real SQLite file: writes,
idempotent replays, refusals as problem+json, verification and the public log."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from elicense import acts
from elicense.acts import decode_statement
from elicense.crypto.keys import load_public_key
from elicense.errors import ProofError
from elicense.log.checkpoint import decode_signed_checkpoint
from elicense.merkle import verify_consistency, verify_inclusion
from elicense.verify.verifier import Verifier
from elicense_http import create_app
from elicense_http.tiles import write_tiles
from http_support import body, stored
from support import World, edited, flip

JSON = {"content-type": "application/json"}


class Env:
    """A world on a SQLite file and a test client of the app over it."""

    def __init__(self, world: World, client: TestClient[Any], tmp: Path) -> None:
        self.world, self.client, self.tmp = world, client, tmp
        self.dept = world.department(1)
        self.type_code = world.define_type(self.dept)
        self.issued = world.issue(self.dept, self.type_code, 1)
        world.submit(self.issued)
        self.license = decode_statement(self.issued.statement).subject
        self.dsn = world.ledger.dsn

    def post(self, data: bytes, query: str = "") -> Any:
        return self.client.post("/v1/statements" + query, content=data, headers=JSON)

    def checkpointed(self) -> dict[str, Any]:
        """Wait until a checkpoint covers the whole ledger; return it (decoded JSON)."""
        position = self.world.ledger.max_position()
        r = self.client.post(
            "/v1/statements?wait=inclusion&timeout=20",
            content=body(self.world.issue(self.dept, self.type_code, 900 + position)),
            headers=JSON,
        )
        assert r.status_code == 201, r.text
        return dict(self.client.get("/v1/log/checkpoint").json())


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    world = World.new(tmp_path / "ledger.db")
    app = create_app(world.ledger, world.platform_key, checkpoint_every=0.1, max_body=64 * 1024)
    with TestClient(app) as client:
        yield Env(world, client, tmp_path)
    world.ledger.close()


def _problem(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


def test_submit_answers_receipt_and_records_once(env: Env) -> None:
    """A signed statement is recorded once; resubmitting it answers the same receipt."""
    signed = env.world.issue(env.dept, env.type_code, 2)
    before = stored(env.dsn)
    first = env.post(body(signed))
    assert first.status_code == 201, first.text
    receipt = first.json()["receipts"][0]
    assert receipt["position"] == before[-1][0] + 1
    assert receipt["subject"] == decode_statement(signed.statement).subject
    again = env.post(body(signed))
    assert again.status_code == 200
    assert again.headers["elicense-replay"] == "true"
    assert again.json() == first.json()
    assert len(stored(env.dsn)) == len(before) + 1


def test_replayed_lifecycle_act_after_a_later_act_records_nothing(env: Env) -> None:
    """A suspension replayed after the reinstatement answers its old receipt, not a new act."""
    w = env.world
    suspend = w.act(env.dept, acts.SuspendLicense, env.license, 1)
    assert env.post(body(suspend)).status_code == 201
    reinstate = w.act(env.dept, acts.ReinstateLicense, env.license, 2)
    assert env.post(body(reinstate)).status_code == 201
    before = stored(env.dsn)
    replay = env.post(body(suspend))
    assert replay.status_code == 200
    assert replay.json()["receipts"][0]["version"] == 2
    assert stored(env.dsn) == before
    assert w.ledger.get_license(env.license).version == 3


def test_flipped_byte_in_a_statement_is_refused_and_changes_nothing(env: Env) -> None:
    """Tamper twin: one flipped signature bit is 401 with the ledger's code, nothing recorded."""
    signed = env.world.issue(env.dept, env.type_code, 3)
    bad = msgspec.structs.replace(signed, signature=flip(signed.signature, 5))
    before = stored(env.dsn)
    _problem(env.post(body(bad)), 401, "statement.signature.invalid")
    forged = msgspec.structs.replace(signed, statement=flip(signed.statement, 40, 1))
    r = env.post(body(forged))  # the origin is checked before the signature
    _problem(r, 422, "statement.origin.mismatch")
    assert stored(env.dsn) == before


def test_batch_is_all_or_nothing_and_names_every_refusal(env: Env) -> None:
    """One bad statement refuses the batch (nothing recorded); ``partial`` records the rest."""
    good = env.world.issue(env.dept, env.type_code, 4)
    bad = env.world.issue(env.dept, env.type_code, 1)  # the fixture issued license 1 already
    before = stored(env.dsn)
    r = env.post(body(good, bad))
    _problem(r, 409, "subject.duplicate")
    assert [x["index"] for x in r.json()["refusals"]] == [1]
    assert stored(env.dsn) == before
    r = env.post(body(good, bad, partial=True))
    assert r.status_code == 201, r.text
    assert [x["index"] for x in r.json()["receipts"]] == [0]
    assert [x["code"] for x in r.json()["refusals"]] == ["subject.duplicate"]
    assert len(stored(env.dsn)) == len(before) + 1


def test_replayed_batch_answers_the_same_and_records_nothing(env: Env) -> None:
    """A batch submitted twice: the same receipts, the store unchanged by the replay."""
    batch = [env.world.issue(env.dept, env.type_code, n) for n in (5, 6, 7)]
    first = env.post(body(*batch))
    assert first.status_code == 201
    before = stored(env.dsn)
    again = env.post(body(*batch))
    assert (again.status_code, again.json()) == (200, first.json())
    assert stored(env.dsn) == before


def test_half_replayed_batch_records_only_the_new_statements(env: Env) -> None:
    """A batch whose first statement is recorded and second is new records the second."""
    old, new = (env.world.issue(env.dept, env.type_code, n) for n in (8, 9))
    assert env.post(body(old)).status_code == 201
    r = env.post(body(old, new))
    assert r.status_code == 201, r.text
    positions = [x["position"] for x in r.json()["receipts"]]
    assert positions[1] == positions[0] + 1
    assert env.post(body(old, new)).json() == r.json()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_garbage_bodies_are_problems_never_errors(env: Env, data: st.DataObject) -> None:
    """Any edit of a recorded statement's body is a 4xx problem+json with a code (or the
    replay's answer), never a 5xx, and never records anything new."""
    before = stored(env.dsn)
    r = env.post(data.draw(edited(body(env.issued))))
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"]
    assert stored(env.dsn) == before


def test_oversized_body_is_413(env: Env) -> None:
    """A body over the limit is refused before it is parsed."""
    _problem(env.post(b"[" + b" " * 70_000 + b"]"), 413, "request.too_large")


def test_wait_for_inclusion_returns_a_proof_into_a_signed_checkpoint(env: Env) -> None:
    """``?wait=inclusion`` answers a proof that verifies; the same proof fails for another
    leaf (tamper twin)."""
    signed = env.world.issue(env.dept, env.type_code, 10)
    r = env.post(body(signed), "?wait=inclusion&timeout=20")
    assert r.status_code == 201, r.text
    ev = r.json()["evidence"][0]
    signed_cp = decode_signed_checkpoint(json.dumps(ev["checkpoint"]).replace(" ", "").encode())
    key = load_public_key(env.world.pem())
    cp = signed_cp.decoded()
    assert key.verify(signed_cp.signature, b"elicense/v2/log.checkpoint\x00" + signed_cp.checkpoint)
    record = env.world.ledger.history(
        env.world.ledger.get_license(decode_statement(signed.statement).subject).id
    )[-1].record
    leaf = cp.algorithm.leaf(record)
    proof = base64.b64decode(ev["proof"])
    hashes = [proof[k : k + 32] for k in range(0, len(proof), 32)]
    verify_inclusion(leaf, ev["leaf_index"], cp.tree_size, hashes, cp.root_hash)
    with pytest.raises(ProofError):
        verify_inclusion(flip(leaf, 0), ev["leaf_index"], cp.tree_size, hashes, cp.root_hash)


def test_verify_route_answers_the_verdict_the_cli_gives(env: Env) -> None:
    """POST /v1/verify is the online verdict (as ``elicense verify --json``); a flipped
    byte gives a coded invalid verdict, not an error."""
    from elicense_sql.log_proofs import SqlLog

    env.checkpointed()
    doc = env.world.document(env.license)
    r = env.client.post("/v1/verify", content=doc, headers=JSON)
    assert r.status_code == 200
    log = SqlLog.existing(env.dsn, env.world.ledger.origin)
    expected = Verifier.from_ledger(env.world.ledger, log=log).verify(doc).to_dict()
    got = r.json()
    assert got["ok"] is True
    assert {k: v for k, v in got.items() if k != "judged_at"} == {
        k: v for k, v in json.loads(msgspec.json.encode(expected)).items() if k != "judged_at"
    }
    bad = env.client.post("/v1/verify", content=flip(doc, len(doc) // 2), headers=JSON)
    assert bad.status_code == 200
    assert bad.json()["ok"] is False
    assert bad.json()["findings"][0]["code"]


def test_license_verdict_by_identifier(env: Env) -> None:
    """GET a license's online status; after a revocation the same call says so."""
    r = env.client.get(f"/v1/licenses/{env.license}/verdict")
    assert (r.status_code, r.json()["status"]) == (200, "valid")
    revoke = env.world.act(env.dept, acts.RevokeLicense, env.license, 1)
    assert env.post(body(revoke)).status_code == 201
    r = env.client.get(f"/v1/licenses/{env.license}/verdict")
    assert r.json()["ok"] is False
    _problem(env.client.get("/v1/licenses/nonsense/verdict"), 404, "license.identifier.unknown")


def test_status_list_has_etag_and_cache_headers(env: Env) -> None:
    """Status lists carry an ETag, a max-age of the checkpoint interval, answer 304 to a
    matching If-None-Match, and a time before any checkpoint is 404."""
    env.checkpointed()
    r = env.client.get("/v1/log/status/ietf-token-status-list")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=1"
    etag = r.headers["etag"]
    again = env.client.get("/v1/log/status/ietf-token-status-list", headers={"if-none-match": etag})
    assert again.status_code == 304
    stale = env.client.get(
        "/v1/log/status/ietf-token-status-list", headers={"if-none-match": '"other"'}
    )
    assert stale.status_code == 200
    _problem(
        env.client.get("/v1/log/status/ietf-token-status-list?time=1"),
        404,
        "log.status.time.unknown",
    )
    then = env.client.get("/v1/log/status/w3c-revocation?time=4102444800")
    assert then.status_code == 200
    assert "immutable" in then.headers["cache-control"]
    _problem(env.client.get("/v1/log/status/nope"), 404, "log.status.kind.unknown")
    _problem(
        env.client.get("/v1/log/status/w3c-revocation?time=yesterday"), 400, "request.query.invalid"
    )


def test_checkpoint_note_verifies_under_the_platform_key(env: Env) -> None:
    """The C2SP signed note's Ed25519 signature verifies over its text; a changed root
    does not (tamper twin)."""
    env.checkpointed()
    note = env.client.get("/v1/log/checkpoint.note")
    assert note.status_code == 200
    assert note.headers["content-type"].startswith("text/plain")
    text, _, sigline = note.content.partition(b"\n\n")
    text += b"\n"
    raw = base64.b64decode(sigline.decode().rsplit(" ", 1)[1])
    key = load_public_key(env.world.pem())
    assert key.verify(raw[4:], text)
    lines = text.split(b"\n")
    root = base64.b64decode(lines[2])
    lines[2] = base64.b64encode(flip(root, 0))
    assert not key.verify(raw[4:], b"\n".join(lines))


def test_proofs_by_index_hash_and_consistency_verify(env: Env) -> None:
    """Inclusion by index and by hash agree and verify; consistency between two
    checkpoints verifies; a reordered proof does not (tamper twin)."""
    first = env.checkpointed()
    old = decode_signed_checkpoint(msgspec.json.encode(first)).decoded()
    newest = decode_signed_checkpoint(msgspec.json.encode(env.checkpointed())).decoded()
    r = env.client.get(f"/v1/log/proof?leaf_index=1&since={old.tree_size}")
    assert r.status_code == 200, r.text
    got = r.json()
    inc = got["inclusion"]
    hashes = [base64.b64decode(h) for h in inc["hashes"]]
    leaf = base64.b64decode(inc["leaf_hash"])
    verify_inclusion(leaf, 1, newest.tree_size, hashes, newest.root_hash)
    by_hash = env.client.get(f"/v1/log/proof/inclusion?leaf_hash={leaf.hex()}").json()
    assert by_hash == inc
    cons = [base64.b64decode(h) for h in got["consistency"]["hashes"]]
    verify_consistency(old.tree_size, newest.tree_size, old.root_hash, newest.root_hash, cons)
    if len(cons) > 1:
        with pytest.raises(ProofError):
            verify_consistency(
                old.tree_size, newest.tree_size, old.root_hash, newest.root_hash, cons[::-1]
            )
    _problem(
        env.client.get("/v1/log/proof/inclusion?leaf_hash=" + "ab" * 32), 404, "log.hash.unknown"
    )
    _problem(env.client.get("/v1/log/proof/inclusion?leaf_index=99999"), 404, "log.leaf.unknown")
    _problem(
        env.client.get("/v1/log/proof/consistency?first=1&second=99999"),
        404,
        "log.tree_size.unknown",
    )


def test_tiles_are_the_leaf_hashes_and_write_to_a_folder(env: Env) -> None:
    """The partial level-0 tile is the leaf hashes in order; the folder export holds the
    same bytes; a width the tree lacks is 404."""
    from elicense_sql.log_store import SqlLogStore

    size = decode_signed_checkpoint(msgspec.json.encode(env.checkpointed())).decoded().tree_size
    r = env.client.get(f"/v1/log/tile/0/000.p/{size}")
    assert r.status_code == 200
    assert len(r.content) == 32 * size
    leaf1 = env.client.get(f"/v1/log/proof/inclusion?leaf_index=1&tree_size={size}").json()
    assert r.content[32:64] == base64.b64decode(leaf1["leaf_hash"])
    assert "immutable" in r.headers["cache-control"]
    _problem(env.client.get(f"/v1/log/tile/0/000.p/{size + 1}"), 404, "log.tile.unknown")
    _problem(env.client.get("/v1/log/tile/0/x1/2"), 404, "log.tile.unknown")
    with SqlLogStore.open(env.dsn) as store:
        assert write_tiles(store, size, env.tmp / "static") == 1
    assert (env.tmp / "static" / "tile" / "0" / f"000.p/{size}").read_bytes() == r.content


def test_unknown_routes_and_methods_are_problems(env: Env) -> None:
    """Routing errors are problem+json with a code too."""
    _problem(env.client.get("/nowhere"), 404, "request.route.unknown")
    _problem(env.client.get("/v1/statements"), 405, "request.method.unsupported")
    _problem(env.client.get("/v1/log/proof/inclusion?leaf_index=-1"), 400, "request.malformed")


def test_openapi_describes_every_route_with_schemas(env: Env) -> None:
    """/openapi.json is OpenAPI 3.1 with request and response schemas for every route,
    the Verdict among them."""
    doc = env.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert "Verdict" in doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = op["responses"].get("200") or op["responses"].get("201")
            assert ok is not None, (path, method)
            assert ok.get("content"), (path, method)
            if method == "post":
                assert op["requestBody"]["content"], path
            if path.startswith("/v1/"):
                problem = op["responses"]["400"]["content"]["application/problem+json"]
                assert problem["schema"], (path, method)


def test_verify_accepts_the_verify_me_payload_text(env: Env) -> None:
    """POST /v1/verify with a QR's text is the payload's verdict; an edited text is a coded
    invalid or indeterminate verdict, never an error."""
    from elicense.ledger.payloads import license_payload

    text = license_payload(
        env.world.ledger, env.license, env.world.platform_key, host="zwfw.example.gov.cn"
    )
    r = env.client.post("/v1/verify", content=text.encode(), headers={"content-type": "text/plain"})
    assert r.status_code == 200
    got = r.json()
    assert got["ok"] is True, got
    assert got["status"] == "valid"
    assert got["signatures"][0]["kind"] == "cose"
    edited = text[:-4] + ("QQQQ" if not text.endswith("QQQQ") else "AAAA")
    bad = env.client.post("/v1/verify", content=edited.encode())
    assert bad.status_code == 200
    assert bad.json()["ok"] is False
    assert bad.json()["findings"][0]["code"].startswith("payload.")
