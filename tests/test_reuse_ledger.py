"""The ledger's rules for uses: every policy refusal is recorded with its reason
code and leaves the license untouched; a use that is not validly made is
refused with a typed error and recorded nowhere."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from elicense import acts
from elicense.acts import RequestUse, UseResolution, decode_statement
from elicense.codec import canonical, utc_now
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.domain.usage import REFUSAL_CODES, Use
from elicense.errors import (
    DuplicateError,
    InvalidStatementError,
    NotAuthorisedError,
    RefusedError,
    SealRefusedError,
    SignatureRefusedError,
)
from elicense.lifecycle import RevocationReason
from elicense.signatory import Signatory
from reuse_support import FIELDS, ITEM, ORIGIN, OTHER_ITEM, ReuseWorld


@pytest.fixture
def world() -> ReuseWorld:
    """A ledger where department A is listed for ITEM and license 1 is issued to holder 1."""
    w = ReuseWorld.new()
    w.issue(1)
    w.share(w.user)
    return w


def _license_state(w: ReuseWorld, identifier: str) -> tuple[int, bytes, str]:
    lic = w.ledger.get_license(identifier)
    return lic.version, lic.head_hash, lic.status


def _recorded_refusal(w: ReuseWorld, receipt_refused: str | None, aggregate_id: object) -> str:
    use = w.ledger._load(aggregate_id)  # type: ignore[arg-type]
    assert isinstance(use, Use)
    assert not use.used
    assert use.fields == ()
    assert use.refusal == receipt_refused
    assert use.refusal is not None
    return use.refusal


def test_a_use_with_a_live_consent_is_recorded_as_used(world: ReuseWorld) -> None:
    """A listed department with the holder's consent uses the license: Used, no refusal."""
    lid = world.license_id(1)
    before = _license_state(world, lid)
    r = world.use(world.user, license=lid, consent=world.consent(1, world.user))
    assert r.kind == "use.request"
    assert r.refused is None
    use = world.ledger._load(r.aggregate_id)
    assert isinstance(use, Use)
    assert use.used
    assert use.fields == tuple(sorted(FIELDS))
    assert use.license == lid
    assert use.license_version == 1
    assert _license_state(world, lid) == before


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("no consent", "use.consent.missing"),
        ("unknown consent", "use.consent.unknown"),
        ("withdrawn consent", "use.consent.withdrawn"),
        ("consent for another department", "use.consent.other_department"),
        ("consent for another item", "use.consent.other_item"),
        ("consent of another holder", "use.consent.other_license"),
        ("consent for another license", "use.consent.other_license"),
        ("department not listed", "use.sharing.not_listed"),
        ("listed for another item", "use.sharing.item_not_listed"),
        ("unlisted field asked", "use.fields.not_listed"),
        ("suspended license", "use.license.suspended"),
        ("revoked license", "use.license.revoked"),
        ("cancelled license", "use.license.cancelled"),
        ("unknown license", "use.license.not_found"),
    ],
)
def test_every_policy_refusal_is_recorded_and_leaves_the_license_untouched(
    world: ReuseWorld, case: str, code: str
) -> None:
    """Each failed policy check records Refused with its reason code; the license is unchanged."""
    w = world
    lid = w.license_id(1)
    other_lid = w.issue(2)
    fields: tuple[str, ...] = ()
    user, item, consent = w.user, ITEM, w.consent(1, w.user)
    if case == "no consent":
        consent = ""
    elif case == "unknown consent":
        consent = "CN-NOPE"
    elif case == "withdrawn consent":
        from elicense.reuse.service import ReuseService

        ReuseService(w.ledger, w.platform_key).withdraw_consent(
            consent, reason="撤回", authentication="face", authentication_ref="F-1"
        )
    elif case == "consent for another department":
        w.share(w.other)
        user = w.other
    elif case == "consent for another item":
        w.share(w.user, items=(ITEM, OTHER_ITEM))
        item = OTHER_ITEM
    elif case == "consent of another holder":
        consent = w.consent(2, w.user)
    elif case == "consent for another license":
        w.issue(3, holder=1)
        consent = w.consent(1, w.user, license=w.license_id(3))
    elif case == "department not listed":
        user = w.other
        consent = w.consent(1, w.other)
    elif case == "listed for another item":
        item = OTHER_ITEM
        consent = w.consent(1, w.user, item=OTHER_ITEM)
    elif case == "unlisted field asked":
        fields = ("holder.code",)
    elif case == "suspended license":
        w.lifecycle(acts.SuspendLicense, lid)
    elif case in ("revoked license", "cancelled license"):
        reason = (
            RevocationReason.REVOKED if case == "revoked license" else RevocationReason.CANCELLED
        )
        w.lifecycle(acts.RevokeLicense, lid, reason_code=reason)
    elif case == "unknown license":
        lid = w.license_id(99)
    before = _license_state(w, lid) if case != "unknown license" else None
    other_before = _license_state(w, other_lid)
    r = w.use(user, license=lid, consent=consent, item=item, fields=fields)
    assert r.refused == code
    assert code in REFUSAL_CODES
    assert _recorded_refusal(w, r.refused, r.aggregate_id) == code
    if before is not None:
        assert _license_state(w, lid) == before
    assert _license_state(w, other_lid) == other_before


def test_a_consent_expired_at_the_ledgers_time_is_refused(world: ReuseWorld) -> None:
    """Expiry is judged at the ledger's clock, whatever the department's statement claims."""
    clock = world.clock.freeze()
    code = world.consent(1, world.user, valid_until=clock.now + timedelta(hours=1))
    lid = world.license_id(1)
    assert world.use(world.user, license=lid, consent=code).refused is None
    clock.advance(timedelta(hours=2))
    claimed = clock.now - timedelta(hours=3)  # the department claims an earlier time
    signed = world.use_statement(world.user, license=lid, consent=code)
    act = msgspec.structs.replace(decode_statement(signed.statement), signed_at=claimed)
    r = world.submit(act.sign(world.user.key))
    assert r.refused == "use.consent.expired"


def test_a_consent_still_live_at_the_ledgers_time_is_honoured(world: ReuseWorld) -> None:
    """Tamper twin: one second before expiry the same use is recorded as used."""
    clock = world.clock.freeze()
    code = world.consent(1, world.user, valid_until=clock.now + timedelta(hours=1))
    clock.advance(timedelta(hours=1) - timedelta(seconds=1))
    assert world.use(world.user, license=world.license_id(1), consent=code).refused is None


def test_a_license_past_its_validity_is_refused_as_expired(world: ReuseWorld) -> None:
    """A license valid until a day before the ledger's date is expired for a use."""
    clock = world.clock.freeze()
    code = world.consent(1, world.user, valid_until=clock.now + timedelta(days=800))
    clock.advance(timedelta(days=400))  # the license is valid for 365 days
    r = world.use(world.user, license=world.license_id(1), consent=code)
    assert r.refused == "use.license.expired"


def _nothing_recorded(w: ReuseWorld, signed: object, error: type[RefusedError], code: str) -> None:
    before = w.ledger.max_position()
    with pytest.raises(error) as e:
        w.submit(signed)  # type: ignore[arg-type]
    assert e.value.code == code
    assert w.ledger.max_position() == before


def test_a_badly_signed_use_is_rejected_and_not_recorded(world: ReuseWorld) -> None:
    """A use whose signature does not verify raises and leaves no record."""
    code = world.consent(1, world.user)
    signed = world.use_statement(world.user, license=world.license_id(1), consent=code)
    forged = msgspec.structs.replace(signed, signature=bytes(len(signed.signature)))
    _nothing_recorded(world, forged, SignatureRefusedError, "statement.signature.invalid")
    assert world.submit(signed).refused is None  # twin: the genuine one is recorded


def test_a_use_signed_by_an_unknown_seal_is_not_recorded(world: ReuseWorld) -> None:
    """Nobody can record uses in another department's name with a key of their own."""
    key = generate_key(ED25519)
    mallory = Signatory(origin=ORIGIN, seal="SEAL-MALLORY", signer=key)
    signed = mallory.sign(
        RequestUse,
        subject=f"{world.user.uscc}/BJ-FLOOD-1",
        expected_version=0,
        service_item=ITEM,
        purpose="刷量",
        license=world.license_id(1),
    )
    _nothing_recorded(world, signed, SealRefusedError, "seal.unknown")


def test_a_use_in_another_departments_name_is_not_recorded(world: ReuseWorld) -> None:
    """Department B's seal cannot take department A's request numbers."""
    signed = world.other.sign(
        RequestUse,
        subject=f"{world.user.uscc}/BJ-X-1",
        expected_version=0,
        service_item=ITEM,
        purpose="冒用",
        license=world.license_id(1),
    )
    _nothing_recorded(world, signed, NotAuthorisedError, "authority.not_user")


def test_a_replayed_use_is_a_duplicate_and_not_recorded_twice(world: ReuseWorld) -> None:
    """The same signed use submitted again is refused as a duplicate (no flooding by replay)."""
    signed = world.use_statement(world.user, license=world.license_id(1))
    assert world.submit(signed).refused == "use.consent.missing"
    _nothing_recorded(world, signed, DuplicateError, "subject.duplicate")


def test_a_use_with_a_malformed_identifier_is_not_recorded(world: ReuseWorld) -> None:
    """A license identifier whose check character is wrong is a typed error, not a record."""
    lid = world.license_id(1)
    bad = lid[:-1] + ("A" if lid[-1] != "A" else "B")
    signed = world.use_statement(world.user, license=bad)
    _nothing_recorded(world, signed, InvalidStatementError, "statement.identifier.invalid")


def test_a_use_by_holder_and_type_is_checked_against_its_resolution(world: ReuseWorld) -> None:
    """The platform's resolution annex must name a license of that holder and type."""
    holder = world.holder(1).code
    code = world.consent(1, world.user)
    signed = world.use_statement(
        world.user, holder=holder, license_type=world.type_code, consent=code
    )
    other = world.issue(2)
    wrong = msgspec.structs.replace(signed, annex=canonical(UseResolution(license=other)))
    _nothing_recorded(world, wrong, InvalidStatementError, "use.resolution.mismatch")
    right = msgspec.structs.replace(
        signed, annex=canonical(UseResolution(license=world.license_id(1)))
    )
    assert world.submit(right).refused is None


def test_a_use_by_holder_and_type_without_a_license_is_recorded_as_not_found(
    world: ReuseWorld,
) -> None:
    """No license of the holder and type: the use is recorded as refused, not found."""
    code = world.consent(5, world.user)
    r = world.use(
        world.user, holder=world.holder(5).code, license_type=world.type_code, consent=code
    )
    assert r.refused == "use.license.not_found"


def test_a_use_naming_its_license_takes_no_annex(world: ReuseWorld) -> None:
    """An annex on a use that names its license is refused unrecorded."""
    signed = world.use_statement(world.user, license=world.license_id(1))
    annexed = msgspec.structs.replace(
        signed, annex=canonical(UseResolution(license=world.license_id(1)))
    )
    _nothing_recorded(world, annexed, InvalidStatementError, "statement.annex.unexpected")


def test_a_partial_batch_records_policy_refusals_and_reports_invalid_uses(
    world: ReuseWorld,
) -> None:
    """In one batch: a use (recorded), a policy refusal (recorded), a forgery (reported)."""
    code = world.consent(1, world.user)
    lid = world.license_id(1)
    good = world.use_statement(world.user, license=lid, consent=code)
    refused = world.use_statement(world.user, license=lid)
    forged = msgspec.structs.replace(
        world.use_statement(world.user, license=lid), signature=b"\x00" * 64
    )
    result = world.ledger.submit_many([good, refused, forged], partial=True)
    assert [(r.index, r.refused) for r in result.receipts] == [
        (0, None),
        (1, "use.consent.missing"),
    ]
    assert [(i, e.code) for i, e in result.refusals] == [(2, "statement.signature.invalid")]


def test_uses_made_in_the_same_batch_as_a_suspension_are_judged_in_order(
    world: ReuseWorld,
) -> None:
    """A use after a suspension in the same batch is refused; one before it is used."""
    code = world.consent(1, world.user)
    lid = world.license_id(1)
    before = world.use_statement(world.user, license=lid, consent=code)
    suspend = world.issuer.sign(acts.SuspendLicense, subject=lid, expected_version=1, reason="整改")
    after = world.use_statement(world.user, license=lid, consent=code)
    result = world.ledger.submit_many([before, suspend, after])
    assert [r.refused for r in result.receipts] == [None, None, "use.license.suspended"]


def test_consent_expiry_in_the_past_is_refused_at_grant(world: ReuseWorld) -> None:
    """A consent that would already be expired is not recorded."""
    signed = world.consent_statement(
        "CN-PAST",
        1,
        world.user,
        license_type=world.type_code,
        valid_until=utc_now() - timedelta(seconds=1),
    )
    _nothing_recorded(world, signed, InvalidStatementError, "consent.expired")
