"""The verify-me payload of a license in the ledger: per-license status slots, checked offline
against the signed trust bundle's license status list and online against the ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from elicense import acts
from elicense.codec import utc_now
from elicense.crypto.gm import sm3
from elicense.ledger.export import export_trust_bundle
from elicense.ledger.payloads import license_payload, license_slots
from elicense.lifecycle import RevocationReason
from elicense.verify.verifier import Verifier
from reuse_support import ReuseWorld

HOST = "zwfw.example.gov.cn"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ReuseWorld]:
    """A SQLite ledger where department A is listed for the service item and license 1 issued."""
    w = ReuseWorld.new(tmp_path / "ledger.db")
    w.issue(1)
    w.share(w.user)
    yield w
    w.ledger.close()


def _offline(w: ReuseWorld) -> Verifier:
    bundle = export_trust_bundle(w.ledger, w.platform_key, host=HOST)
    return Verifier.from_bundle(bundle, platform_keys=[w.platform_key.public_key.pem()])


def _file(w: ReuseWorld, identifier: str, data: bytes) -> None:
    w.submit(
        w.issuer.sign(
            acts.RecordLicenseFile,
            subject=identifier,
            expected_version=0,
            media_type="application/pdf",
            sha256=hashlib.sha256(data).digest(),
            sm3=sm3(data),
        )
    )


def test_a_printed_payload_stays_valid_after_a_file_and_100_uses(world: ReuseWorld) -> None:
    """Recording the printed file and 100 uses change no slot: the old QR still verifies."""
    lid = world.license_id(1)
    text = license_payload(world.ledger, lid, world.platform_key, host=HOST)
    assert text.startswith(f"HTTPS://{HOST.upper()}/V/")
    before = _offline(world).verify(text)
    assert before.ok, before.codes
    _file(world, lid, b"%PDF-1.7 printed")
    consent = world.consent(1, world.user)
    for _ in range(100):
        assert world.use(world.user, license=lid, consent=consent).refused is None
    after = _offline(world).verify(text)
    assert after.ok, after.codes
    assert after.status == "valid"
    assert after.evidence["status_slot"] == before.evidence["status_slot"]
    assert Verifier.from_ledger(world.ledger).verify(text).ok


def test_a_suspension_reads_suspended_offline_and_valid_after_reinstatement(
    world: ReuseWorld,
) -> None:
    """With a newer bundle the same QR reads 暂扣, then valid again once reinstated."""
    lid = world.license_id(1)
    text = license_payload(world.ledger, lid, world.platform_key, host=HOST)
    stale = _offline(world)
    world.lifecycle(acts.SuspendLicense, lid)
    suspended = _offline(world).verify(text)
    assert not suspended.ok
    assert suspended.status == "suspended"
    assert "license.suspended" in suspended.codes
    old = stale.verify(text)
    assert old.ok  # the old list still says valid, and says how old it is
    assert old.evidence["status_list_age_seconds"] >= 0
    assert old.evidence["status_list_issued_at"] < suspended.evidence["status_list_issued_at"]
    world.lifecycle(acts.ReinstateLicense, lid)
    assert _offline(world).verify(text).ok


def test_an_amendment_makes_the_old_qr_invalid_and_names_the_new_identifier_online(
    world: ReuseWorld,
) -> None:
    """After 变更 the old slot is invalid; online the verdict names the new identifier."""
    lid = world.license_id(1)
    text = license_payload(world.ledger, lid, world.platform_key, host=HOST)
    lic = world.ledger.get_license(lid)
    world.submit(
        world.issuer.sign(
            acts.AmendLicense,
            subject=lid,
            expected_version=lic.version,
            **world.ledger.template_binding(lic.type_code),
            changes={"capital": "999"},
            reason="变更",
        )
    )
    new = world.ledger.get_license(lid).identifier
    assert new != lid
    offline = _offline(world).verify(text)
    assert not offline.ok
    assert offline.status == "invalid"
    online = Verifier.from_ledger(world.ledger).verify(text)
    assert not online.ok
    assert online.evidence["current_identifier"] == new
    fresh = license_payload(world.ledger, new, world.platform_key, host=HOST)
    assert _offline(world).verify(fresh).ok
    slots = license_slots(world.ledger)
    assert slots.slot_of(new) == slots.slot_of(lid) + 1  # type: ignore[operator]


def test_a_revoked_license_reads_invalid_and_a_forged_payload_is_refused(
    world: ReuseWorld,
) -> None:
    """吊销 reads invalid; a payload signed by another key is not valid (tamper twin)."""
    from elicense.crypto.keys import generate_key

    lid = world.license_id(1)
    text = license_payload(world.ledger, lid, world.platform_key, host=HOST)
    forged = license_payload(world.ledger, lid, generate_key("ed25519"), host=HOST)
    assert not _offline(world).verify(forged).ok
    world.lifecycle(acts.RevokeLicense, lid, reason_code=RevocationReason.REVOKED)
    revoked = _offline(world).verify(text)
    assert not revoked.ok
    assert revoked.status == "invalid"


def test_the_short_lived_form_expires_in_minutes(world: ReuseWorld) -> None:
    """亮证: a payload made for 5 minutes is valid now and expired after 6."""
    lid = world.license_id(1)
    now = utc_now()
    text = license_payload(world.ledger, lid, world.platform_key, host=HOST, at=now, minutes=5)
    verifier = _offline(world)
    assert verifier.verify(text, at=now + timedelta(minutes=1)).ok
    late = verifier.verify(text, at=now + timedelta(minutes=6))
    assert "payload.expired" in late.codes


def test_no_personal_data_in_the_payload(world: ReuseWorld) -> None:
    """The holder's name and code and the fields never appear in the opened claims."""
    from elicense.payload import open_payload, read_payload_text

    lid = world.license_id(1)
    lic = world.ledger.get_license(lid)
    opened = open_payload(
        read_payload_text(license_payload(world.ledger, lid, world.platform_key, host=HOST)),
        [world.platform_key.public_key],
    )
    claims = repr(opened.claims)
    for secret in (lic.holder.name, lic.holder.code, *lic.data.values(), lid):
        assert secret not in claims
    with_id = license_payload(
        world.ledger, lid, world.platform_key, host=HOST, with_identifier=True
    )
    opened = open_payload(read_payload_text(with_id), [world.platform_key.public_key])
    assert opened.claims.sub == lid


def test_the_slot_table_follows_the_ledger_between_calls(world: ReuseWorld) -> None:
    """A second look at the same ledger sees events recorded since the first (the table
    is kept and extended, never stale), and matches a fresh replay."""
    from elicense.ledger.application import Ledger

    lid = world.license_id(1)
    slot = license_slots(world.ledger).slot_of(lid)
    assert slot is not None
    assert license_slots(world.ledger).status(slot) == 0
    world.lifecycle(acts.SuspendLicense, lid)
    assert license_slots(world.ledger).status(slot) == 2
    fresh = Ledger(world.ledger.dsn)
    try:
        assert license_slots(fresh).status(slot) == 2
    finally:
        fresh.close()
