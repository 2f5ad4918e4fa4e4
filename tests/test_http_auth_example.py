"""The worked RFC 9421 example in docs/http.md, byte for byte; a client built from the
``http-message-signatures`` library (not the adapter's code) accepted by a live server
with Ed25519 and P-256 seals; SM2 seals signed as the docs say (``sm2-sm3``, r‖s)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import InvalidSignature

from auth_support import JSON, audit_codes, post_signed, reuse_world, use_body
from elicense.crypto.keys import load_private_key
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3
from elicense_http.httpsig import parse_signature, sign_request, signature_base
from http_support import ROOT, serve, stored
from sm2_support import require_sm2

DOC = (ROOT / "docs" / "http.md").read_text()


def _example() -> dict[str, Any]:
    section = DOC.split("### Worked example", 1)[1].split("\n## ", 1)[0]
    pems = re.findall(r"```pem\n(.*?)```", section, re.S)
    base = re.search(r"```text\n(.*?)\n```", section, re.S)
    http = re.search(r"```http\n(.*?)\n```", section, re.S)
    request = re.search(r"Request: `GET (\S+)`", section)
    assert len(pems) == 2
    assert base
    assert http
    assert request
    headers = dict(line.split(": ", 1) for line in http.group(1).splitlines())
    return {
        "private": pems[0].encode(),
        "public": pems[1].encode(),
        "base": base.group(1),
        "headers": headers,
        "url": request.group(1),
    }


def test_the_worked_example_is_exact() -> None:
    """Our signer reproduces the doc's headers and signature base from its key and request;
    the public key is the private key's."""
    ex = _example()
    key = load_private_key(ex["private"])
    assert key.public_key.pem().strip() == ex["public"].strip()
    created = int(re.search(r"created=(\d+)", ex["headers"]["Signature-Input"]).group(1))
    made = sign_request(key, method="GET", url=ex["url"], body=b"", keyid="SEAL-2", created=created)
    assert made == ex["headers"]
    sig = parse_signature(ex["headers"]["Signature-Input"], ex["headers"]["Signature"])
    values = {"@method": "GET", "@target-uri": ex["url"], "content-digest": made["Content-Digest"]}
    assert signature_base(sig, values).decode() == ex["base"]


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, keys: dict[str, Any]) -> None:
        self.keys = keys

    def resolve_private_key(self, key_id: str) -> Any:
        return self.keys[key_id].to_pem()

    def resolve_public_key(self, key_id: str) -> Any:
        return self.keys[key_id].public_key.pem()


def test_an_independent_verifier_accepts_the_example_and_refuses_a_tamper() -> None:
    """``http-message-signatures`` verifies the doc's headers; one changed query byte fails."""
    ex = _example()
    key = load_private_key(ex["private"])
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys({"SEAL-2": key})
    )
    good = requests.Request("GET", ex["url"], headers=ex["headers"]).prepare()
    assert verifier.verify(good, max_age=None, body=b"")
    bad = requests.Request("GET", ex["url"] + "7", headers=ex["headers"]).prepare()
    with pytest.raises(InvalidSignature):
        verifier.verify(bad, max_age=None, body=b"")


_ALGS = {ED25519: algorithms.ED25519, ECDSA_P256: algorithms.ECDSA_P256_SHA256}


@pytest.mark.parametrize("alg", [ED25519, ECDSA_P256])
def test_an_independent_client_is_accepted(tmp_path: Path, alg: str) -> None:
    """A ``requests`` request signed by ``http-message-signatures`` with the seal's key gets
    its view; the same request with a flipped signature byte is 401 and changes nothing."""
    world, _ = reuse_world(tmp_path / "ledger.db", alg=alg)
    key = tmp_path / "platform.pem"
    key.write_bytes(world.platform_key.to_pem())
    lic = world.license_id(1)
    code = world.consent(1, world.user, license=lic)
    body = use_body(world.use_statement(world.user, license=lic, consent=code))
    signer = HTTPMessageSigner(
        signature_algorithm=_ALGS[alg], key_resolver=_Keys({world.user.seal: world.user.key})
    )
    with serve(world.ledger.dsn, key, tmp_path) as server:
        prepared = requests.Request(
            "POST", server.url + "/v1/uses", data=body, headers=dict(JSON)
        ).prepare()
        signer.sign(
            prepared,
            key_id=world.user.seal,
            covered_component_ids=("@method", "@target-uri", "content-digest"),
            body=body,
        )
        tampered = prepared.copy()
        raw = prepared.headers["Signature"]
        flip = raw[:10] + ("A" if raw[10] != "A" else "B") + raw[11:]
        tampered.headers["Signature"] = flip
        before = stored(world.ledger.dsn)
        with requests.Session() as s:
            refused = s.send(tampered, timeout=60)
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] == "auth.signature.invalid"
            assert stored(world.ledger.dsn) == before
            r = s.send(prepared, timeout=60)
        assert r.status_code == 201, r.text
        assert r.json()["receipt"]["refused"] is None


def test_sm2_seals_sign_requests(tmp_path: Path) -> None:
    """An SM2 seal's request (``sm2-sm3``, r‖s) is accepted; signed with ``alg`` naming
    another algorithm it is 401 ``auth.alg.mismatch``, audited."""
    require_sm2()
    world, _ = reuse_world(tmp_path / "ledger.db", alg=SM2_SM3)
    key = tmp_path / "platform.pem"
    key.write_bytes(world.platform_key.to_pem())
    lic = world.license_id(1)
    code = world.consent(1, world.user, license=lic)
    with serve(world.ledger.dsn, key, tmp_path) as server, server.client() as c:
        body = use_body(world.use_statement(world.user, license=lic, consent=code))
        url = server.url + "/v1/uses"
        headers = sign_request(
            world.user.key,
            method="POST",
            url=url,
            body=body,
            keyid=world.user.seal,
            created=int(time.time()),
        )
        lying = {
            **headers,
            "Signature-Input": headers["Signature-Input"].replace("sm2-sm3", "ed25519"),
        }
        before = stored(world.ledger.dsn)
        r = c.post("/v1/uses", content=body, headers={**lying, **JSON})
        assert (r.status_code, r.json()["code"]) == (401, "auth.alg.mismatch")
        assert stored(world.ledger.dsn) == before
        assert audit_codes(world.ledger.dsn)[-1] == "auth.alg.mismatch"
        ok = post_signed(c, world.user, "/v1/uses", body)
        assert ok.status_code == 201, ok.text
