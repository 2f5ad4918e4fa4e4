"""Sharing lists and consents: who may sign them, what they may say, and that the
fields a use discloses never exceed the sharing list."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from elicense import acts
from elicense.acts import AuthMethod, GrantConsent, ShareType, UnshareType, decode_statement
from elicense.codec import utc_now
from elicense.domain.consent import Consent
from elicense.domain.usage import Use
from elicense.errors import (
    ConflictError,
    DuplicateError,
    InvalidStatementError,
    NotAuthorisedError,
    RefusedError,
    TransitionRefusedError,
)
from elicense.ids import HolderCodeKind
from elicense.reuse.service import ReuseService
from reuse_support import FIELDS, ITEM, OTHER_ITEM, ReuseWorld, make_ric


@pytest.fixture
def world() -> ReuseWorld:
    """A ledger with an issuer, its type, license 1 of holder 1, users A and B."""
    w = ReuseWorld.new()
    w.issue(1)
    return w


def _refused(w: ReuseWorld, signed: object, error: type[RefusedError], code: str) -> None:
    before = w.ledger.max_position()
    with pytest.raises(error) as e:
        w.submit(signed)  # type: ignore[arg-type]
    assert e.value.code == code
    assert w.ledger.max_position() == before


# -- sharing lists ----------------------------------------------------------------------------


def test_the_defining_authority_lists_a_department(world: ReuseWorld) -> None:
    """type.share sets (user, item) → fields on the type; the type version grows."""
    world.share(world.user, items=(ITEM, OTHER_ITEM))
    ltype = world.ledger.get_license_type(world.type_code)
    assert ltype.sharing == {
        (world.user.uscc, ITEM): frozenset(FIELDS),
        (world.user.uscc, OTHER_ITEM): frozenset(FIELDS),
    }
    assert ltype.version == 2


def test_another_department_cannot_write_the_sharing_list(world: ReuseWorld) -> None:
    """Tamper twin: the user department cannot list itself."""
    signed = world.user.sign(
        ShareType,
        subject=world.type_code,
        expected_version=1,
        user=world.user.uscc,
        service_items=(ITEM,),
        fields=FIELDS,
    )
    _refused(world, signed, NotAuthorisedError, "authority.not_defining_authority")


def test_a_sharing_list_names_only_fields_of_the_type(world: ReuseWorld) -> None:
    """A field the type does not define cannot be granted."""
    signed = world.issuer.sign(
        ShareType,
        subject=world.type_code,
        expected_version=1,
        user=world.user.uscc,
        service_items=(ITEM,),
        fields=("holder.name", "data.salary"),
    )
    _refused(world, signed, InvalidStatementError, "sharing.fields.unknown")


def test_a_stale_sharing_statement_is_a_conflict(world: ReuseWorld) -> None:
    """A share signed against an old type version is refused as a conflict."""
    world.share(world.user)
    signed = world.issuer.sign(
        ShareType,
        subject=world.type_code,
        expected_version=1,
        user=world.other.uscc,
        service_items=(ITEM,),
        fields=FIELDS,
    )
    _refused(world, signed, ConflictError, "subject.version.conflict")


def test_withdrawing_an_entry_that_is_not_listed_is_refused(world: ReuseWorld) -> None:
    """type.unshare of a department or item not on the list records nothing."""
    world.share(world.user)
    signed = world.issuer.sign(
        UnshareType,
        subject=world.type_code,
        expected_version=2,
        user=world.user.uscc,
        service_items=(OTHER_ITEM,),
        reason="调整",
    )
    _refused(world, signed, TransitionRefusedError, "sharing.not_granted")


def test_withdrawing_all_items_takes_the_department_off(world: ReuseWorld) -> None:
    """An empty item list withdraws every entry of the department; other entries stay."""
    world.share(world.user, items=(ITEM, OTHER_ITEM))
    world.share(world.other)
    world.unshare(world.user)
    ltype = world.ledger.get_license_type(world.type_code)
    assert set(ltype.sharing) == {(world.other.uscc, ITEM)}


def test_a_retired_type_takes_no_new_entries(world: ReuseWorld) -> None:
    """Sharing a retired type is refused."""
    world.submit(
        world.issuer.sign(
            acts.RetireType, subject=world.type_code, expected_version=1, reason="废止"
        )
    )
    signed = world.issuer.sign(
        ShareType,
        subject=world.type_code,
        expected_version=2,
        user=world.user.uscc,
        service_items=(ITEM,),
        fields=FIELDS,
    )
    _refused(world, signed, TransitionRefusedError, "type.retired")


@pytest.mark.parametrize(
    ("granted", "asked", "disclosed"),
    [
        (FIELDS, (), tuple(sorted(FIELDS))),
        (FIELDS, ("holder.name",), ("holder.name",)),
        (("holder.name",), (), ("holder.name",)),
    ],
)
def test_disclosed_fields_are_those_asked_within_the_list(
    world: ReuseWorld, granted: tuple[str, ...], asked: tuple[str, ...], disclosed: tuple[str, ...]
) -> None:
    """The disclosure is what was asked (or all listed), never more than the list."""
    world.share(world.user, fields=granted)
    code = world.consent(1, world.user)
    r = world.use(world.user, license=world.license_id(1), consent=code, fields=asked)
    use = world.ledger._load(r.aggregate_id)
    assert isinstance(use, Use)
    assert use.fields == disclosed
    assert set(use.fields) <= set(granted)


def test_a_revision_that_drops_a_field_drops_it_from_disclosures(world: ReuseWorld) -> None:
    """A listed field the type no longer defines is not disclosed."""
    world.share(world.user)
    world.submit(
        world.issuer.sign(
            acts.ReviseType,
            subject=world.type_code,
            expected_version=2,
            name="食品经营许可证",
            schema=(acts.FieldSpec(name="scope", label="经营范围"),),
            validity=acts.Validity(years=5),
            issuers=(world.issuer.uscc,),
        )
    )
    code = world.consent(1, world.user)
    r = world.use(world.user, license=world.license_id(1), consent=code)
    use = world.ledger._load(r.aggregate_id)
    assert isinstance(use, Use)
    assert "data.capital" not in use.fields


# -- consents ---------------------------------------------------------------------------------


def test_a_consent_is_recorded_by_the_platform(world: ReuseWorld) -> None:
    """consent.grant signed by the platform key records a Consent naming the authentication."""
    code = world.consent(1, world.user, license=world.license_id(1))
    service = ReuseService(world.ledger, world.platform_key)
    service.withdraw_consent(code, reason="不再授权", authentication="sms", authentication_ref="S1")
    consent = world.ledger._load(Consent.id_for(code))
    assert isinstance(consent, Consent)
    assert consent.version == 2
    assert consent.withdrawn
    assert consent.authentication is AuthMethod.FACE
    assert consent.license_key == world.license_id(1).rsplit(".", 2)[0]


def test_a_department_cannot_record_a_consent(world: ReuseWorld) -> None:
    """Tamper twin: the same consent signed by the user department's seal is refused."""
    signed = world.consent_statement(
        "CN-SELF",
        1,
        world.user,
        license_type=world.type_code,
        valid_until=utc_now() + timedelta(days=1),
    )
    act = msgspec.structs.replace(
        decode_statement(signed.statement), seal=world.user.seal, alg=world.user.key.alg
    )
    _refused(world, act.sign(world.user.key), NotAuthorisedError, "authority.platform_required")


def test_a_consent_for_someone_elses_license_is_refused(world: ReuseWorld) -> None:
    """Holder 2 cannot consent to the use of holder 1's license."""
    signed = world.platform.sign(
        GrantConsent,
        subject="CN-OTHER",
        expected_version=0,
        holder=make_ric(2),
        holder_code_kind=HolderCodeKind.RIC,
        user=world.user.uscc,
        service_item=ITEM,
        purpose="办理",
        license=world.license_id(1),
        valid_until=utc_now() + timedelta(days=1),
        authentication=AuthMethod.FACE,
        authentication_ref="F-2",
    )
    _refused(world, signed, NotAuthorisedError, "consent.holder.mismatch")


def test_a_consent_with_a_bad_holder_code_is_refused(world: ReuseWorld) -> None:
    """A 身份号码 whose check character is wrong is refused."""
    good = make_ric(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    signed = world.platform.sign(
        GrantConsent,
        subject="CN-BADCODE",
        expected_version=0,
        holder=bad,
        holder_code_kind=HolderCodeKind.RIC,
        user=world.user.uscc,
        service_item=ITEM,
        purpose="办理",
        license_type=world.type_code,
        valid_until=utc_now() + timedelta(days=1),
        authentication=AuthMethod.FACE,
        authentication_ref="F-3",
    )
    _refused(world, signed, InvalidStatementError, "statement.identifier.invalid")


def test_a_consent_code_is_used_once(world: ReuseWorld) -> None:
    """Granting the same consent code twice is a duplicate."""
    world.consent(1, world.user, code="CN-ONCE")
    signed = world.consent_statement(
        "CN-ONCE",
        1,
        world.user,
        license_type=world.type_code,
        valid_until=utc_now() + timedelta(days=1),
    )
    _refused(world, signed, DuplicateError, "subject.duplicate")


def test_a_consent_is_withdrawn_once(world: ReuseWorld) -> None:
    """A second withdrawal is refused."""
    code = world.consent(1, world.user)
    service = ReuseService(world.ledger, world.platform_key)
    service.withdraw_consent(code, reason="撤回", authentication="face", authentication_ref="F")
    with pytest.raises(TransitionRefusedError) as e:
        service.withdraw_consent(code, reason="撤回", authentication="face", authentication_ref="F")
    assert e.value.code == "consent.withdrawn"


def test_a_consent_names_exactly_one_scope() -> None:
    """A consent with both a license and a type, or neither, does not even decode."""
    with pytest.raises(ValueError, match="exactly one"):
        GrantConsent(
            origin="o",
            subject="CN",
            expected_version=0,
            seal="platform:x",
            alg="ed25519",
            signed_at=utc_now(),
            holder="h",
            holder_code_kind=HolderCodeKind.RIC,
            user="u",
            service_item="i",
            purpose="p",
            license="l",
            license_type="t",
            valid_until=utc_now(),
            authentication=AuthMethod.FACE,
            authentication_ref="r",
        )
