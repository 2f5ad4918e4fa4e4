"""The fuzzing reproducers of ../shared/testdata/repro, one test each, read in place.

Each input once made a public parser raise something other than its documented
error, or made a verdict ``verifier.internal_error`` (reliability-findings.md
D6-D8). The bundles were re-signed by a demo platform key that is not kept, so
each test moves the reproducer's damaged part into a bundle of the test's own
platform and signs it with that key (the recipe of the findings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from elicense.acts import decode_statement
from elicense.documents import SignedBundle, TrustBundle, decode_document
from elicense.errors import TrustError
from elicense.ledger.export import sign_bundle
from elicense.record import decode_record
from elicense.verify.verifier import Verifier
from support import World, bundle_time


@pytest.fixture(scope="module")
def world() -> tuple[World, str]:
    """A ledger with one seal, one type and one license."""
    w = World.new()
    dept = w.department(1)
    type_code = w.define_type(dept)
    lid = w.submit(w.issue(dept, type_code, 1)).subject
    return w, lid


def _repro(testdata: Path, name: str) -> bytes:
    return (testdata / "repro" / name).read_bytes()


def _inner(signed_bytes: bytes) -> TrustBundle:
    signed = decode_document(signed_bytes)
    assert isinstance(signed, SignedBundle)
    return msgspec.json.decode(signed.bundle, type=TrustBundle)


def _load(world: World, trust: TrustBundle) -> Verifier:
    return Verifier.from_bundle(sign_bundle(trust, world.platform_key), platform_keys=[world.pem()])


def _refused_in_place(testdata: Path, world: World, name: str) -> None:
    """The reproducer itself (wire v1, signed by the demo key) is a TrustError too."""
    with pytest.raises(TrustError):
        Verifier.from_bundle(_repro(testdata, name), platform_keys=[world.pem()])


def _with_seal_make(trust: TrustBundle, **change: Any) -> TrustBundle:
    """``trust`` with its first seal's ``seal.make`` statement changed (not re-signed)."""
    h = trust.seals[0]
    first = h.events[0]
    rec = decode_record(first.record)
    act = msgspec.structs.replace(decode_statement(rec.statement), **change)
    record = msgspec.structs.replace(rec, statement=act.encode()).encode()
    events = (msgspec.structs.replace(first, record=record), *h.events[1:])
    return msgspec.structs.replace(
        trust, seals=(msgspec.structs.replace(h, events=events), *trust.seals[1:])
    )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("bundle_load_resigned_00.bin", {"alg": "ED25519"}),
        ("bundle_load_resigned_01.bin", {"public_key": b"\x30\x03garbage"}),
    ],
    ids=["unknown alg", "malformed key"],
)
def test_bundle_load_resigned_raises_trust_error(
    testdata: Path, world: tuple[World, str], name: str, change: dict[str, Any]
) -> None:
    """D7: a re-signed bundle whose seal.make has an unknown algorithm or a malformed key
    is a TrustError with a code, not UnsupportedAlgorithmError / KeyFormatError."""
    w, _ = world
    _refused_in_place(testdata, w, name)
    ours = _inner(w.bundle())
    assert _load(w, ours) is not None  # twin: the undamaged bundle loads
    with pytest.raises(TrustError) as e:
        _load(w, _with_seal_make(ours, **change))
    assert e.value.code == "record.invalid"


def test_bundle_load_resigned_then_verify_02_is_refused_at_load(
    testdata: Path, world: tuple[World, str]
) -> None:
    """D8: a license status code "" is refused when the bundle loads, not at each verify."""
    w, lid = world
    _refused_in_place(testdata, w, "bundle_load_resigned_then_verify_02.bin")
    ours = _inner(w.bundle())
    verifier = _load(w, ours)  # twin: the undamaged bundle loads and verifies
    assert verifier.verify(lid, at=bundle_time(w.bundle())).codes != ["verifier.internal_error"]
    licenses = {k: msgspec.structs.replace(v, status="") for k, v in ours.licenses.items()}
    with pytest.raises(TrustError) as e:
        _load(w, msgspec.structs.replace(ours, licenses=licenses))
    assert e.value.code == "trust.malformed"
    assert "''" in str(e.value)


def test_verify_document_03_position_out_of_range_is_malformed(
    testdata: Path, world: tuple[World, str]
) -> None:
    """D6: a record position >= 2**64 is a coded invalid verdict, not an internal error."""
    w, lid = world
    verifier = Verifier.from_bundle(w.bundle(), platform_keys=[w.pem()])
    data = _repro(testdata, "verify_document_03.bin")
    assert json.loads(data)["events"][0]["position"] >= 2**64
    verdict = verifier.verify(data)  # wire v1: refused by name before any position is read
    assert verdict.outcome == "invalid"
    assert "verifier.internal_error" not in verdict.codes
    # the reproducer's edit on a v2 document of our own ledger, and the twin without it
    ours = json.loads(w.document(lid))
    assert verifier.verify(w.document(lid)).codes != ["document.malformed"]
    for position in (2**64, 10**30, 2**63, 0, -5):
        ours["events"][0]["position"] = position
        edited = json.dumps(ours, ensure_ascii=False, separators=(",", ":")).encode()
        assert verifier.verify(edited).codes == ["document.malformed"], position
