"""Verification: valid documents verify, and every tampered twin does not.

One module-wide ledger holds licenses in every status; its trust bundle and
documents are exported once. Tests that change the ledger build their own.
Time is always passed in (``at=``), relative to the bundle's issue time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from elicense import acts
from elicense.codec import canonical, utc_now
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.documents import LicenseDocument, TrustBundle, decode_document
from elicense.errors import NotAuthorisedError, SealRefusedError, TrustError
from elicense.ledger.export import export_trust_bundle
from elicense.lifecycle import RevocationReason
from elicense.record import decode_record
from elicense.verdict import Outcome, Verdict, VerdictBuilder, VerificationError
from elicense.verify.verifier import Verifier
from support import TODAY, Dept, World, bundle_time, edited, flip


@dataclass
class Scenario:
    """A ledger with licenses in every status, its bundle, documents and a verifier."""

    world: World
    dept: Dept
    type_code: str
    ids: dict[str, str]
    docs: dict[str, bytes]
    bundle: bytes
    at: datetime
    verifier: Verifier

    def __repr__(self) -> str:  # Hypothesis prints its examples' arguments: keep it short
        return f"Scenario({len(self.docs)} documents, {len(self.bundle)}-byte bundle)"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


STATUSES = {
    "suspended": [(acts.SuspendLicense, {})],
    "withdrawn": [(acts.RevokeLicense, {"reason_code": RevocationReason.WITHDRAWN})],
    "cancelled": [(acts.RevokeLicense, {"reason_code": RevocationReason.CANCELLED})],
    "revoked": [(acts.RevokeLicense, {"reason_code": RevocationReason.REVOKED})],
    "expired": [(acts.ExpireLicense, {})],
}


@pytest.fixture(scope="module")
def sc() -> Scenario:
    """The shared scenario (read-only)."""
    world = World.new()
    dept = world.department(1)
    world.department(2)  # another seal, for swapping seal sections
    type_code = world.define_type(dept)
    ids: dict[str, str] = {}
    docs: dict[str, bytes] = {}
    n = 0

    def issue(**fields: Any) -> str:
        nonlocal n
        n += 1
        return world.submit(world.issue(dept, type_code, n, **fields)).subject

    ids["valid"] = issue()
    ids["amended"] = issue()
    docs["before amend"] = world.document(ids["amended"])
    world.submit(world.act(dept, acts.AmendLicense, ids["amended"], 1))
    ids["amended"] = world.ledger.get_license(ids["amended"]).identifier
    for status, steps in STATUSES.items():
        ids[status] = issue()
        for version, (cls, fields) in enumerate(steps, 1):
            world.submit(world.act(dept, cls, ids[status], version, **fields))
    ids["out of date"] = issue(
        valid_from=TODAY - timedelta(days=800), valid_until=TODAY - timedelta(days=1)
    )
    for name, identifier in ids.items():
        docs[name] = world.document(identifier)
    bundle = world.bundle()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    return Scenario(
        world,
        dept,
        type_code,
        ids,
        docs,
        bundle,
        bundle_time(bundle) + timedelta(minutes=1),
        verifier,
    )


def edit(document: bytes, **changes: Any) -> bytes:
    """The canonical bytes of ``document`` with fields replaced (a well-formed forgery)."""
    doc = decode_document(document)
    assert isinstance(doc, LicenseDocument)
    return canonical(msgspec.structs.replace(doc, **changes))


def codes(verdict: Verdict) -> list[str]:
    """The verdict's finding codes."""
    return [f.code for f in verdict.findings]


# -- the happy path and its statuses ---------------------------------------------------------------


def test_valid_document_verifies(sc: Scenario) -> None:
    """A freshly exported document of a valid license is valid, with its checks named."""
    verdict = sc.verifier.verify(sc.docs["valid"], at=sc.at)
    assert verdict.ok
    assert verdict.outcome is Outcome.VALID
    assert verdict.status == "valid"
    assert verdict.findings == ()
    assert {"statement.signature", "status.current", "chain.linked", "document.canonical"} <= set(
        verdict.checked
    )
    assert verdict.subject == sc.ids["valid"]


def test_amended_document_verifies_under_its_new_identifier(sc: Scenario) -> None:
    """After 变更 the document names version 002 and is valid."""
    verdict = sc.verifier.verify(sc.docs["amended"], at=sc.at)
    assert verdict.ok, verdict.to_dict()
    assert verdict.evidence["identifier_version"] == 2


def test_online_verifier_agrees_with_offline(sc: Scenario) -> None:
    """The live ledger gives the same outcome and status for every document."""
    online = Verifier.from_ledger(sc.world.ledger)
    for name, document in sc.docs.items():
        off, on = sc.verifier.verify(document, at=sc.at), online.verify(document, at=sc.at)
        assert (off.outcome, off.status) == (on.outcome, on.status), name


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_ended_or_suspended_license_is_invalid_with_its_status(sc: Scenario, status: str) -> None:
    """A suspended, withdrawn, cancelled, revoked or expired license is license.<status>."""
    verdict = sc.verifier.verify(sc.docs[status], at=sc.at)
    assert verdict.outcome is Outcome.INVALID
    assert verdict.status == status
    assert codes(verdict) == [f"license.{status}"]
    assert "status.current" in verdict.checked  # the status is current; it is just not valid


def test_license_past_its_validity_is_expired(sc: Scenario) -> None:
    """A license whose valid_until has passed is judged expired at the given time."""
    verdict = sc.verifier.verify(sc.docs["out of date"], at=sc.at)
    assert (verdict.outcome, verdict.status, codes(verdict)) == (
        Outcome.INVALID,
        "expired",
        ["license.expired"],
    )


def test_time_is_a_parameter(sc: Scenario) -> None:
    """The same document is valid before its valid_until and expired after it."""
    online = Verifier.from_ledger(sc.world.ledger)
    lic = sc.world.ledger.get_license(sc.ids["valid"])
    assert lic.valid_until is not None
    before = datetime.combine(lic.valid_until, datetime.min.time(), sc.at.tzinfo)
    assert online.verify(sc.docs["valid"], at=before).ok
    after = online.verify(sc.docs["valid"], at=before + timedelta(days=1))
    assert after.status == "expired"


# -- every byte ------------------------------------------------------------------------------------


def test_every_flipped_byte_makes_the_document_fail(sc: Scenario) -> None:
    """Flipping the low bit of any byte gives not ok with a finding."""
    document = sc.docs["amended"]
    assert 4000 < len(document) < 8000
    passed = []
    for i in range(len(document)):
        verdict = sc.verifier.verify(flip(document, i), at=sc.at)
        if verdict.ok or not verdict.findings:
            passed.append((i, document[max(0, i - 20) : i + 5]))
    assert passed == []


@pytest.mark.parametrize("bit", range(8))
def test_flipped_bits_never_end_in_an_internal_error(sc: Scenario, bit: int) -> None:
    """Whatever bit flips (here in every fifth byte), findings name what is wrong, never
    verifier.internal_error (e.g. invalid UTF-8 inside a record's statement)."""
    document = sc.docs["amended"]
    for i in range(bit % 5, len(document), 5):
        verdict = sc.verifier.verify(flip(document, i, bit), at=sc.at)
        assert "verifier.internal_error" not in codes(verdict), (i, verdict.to_dict())


@pytest.mark.parametrize("bit", range(1, 8))
def test_every_flipped_bit_of_the_seal_section_makes_the_document_fail(
    sc: Scenario, bit: int
) -> None:
    """The seal section (kept raw on the hot path) is as closely guarded as the rest."""
    document = sc.docs["valid"]
    start = document.index(b'"seals":[')
    for i in range(start, len(document)):
        assert not sc.verifier.verify(flip(document, i, bit), at=sc.at).ok, i


def test_seal_section_cached_by_its_ends_is_still_compared_whole(sc: Scenario) -> None:
    """The seal-section cache is keyed by length and ends: a section that matches a cached
    one there but differs in the middle is judged afresh, not taken from the cache."""
    document = sc.docs["valid"]
    assert sc.verifier.verify(document, at=sc.at).ok  # the section is now cached
    start = document.index(b'"seals":[') + len(b'"seals":')
    middle = (start + len(document)) // 2
    tampered = flip(document, middle)
    assert tampered[: start + 64] == document[: start + 64]
    assert tampered[-64:] == document[-64:]
    assert len(tampered) == len(document)
    verdict = sc.verifier.verify(tampered, at=sc.at)
    assert not verdict.ok
    assert codes(verdict), verdict.to_dict()


def test_whitespace_in_the_seal_section_is_non_canonical(sc: Scenario) -> None:
    """A space inside the seal section is a non-canonical document, refused."""
    document = sc.docs["valid"]
    i = document.index(b'"seals":[') + len(b'"seals":[')
    verdict = sc.verifier.verify(document[:i] + b" " + document[i:], at=sc.at)
    assert not verdict.ok
    assert "document.noncanonical" in codes(verdict)


def test_non_canonical_base64_in_the_seal_section_is_refused(sc: Scenario) -> None:
    """Base64 whose unused bits are set decodes to the same bytes, but is not canonical."""
    document = sc.docs["valid"]
    start = document.index(b'"seals":[')
    i = document.index(b'="', start)
    while document[i - 1 : i] == b"=":
        i -= 1
    i -= 1  # the last character before the padding: its low bits are unused
    verdict = sc.verifier.verify(flip(document, i), at=sc.at)
    assert not verdict.ok
    assert "document.noncanonical" in codes(verdict)


@pytest.mark.parametrize("cut", [0, 1, 10, 100, 1000, -100, -2, -1])
def test_truncated_document_is_malformed(sc: Scenario, cut: int) -> None:
    """A document cut short is invalid with document.malformed."""
    verdict = sc.verifier.verify(sc.docs["valid"][:cut], at=sc.at)
    assert not verdict.ok
    assert codes(verdict)[0] in {"document.malformed", "document.format.unknown"}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 100,
        b"garbage",
        "garbage",
        b"{}",
        b"[]",
        b"null",
        b'{"format":"nope"}',
        b"\xff",
    ],
    ids=["empty", "zeros", "text", "str", "empty object", "array", "null", "unknown format", "ff"],
)
def test_garbage_is_invalid_not_an_exception(sc: Scenario, data: bytes | str) -> None:
    """Any garbage gives an invalid verdict with a finding, never an exception."""
    verdict = sc.verifier.verify(data, at=sc.at)
    assert verdict.outcome is Outcome.INVALID
    assert verdict.findings
    assert "verifier.internal_error" not in codes(verdict)


def test_deeply_nested_document_is_malformed(sc: Scenario) -> None:
    """A document whose seal section nests thousands deep is malformed, not an internal error."""
    document = sc.docs["valid"]
    i = document.index(b'"seals":') + len(b'"seals":')
    deep = document[:i] + b"[" * 5000 + b"]" * 5000 + b"}"
    verdict = sc.verifier.verify(deep, at=sc.at)
    assert not verdict.ok
    assert codes(verdict) == ["document.malformed"]


def test_trust_bundle_is_not_a_verifiable_document(sc: Scenario) -> None:
    """Handing the bundle itself to verify gives an invalid verdict naming the kind."""
    verdict = sc.verifier.verify(sc.bundle, at=sc.at)
    assert codes(verdict) == ["document.kind.unsupported"]


# -- well-formed forgeries -------------------------------------------------------------------------


def test_reordered_events_are_refused(sc: Scenario) -> None:
    """Swapping two events of a history gives history.order (or a broken chain)."""
    doc = decode_document(sc.docs["suspended"])
    events = list(doc.events)
    events[0], events[1] = events[1], events[0]
    verdict = sc.verifier.verify(edit(sc.docs["suspended"], events=tuple(events)), at=sc.at)
    assert not verdict.ok
    assert codes(verdict)[0] in {"history.order", "chain.broken"}


def test_dropped_newest_event_is_superseded(sc: Scenario) -> None:
    """Leaving out the suspension makes the document superseded, not valid."""
    doc = decode_document(sc.docs["suspended"])
    verdict = sc.verifier.verify(edit(sc.docs["suspended"], events=doc.events[:1]), at=sc.at)
    assert not verdict.ok
    assert "document.superseded" in codes(verdict)


def test_shifted_position_is_refused(sc: Scenario) -> None:
    """A record presented at another position than the ledger's does not match the bundle."""
    doc = decode_document(sc.docs["valid"])
    moved = msgspec.structs.replace(doc.events[0], position=doc.events[0].position + 1)
    verdict = sc.verifier.verify(edit(sc.docs["valid"], events=(moved,)), at=sc.at)
    assert not verdict.ok


def test_events_of_another_license_are_refused(sc: Scenario) -> None:
    """A document naming one license but carrying another's events is refused."""
    other = decode_document(sc.docs["suspended"])
    forged = edit(sc.docs["valid"], events=other.events)
    verdict = sc.verifier.verify(forged, at=sc.at)
    assert not verdict.ok
    assert "document.license.mismatch" in codes(verdict)


def test_swapped_seal_section_is_refused(sc: Scenario) -> None:
    """A document whose seal section is another seal's (genuine) filing is refused."""
    bundle_doc = decode_document(sc.bundle)
    trust = msgspec.json.decode(bundle_doc.bundle, type=TrustBundle)
    mine = decode_document(sc.docs["valid"]).seals
    others = tuple(h for h in trust.seals if h.key not in {s.key for s in mine})
    assert others, "the scenario needs a second seal"
    verdict = sc.verifier.verify(edit(sc.docs["valid"], seals=(others[0],)), at=sc.at)
    assert not verdict.ok
    assert "document.seals.incomplete" in codes(verdict)


@pytest.mark.parametrize("position", [None, 1], ids=["no records", "old position"])
def test_seal_unknown_to_a_bundle_that_covers_it_is_invalid(
    sc: Scenario, position: int | None
) -> None:
    """A seal the bundle does not know although it covers the seal's claimed positions is
    invalid, not indeterminate."""
    doc = decode_document(sc.docs["valid"])
    seal = doc.seals[0]
    events = () if position is None else (msgspec.structs.replace(seal.events[0], position=1),)
    ghost = msgspec.structs.replace(seal, key="GHOST", events=events)
    seals = tuple(sorted((*doc.seals, ghost), key=lambda h: h.key))  # listed in code order
    verdict = sc.verifier.verify(edit(sc.docs["valid"], seals=seals), at=sc.at)
    assert verdict.outcome is Outcome.INVALID
    assert codes(verdict) == ["seal.unknown"]
    assert verdict.findings[0].subject == "GHOST"


def test_missing_seal_section_is_refused(sc: Scenario) -> None:
    """A document without its seals' filing records is refused."""
    verdict = sc.verifier.verify(edit(sc.docs["valid"], seals=()), at=sc.at)
    assert codes(verdict) == ["document.seals.incomplete"]


def test_seal_section_with_altered_records_is_refused(sc: Scenario) -> None:
    """A seal section whose records differ from the trusted ones is refused."""
    doc = decode_document(sc.docs["valid"])
    seal = doc.seals[0]
    first = msgspec.structs.replace(seal.events[0], position=seal.events[0].position + 100)
    forged = msgspec.structs.replace(seal, events=(first, *seal.events[1:]))
    verdict = sc.verifier.verify(edit(sc.docs["valid"], seals=(forged,)), at=sc.at)
    assert codes(verdict) == ["document.seal.mismatch"]


def test_document_from_another_ledger_is_refused(sc: Scenario) -> None:
    """A document whose origin is another ledger's is refused."""
    verdict = sc.verifier.verify(edit(sc.docs["valid"], origin="elicense:other"), at=sc.at)
    assert codes(verdict) == ["document.origin.mismatch"]


def test_document_naming_another_identifier_is_refused(sc: Scenario) -> None:
    """The document's identifier must be the current one its history ends at."""
    verdict = sc.verifier.verify(edit(sc.docs["valid"], license=sc.ids["suspended"]), at=sc.at)
    assert codes(verdict) == ["document.license.mismatch"]


# -- documents, bundles and time -------------------------------------------------------------------


def test_old_document_after_amend_is_superseded(sc: Scenario) -> None:
    """The document exported before 变更 is invalid: document.superseded."""
    verdict = sc.verifier.verify(sc.docs["before amend"], at=sc.at)
    assert not verdict.ok
    assert "document.superseded" in codes(verdict)


def test_old_identifier_after_amend_is_superseded_online(sc: Scenario) -> None:
    """Online, the version-001 identifier of an amended license is license.superseded,
    and the verdict names the identifier that replaced it."""
    old = str(decode_document(sc.docs["before amend"]).license)
    current = str(decode_document(sc.docs["amended"]).license)
    assert current != old
    verdict = Verifier.from_ledger(sc.world.ledger).verify(old, at=sc.at)
    assert "license.superseded" in codes(verdict)
    assert verdict.evidence["current_identifier"] == current
    assert current in verdict.findings[0].message
    assert Verifier.from_ledger(sc.world.ledger).verify(current, at=sc.at).ok


def test_bundle_older_than_the_documents_newest_event_is_indeterminate() -> None:
    """A document newer than the bundle is indeterminate (status.stale), never valid."""
    world = World.new()
    dept, _, identifier = world.licensed()
    bundle = world.bundle()
    world.submit(world.act(dept, acts.AmendLicense, identifier, 1))
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    document = world.document(identifier)
    verdict = verifier.verify(document, at=bundle_time(bundle) + timedelta(minutes=1))
    assert verdict.outcome is Outcome.INDETERMINATE
    assert codes(verdict) == ["status.stale"]
    fresh = Verifier.from_bundle(world.bundle(), platform_keys=[world.pem()])
    assert fresh.verify(document, at=utc_now()).ok  # the twin


def test_license_newer_than_the_bundle_is_indeterminate() -> None:
    """A license the bundle has never heard of, recorded after it, is status.unknown."""
    world = World.new()
    dept = world.department(1)
    type_code = world.define_type(dept)
    bundle = world.bundle()
    identifier = world.submit(world.issue(dept, type_code, 1)).subject
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    verdict = verifier.verify(world.document(identifier), at=bundle_time(bundle))
    assert verdict.outcome is Outcome.INDETERMINATE
    assert "status.unknown" in codes(verdict)


def test_seal_newer_than_the_bundle_is_indeterminate() -> None:
    """A license signed by a seal filed after the bundle cannot be judged: indeterminate."""
    world = World.new()
    bundle = world.bundle()
    _, _, identifier = world.licensed()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    verdict = verifier.verify(world.document(identifier), at=bundle_time(bundle))
    assert verdict.outcome is Outcome.INDETERMINATE
    assert codes(verdict)[0] == "trust.seal.unknown"


def test_bundle_older_than_max_age_is_indeterminate(sc: Scenario) -> None:
    """A bundle older than max_age makes a valid license indeterminate (trust.stale)."""
    later = bundle_time(sc.bundle) + timedelta(hours=24, seconds=1)
    verdict = sc.verifier.verify(sc.docs["valid"], at=later)
    assert verdict.outcome is Outcome.INDETERMINATE
    assert codes(verdict) == ["trust.stale"]
    assert not verdict.ok
    assert sc.verifier.verify(sc.docs["valid"], at=later - timedelta(seconds=2)).ok


def test_max_age_is_the_callers_choice(sc: Scenario) -> None:
    """A verifier built with a shorter max_age turns indeterminate sooner."""
    strict = Verifier.from_bundle(
        sc.bundle, platform_keys=[sc.world.pem()], max_age=timedelta(minutes=1)
    )
    verdict = strict.verify(sc.docs["valid"], at=bundle_time(sc.bundle) + timedelta(minutes=2))
    assert codes(verdict) == ["trust.stale"]


def test_stale_bundle_does_not_hide_an_invalid_status(sc: Scenario) -> None:
    """A stale bundle and a revoked license: invalid beats indeterminate."""
    later = bundle_time(sc.bundle) + timedelta(days=2)
    verdict = sc.verifier.verify(sc.docs["revoked"], at=later)
    assert verdict.outcome is Outcome.INVALID
    assert set(codes(verdict)) == {"license.revoked", "trust.stale"}


def test_license_issued_by_a_seal_compromised_before_issuance_is_invalid() -> None:
    """A seal revoked as compromised since before an issuance taints that issuance."""
    world = World.new()
    dept, _, identifier = world.licensed()
    issued_at = world.ledger.history(world.ledger.get_license(identifier).id)[0]
    since = decode_record(issued_at.record).recorded_at - timedelta(seconds=1)
    world.submit(world.seal_act(acts.RevokeSeal, dept.seal, 2, compromised_since=since))
    bundle = world.bundle()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    verdict = verifier.verify(world.document(identifier), at=bundle_time(bundle))
    assert not verdict.ok
    assert codes(verdict) == ["seal.compromised"]
    assert verdict.findings[0].version == 1
    online = Verifier.from_ledger(world.ledger).verify(identifier, at=utc_now())
    assert codes(online) == ["seal.compromised"]


def test_license_recorded_before_compromised_since_stays_valid() -> None:
    """The twin: entries recorded before the compromise time keep their trust."""
    world = World.new()
    dept, _, identifier = world.licensed()
    since = utc_now() + timedelta(seconds=1)
    world.submit(world.seal_act(acts.RevokeSeal, dept.seal, 2, compromised_since=since))
    bundle = world.bundle()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    assert verifier.verify(world.document(identifier), at=bundle_time(bundle)).ok
    assert Verifier.from_ledger(world.ledger).verify(identifier, at=utc_now()).ok


def test_license_issued_before_its_seal_was_revoked_stays_valid() -> None:
    """The twin: revoking a seal (not compromised) leaves what it signed before valid."""
    world = World.new()
    dept, _, identifier = world.licensed()
    world.submit(world.seal_act(acts.RevokeSeal, dept.seal, 2))
    bundle = world.bundle()
    verifier = Verifier.from_bundle(bundle, platform_keys=[world.pem()])
    assert verifier.verify(world.document(identifier), at=bundle_time(bundle)).ok


# -- trust -----------------------------------------------------------------------------------------


def test_bundle_signed_by_an_unpinned_key_is_refused(sc: Scenario) -> None:
    """The caller pins the platform key; another key's signature is a TrustError."""
    with pytest.raises(TrustError) as e:
        Verifier.from_bundle(sc.bundle, platform_keys=[generate_key(ED25519).public_key.pem()])
    assert e.value.code == "trust.key.unpinned"


def test_no_pinned_key_is_refused(sc: Scenario) -> None:
    """Verifying a bundle against no key at all is refused loudly."""
    with pytest.raises(TrustError) as e:
        Verifier.from_bundle(sc.bundle, platform_keys=[])
    assert e.value.code == "trust.key.none"


def test_bundle_signed_by_a_pinned_key_the_platform_does_not_hold_is_refused(
    sc: Scenario,
) -> None:
    """A bundle signed by a pinned key that the ledger's platform records never named."""
    stranger = generate_key(ED25519)
    bundle = export_trust_bundle(sc.world.ledger, stranger)
    with pytest.raises(TrustError) as e:
        Verifier.from_bundle(bundle, platform_keys=[stranger.public_key.pem()])
    assert e.value.code == "trust.key.unknown"


def test_every_flipped_byte_of_the_bundle_is_refused(sc: Scenario) -> None:
    """Flipping the low bit of bytes across the signed bundle always raises TrustError."""
    for i in range(0, len(sc.bundle), 11):
        with pytest.raises(TrustError):
            Verifier.from_bundle(flip(sc.bundle, i), platform_keys=[sc.world.pem()])


@pytest.mark.parametrize("data", [b"", b"garbage", b"{}"], ids=["empty", "text", "object"])
def test_garbage_bundle_is_refused(data: bytes) -> None:
    """Garbage instead of a bundle is a TrustError (trust.malformed)."""
    with pytest.raises(TrustError) as e:
        Verifier.from_bundle(data, platform_keys=[generate_key(ED25519).public_key.pem()])
    assert e.value.code == "trust.malformed"


def test_bundle_and_document_can_be_paths(sc: Scenario, tmp_path: Path) -> None:
    """from_bundle and verify accept paths."""
    (tmp_path / "bundle.json").write_bytes(sc.bundle)
    (tmp_path / "doc.json").write_bytes(sc.docs["valid"])
    verifier = Verifier.from_bundle(tmp_path / "bundle.json", platform_keys=[sc.world.pem()])
    assert verifier.verify(tmp_path / "doc.json", at=sc.at).ok
    assert verifier.verify(str(tmp_path / "doc.json"), at=sc.at).ok
    missing = verifier.verify(tmp_path / "missing.json", at=sc.at)
    assert codes(missing) == ["document.unreadable"]


def test_identifier_alone_is_indeterminate_offline(sc: Scenario) -> None:
    """Offline, an identifier proves nothing: indeterminate, with the bundle's status."""
    verdict = sc.verifier.verify(sc.ids["suspended"], at=sc.at)
    assert verdict.outcome is Outcome.INDETERMINATE
    assert codes(verdict) == ["document.identifier_only"]
    assert verdict.status == "suspended"


def test_unknown_identifier_online_is_invalid(sc: Scenario) -> None:
    """Online, an identifier the ledger does not hold is license.not_in_ledger."""
    unknown = sc.world.license_id(sc.dept, sc.type_code, 999)
    verdict = Verifier.from_ledger(sc.world.ledger).verify(unknown, at=sc.at)
    assert codes(verdict) == ["license.not_in_ledger"]


# -- the API around verify -------------------------------------------------------------------------


def test_verify_many_keeps_input_order_and_equals_verify(sc: Scenario) -> None:
    """verify_many on a pool returns the verdicts verify gives one by one, in input order."""
    inputs: list[Any] = [*sc.docs.values(), b"garbage", sc.ids["valid"], *sc.docs.values()]
    verifier = Verifier.from_bundle(sc.bundle, platform_keys=[sc.world.pem()], workers=2)
    assert verifier.verify_many(inputs, at=sc.at) == [verifier.verify(d, at=sc.at) for d in inputs]


def test_verify_many_on_worker_processes_equals_verify(sc: Scenario) -> None:
    """verify_many on worker processes (this process takes a share) returns the verdicts
    verify gives one by one, in input order — findings, status and evidence included."""
    inputs: list[Any] = [*sc.docs.values(), b"garbage", *sc.docs.values()] * 3
    with Verifier.from_bundle(sc.bundle, platform_keys=[sc.world.pem()], workers=2) as verifier:
        verifier.process_min = 2
        many = verifier.verify_many(inputs, at=sc.at)
        assert verifier._processes is not None  # the process path was taken
        assert many == [verifier.verify(d, at=sc.at) for d in inputs]


def test_require_returns_a_valid_verdict(sc: Scenario) -> None:
    """require passes a valid document through."""
    assert sc.verifier.require(sc.docs["valid"], at=sc.at).ok


@pytest.mark.parametrize(
    ("name", "code"),
    [("suspended", "license.suspended"), ("before amend", "document.superseded")],
)
def test_require_raises_with_the_first_failures_code(sc: Scenario, name: str, code: str) -> None:
    """require raises VerificationError carrying the first failure's code and the verdict."""
    with pytest.raises(VerificationError) as e:
        sc.verifier.require(sc.docs[name], at=sc.at)
    assert e.value.code == code
    assert e.value.verdict.first_failure().code == code  # type: ignore[union-attr]


def test_require_raises_for_indeterminate(sc: Scenario) -> None:
    """Indeterminate is not valid: require raises with the indeterminate finding's code."""
    with pytest.raises(VerificationError) as e:
        sc.verifier.require(sc.docs["valid"], at=sc.at + timedelta(days=2))
    assert e.value.code == "trust.stale"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", "1.2.156.bad", 42, None, b"\xff\xfe"],
    ids=["empty", "bytes", "bad identifier", "int", "None", "bom"],
)
def test_to_dict_is_always_one_object_with_the_five_keys(sc: Scenario, data: Any) -> None:
    """Even for garbage and wrong types the JSON form has ok, outcome, status, findings, checked."""
    verdict = sc.verifier.verify(data, at=sc.at)
    as_dict = json.loads(verdict.to_json())
    assert {"ok", "outcome", "status", "findings", "checked"} <= set(as_dict)
    assert as_dict["ok"] is False
    assert as_dict["outcome"] in {"invalid", "indeterminate"}
    assert all({"code", "severity", "message"} <= set(f) for f in as_dict["findings"])
    assert as_dict["findings"]


def test_to_dict_of_a_valid_verdict(sc: Scenario) -> None:
    """The JSON form of a valid verdict says ok, valid, status valid and no findings."""
    as_dict = json.loads(sc.verifier.verify(sc.docs["valid"], at=sc.at).to_json())
    assert (as_dict["ok"], as_dict["outcome"], as_dict["status"], as_dict["findings"]) == (
        True,
        "valid",
        "valid",
        [],
    )
    assert "statement.signature" in as_dict["checked"]


def test_a_verdict_that_checked_nothing_is_not_valid() -> None:
    """A builder with no checks and no findings builds an indeterminate verdict."""
    verdict = VerdictBuilder().build()
    assert verdict.outcome is Outcome.INDETERMINATE
    assert verdict.codes == ["verdict.nothing_checked"]


def test_text_document_verifies_like_bytes(sc: Scenario) -> None:
    """A document passed as str verifies as its UTF-8 bytes do."""
    text = sc.docs["valid"].decode()
    assert sc.verifier.verify(text, at=sc.at) == sc.verifier.verify(sc.docs["valid"], at=sc.at)


# -- judged at the position, not now --------------------------------------------------------------


def _fresh(world: World) -> tuple[Verifier, datetime]:
    bundle = world.bundle()
    return Verifier.from_bundle(bundle, platform_keys=[world.pem()]), bundle_time(bundle)


def test_license_signed_before_its_seal_was_suspended_stays_valid() -> None:
    """A seal suspended after an issuance does not taint that issuance (ledger order is the
    clock); the ledger refuses what the seal signs while suspended."""
    world = World.new()
    dept, type_code, identifier = world.licensed()
    world.submit(world.seal_act(acts.SuspendSeal, dept.seal, 2))
    verifier, at = _fresh(world)
    assert verifier.verify(world.document(identifier), at=at).ok
    assert Verifier.from_ledger(world.ledger).verify(identifier, at=at).ok
    with pytest.raises(SealRefusedError):
        world.submit(world.issue(dept, type_code, 2))


def test_license_issued_before_its_issuer_was_removed_from_the_type_stays_valid() -> None:
    """Revising a type to drop an issuer leaves that issuer's earlier licenses valid."""
    world = World.new()
    dept, type_code, identifier = world.licensed()
    other = world.department(2)
    world.submit(
        dept.sign(
            acts.ReviseType,
            subject=type_code,
            expected_version=1,
            name="营业执照",
            issuers=(other.uscc,),
        )
    )
    verifier, at = _fresh(world)
    assert verifier.verify(world.document(identifier), at=at).ok
    with pytest.raises(NotAuthorisedError, match="not an issuer"):
        world.submit(world.issue(dept, type_code, 2))


def test_expiry_recorded_by_the_platform_verifies_as_expired() -> None:
    """license.expire signed by the platform key is a legitimate act: status expired."""
    world = World.new()
    _, _, identifier = world.licensed()
    world.submit(world.platform.sign(acts.ExpireLicense, subject=identifier, expected_version=1))
    verifier, at = _fresh(world)
    for verdict in (
        verifier.verify(world.document(identifier), at=at),
        Verifier.from_ledger(world.ledger).verify(identifier, at=at),
    ):
        assert (verdict.status, verdict.codes) == ("expired", ["license.expired"])


def test_full_history_under_the_old_identifier_is_refused(sc: Scenario) -> None:
    """A document with the amended history but naming the version-001 identifier is refused."""
    old = decode_document(sc.docs["before amend"]).license
    verdict = sc.verifier.verify(edit(sc.docs["amended"], license=old), at=sc.at)
    assert codes(verdict) == ["document.license.mismatch"]


@pytest.mark.parametrize("alg", ["ecdsa-p256-sha256", "ed25519"])
def test_documents_verify_with_each_suite(alg: str) -> None:
    """A ledger whose platform and seals use one suite exports documents that verify, and a
    flipped signature byte fails."""
    world = World.new(alg=alg)
    dept, _, identifier = world.licensed()
    assert dept.key.alg == alg
    verifier, at = _fresh(world)
    document = world.document(identifier)
    assert verifier.verify(document, at=at).ok
    doc = decode_document(document)
    rec = decode_record(doc.events[0].record)
    forged = msgspec.structs.replace(rec, signature=flip(rec.signature, 10))
    event = msgspec.structs.replace(doc.events[0], record=forged.encode())
    verdict = verifier.verify(edit(document, events=(event,)), at=at)
    assert codes(verdict) == ["statement.signature.invalid"]


def test_hot_path_view_reencodes_documents_exactly(sc: Scenario) -> None:
    """The hot path's lean view re-encodes every exported document to the same bytes, so
    verification never falls back to the slow general decode (a performance regression that
    no verdict would show)."""
    from elicense.codec import ENCODER
    from elicense.verify.inputs import doc_view

    for name, document in sc.docs.items():
        assert ENCODER.encode(doc_view.decode(document)) == document, name


def test_exporting_an_unknown_license_is_not_found(sc: Scenario) -> None:
    """Exporting a license the ledger does not hold raises NotFoundError, exports nothing."""
    from elicense.errors import NotFoundError
    from elicense.ids import LicenseId, parse_license_id
    from elicense.ledger.export import export_license

    known = parse_license_id(sc.ids["valid"])
    unknown = LicenseId.build(
        type_code=known.type_code, issuer_code=known.issuer_code or "", serial="9999999999"
    )
    with pytest.raises(NotFoundError):
        export_license(sc.world.ledger, str(unknown))


# -- Hypothesis: garbage and mutations ---------------------------------------------------------


@given(data=st.one_of(st.binary(max_size=512), st.text(max_size=300)))
@example(data="a" * 300)  # found by Hypothesis: too long a name for a file was an internal error
@example(data="x\x00y")
@settings(max_examples=300)
def test_any_bytes_give_a_verdict_never_an_exception(sc: Scenario, data: bytes | str) -> None:
    """Hypothesis: arbitrary bytes or text are never valid and never an internal error."""
    verdict = sc.verifier.verify(data, at=sc.at)
    assert not verdict.ok
    assert verdict.findings
    assert "verifier.internal_error" not in codes(verdict)


@given(st.data())
@settings(max_examples=300)
def test_any_edit_of_a_document_is_caught_with_a_code(sc: Scenario, data: st.DataObject) -> None:
    """Hypothesis: a valid document with a few bytes flipped, inserted, deleted or cut off
    is not valid (unless the edits changed nothing) and names a coded finding."""
    document = sc.docs["amended"]
    changed = data.draw(edited(document))
    verdict = sc.verifier.verify(changed, at=sc.at)
    if changed == document:
        assert verdict.ok
        return
    assert not verdict.ok
    assert verdict.findings
    assert "verifier.internal_error" not in codes(verdict), verdict.to_dict()


@given(st.data())
@settings(max_examples=100)
def test_any_edit_of_a_bundle_is_a_trust_error(sc: Scenario, data: st.DataObject) -> None:
    """Hypothesis: a signed trust bundle with any edit refuses to load, with a TrustError."""
    changed = data.draw(edited(sc.bundle))
    if changed == sc.bundle:
        return
    with pytest.raises(TrustError) as e:
        Verifier.from_bundle(changed, platform_keys=[sc.world.pem()])
    assert e.value.code.startswith("trust.")
