"""Regenerate docs/vectors/wire-v2.json from the code (run from the repository root).

The vectors pin the wire format: a change to canonical encoding, the signing
input or the event record shows up as a failing tests/test_wire_vectors.py,
and then as a diff of this file — a deliberate, reviewable change.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from elicense import acts, wire
from elicense.codec import sha256
from elicense.documents import history_digest
from elicense.domain.base import deterministic_id
from elicense.record import GENESIS_HASH, EventRecord, PositionedRecord
from elicense.wire import signing_input

SEED = bytes(range(1, 33))
ORIGIN = "elicense:vectors.example"
LICENSE = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
KEY = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599"


def build() -> dict[str, object]:
    """Every vector, computed by the library."""
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    spki = sk.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issue = acts.IssueLicense(
        origin=ORIGIN,
        subject=LICENSE,
        expected_version=0,
        seal="SEAL-0001",
        alg="ed25519",
        signed_at=datetime(2026, 11, 22, 8, 30, 0, tzinfo=UTC),
        template_version=1,
        template_digest=bytes(range(32)),
        license_number="吉市监2430599",
        holder=acts.Holder(name="示例有限公司", code="91110000600037341L", code_kind="uscc"),
        issued_on=date(2026, 11, 22),
        valid_from=date(2026, 11, 22),
        valid_until=date(2031, 11, 21),
        jurisdiction="220100",
        data={"scope": "食品销售", "capital": "100"},
    )
    s1 = issue.encode()
    in1 = signing_input(issue.kind, s1)
    sig1 = sk.sign(in1)
    agg = deterministic_id("license", KEY)
    r1 = EventRecord(
        aggregate_id=agg,
        version=1,
        topic=wire.LICENSE_ISSUED,
        recorded_at=datetime(2026, 11, 22, 8, 30, 1, 250000, tzinfo=UTC),
        prev_hash=GENESIS_HASH,
        statement=s1,
        signature=sig1,
    ).encode()
    suspend = acts.SuspendLicense(
        origin=ORIGIN,
        subject=LICENSE,
        expected_version=1,
        seal="SEAL-0001",
        alg="ed25519",
        signed_at=datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC),
        reason="整改期间暂扣",
    )
    s2 = suspend.encode()
    in2 = signing_input(suspend.kind, s2)
    sig2 = sk.sign(in2)
    r2 = EventRecord(
        aggregate_id=agg,
        version=2,
        topic=wire.LICENSE_SUSPENDED,
        recorded_at=datetime(2026, 12, 1, 9, 0, 0, 500, tzinfo=UTC),
        prev_hash=sha256(r1),
        statement=s2,
        signature=sig2,
    ).encode()
    hist = [PositionedRecord(position=41, record=r1), PositionedRecord(position=97, record=r2)]
    return {
        "about": "elicense wire format v2 test vectors; see docs/wire-format.md. "
        "Bytes are hex; *_text fields are the same bytes as UTF-8 text.",
        "ed25519_private_seed": SEED.hex(),
        "ed25519_public_spki": spki.hex(),
        "aggregate_id_namespace": "5e3b0c56-6f1e-5c2a-9a57-0e1ce05e0001",
        "aggregate_id_input": f"license:{KEY}",
        "aggregate_id": str(agg),
        "events": [
            {
                "statement_text": s.decode(),
                "signing_input": inp.hex(),
                "signature": sig.hex(),
                "record_text": r.decode(),
                "event_hash": sha256(r).hex(),
                "leaf_hash": sha256(b"\x00" + r).hex(),
            }
            for s, inp, sig, r in ((s1, in1, sig1, r1), (s2, in2, sig2, r2))
        ],
        "history_positions": [41, 97],
        "history_digest": history_digest(hist).hex(),
        "payload": _payload(sk, r1),
    }


def _payload(sk: ed25519.Ed25519PrivateKey, record: bytes) -> dict[str, object]:
    """A static verify-me payload of the issued record, signed by the vector key as platform
    key (Ed25519 is deterministic, so the bytes are fixed)."""
    from elicense.crypto.keys import load_private_key
    from elicense.payload import PayloadClaims, make_payload, payload_text, record_hash_prefix

    pem = sk.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    claims = PayloadClaims(
        iss=ORIGIN,
        iat=int(datetime(2026, 11, 22, 9, 0, tzinfo=UTC).timestamp()),
        exp=int(datetime(2031, 11, 21, 16, 0, tzinfo=UTC).timestamp()),
        slot=0,
        eh=record_hash_prefix(record),
        lt=LICENSE.split(".")[5],
        iu=LICENSE.split(".")[6],
    )
    cose = make_payload(claims, load_private_key(pem))
    return {
        "claims": {
            "iss": claims.iss,
            "iat": claims.iat,
            "exp": claims.exp,
            "slot": claims.slot,
            "eh": claims.eh.hex(),
            "lt": claims.lt,
            "iu": claims.iu,
        },
        "cose_sign1": cose.hex(),
        "text": payload_text(cose, "zwfw.example.gov.cn"),
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("wire-v2.json")
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {out}\n")
    assert UUID(str(deterministic_id("license", KEY)))
