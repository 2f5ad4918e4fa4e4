"""The wire-format test vectors in docs/vectors/wire-v2.json agree with the code.

The vectors are what a Java (or any other) verifier checks itself against, so
each is checked here from first principles, not only by regenerating it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import uuid
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from elicense.acts import decode_statement
from elicense.codec import canonical
from elicense.documents import history_digest
from elicense.record import PositionedRecord, decode_record
from elicense.wire import signing_input

DOCS = Path(__file__).resolve().parents[1] / "docs" / "vectors"
VECTORS = json.loads((DOCS / "wire-v2.json").read_text(encoding="utf-8"))


def _events() -> list[dict[str, str]]:
    return VECTORS["events"]  # type: ignore[no-any-return]


def test_vectors_regenerate_identically() -> None:
    """The generator, run against the current code, reproduces the published file."""
    spec = importlib.util.spec_from_file_location("make_vectors", DOCS / "make_vectors.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == VECTORS


@pytest.mark.parametrize("n", [0, 1])
def test_statement_bytes_are_canonical(n: int) -> None:
    """Each statement decodes and re-encodes to exactly its published bytes."""
    data = _events()[n]["statement_text"].encode()
    assert canonical(decode_statement(data)) == data


@pytest.mark.parametrize("n", [0, 1])
def test_signing_input_is_tag_kind_nul_statement(n: int) -> None:
    """The signing input is b"elicense/v2/" + kind + NUL + statement bytes."""
    e = _events()[n]
    data = e["statement_text"].encode()
    kind = decode_statement(data).kind
    expected = b"elicense/v2/" + kind.encode() + b"\x00" + data
    assert bytes.fromhex(e["signing_input"]) == expected == signing_input(kind, data)


@pytest.mark.parametrize("n", [0, 1])
def test_signature_verifies_with_published_key(n: int) -> None:
    """The Ed25519 signature verifies over the signing input with the published key."""
    e = _events()[n]
    key = load_der_public_key(bytes.fromhex(VECTORS["ed25519_public_spki"]))
    key.verify(bytes.fromhex(e["signature"]), bytes.fromhex(e["signing_input"]))  # type: ignore[union-attr]


def test_signature_fails_on_changed_statement() -> None:
    """Tamper twin: one changed byte of the signing input breaks the signature."""
    e = _events()[0]
    key = load_der_public_key(bytes.fromhex(VECTORS["ed25519_public_spki"]))
    data = bytearray(bytes.fromhex(e["signing_input"]))
    data[-5] ^= 0x01
    with pytest.raises(InvalidSignature):
        key.verify(bytes.fromhex(e["signature"]), bytes(data))  # type: ignore[union-attr]


@pytest.mark.parametrize("n", [0, 1])
def test_record_carries_statement_and_hashes(n: int) -> None:
    """The record carries the statement and signature verbatim and hashes as published."""
    e = _events()[n]
    raw = e["record_text"].encode()
    rec = decode_record(raw)
    assert rec.statement == e["statement_text"].encode()
    assert rec.signature == bytes.fromhex(e["signature"])
    assert hashlib.sha256(raw).hexdigest() == e["event_hash"]
    assert hashlib.sha256(b"\x00" + raw).hexdigest() == e["leaf_hash"]


def test_second_record_chains_to_first() -> None:
    """The second record's prev_hash is the first record's event hash; the first's is zeros."""
    first, second = (decode_record(e["record_text"].encode()) for e in _events())
    assert first.prev_hash == bytes(32)
    assert second.prev_hash.hex() == _events()[0]["event_hash"]


def test_aggregate_id_is_uuid5_of_license_key() -> None:
    """The aggregate id is uuid5(namespace, "license:" + identifier without version and check)."""
    ns = uuid.UUID(VECTORS["aggregate_id_namespace"])
    expected = uuid.uuid5(ns, VECTORS["aggregate_id_input"])
    assert str(expected) == VECTORS["aggregate_id"]
    for e in _events():
        assert decode_record(e["record_text"].encode()).aggregate_id == expected


def test_history_digest_covers_positions_and_records() -> None:
    """The history digest is as published, and changes when a position changes."""
    records = [e["record_text"].encode() for e in _events()]
    positions = VECTORS["history_positions"]
    hist = [PositionedRecord(position=p, record=r) for p, r in zip(positions, records, strict=True)]
    assert history_digest(hist).hex() == VECTORS["history_digest"]
    moved = [hist[0], PositionedRecord(position=positions[1] + 1, record=records[1])]
    assert history_digest(moved).hex() != VECTORS["history_digest"]


def test_payload_vector_opens_to_its_claims_and_fails_when_edited() -> None:
    """The payload vector's COSE_Sign1 opens under the vector key to the listed claims and
    its text reads back to the same bytes; one flipped byte is refused."""
    from elicense.crypto.keys import load_public_key
    from elicense.errors import PayloadError
    from elicense.payload import open_payload, read_payload_text

    vector = VECTORS["payload"]
    cose = bytes.fromhex(vector["cose_sign1"])
    key = load_public_key(bytes.fromhex(VECTORS["ed25519_public_spki"]))
    assert read_payload_text(vector["text"]) == cose
    claims = open_payload(cose, [key]).claims
    expected = dict(vector["claims"], eh=bytes.fromhex(vector["claims"]["eh"]))
    assert {k: getattr(claims, k) for k in expected} == expected
    assert len(cose) <= 250
    with pytest.raises(PayloadError):
        open_payload(cose[:-1] + bytes([cose[-1] ^ 1]), [key])
