"""The log path of verification: a valid document and its tamper twins.

A document carrying log evidence is verified from its inclusion proof, a cached
checkpoint and one status-list entry, with no signature verification per
license; every byte of the evidence counts, and a stale checkpoint is
indeterminate, never valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from elicense import acts
from elicense.codec import canonical
from elicense.crypto.keys import generate_key
from elicense.ledger.export import license_document, sign_bundle, trust_bundle
from elicense.log.checkpoint import sign_checkpoint
from elicense.log.statusdoc import (
    StatusListDocument,
    sign_status_list,
)
from elicense.log.statuslist import Status, StatusArray
from elicense.verdict import Outcome, Verdict
from elicense.verify.verifier import Verifier
from elicense_demo.scenario import LICENSE_TYPES, City
from logkit import MemoryLog, build_ledger, bundle_for

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def city() -> City:
    return City(alg="ecdsa-p256-sha256", seed=9162)


@pytest.fixture(scope="module")
def world(city: City) -> Iterator[dict[str, Any]]:
    """A ledger, its in-memory log with a checkpoint, a bundle, a verifier, documents."""
    ledger, ids = build_ledger(city, "memory:")
    log = MemoryLog(ledger, city.platform_key)
    log.follow()
    log.checkpoint(now=NOW)
    bundle = bundle_for(ledger, log, city.platform_key)
    docs = {kind: license_document(ledger, i, log=log) for kind, i in ids.items()}
    yield {"ledger": ledger, "ids": ids, "log": log, "bundle": bundle, "docs": docs}
    ledger.close()


def _verifier(city: City, bundle: bytes, **kwargs: Any) -> Verifier:
    return Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key], **kwargs)


def _verify(city: City, world: dict[str, Any], doc: Any, **kwargs: Any) -> Verdict:
    at = kwargs.pop("at", NOW + timedelta(minutes=5))
    return _verifier(city, world["bundle"], **kwargs).verify(canonical(doc), at=at)


def _with_evidence(doc: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(doc, log=msgspec.structs.replace(doc.log, **changes))


def _hashes(proof: bytes) -> list[bytes]:
    return [proof[k : k + 32] for k in range(0, len(proof), 32)]


def test_valid_document_on_the_log_path(city: City, world: dict[str, Any]) -> None:
    """A plain license verifies valid on the log path, saying which checkpoint and how fresh."""
    v = _verify(city, world, world["docs"]["plain"])
    assert v.outcome is Outcome.VALID, v.to_dict()
    assert v.status == "valid"
    assert {"log.inclusion", "log.checkpoint.fresh", "log.status"} <= set(v.checked)
    ev = v.evidence
    assert ev["path"] == "log"
    assert ev["log_index"] == world["docs"]["plain"].log.leaf_index
    assert ev["checkpoint"]["tree_size"] == world["log"].frontier.size
    assert 0 <= ev["checkpoint_age_seconds"] <= 400
    assert msgspec.json.decode(v.to_json())["evidence"]["status_list"].endswith("/status/1")


def test_no_signature_is_verified_per_license(
    city: City, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the bundle and the checkpoint, verifying documents makes no public-key operation."""
    verifier = _verifier(city, world["bundle"])
    first = canonical(world["docs"]["plain"])
    assert verifier.verify(first, at=NOW).ok  # verifies and caches the checkpoint
    calls: list[int] = []
    cls = type(city.platform_key.public_key)
    real = cls.verify

    def counting(self: Any, signature: bytes, data: bytes) -> bool:
        calls.append(1)
        return real(self, signature, data)

    monkeypatch.setattr(cls, "verify", counting)
    for kind in ("plain", "amended", "reinstated", "renewed"):
        assert verifier.verify(canonical(world["docs"][kind]), at=NOW).ok, kind
    assert calls == []


@pytest.mark.parametrize(
    ("kind", "outcome", "code", "status"),
    [
        ("amended", Outcome.VALID, None, "valid"),
        ("renewed", Outcome.VALID, None, "valid"),
        ("reinstated", Outcome.VALID, None, "valid"),
        ("suspended", Outcome.INVALID, "license.suspended", "suspended"),
        ("revoked", Outcome.INVALID, "license.revoked", "revoked"),
    ],
)
def test_status_comes_from_the_list(
    city: City, world: dict[str, Any], kind: str, outcome: Outcome, code: str | None, status: str
) -> None:
    """Each lifecycle ends in the status the platform's list gives, on the log path."""
    v = _verify(city, world, world["docs"][kind])
    assert v.outcome is outcome, v.to_dict()
    assert v.status == status
    assert v.evidence["path"] == "log"
    if code:
        assert v.codes[0] == code


def test_expired_validity_is_judged_at_the_given_time(city: City, world: dict[str, Any]) -> None:
    """A valid entry does not outlive the license's validity window."""
    v = _verify(
        city,
        world,
        world["docs"]["plain"],
        at=datetime(2032, 1, 1, tzinfo=UTC),
        max_checkpoint_age=timedelta(days=5000),
    )
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["license.expired"]


def test_stale_checkpoint_is_indeterminate_not_valid(city: City, world: dict[str, Any]) -> None:
    """A status list older than the accepted age gives indeterminate, with the age stated."""
    later = NOW + timedelta(days=2)
    v = _verify(city, world, world["docs"]["plain"], at=later)
    assert v.outcome is Outcome.INDETERMINATE, v.to_dict()
    assert v.codes == ["log.checkpoint.stale"]
    assert v.evidence["checkpoint_age_seconds"] >= 2 * 86400
    accepted = _verify(
        city, world, world["docs"]["plain"], at=later, max_checkpoint_age=timedelta(days=3)
    )
    assert accepted.ok


def test_flipped_proof_byte_is_invalid(city: City, world: dict[str, Any]) -> None:
    """One changed bit anywhere in the proof makes the document invalid."""
    doc = world["docs"]["plain"]
    proof = doc.log.proof
    for at in (0, len(proof) // 2, len(proof) - 1):
        flipped = proof[:at] + bytes([proof[at] ^ 1]) + proof[at + 1 :]
        v = _verify(city, world, _with_evidence(doc, proof=flipped))
        assert v.outcome is Outcome.INVALID
        assert v.codes == ["log.inclusion.invalid"]


def test_reordered_proof_is_invalid(city: City, world: dict[str, Any]) -> None:
    """Swapping two proof hashes makes the document invalid."""
    doc = world["docs"]["plain"]
    hashes = _hashes(doc.log.proof)
    hashes[0], hashes[1] = hashes[1], hashes[0]
    v = _verify(city, world, _with_evidence(doc, proof=b"".join(hashes)))
    assert v.codes == ["log.inclusion.invalid"]


@pytest.mark.parametrize("shift", [-1, 1, 1000])
def test_wrong_leaf_index_is_invalid(city: City, world: dict[str, Any], shift: int) -> None:
    """The proof binds the leaf's index: another index does not verify."""
    doc = world["docs"]["plain"]
    v = _verify(city, world, _with_evidence(doc, leaf_index=doc.log.leaf_index + shift))
    assert v.outcome is Outcome.INVALID
    assert v.codes[0] in ("log.inclusion.invalid", "log.proof.malformed")


def test_forged_checkpoint_is_invalid(city: City, world: dict[str, Any]) -> None:
    """A checkpoint whose bytes changed under the platform's signature is refused."""
    doc = world["docs"]["plain"]
    signed = doc.log.checkpoint
    cp = msgspec.structs.replace(signed.decoded(), tree_size=signed.decoded().tree_size + 1)
    forged = msgspec.structs.replace(signed, checkpoint=canonical(cp))
    v = _verify(city, world, _with_evidence(doc, checkpoint=forged))
    assert v.codes == ["log.checkpoint.signature.invalid"]
    other = sign_checkpoint(signed.decoded(), generate_key("ecdsa-p256-sha256"))
    v = _verify(city, world, _with_evidence(doc, checkpoint=other))
    assert v.codes == ["log.checkpoint.key.unknown"]


def test_changed_record_byte_is_invalid(city: City, world: dict[str, Any]) -> None:
    """The leaf is the stored record: a changed byte no longer proves inclusion."""
    doc = world["docs"]["plain"]
    record = doc.events[-1].record
    changed = record.replace(b'"version":1', b'"version":1 ')
    events = (msgspec.structs.replace(doc.events[-1], record=changed),)
    v = _verify(city, world, msgspec.structs.replace(doc, events=events))
    assert v.outcome is Outcome.INVALID


def test_spliced_history_is_invalid(city: City, world: dict[str, Any]) -> None:
    """An earlier record of another license under a logged newest record breaks the chain."""
    amended = world["docs"]["amended"]
    plain = world["docs"]["plain"]
    events = (plain.events[0], amended.events[1])
    v = _verify(city, world, msgspec.structs.replace(amended, events=events))
    assert v.outcome is Outcome.INVALID
    assert v.codes[0] in ("chain.broken", "history.aggregate.mismatch", "history.order")


def test_document_must_name_the_current_identifier(city: City, world: dict[str, Any]) -> None:
    """An amended license's document naming the old identifier is refused."""
    doc = world["docs"]["amended"]
    v = _verify(city, world, msgspec.structs.replace(doc, license=world["docs"]["plain"].license))
    assert v.codes == ["document.license.mismatch"]


def test_wrong_status_index_is_invalid(city: City, world: dict[str, Any]) -> None:
    """The carried status entry must be the one the slot map gives for the leaf."""
    doc = world["docs"]["plain"]
    ref = msgspec.structs.replace(doc.log.status, index=doc.log.status.index + 1)
    v = _verify(city, world, _with_evidence(doc, status=ref))
    assert v.codes == ["log.status.index.mismatch"]


def _bundle_with_list(
    world: dict[str, Any], city: City, lst: StatusListDocument, sign: bool
) -> bytes:
    material = world["log"].material
    signed = material.status_lists[0]
    if sign:
        replaced = sign_status_list(lst, city.platform_key)
    else:
        replaced = msgspec.structs.replace(signed, status_list=canonical(lst))
    bundle = msgspec.structs.replace(
        trust_bundle(world["ledger"], world["log"]),
        status_lists=(replaced, *material.status_lists[1:]),
    )
    return sign_bundle(bundle, city.platform_key)


def test_wrong_status_bit(city: City, world: dict[str, Any]) -> None:
    """A list flipped under the platform's signature is refused; the platform's own
    INVALID entry for the record makes the document invalid."""
    doc = world["docs"]["plain"]
    ietf = msgspec.json.decode(
        world["log"].material.status_lists[0].status_list, type=StatusListDocument
    )
    array = StatusArray.from_compressed(ietf.lst, ietf.size, 2)
    array[doc.log.status.index] = Status.INVALID
    flipped = msgspec.structs.replace(ietf, lst=array.compressed())
    at = NOW + timedelta(minutes=5)
    unsigned = _verifier(city, _bundle_with_list(world, city, flipped, sign=False))
    v = unsigned.verify(canonical(doc), at=at)
    assert v.outcome is not Outcome.VALID
    assert v.codes == ["log.status.signature.invalid"]
    signed = _verifier(city, _bundle_with_list(world, city, flipped, sign=True))
    v = signed.verify(canonical(doc), at=at)
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.superseded"]


def test_document_exported_before_a_suspension_is_superseded(city: City) -> None:
    """Evidence for a record that is no longer the license's newest is refused."""
    ledger, ids = build_ledger(city, "memory:", extra=0)
    log = MemoryLog(ledger, city.platform_key)
    log.follow()
    log.checkpoint(now=NOW)
    old = license_document(ledger, ids["plain"], log=log)
    d = city.departments[LICENSE_TYPES[1].department].signatory
    ledger.submit(
        d.sign(acts.SuspendLicense, subject=ids["plain"], expected_version=1, reason="暂扣")
    )
    log.follow()
    log.checkpoint(now=NOW)
    verifier = _verifier(city, bundle_for(ledger, log, city.platform_key))
    v = verifier.verify(canonical(old), at=NOW)
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.superseded"]
    now_doc = license_document(ledger, ids["plain"], log=log)
    assert verifier.verify(canonical(now_doc), at=NOW).codes == ["license.suspended"]
    ledger.close()


def test_record_newer_than_the_status_list_takes_the_signature_path(city: City) -> None:
    """A document proved against a newer checkpoint than the bundle's list is judged by
    signatures, not by a status the list cannot know."""
    ledger, _ids = build_ledger(city, "memory:", extra=0)
    log = MemoryLog(ledger, city.platform_key)
    log.follow()
    log.checkpoint(now=NOW)
    bundle = bundle_for(ledger, log, city.platform_key)
    spec_serial = 99
    ledger.submit(city.issuance(LICENSE_TYPES[1], spec_serial))
    log.follow()
    log.checkpoint(now=NOW)
    doc = license_document(ledger, str(city.license_id(LICENSE_TYPES[1], spec_serial)), log=log)
    v = _verifier(city, bundle).verify(canonical(doc), at=NOW)
    assert v.evidence.get("path") != "log"
    assert v.outcome is not Outcome.VALID  # the bundle predates the license
    ledger.close()


def test_documents_without_evidence_are_unchanged(city: City, world: dict[str, Any]) -> None:
    """Without a log the document's bytes have no log field and verify by signatures."""
    doc = license_document(world["ledger"], world["ids"]["plain"])
    data = canonical(doc)
    assert b'"log"' not in data
    with_log = world["docs"]["plain"]
    assert data == canonical(msgspec.structs.replace(with_log, log=None))
    v = _verifier(city, world["bundle"]).verify(data, at=NOW)
    assert v.ok, v.to_dict()
    assert "path" not in v.evidence


def test_compromised_seal_reaches_the_log_path(city: City) -> None:
    """A seal revoked later as compromised since before an issuance makes that license
    invalid on the log path too (no signature verified, yet the compromise counts)."""
    ledger, ids = build_ledger(city, "memory:")
    spec = LICENSE_TYPES[1]
    seal = city.departments[spec.department].seal_code
    issued_at = ledger.get_license(ids["plain"]).modified_on
    log = MemoryLog(ledger, city.platform_key)
    log.follow()
    log.checkpoint(now=NOW)
    clean = bundle_for(ledger, log, city.platform_key)
    doc = canonical(license_document(ledger, ids["plain"], log=log))
    assert _verifier(city, clean).verify(doc, at=NOW).ok  # the twin: before the revocation
    version = ledger.get_seal(seal).version
    ledger.submit(
        city.platform.sign(
            acts.RevokeSeal,
            subject=seal,
            expected_version=version,
            reason="私钥泄露",
            compromised_since=issued_at - timedelta(seconds=1),
        )
    )
    log.follow()
    log.checkpoint(now=NOW)
    revoked = bundle_for(ledger, log, city.platform_key)
    v = _verifier(city, revoked).verify(doc, at=NOW)
    assert not v.ok
    assert "seal.compromised" in v.codes
    ledger.close()


# -- online, against the ledger's own log ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "suspended", "revoked", "amended", "renewed"])
def test_online_verdicts_with_the_log_match_those_without(world: dict[str, Any], kind: str) -> None:
    """The log adds proof, never a different answer, for an untouched ledger."""
    ledger, ident = world["ledger"], world["ids"][kind]
    with_log = Verifier.from_ledger(ledger, log=world["log"]).verify(ident, at=NOW)
    without = Verifier.from_ledger(ledger).verify(ident, at=NOW)
    assert (with_log.ok, with_log.status, with_log.codes) == (
        without.ok,
        without.status,
        without.codes,
    )
    assert "log.inclusion" in with_log.checked
    assert "log.inclusion" not in without.checked


def test_online_log_signed_by_a_foreign_key_fails(world: dict[str, Any]) -> None:
    """A log whose checkpoint no platform key of the ledger signed is not evidence."""
    ledger = world["ledger"]
    foreign = MemoryLog(ledger, generate_key("ecdsa-p256-sha256"))
    foreign.follow()
    foreign.checkpoint(now=NOW)
    verdict = Verifier.from_ledger(ledger, log=foreign).verify(world["ids"]["plain"], at=NOW)
    assert not verdict.ok
    assert verdict.codes == ["log.checkpoint.key.unknown"]


# -- D9: on the log path every byte is authenticated or refused -------------------------------


def test_d9_empty_seal_section_is_refused_on_the_log_path(
    city: City, world: dict[str, Any]
) -> None:
    """A log-path document whose seal section was emptied lacks its seals' filings."""
    doc = world["docs"]["plain"]
    assert _verify(city, world, doc).outcome is Outcome.VALID
    v = _verify(city, world, msgspec.structs.replace(doc, seals=()))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.seals.incomplete"]


def test_d9_bogus_seal_history_is_refused_on_the_log_path(
    city: City, world: dict[str, Any]
) -> None:
    """A seal history differing from the bundle's is refused on the log path too."""
    doc = world["docs"]["plain"]
    h = doc.seals[0]
    first = h.events[0]
    bogus = msgspec.structs.replace(first, position=first.position + 1)
    seals = (msgspec.structs.replace(h, events=(bogus, *h.events[1:])), *doc.seals[1:])
    v = _verify(city, world, msgspec.structs.replace(doc, seals=seals))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.seal.mismatch"]


def test_d9_non_utf8_seal_bytes_are_refused_not_canonical(
    city: City, world: dict[str, Any]
) -> None:
    """A byte that is not UTF-8 inside the raw seal section is malformed, not canonical."""
    data = canonical(world["docs"]["plain"])
    at = data.index(b'"seals":[') + len(b'"seals":[')
    at = data.index(b'":"', at) + 3  # first character of the first string value
    bad = data[:at] + b"\xff" + data[at + 1 :]
    v = _verifier(city, world["bundle"]).verify(bad, at=NOW + timedelta(minutes=5))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.malformed"]
    assert "document.canonical" not in v.checked


def test_d9_position_is_not_repeated_in_evidence(city: City, world: dict[str, Any]) -> None:
    """The log proves the leaf index, not the claimed position: evidence gives only the former."""
    v = _verify(city, world, world["docs"]["plain"])
    assert v.outcome is Outcome.VALID
    assert "position" not in v.evidence
    assert isinstance(v.evidence["log_index"], int)


@pytest.mark.parametrize("position", [-5, 0])
def test_d9_non_positive_position_is_refused(
    city: City, world: dict[str, Any], position: int
) -> None:
    """A document claiming a position below 1 is refused when decoded, before any path."""
    doc = world["docs"]["plain"]
    events = (msgspec.structs.replace(doc.events[-1], position=position),)
    v = _verify(city, world, msgspec.structs.replace(doc, events=events))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.malformed"]
    assert "position" not in v.evidence


def test_d9_status_list_id_must_be_the_bundles(city: City, world: dict[str, Any]) -> None:
    """The status list the evidence names must be the bundle's, else log.status.list_mismatch."""
    doc = world["docs"]["plain"]
    ref = msgspec.structs.replace(doc.log.status, list=doc.log.status.list + "x")
    v = _verify(city, world, _with_evidence(doc, status=ref))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["log.status.list_mismatch"]


def _multi_record_doc(world: dict[str, Any]) -> tuple[str, Any]:
    """A document on the log path whose license has more than one record."""
    doc = world["docs"]["reinstated"]  # issue, suspend, reinstate: valid, three records
    assert len(doc.events) == 3
    assert doc.log is not None
    return "reinstated", doc


def test_d9_an_older_records_position_is_authenticated(city: City, world: dict[str, Any]) -> None:
    """No proof covers an older record's position: the bundle's history digest does. The
    honest document is valid on the log path; the twin, one older position moved by one
    (still increasing), is refused."""
    kind, doc = _multi_record_doc(world)
    honest = _verify(city, world, doc)
    assert honest.outcome is Outcome.VALID, (kind, honest.to_dict())
    assert honest.evidence["path"] == "log"
    first = doc.events[0]
    moved = msgspec.structs.replace(first, position=first.position + 1)
    assert moved.position < doc.events[1].position  # still a well-ordered history
    v = _verify(city, world, msgspec.structs.replace(doc, events=(moved, *doc.events[1:])))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["document.history.mismatch"]


def test_d9_a_removed_status_reference_is_refused(city: City, world: dict[str, Any]) -> None:
    """The document's own checkpoint's list covers it: dropping the reference to its entry
    is refused, where keeping it verifies (the happy twin above)."""
    doc = world["docs"]["plain"]
    assert doc.log.status is not None
    v = _verify(city, world, _with_evidence(doc, status=None))
    assert v.outcome is Outcome.INVALID
    assert v.codes == ["log.status.missing"]
