"""Wire format v2: template binding, license files on the record, names as data."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from elicense import acts, wire
from elicense.acts import decode_statement
from elicense.crypto.gm import sm3
from elicense.errors import ConflictError, DuplicateError, NotAuthorisedError, RefusedError
from elicense.ledger.rules import licenses
from elicense.verify.verifier import Verifier
from support import World, bundle_time, restate

PDF = b"%PDF-1.7\n% a license file\n"


@pytest.fixture
def world(tmp_path: Any) -> Iterator[World]:
    """A fresh SQLite ledger with an established platform."""
    w = World.new(tmp_path / "ledger.db")
    yield w
    w.ledger.close()


def _revise(world: World, dept: Any, type_code: str, version: int) -> None:
    world.submit(
        dept.sign(
            acts.ReviseType,
            subject=type_code,
            expected_version=version,
            name="营业执照（2027版）",
            issuers=(dept.uscc,),
            schema=world.ledger.get_license_type(type_code).schema,
            validity=acts.Validity(years=5),
        )
    )


def test_binding_names_the_definition_in_force(world: World) -> None:
    """The binding is the template version and the SHA-256 of the define/revise statement."""
    dept, type_code, _ = world.licensed()
    binding = world.ledger.template_binding(type_code)
    ltype = world.ledger.get_license_type(type_code)
    defined = world.ledger.history(ltype.id)[0]
    from elicense.record import decode_record

    statement = decode_record(defined.record).statement
    assert binding == {"template_version": 1, "template_digest": hashlib.sha256(statement).digest()}
    _revise(world, dept, type_code, 1)
    assert world.ledger.template_binding(type_code)["template_version"] == 2


def test_issuance_against_an_older_template_is_refused(world: World) -> None:
    """Signed before a revision, an issuance is refused with template.stale; nothing recorded."""
    dept, type_code, _ = world.licensed()
    stale = world.issue(dept, type_code, 2)
    _revise(world, dept, type_code, 1)
    before = world.ledger.max_position()
    with pytest.raises(ConflictError) as e:
        world.submit(stale)
    assert e.value.code == "template.stale"
    assert world.ledger.max_position() == before
    world.submit(world.issue(dept, type_code, 2))  # signed against the version in force


def test_amendment_with_a_wrong_digest_is_refused(world: World) -> None:
    """The right version with another digest is template.mismatch."""
    dept, _, identifier = world.licensed()
    signed = world.act(dept, acts.AmendLicense, identifier, 1, template_digest=bytes(32))
    with pytest.raises(RefusedError) as e:
        world.submit(signed)
    assert e.value.code == "template.mismatch"


def test_verifier_detects_a_forged_binding(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record whose binding the ledger failed to check verifies invalid offline."""
    dept, type_code, _ = world.licensed()
    honest = world.issue(dept, type_code, 2)
    forged = restate(honest, dept.key, template_digest=b"\x01" * 32)
    # an operator whose ledger skips the check records it anyway
    monkeypatch.setattr(licenses, "_require_template", lambda ltype, act: None)
    world.submit(forged)
    world.submit(honest := world.issue(dept, type_code, 3))
    bundle = world.bundle()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    at = bundle_time(bundle)
    bad = verifier.verify(world.document(decode_statement(forged.statement).subject), at=at)
    assert not bad.ok
    assert bad.first_failure() is not None
    assert bad.first_failure().code == "template.mismatch"  # type: ignore[union-attr]
    good = verifier.verify(world.document(decode_statement(honest.statement).subject), at=at)
    assert good.ok, good.codes


def _file(world: World, dept: Any, identifier: str, data: bytes = PDF, **fields: Any) -> Any:
    fields.setdefault("media_type", "application/pdf")
    fields.setdefault("sha256", hashlib.sha256(data).digest())
    fields.setdefault("sm3", sm3(data))
    return dept.sign(acts.RecordLicenseFile, subject=identifier, expected_version=0, **fields)


def test_a_recorded_file_is_found_by_digest_and_changes_no_license_byte(world: World) -> None:
    """Recording a file adds one file.recorded event; the license's document is unchanged."""
    dept, _, identifier = world.licensed()
    doc = world.document(identifier)
    world.submit(_file(world, dept, identifier))
    f = world.ledger.license_file(hashlib.sha256(PDF).digest())
    assert f is not None
    assert (f.license, f.media_type, f.sm3) == (identifier, "application/pdf", sm3(PDF))
    assert world.ledger.get_license(identifier).version == 1
    assert world.document(identifier) == doc
    assert world.ledger.license_file(hashlib.sha256(PDF + b"x").digest()) is None


def test_file_records_refuse_other_departments_twice_and_bad_digests(world: World) -> None:
    """Another department's seal, the same file twice and a short digest are refused."""
    dept, _, identifier = world.licensed()
    other = world.department(2)
    with pytest.raises(NotAuthorisedError):
        world.submit(_file(world, other, identifier))
    world.submit(_file(world, dept, identifier))
    with pytest.raises(DuplicateError):
        world.submit(_file(world, dept, identifier))
    with pytest.raises(ValueError, match="sha256 must be 32 bytes"):
        _file(world, dept, identifier, sha256=b"short")
    with pytest.raises(ValueError, match="media_type"):
        _file(world, dept, identifier, data=b"other", media_type="image/png")


_PYTHON_PATH = re.compile(r"elicense\.[a-z_]+(\.[a-z_]+)*:|[a-z_]+\.[a-z_]+:[A-Z]\w*\.[A-Z]")


def _strings(value: Any) -> Any:
    """Every string inside ``value``, decoding base64 layers that hold JSON."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value
        if len(value) >= 8 and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", value):
            import base64

            try:
                inner = msgspec.json.decode(base64.b64decode(value))
            except Exception:
                return
            yield from _strings(inner)


def test_no_python_path_in_any_stored_or_exported_byte(world: World) -> None:
    """Stored topics, records, documents and bundles name events by wire name only."""
    dept, _, identifier = world.licensed()
    world.submit(world.act(dept, acts.AmendLicense, identifier, 1))
    amended = world.ledger.get_license(identifier).identifier
    world.submit(_file(world, dept, amended))
    topics = {n.topic for n in world.ledger.notifications()}
    assert topics <= set(wire.EVENTS), topics
    for n in world.ledger.notifications():
        assert not _PYTHON_PATH.search(bytes(n.state).decode()), n.topic
    texts = [world.document(amended), world.bundle()]
    for text in texts:
        for s in _strings(msgspec.json.decode(text)):
            assert not _PYTHON_PATH.search(s), s


def test_a_v1_document_is_refused_naming_its_version(world: World) -> None:
    """A document tagged /v1 gets document.version.unsupported, not document.malformed."""
    _, _, identifier = world.licensed()
    v2 = world.document(identifier)
    v1 = v2.replace(wire.LICENSE_DOCUMENT.encode(), b"elicense/license-document/v1", 1)
    verifier = Verifier.from_bundle(world.bundle(), platform_keys=[world.pem()])
    verdict = verifier.verify(v1)
    assert verdict.codes == ["document.version.unsupported"]
    assert "v1" in verdict.findings[0].message
    twin = verifier.verify(v2.replace(wire.LICENSE_DOCUMENT.encode(), b"elicense/nonsense", 1))
    assert twin.codes == ["document.malformed"]


def test_a_v1_record_in_the_store_is_refused_by_name(world: World) -> None:
    """A stored row whose topic is a Python path is a v1 record, refused as such."""
    from elicense.domain.catalog import event_from_record
    from elicense.errors import EncodingError
    from elicense.record import decode_record

    _, _, identifier = world.licensed()
    pr = world.ledger.history(world.ledger.get_license(identifier).id)[0]
    rec = msgspec.structs.replace(
        decode_record(pr.record), topic="elicense.domain.license:License.Issued"
    )
    with pytest.raises(EncodingError, match="wire format v1"):
        event_from_record(rec, rec.encode())
    with pytest.raises(EncodingError, match="unknown event name"):
        event_from_record(msgspec.structs.replace(rec, topic="license.issuedd"), b"")
