"""Field-minimised views and annotated copies (加注件): what they disclose, that they
verify, that no byte can change without the verdict changing, and that a copy
is expired after its expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest

from elicense import acts
from elicense.codec import decode_canonical
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.documents import (
    AnnotatedCopy,
    LicenseView,
    SignedAnnotatedCopy,
    SignedLicenseView,
    decode_document,
    sign_copy,
)
from elicense.ids import parse_license_id
from elicense.ledger.export import export_trust_bundle
from elicense.reuse.service import ReuseService, UseOutcome
from elicense.verify.verifier import Verifier
from reuse_support import FIELDS, ITEM, ReuseWorld

COPY_FOR = timedelta(days=7)


@pytest.fixture
def world() -> ReuseWorld:
    """Department A listed for ITEM; license 1 of holder 1; a consent."""
    w = ReuseWorld.new()
    w.issue(1)
    w.share(w.user)
    return w


def _use(w: ReuseWorld, at: datetime | None = None, **fields: Any) -> UseOutcome:
    service = ReuseService(w.ledger, w.platform_key)
    code = w.consent(1, w.user)
    signed = w.use_statement(w.user, license=w.license_id(1), consent=code, **fields)
    return service.use(signed, copy_for=COPY_FOR, user_name="市卫生健康委员会", at=at)


def _verifier(w: ReuseWorld) -> Verifier:
    bundle = export_trust_bundle(w.ledger, w.platform_key)
    return Verifier.from_bundle(bundle, platform_keys=[w.platform_key.public_key])


def _copy(data: bytes) -> AnnotatedCopy:
    doc = decode_document(data)
    assert isinstance(doc, SignedAnnotatedCopy)
    return decode_canonical(doc.copy, AnnotatedCopy, what="copy")


def test_a_used_license_yields_a_view_of_the_listed_fields_only(world: ReuseWorld) -> None:
    """The view holds the listed fields' values, the license version and the use's position."""
    outcome = _use(world)
    doc = decode_document(outcome.view)
    assert isinstance(doc, SignedLicenseView)
    view = decode_canonical(doc.view, LicenseView, what="view")
    assert set(view.fields) == set(FIELDS)
    assert view.fields["holder.name"] == "持证人1"
    assert view.fields["data.capital"] == "101"
    assert "holder.code" not in view.fields
    assert view.license == world.license_id(1)
    assert view.license_version == 1
    assert view.position == outcome.receipt.position
    assert view.use_hash == outcome.receipt.event_hash


def test_a_refused_use_yields_no_view(world: ReuseWorld) -> None:
    """Tamper twin: without consent the use is recorded as refused and nothing is disclosed."""
    service = ReuseService(world.ledger, world.platform_key)
    outcome = service.use(
        world.use_statement(world.user, license=world.license_id(1)), copy_for=COPY_FOR
    )
    assert outcome.receipt.refused == "use.consent.missing"
    assert outcome.view == b""
    assert outcome.copy == b""


def test_a_view_and_a_copy_verify_offline_and_online(world: ReuseWorld) -> None:
    """Both verify against the trust bundle and against the live ledger."""
    outcome = _use(world)
    for verifier in (_verifier(world), Verifier.from_ledger(world.ledger)):
        view = verifier.verify(outcome.view)
        assert view.ok, view.findings
        assert "view.signature" in view.checked
        assert view.status == "valid"
        copy = verifier.verify(outcome.copy)
        assert copy.ok, copy.findings
        assert "copy.in_force" in copy.checked
        assert copy.evidence["purpose"] == "办理食品经营许可变更"


def test_a_copy_is_expired_after_its_expiry(world: ReuseWorld) -> None:
    """The same copy is valid up to expires_at and expired after it."""
    outcome = _use(world)
    copy = _copy(outcome.copy)
    verifier = _verifier(world)
    assert verifier.verify(outcome.copy, at=copy.expires_at).ok
    late = verifier.verify(outcome.copy, at=copy.expires_at + timedelta(microseconds=1))
    assert not late.ok
    assert late.status == "expired"
    assert late.codes == ["copy.expired"]


def test_a_copy_carries_its_purpose_user_and_expiry_in_the_watermark(world: ReuseWorld) -> None:
    """The watermark names the user department, the item, the purpose and the expiry."""
    copy = _copy(_use(world).copy)
    assert copy.user == world.user.uscc
    assert copy.expires_at - copy.made_at == COPY_FOR
    for part in ("市卫生健康委员会", ITEM, copy.purpose, copy.expires_at.strftime("%Y-%m-%d")):
        assert part in copy.watermark


@pytest.mark.parametrize("kind", ["view", "copy"])
def test_every_changed_byte_fails_verification(world: ReuseWorld, kind: str) -> None:
    """Changing any one byte of a view or copy makes it not valid."""
    outcome = _use(world)
    data = outcome.view if kind == "view" else outcome.copy
    verifier = _verifier(world)
    assert verifier.verify(data).ok
    for i in range(len(data)):
        for flip in (0x01, 0x20):
            tampered = bytearray(data)
            tampered[i] ^= flip
            verdict = verifier.verify(bytes(tampered))
            assert not verdict.ok, (i, flip, bytes(tampered[max(0, i - 20) : i + 20]))


def test_a_copy_signed_by_another_key_is_not_trusted(world: ReuseWorld) -> None:
    """A copy re-signed by a key that is not the platform's fails, naming the key."""
    copy = _copy(_use(world).copy)
    forged = sign_copy(copy, generate_key(ED25519))
    verdict = _verifier(world).verify(forged)
    assert not verdict.ok
    assert verdict.codes == ["platform.key.unknown"]


def test_a_copy_with_a_longer_expiry_re_encoded_fails(world: ReuseWorld) -> None:
    """Extending the expiry inside the signed bytes breaks the platform's signature."""
    data = _use(world).copy
    doc = decode_document(data)
    copy = _copy(data)
    longer = msgspec.structs.replace(copy, expires_at=copy.expires_at + timedelta(days=365))
    forged = msgspec.structs.replace(doc, copy=msgspec.json.encode(longer))
    verdict = _verifier(world).verify(msgspec.json.encode(forged))
    assert not verdict.ok
    assert verdict.codes == ["copy.signature.invalid"]


def test_a_view_is_taken_from_the_version_the_use_saw(world: ReuseWorld) -> None:
    """An amendment recorded after the use neither changes the view nor hides that it happened."""
    outcome = _use(world)
    world.submit(
        world.issuer.sign(
            acts.AmendLicense,
            subject=world.license_id(1),
            expected_version=1,
            **world.ledger.template_binding(parse_license_id(world.license_id(1)).type_code),
            changes={"capital": "999"},
            reason="增资",
        )
    )
    again = ReuseService(world.ledger, world.platform_key).views([outcome.receipt])[0]
    assert again.fields["data.capital"] == "101"
    assert again.license_version == 1
    verdict = _verifier(world).verify(outcome.view)
    assert verdict.ok
    assert "view.license.changed" in verdict.codes


def test_a_view_from_another_ledger_is_refused(world: ReuseWorld) -> None:
    """A view signed by this platform for another origin does not verify here."""
    doc = decode_document(_use(world).view)
    view = decode_canonical(doc.view, LicenseView, what="view")
    elsewhere = msgspec.structs.replace(view, origin="elicense:elsewhere")
    from elicense.documents import sign_view

    verdict = _verifier(world).verify(sign_view(elsewhere, world.platform_key))
    assert not verdict.ok
    assert verdict.codes == ["document.origin.mismatch"]
