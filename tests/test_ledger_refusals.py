"""What the ledger refuses, and that a refusal records nothing.

Every refusal test goes through :func:`refused`, which submits the statement,
checks the error class and its stable ``code``, and then checks that the
store holds exactly what it held before (every notification, byte for byte).
Each refusal has an accepted twin nearby, so a test cannot pass because the
builder itself was broken.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from elicense import acts
from elicense.acts import Signed, decode_statement
from elicense.codec import utc_now
from elicense.crypto import suites
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3
from elicense.errors import (
    BatchRefusedError,
    ConflictError,
    DuplicateError,
    InvalidStatementError,
    NotAuthorisedError,
    NotFoundError,
    RefusedError,
    SealRefusedError,
    SignatureRefusedError,
    TransitionRefusedError,
)
from elicense.ids import LicenseId, parse_license_id
from elicense.ledger.application import Ledger
from elicense.lifecycle import TRANSITIONS, LicenseStatus, RevocationReason
from elicense.signatory import Signatory
from support import ORIGIN, TODAY, World, make_ric, make_uscc, restate

# -- the harness -----------------------------------------------------------------------------------


def store(world: World) -> list[tuple[int, str, bytes]]:
    """Everything the store holds: every notification's position, topic and bytes."""
    return [(n.id, n.topic, bytes(n.state)) for n in world.ledger.notifications()]


def refused(
    world: World, signed: Signed | bytes, error: type[RefusedError], code: str
) -> RefusedError:
    """Submit ``signed``; assert it is refused with ``error`` and ``code`` and records nothing."""
    before = store(world)
    position = world.ledger.max_position()
    with pytest.raises(error) as e:
        world.ledger.submit(signed)
    assert e.value.code == code, f"{type(e.value).__name__}: {e.value}"
    assert world.ledger.max_position() == position
    assert store(world) == before
    return e.value


def license_state(world: World, identifier: str) -> tuple[Any, ...]:
    """A license's version, identifier and status as the ledger has them."""
    lic = world.ledger.get_license(identifier)
    return lic.version, lic.identifier, lic.status


@pytest.fixture
def world() -> Iterator[World]:
    """A fresh in-memory ledger with an established platform."""
    w = World.new()
    yield w
    w.ledger.close()


@pytest.fixture
def issued(world: World) -> tuple[Any, str, str]:
    """A department, a type it issues, and one issued license: (dept, type, identifier)."""
    return world.licensed()


# -- signatures and seals --------------------------------------------------------------------------


def test_valid_issue_is_accepted(world: World) -> None:
    """The twin of every refusal below: a well-formed issuance is recorded at the next position."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    position = world.ledger.max_position()
    receipt = world.submit(world.issue(dept, type_code, 1))
    assert receipt.position == position + 1
    assert receipt.version == 1
    assert world.ledger.get_license(receipt.subject).status is LicenseStatus.VALID


def test_flipped_signature_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A statement whose signature has one byte changed is refused; the license stays valid."""
    dept, _, identifier = issued
    signed = world.act(dept, acts.SuspendLicense, identifier, 1)
    bad = msgspec.structs.replace(
        signed, signature=bytes([signed.signature[0] ^ 1]) + signed.signature[1:]
    )
    state = license_state(world, identifier)
    refused(world, bad, SignatureRefusedError, "statement.signature.invalid")
    assert license_state(world, identifier) == state
    world.submit(signed)  # the twin


def test_signature_over_other_bytes_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A real signature of the seal, but over another statement, is refused."""
    dept, _, identifier = issued
    one = world.act(dept, acts.SuspendLicense, identifier, 1, reason="a")
    other = world.act(dept, acts.SuspendLicense, identifier, 1, reason="b")
    swapped = Signed(statement=one.statement, signature=other.signature)
    refused(world, swapped, SignatureRefusedError, "statement.signature.invalid")


def test_statement_naming_a_seal_but_signed_by_another_key_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """Naming a filed seal does not help a forger: the signature must be that seal's."""
    dept, _, identifier = issued
    forger = Signatory(origin=ORIGIN, seal=dept.seal, signer=generate_key(ED25519))
    signed = forger.sign(acts.SuspendLicense, subject=identifier, expected_version=1, reason="x")
    refused(world, signed, SignatureRefusedError, "statement.signature.invalid")


def test_statement_signed_by_another_departments_filed_seal_but_naming_this_one_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A filed seal of another department cannot sign in the name of this one's seal."""
    dept, _, identifier = issued
    other = world.department(2)
    forged = Signatory(origin=ORIGIN, seal=dept.seal, signer=other.key)
    signed = forged.sign(acts.SuspendLicense, subject=identifier, expected_version=1, reason="x")
    refused(world, signed, SignatureRefusedError, "statement.signature.invalid")


def test_unknown_seal_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A statement naming a seal the ledger never saw is refused as seal.unknown."""
    _, _, identifier = issued
    ghost = Signatory(origin=ORIGIN, seal="GHOST", signer=generate_key(ED25519))
    signed = ghost.sign(acts.SuspendLicense, subject=identifier, expected_version=1, reason="x")
    refused(world, signed, SealRefusedError, "seal.unknown")


def test_unfiled_seal_is_refused_until_filed(world: World) -> None:
    """A made but unfiled seal signs nothing; after filing the same statement is accepted."""
    dept = world.department(1, file=False)
    signed = dept.sign(
        acts.DefineType, subject=dept.uscc + "001", expected_version=0, name="T", issuers=()
    )
    refused(world, signed, SealRefusedError, "seal.not_filed")
    world.submit(world.file_seal(dept.seal, dept.key))
    world.submit(signed)


def test_suspended_seal_is_refused_until_reinstated(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A suspended seal signs nothing; after reinstatement it signs again."""
    dept, type_code, _ = issued
    world.submit(world.seal_act(acts.SuspendSeal, dept.seal, 2))
    signed = world.issue(dept, type_code, 2)
    refused(world, signed, SealRefusedError, "seal.suspended")
    world.submit(world.seal_act(acts.ReinstateSeal, dept.seal, 3))
    world.submit(signed)


def test_revoked_seal_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A revoked seal signs nothing, not even the acts on licenses it issued."""
    dept, type_code, identifier = issued
    world.submit(world.seal_act(acts.RevokeSeal, dept.seal, 2))
    refused(world, world.issue(dept, type_code, 2), SealRefusedError, "seal.revoked")
    refused(
        world,
        world.act(dept, acts.SuspendLicense, identifier, 1),
        SealRefusedError,
        "seal.revoked",
    )
    other = world.second_seal(dept)
    world.submit(world.act(other, acts.SuspendLicense, identifier, 1))  # the twin


def test_seal_revoked_as_compromised_is_refused_as_compromised(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A seal revoked with compromised_since in the past is refused as seal.compromised."""
    dept, type_code, _ = issued
    world.submit(
        world.seal_act(
            acts.RevokeSeal, dept.seal, 2, compromised_since=utc_now() - timedelta(hours=1)
        )
    )
    refused(world, world.issue(dept, type_code, 2), SealRefusedError, "seal.compromised")


def test_seal_not_yet_valid_is_refused(world: World) -> None:
    """A filed seal whose validity starts tomorrow signs nothing today."""
    now = utc_now()
    dept = world.department(1, valid_from=now + timedelta(days=1))
    signed = dept.sign(
        acts.DefineType, subject=dept.uscc + "001", expected_version=0, name="T", issuers=()
    )
    refused(world, signed, SealRefusedError, "seal.not_yet_valid")


def test_expired_seal_is_refused(world: World) -> None:
    """A filed seal whose validity ended yesterday signs nothing today."""
    now = utc_now()
    dept = world.department(
        1, valid_from=now - timedelta(days=30), valid_until=now - timedelta(days=1)
    )
    signed = dept.sign(
        acts.DefineType, subject=dept.uscc + "001", expected_version=0, name="T", issuers=()
    )
    refused(world, signed, SealRefusedError, "seal.expired")


def test_statement_algorithm_other_than_the_seals_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A statement claiming another algorithm than its seal's is refused."""
    dept, _, identifier = issued
    act = decode_statement(world.act(dept, acts.SuspendLicense, identifier, 1).statement)
    lying = msgspec.structs.replace(act, alg=ECDSA_P256).sign(dept.key)
    refused(world, lying, InvalidStatementError, "statement.alg.mismatch")


def test_seal_of_unknown_algorithm_is_refused(world: World) -> None:
    """seal.make naming an algorithm no suite provides is refused as unsupported."""
    key = generate_key(ED25519)
    act = decode_statement(world.make_seal(make_uscc(1), "S9", key).statement)
    signed = msgspec.structs.replace(act, alg="rsa-pss-sha256").sign(key)
    refused(world, signed, InvalidStatementError, "statement.alg.unsupported")


def test_sm2_seal_without_backend_is_refused_as_unsupported(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an SM2 backend an sm2-sm3 seal is refused and the message names the extra."""
    monkeypatch.delitem(suites._REGISTRY, SM2_SM3, raising=False)
    monkeypatch.setitem(sys.modules, "elicense.crypto.sm2", None)
    suites.public_key.cache_clear()
    key = generate_key(ED25519)
    act = decode_statement(world.make_seal(make_uscc(1), "S9", key).statement)
    signed = msgspec.structs.replace(act, alg=SM2_SM3).sign(key)
    error = refused(world, signed, InvalidStatementError, "statement.alg.unsupported")
    assert "elicense[sm2]" in str(error)


def test_seal_make_must_be_signed_by_the_new_key(world: World) -> None:
    """seal.make signed by another key than the one it registers is refused (no possession)."""
    key, other = generate_key(ED25519), generate_key(ED25519)
    act = decode_statement(world.make_seal(make_uscc(1), "S9", key).statement)
    refused(world, act.sign(other), SignatureRefusedError, "statement.signature.invalid")
    world.submit(act.sign(key))


def test_seal_make_with_garbage_key_is_refused(world: World) -> None:
    """seal.make whose public key does not parse is refused as statement.key.invalid."""
    key = generate_key(ED25519)
    act = decode_statement(world.make_seal(make_uscc(1), "S9", key).statement)
    signed = msgspec.structs.replace(act, public_key=b"\x30\x00").sign(key)
    refused(world, signed, InvalidStatementError, "statement.key.invalid")


@pytest.mark.parametrize("code", ["", "-lead", "a b", "印章", "x" * 65])
def test_seal_code_out_of_alphabet_is_refused(world: World, code: str) -> None:
    """Seal codes are 1–64 of [0-9A-Za-z._-], starting alphanumeric."""
    key = generate_key(ED25519)
    try:
        signed = world.make_seal(make_uscc(1), code, key)
    except ValueError:
        assert code == ""  # an empty subject is not even a statement
        return
    refused(world, signed, InvalidStatementError, "statement.identifier.invalid")


def test_seal_of_department_with_invalid_uscc_is_refused(world: World) -> None:
    """A seal for a department whose USCC does not check is refused."""
    good = make_uscc(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    refused(
        world,
        world.make_seal(bad, "S9", generate_key(ED25519)),
        InvalidStatementError,
        "statement.identifier.invalid",
    )


def test_filing_must_name_the_seals_key(world: World) -> None:
    """A filing that names another key id than the seal's is refused."""
    dept = world.department(1, file=False)
    refused(
        world,
        world.file_seal(dept.seal, generate_key(ED25519)),
        InvalidStatementError,
        "seal.key.mismatch",
    )


def test_filing_with_a_garbage_annex_is_refused(world: World) -> None:
    """A filing whose SES_Seal annex is not a seal is refused, recording nothing."""
    dept = world.department(1, file=False)
    signed = world.platform.sign(
        acts.FileSeal,
        subject=dept.seal,
        expected_version=1,
        key_id=dept.key.public_key.key_id,
        annex=b"\x30\x00",
    )
    refused(world, signed, InvalidStatementError, "seal.annex.invalid")


def test_annex_on_any_other_kind_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """Only filings take an annex."""
    dept, _, identifier = issued
    signed = dept.sign(
        acts.SuspendLicense, subject=identifier, expected_version=1, reason="x", annex=b"x"
    )
    refused(world, signed, InvalidStatementError, "statement.annex.unexpected")


# -- who may do what -------------------------------------------------------------------------------


def test_department_not_an_issuer_of_the_type_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A department may not issue licenses of a type that does not list it as issuer."""
    _, type_code, _ = issued
    other = world.department(2)
    refused(world, world.issue(other, type_code, 1), NotAuthorisedError, "authority.not_issuer")


def test_issuer_may_not_issue_in_another_departments_name(world: World) -> None:
    """An issuer of the type may not issue a license whose identifier names another issuer."""
    a, b = world.department(1), world.department(2)
    type_code = world.define_type(a, issuers=(a.uscc, b.uscc))
    identifier = world.license_id(a, type_code, 1)  # names A as issuer
    refused(
        world,
        world.issue(b, type_code, 1, subject=identifier),
        NotAuthorisedError,
        "authority.not_issuer",
    )
    world.submit(world.issue(b, type_code, 1))  # the twin: B issues in its own name


def test_department_may_not_act_on_another_issuers_license(world: World) -> None:
    """Only the issuer named in the identifier may suspend its license, even for a co-issuer."""
    a, b = world.department(1), world.department(2)
    type_code = world.define_type(a, issuers=(a.uscc, b.uscc))
    identifier = world.submit(world.issue(a, type_code, 1)).subject
    for cls in (acts.SuspendLicense, acts.AmendLicense, acts.RevokeLicense, acts.ExpireLicense):
        refused(world, world.act(b, cls, identifier, 1), NotAuthorisedError, "authority.not_issuer")


def test_department_may_not_define_a_type_under_another_authority(world: World) -> None:
    """The type code's first 18 characters name its defining authority, who alone defines it."""
    a, b = world.department(1), world.department(2)
    signed = b.sign(
        acts.DefineType, subject=a.uscc + "001", expected_version=0, name="T", issuers=(b.uscc,)
    )
    refused(world, signed, NotAuthorisedError, "authority.not_defining_authority")


@pytest.mark.parametrize("cls", [acts.ReviseType, acts.RetireType])
def test_department_may_not_change_another_authoritys_type(world: World, cls: type) -> None:
    """Revising or retiring a type is for its defining authority only."""
    a, b = world.department(1), world.department(2)
    type_code = world.define_type(a, issuers=(a.uscc, b.uscc))
    fields: dict[str, Any] = {"reason": "x"} if cls is acts.RetireType else {"name": "T2"}
    signed = b.sign(cls, subject=type_code, expected_version=1, **fields)
    refused(world, signed, NotAuthorisedError, "authority.not_defining_authority")


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (acts.FileSeal, {"key_id": "x"}),
        (acts.SuspendSeal, {"reason": "x"}),
        (acts.RevokeSeal, {"reason": "x"}),
    ],
    ids=["file", "suspend", "revoke"],
)
def test_platform_acts_signed_by_a_seal_are_refused(
    world: World, cls: type, fields: dict[str, Any]
) -> None:
    """Seal administration is the platform's: a department seal may not sign it."""
    dept = world.department(1)
    other = world.department(2, file=False)
    signed = dept.sign(cls, subject=other.seal, expected_version=1, **fields)
    refused(world, signed, NotAuthorisedError, "authority.platform_required")


@pytest.mark.parametrize(
    "cls", [acts.SuspendLicense, acts.AmendLicense, acts.RevokeLicense, acts.RenewLicense]
)
def test_department_acts_signed_by_the_platform_are_refused(
    world: World, issued: tuple[Any, str, str], cls: type
) -> None:
    """The platform key may not act on a license in a department's stead (expiry aside)."""
    dept, _, identifier = issued
    platform_as_dept = type(dept)(dept.uscc, dept.seal, world.platform_key, world.platform)
    signed = world.act(platform_as_dept, cls, identifier, 1)
    refused(world, signed, NotAuthorisedError, "authority.seal_required")


def test_platform_issuing_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """The platform key cannot issue a license."""
    dept, type_code, _ = issued
    platform_as_dept = type(dept)(dept.uscc, dept.seal, world.platform_key, world.platform)
    signed = world.issue(
        platform_as_dept, type_code, 2, subject=world.license_id(dept, type_code, 2)
    )
    refused(world, signed, NotAuthorisedError, "authority.seal_required")


def test_platform_may_record_expiry(world: World, issued: tuple[Any, str, str]) -> None:
    """The exception: license.expire may be signed by the platform."""
    _, _, identifier = issued
    world.submit(world.platform.sign(acts.ExpireLicense, subject=identifier, expected_version=1))
    assert world.ledger.get_license(identifier).status is LicenseStatus.EXPIRED


def test_unknown_platform_key_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A statement signed as 'platform:<another key>' is refused."""
    _, _, identifier = issued
    impostor = Signatory.platform(origin=ORIGIN, signer=generate_key(ED25519))
    signed = impostor.sign(acts.ExpireLicense, subject=identifier, expected_version=1)
    refused(world, signed, SealRefusedError, "platform.key.unknown")


def test_platform_statement_with_wrong_algorithm_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A platform statement claiming another algorithm than the platform key's is refused."""
    _, _, identifier = issued
    act = world.platform.statement(acts.ExpireLicense, subject=identifier, expected_version=1)
    signed = msgspec.structs.replace(act, alg=ECDSA_P256).sign(world.platform_key)
    refused(world, signed, InvalidStatementError, "statement.alg.mismatch")


def test_establishing_twice_is_refused(world: World) -> None:
    """A store holds one ledger: a second establish is a duplicate."""
    before = store(world)
    with pytest.raises(DuplicateError) as e:
        world.ledger.establish(origin="elicense:other", name="x", signer=generate_key(ED25519))
    assert e.value.code == "subject.duplicate"
    assert store(world) == before


def test_statements_before_establishing_are_refused() -> None:
    """An empty store refuses everything but ledger.establish."""
    ledger = Ledger("memory:", verify_threads=1)
    key = generate_key(ED25519)
    own = Signatory(origin=ORIGIN, seal="S1", signer=key)
    signed = own.sign(
        acts.MakeSeal,
        subject="S1",
        expected_version=0,
        department=make_uscc(1),
        department_name="d",
        name="n",
        seal_kind="official",
        public_key=key.public_key.spki,
        valid_from=utc_now(),
        valid_until=utc_now() + timedelta(days=1),
    )
    with pytest.raises(NotFoundError) as e:
        ledger.submit(signed)
    assert e.value.code == "ledger.not_established"
    assert ledger.max_position() == 0


# -- well-formedness -------------------------------------------------------------------------------


def test_wrong_origin_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A statement made for another ledger is refused even when its signature is good."""
    dept, _, identifier = issued
    elsewhere = Signatory(origin="elicense:elsewhere", seal=dept.seal, signer=dept.key)
    signed = elsewhere.sign(acts.SuspendLicense, subject=identifier, expected_version=1, reason="x")
    refused(world, signed, InvalidStatementError, "statement.origin.mismatch")


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b'{"statement":"","signature":""}', b"[" * 5000],
    ids=["empty", "text", "empty statement", "deep"],
)
def test_malformed_bytes_are_refused(world: World, data: bytes) -> None:
    """Bytes that are not a signed statement are refused as statement.malformed."""
    refused(world, data, InvalidStatementError, "statement.malformed")


def test_signed_statement_as_a_json_line_is_accepted(world: World) -> None:
    """The twin: the canonical JSON of a Signed (a line of a statements file) is recorded."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    line = msgspec.json.encode(world.issue(dept, type_code, 1))
    assert world.ledger.submit(line).kind == "license.issue"
    spaced = line.replace(b'","', b'", "', 1)
    refused(world, spaced, InvalidStatementError, "statement.malformed")


def test_deeply_nested_statement_is_refused(world: World) -> None:
    """A Signed whose statement bytes nest too deep is refused, not a RecursionError."""
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    refused(
        world, Signed(statement=deep, signature=b"x"), InvalidStatementError, "statement.malformed"
    )


def test_non_canonical_statement_bytes_are_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """Re-spelled statement bytes (here with a space) are refused even if signed as such."""
    dept, _, identifier = issued
    signed = world.act(dept, acts.SuspendLicense, identifier, 1)
    spaced = signed.statement.replace(b'","', b'", "', 1)
    resigned = Signed(
        statement=spaced, signature=dept.key.sign(b"elicense/v2/license.suspend\x00" + spaced)
    )
    refused(world, resigned, InvalidStatementError, "statement.malformed")


def _bad_check(identifier: str) -> str:
    good = identifier[-1]
    return identifier[:-1] + ("A" if good != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(_bad_check, id="check character"),
        pytest.param(lambda s: s.replace("1.2.156.3005.2.", "1.2.156.3005.3.", 1), id="root"),
        pytest.param(lambda s: s.rsplit(".", 2)[0], id="no version and check"),
    ],
)
def test_invalid_license_identifier_is_refused(
    world: World, issued: tuple[Any, str, str], mangle: Any
) -> None:
    """An identifier that does not check is refused on issue and on every later act."""
    dept, type_code, identifier = issued
    refused(
        world,
        world.issue(dept, type_code, 2, subject=mangle(world.license_id(dept, type_code, 2))),
        InvalidStatementError,
        "statement.identifier.invalid",
    )
    refused(
        world,
        world.act(dept, acts.SuspendLicense, mangle(identifier), 1),
        InvalidStatementError,
        "statement.identifier.invalid",
    )


@pytest.mark.parametrize(
    "respell",
    [
        pytest.param(str.lower, id="lower case"),
        pytest.param(lambda s: f" {s}", id="leading space"),
        pytest.param(lambda s: f"{s}\n", id="trailing newline"),
    ],
)
def test_identifier_in_non_canonical_spelling_is_refused(
    world: World, issued: tuple[Any, str, str], respell: Any
) -> None:
    """An identifier that parses only after normalising (case, whitespace) is not recorded:
    the verifier reads recorded subjects as they are."""
    dept, type_code, identifier = issued
    refused(
        world,
        world.issue(dept, type_code, 2, subject=respell(world.license_id(dept, type_code, 2))),
        InvalidStatementError,
        "statement.identifier.invalid",
    )
    refused(
        world,
        world.act(dept, acts.SuspendLicense, respell(identifier), 1),
        InvalidStatementError,
        "statement.identifier.invalid",
    )


def test_non_conformant_3003_identifier_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """The 1.2.156.3003.2 form (no issuer segment) is read elsewhere but never recorded."""
    from stdnum.iso7064 import mod_37_36

    dept, type_code, _ = issued
    body = f"{type_code}2026000002001"
    variant = f"1.2.156.3003.2.{type_code}.2026000002.001.{mod_37_36.calc_check_digit(body)}"
    refused(
        world,
        world.issue(dept, type_code, 2, subject=variant),
        InvalidStatementError,
        "statement.identifier.invalid",
    )


def test_issue_of_version_two_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A license is issued as version 001; 002 exists only after an amend or renew."""
    dept, type_code, _ = issued
    refused(
        world,
        world.issue(dept, type_code, 2, subject=world.license_id(dept, type_code, 2, version=2)),
        InvalidStatementError,
        "statement.identifier.invalid",
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        pytest.param(_bad_check("91110000600037341L"), "uscc", id="uscc check"),
        pytest.param(_bad_check(make_ric(1)), "ric", id="ric check"),
        pytest.param("110105198002300011", "ric", id="ric 30 February"),
        pytest.param("AB", "other", id="other too short"),
        pytest.param("护照123", "other", id="other alphabet"),
    ],
)
def test_invalid_holder_code_is_refused(
    world: World, issued: tuple[Any, str, str], code: str, kind: str
) -> None:
    """A holder code that does not check for its kind is refused."""
    dept, type_code, _ = issued
    holder = acts.Holder(name="张三", code=code, code_kind=kind)
    refused(
        world,
        world.issue(dept, type_code, 2, holder=holder),
        InvalidStatementError,
        "statement.fields.invalid",
    )


def test_valid_ric_holder_is_accepted(world: World, issued: tuple[Any, str, str]) -> None:
    """The twin: a checking RIC holder is accepted by a type held by anyone."""
    dept, type_code, _ = issued
    holder = acts.Holder(name="张三", code=make_ric(1), code_kind="ric")
    world.submit(world.issue(dept, type_code, 2, holder=holder))


@pytest.mark.parametrize(
    ("holder_kind", "code_kind", "accepted"),
    [
        (acts.HolderKind.PERSON, "uscc", False),
        (acts.HolderKind.PERSON, "ric", True),
        (acts.HolderKind.ORGANISATION, "ric", False),
        (acts.HolderKind.ORGANISATION, "uscc", True),
        (acts.HolderKind.PERSON, "other", True),
    ],
)
def test_holder_kind_must_fit_the_type(
    world: World, holder_kind: acts.HolderKind, code_kind: str, accepted: bool
) -> None:
    """A person-held type refuses a USCC holder, an organisation-held one a RIC holder."""
    dept = world.department(1)
    type_code = world.define_type(dept, holder_kind=holder_kind)
    code = {"uscc": "91110000600037341L", "ric": make_ric(1), "other": "E12345678"}[code_kind]
    signed = world.issue(
        dept, type_code, 1, holder=acts.Holder(name="某", code=code, code_kind=code_kind)
    )
    if accepted:
        world.submit(signed)
    else:
        refused(world, signed, InvalidStatementError, "statement.fields.invalid")


def test_empty_holder_name_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A holder must have a name."""
    dept, type_code, _ = issued
    holder = acts.Holder(name="  ", code="91110000600037341L", code_kind="uscc")
    refused(
        world,
        world.issue(dept, type_code, 2, holder=holder),
        InvalidStatementError,
        "statement.fields.invalid",
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"capital": "100", "colour": "red"}, id="unknown field"),
        pytest.param({"founded": "2020-01-01"}, id="missing required"),
        pytest.param({"capital": ""}, id="empty required"),
        pytest.param({"capital": "100", "founded": "2021-02-29"}, id="impossible date"),
        pytest.param({"capital": "100", "founded": "20200101"}, id="date without dashes"),
        pytest.param({"capital": "1e5"}, id="exponent number"),
        pytest.param({"capital": "１００"}, id="full-width digits"),
        pytest.param({"capital": "100."}, id="trailing point"),
    ],
)
def test_data_off_schema_is_refused(
    world: World, issued: tuple[Any, str, str], data: dict[str, str]
) -> None:
    """License fields must fit the type's schema: known names, required present, typed values."""
    dept, type_code, _ = issued
    refused(
        world,
        world.issue(dept, type_code, 2, data=data),
        InvalidStatementError,
        "statement.fields.invalid",
    )


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"colour": "red"}, id="unknown field"),
        pytest.param({"capital": "lots"}, id="not a number"),
        pytest.param({"founded": "yesterday"}, id="not a date"),
    ],
)
def test_amend_off_schema_is_refused(
    world: World, issued: tuple[Any, str, str], changes: dict[str, str]
) -> None:
    """Amended fields must fit the schema too."""
    dept, _, identifier = issued
    refused(
        world,
        world.act(dept, acts.AmendLicense, identifier, 1, changes=changes),
        InvalidStatementError,
        "statement.fields.invalid",
    )


def test_amend_may_leave_required_fields_out(world: World, issued: tuple[Any, str, str]) -> None:
    """The twin: an amend changes some fields; required ones it does not name stay."""
    dept, _, identifier = issued
    world.submit(world.act(dept, acts.AmendLicense, identifier, 1, changes={"scope": "零售"}))
    assert world.ledger.get_license(identifier).data["capital"] == "100"


def test_limited_validity_type_needs_valid_until(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A license of a type valid for 5 years must say until when."""
    dept, type_code, _ = issued
    refused(
        world,
        world.issue(dept, type_code, 2, valid_until=None),
        InvalidStatementError,
        "statement.fields.invalid",
    )


def test_unlimited_validity_type_needs_no_valid_until(world: World) -> None:
    """The twin: a type without expiry accepts a license without valid_until."""
    dept = world.department(1)
    type_code = world.define_type(dept, validity=acts.Validity())
    world.submit(world.issue(dept, type_code, 1, valid_until=None))


def test_renewing_limited_validity_license_to_no_end_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A renewal cannot take away the end a limited-validity type requires."""
    dept, _, identifier = issued
    refused(
        world,
        world.act(dept, acts.RenewLicense, identifier, 1, valid_until=None),
        InvalidStatementError,
        "statement.fields.invalid",
    )


def test_renewal_ending_before_validity_starts_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A renewal's valid_until must not precede the license's valid_from."""
    dept, _, identifier = issued
    refused(
        world,
        world.act(dept, acts.RenewLicense, identifier, 1, valid_until=TODAY - timedelta(days=365)),
        InvalidStatementError,
        "statement.fields.invalid",
    )


def test_issue_of_unknown_type_is_refused(world: World) -> None:
    """A license of a type nobody defined is refused as type.unknown."""
    dept = world.department(1)
    refused(world, world.issue(dept, dept.uscc + "009", 1), NotFoundError, "type.unknown")


def test_issue_of_retired_type_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """A retired type issues nothing new; licenses already issued live on."""
    dept, type_code, identifier = issued
    world.submit(dept.sign(acts.RetireType, subject=type_code, expected_version=1, reason="废止"))
    refused(world, world.issue(dept, type_code, 2), TransitionRefusedError, "type.retired")
    world.submit(world.act(dept, acts.SuspendLicense, identifier, 1))


@pytest.mark.parametrize("cls", [acts.ReviseType, acts.RetireType])
def test_retired_type_cannot_change(world: World, issued: tuple[Any, str, str], cls: type) -> None:
    """Retirement is final for a type."""
    dept, type_code, _ = issued
    world.submit(dept.sign(acts.RetireType, subject=type_code, expected_version=1, reason="废止"))
    fields: dict[str, Any] = (
        {"reason": "x"} if cls is acts.RetireType else {"name": "T2", "issuers": (dept.uscc,)}
    )
    refused(
        world,
        dept.sign(cls, subject=type_code, expected_version=2, **fields),
        TransitionRefusedError,
        "type.retired",
    )


@pytest.mark.parametrize(
    "subject", ["short", "X" * 21, "11110000000000001X001"], ids=["short", "letters", "bad uscc"]
)
def test_malformed_type_code_is_refused(world: World, subject: str) -> None:
    """A type code is a checking USCC and three digits."""
    dept = world.department(1)
    signed = dept.sign(acts.DefineType, subject=subject, expected_version=0, name="T")
    refused(world, signed, InvalidStatementError, "statement.identifier.invalid")


def test_type_listing_an_issuer_whose_uscc_does_not_check_is_refused(world: World) -> None:
    """Every issuer a type lists must be a checking USCC."""
    dept = world.department(1)
    signed = dept.sign(
        acts.DefineType,
        subject=dept.uscc + "001",
        expected_version=0,
        name="T",
        issuers=(dept.uscc, _bad_check(make_uscc(2))),
    )
    refused(world, signed, InvalidStatementError, "statement.identifier.invalid")


# -- duplicates, versions, identifiers -------------------------------------------------------------


def test_duplicate_license_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """Issuing the same identifier twice is refused, even with other fields."""
    dept, type_code, _ = issued
    refused(
        world,
        world.issue(dept, type_code, 1, license_number="OTHER"),
        DuplicateError,
        "subject.duplicate",
    )


def test_duplicate_seal_is_refused(world: World) -> None:
    """Making a seal code twice is refused, even with another key."""
    dept = world.department(1)
    refused(
        world,
        world.make_seal(dept.uscc, dept.seal, generate_key(ED25519)),
        DuplicateError,
        "subject.duplicate",
    )


def test_duplicate_type_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """Defining a type code twice is refused."""
    dept, type_code, _ = issued
    signed = dept.sign(acts.DefineType, subject=type_code, expected_version=0, name="again")
    refused(world, signed, DuplicateError, "subject.duplicate")


def test_same_statement_twice_is_refused(world: World, issued: tuple[Any, str, str]) -> None:
    """Replaying an accepted statement is refused as a conflict (its version is spent)."""
    dept, _, identifier = issued
    signed = world.act(dept, acts.SuspendLicense, identifier, 1)
    world.submit(signed)
    refused(world, signed, ConflictError, "subject.version.conflict")


@pytest.mark.parametrize("version", [0, 2, 7])
def test_stale_or_future_expected_version_is_a_conflict(
    world: World, issued: tuple[Any, str, str], version: int
) -> None:
    """A statement against any version but the current one is a ConflictError."""
    dept, _, identifier = issued
    state = license_state(world, identifier)
    refused(
        world,
        world.act(dept, acts.SuspendLicense, identifier, version),
        ConflictError,
        "subject.version.conflict",
    )
    assert license_state(world, identifier) == state


def test_replayed_suspend_after_reinstate_is_a_conflict(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """A signed suspension cannot be replayed once the license was reinstated."""
    dept, _, identifier = issued
    suspend = world.act(dept, acts.SuspendLicense, identifier, 1)
    world.submit(suspend)
    world.submit(world.act(dept, acts.ReinstateLicense, identifier, 2))
    refused(world, suspend, ConflictError, "subject.version.conflict")
    assert world.ledger.get_license(identifier).status is LicenseStatus.VALID


def test_issue_with_nonzero_expected_version_is_a_conflict(world: World) -> None:
    """A new subject is signed against version 0."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    refused(
        world,
        world.issue(dept, type_code, 1, expected_version=1),
        ConflictError,
        "subject.version.conflict",
    )


def test_seal_act_with_stale_version_is_a_conflict(world: World) -> None:
    """Seal acts are version-checked too."""
    dept = world.department(1)
    refused(
        world,
        world.seal_act(acts.SuspendSeal, dept.seal, 1),
        ConflictError,
        "subject.version.conflict",
    )


def test_acting_on_the_previous_identifier_after_amend_is_a_conflict(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """After 变更 the identifier's version grows; the old identifier names a stale license."""
    dept, _, identifier = issued
    world.submit(world.act(dept, acts.AmendLicense, identifier, 1))
    current = world.ledger.get_license(identifier).identifier
    assert current == str(parse_license_id(identifier).next_version())
    error = refused(
        world,
        world.act(dept, acts.SuspendLicense, identifier, 2),
        ConflictError,
        "subject.version.conflict",
    )
    assert current in str(error)
    world.submit(world.act(dept, acts.SuspendLicense, current, 2))  # the twin


def test_acting_on_a_future_identifier_version_is_a_conflict(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """An identifier of a version the license has not reached is refused."""
    dept, _, identifier = issued
    ahead = str(parse_license_id(identifier).next_version())
    refused(
        world,
        world.act(dept, acts.SuspendLicense, ahead, 1),
        ConflictError,
        "subject.version.conflict",
    )


def test_acting_on_a_license_that_does_not_exist_is_refused(
    world: World, issued: tuple[Any, str, str]
) -> None:
    """Acts on an identifier never issued are refused as subject.not_found."""
    dept, type_code, _ = issued
    refused(
        world,
        world.act(dept, acts.SuspendLicense, world.license_id(dept, type_code, 99), 1),
        NotFoundError,
        "subject.not_found",
    )


def test_filing_a_seal_that_does_not_exist_is_refused(world: World) -> None:
    """The platform cannot file a seal nobody made."""
    refused(
        world, world.file_seal("NOPE", generate_key(ED25519)), NotFoundError, "subject.not_found"
    )


# -- the lifecycle table ---------------------------------------------------------------------------

KINDS = {
    "license.amend": acts.AmendLicense,
    "license.renew": acts.RenewLicense,
    "license.suspend": acts.SuspendLicense,
    "license.reinstate": acts.ReinstateLicense,
    "license.revoke": acts.RevokeLicense,
    "license.expire": acts.ExpireLicense,
}
REACH: dict[LicenseStatus, list[tuple[type, dict[str, Any]]]] = {
    LicenseStatus.VALID: [],
    LicenseStatus.SUSPENDED: [(acts.SuspendLicense, {})],
    LicenseStatus.WITHDRAWN: [(acts.RevokeLicense, {"reason_code": RevocationReason.WITHDRAWN})],
    LicenseStatus.CANCELLED: [(acts.RevokeLicense, {"reason_code": RevocationReason.CANCELLED})],
    LicenseStatus.REVOKED: [(acts.RevokeLicense, {"reason_code": RevocationReason.REVOKED})],
    LicenseStatus.EXPIRED: [(acts.ExpireLicense, {})],
}
FORBIDDEN = [
    pytest.param(status, kind, id=f"{kind.split('.')[1]} a {status} license")
    for status in REACH
    for kind in KINDS
    if (status, kind) not in TRANSITIONS
]
ALLOWED = [
    pytest.param(status, kind, id=f"{kind.split('.')[1]} a {status} license")
    for status in REACH
    for kind in KINDS
    if (status, kind) in TRANSITIONS
]


def _reach(world: World, status: LicenseStatus) -> tuple[Any, str]:
    dept, _, identifier = world.licensed()
    for version, (cls, fields) in enumerate(REACH[status], 1):
        world.submit(world.act(dept, cls, identifier, version, **fields))
    assert world.ledger.get_license(identifier).status is status
    return dept, identifier


def test_the_table_forbids_something_from_every_status() -> None:
    """The forbidden list is not vacuous: every status forbids at least one act."""
    assert {p.values[0] for p in FORBIDDEN} == set(REACH)
    assert len(FORBIDDEN) + len(ALLOWED) == len(REACH) * len(KINDS)


@pytest.mark.parametrize(("status", "kind"), FORBIDDEN)
def test_transition_the_table_forbids_is_refused(
    world: World, status: LicenseStatus, kind: str
) -> None:
    """Every (status, act) pair absent from TRANSITIONS is refused and records nothing."""
    dept, identifier = _reach(world, status)
    version = len(REACH[status]) + 1
    refused(
        world,
        world.act(dept, KINDS[kind], identifier, version),
        TransitionRefusedError,
        "lifecycle.transition.refused",
    )
    assert world.ledger.get_license(identifier).status is status


@pytest.mark.parametrize(("status", "kind"), ALLOWED)
def test_transition_the_table_allows_is_recorded(
    world: World, status: LicenseStatus, kind: str
) -> None:
    """Every (status, act) pair in TRANSITIONS is recorded (the twin of the refusals)."""
    dept, identifier = _reach(world, status)
    version = len(REACH[status]) + 1
    receipt = world.submit(world.act(dept, KINDS[kind], identifier, version))
    assert receipt.version == version + 1


@pytest.mark.parametrize(
    ("steps", "cls", "version"),
    [
        ([], acts.FileSeal, 2),
        ([], acts.ReinstateSeal, 2),
        ([acts.SuspendSeal], acts.SuspendSeal, 3),
        ([acts.RevokeSeal], acts.RevokeSeal, 3),
        ([acts.RevokeSeal], acts.ReinstateSeal, 3),
        ([acts.RevokeSeal], acts.SuspendSeal, 3),
    ],
    ids=[
        "file active",
        "reinstate active",
        "suspend suspended",
        "revoke revoked",
        "reinstate revoked",
        "suspend revoked",
    ],
)
def test_seal_transition_not_allowed_is_refused(
    world: World, steps: list[type], cls: type, version: int
) -> None:
    """Seal lifecycle: filed once, suspended only when active, revoked once."""
    dept = world.department(1)
    for n, step in enumerate(steps, 2):
        world.submit(world.seal_act(step, dept.seal, n))
    if cls is acts.FileSeal:
        signed = world.file_seal(dept.seal, dept.key, version)
    else:
        signed = world.seal_act(cls, dept.seal, version)
    refused(world, signed, TransitionRefusedError, "lifecycle.transition.refused")


def test_suspending_an_unfiled_seal_is_refused(world: World) -> None:
    """A seal that was never filed cannot be suspended."""
    dept = world.department(1, file=False)
    refused(
        world,
        world.seal_act(acts.SuspendSeal, dept.seal, 1),
        TransitionRefusedError,
        "lifecycle.transition.refused",
    )


# -- batches ---------------------------------------------------------------------------------------


def _batch(world: World) -> tuple[list[Signed], dict[int, str]]:
    """Five issuances with refusals at 1 (bad signature) and 3 (duplicate of 0)."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    items = [world.issue(dept, type_code, n) for n in (1, 2, 3, 1, 5)]
    items[1] = msgspec.structs.replace(items[1], signature=items[2].signature)
    return items, {1: "statement.signature.invalid", 3: "subject.duplicate"}


def test_batch_is_all_or_nothing(world: World) -> None:
    """One refusal refuses the whole batch; the error names every refused index and code."""
    items, expected = _batch(world)
    before = store(world)
    with pytest.raises(BatchRefusedError) as e:
        world.ledger.submit_many(items)
    assert {i: err.code for i, err in e.value.refusals} == expected
    assert [i for i, _ in e.value.refusals] == sorted(expected)
    assert e.value.size == len(items)
    assert store(world) == before


def test_partial_batch_records_the_valid_ones_in_order(world: World) -> None:
    """partial=True records the good statements in order and returns the refusals."""
    items, expected = _batch(world)
    position = world.ledger.max_position()
    result = world.ledger.submit_many(items, partial=True)
    assert [r.index for r in result.receipts] == [0, 2, 4]
    assert [r.position for r in result.receipts] == [position + 1, position + 2, position + 3]
    assert {i: err.code for i, err in result.refusals} == expected
    assert world.ledger.max_position() == position + 3


def test_batch_receipts_follow_statement_order_across_subjects(world: World) -> None:
    """Interleaved acts on two licenses get increasing positions in statement order."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    one, two = world.license_id(dept, type_code, 1), world.license_id(dept, type_code, 2)
    items = [
        world.issue(dept, type_code, 1),
        world.issue(dept, type_code, 2),
        world.act(dept, acts.SuspendLicense, one, 1),
        world.act(dept, acts.AmendLicense, two, 1),
        world.act(dept, acts.ReinstateLicense, one, 2),
    ]
    result = world.ledger.submit_many(items)
    positions = [r.position for r in result.receipts]
    assert positions == sorted(positions)
    assert positions == list(range(positions[0], positions[0] + len(items)))
    assert [(r.subject, r.version) for r in result.receipts] == [
        (one, 1),
        (two, 1),
        (one, 2),
        (two, 2),
        (one, 3),
    ]
    notifications = list(world.ledger.notifications(positions[0]))
    assert [n.originator_version for n in notifications] == [1, 1, 2, 2, 3]


def test_partial_batch_act_on_a_refused_issue_is_refused_too(world: World) -> None:
    """A statement that depends on a refused one in the same batch finds no subject."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    identifier = world.license_id(dept, type_code, 1)
    items = [
        world.issue(dept, type_code, 1, data={"colour": "red"}),
        world.act(dept, acts.SuspendLicense, identifier, 1),
    ]
    result = world.ledger.submit_many(items, partial=True)
    assert result.receipts == []
    assert [(i, e.code) for i, e in result.refusals] == [
        (0, "statement.fields.invalid"),
        (1, "subject.not_found"),
    ]


def test_seal_suspended_earlier_in_a_batch_signs_nothing_later_in_it(world: World) -> None:
    """Checks see the batch's own earlier acts: a suspension takes effect at once."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    items = [world.seal_act(acts.SuspendSeal, dept.seal, 2), world.issue(dept, type_code, 1)]
    result = world.ledger.submit_many(items, partial=True)
    assert [r.index for r in result.receipts] == [0]
    assert [(i, e.code) for i, e in result.refusals] == [(1, "seal.suspended")]


def test_seal_made_filed_and_used_in_one_batch(world: World) -> None:
    """A batch may make and file a seal and then sign with it, in that order only."""
    key = generate_key(ED25519)
    uscc = make_uscc(1)
    seal = Signatory(origin=ORIGIN, seal="NEW", signer=key)
    define = seal.sign(acts.DefineType, subject=uscc + "001", expected_version=0, name="T")
    made = world.make_seal(uscc, "NEW", key)
    early = world.ledger.submit_many(
        [made, define, world.file_seal("NEW", key, made=made)], partial=True
    )
    assert [(i, e.code) for i, e in early.refusals] == [(1, "seal.not_filed")]
    world.submit(define)


def test_batch_of_one_aggregates_changes_applies_them_in_order(world: World) -> None:
    """Suspend, reinstate, amend, renew of one license in one batch: versions 2..5."""
    dept, _, identifier = world.licensed()
    second = str(parse_license_id(identifier).next_version())
    items = [
        world.act(dept, acts.SuspendLicense, identifier, 1),
        world.act(dept, acts.ReinstateLicense, identifier, 2),
        world.act(dept, acts.AmendLicense, identifier, 3),
        world.act(dept, acts.RenewLicense, second, 4),
    ]
    result = world.ledger.submit_many(items)
    assert [r.version for r in result.receipts] == [2, 3, 4, 5]
    lic = world.ledger.get_license(identifier)
    assert lic.license_id.version == 3
    assert lic.lineage == (identifier, second)


def test_parallel_signature_checks_report_the_right_index() -> None:
    """With signatures verified on worker threads, a bad one is still refused at its own index."""
    world = World.new()
    world.ledger.close()
    world.ledger = Ledger("memory:", verify_threads=2)
    key = world.platform_key
    world.ledger.establish(origin=ORIGIN, name="p", signer=key)
    dept = world.department(1)
    type_code = world.define_type(dept)
    items = [world.issue(dept, type_code, n) for n in range(40)]
    items[17] = msgspec.structs.replace(items[17], signature=items[18].signature)
    items[33] = restate(items[33], generate_key(ED25519))
    result = world.ledger.submit_many(items, partial=True)
    assert [(i, e.code) for i, e in result.refusals] == [
        (17, "statement.signature.invalid"),
        (33, "statement.signature.invalid"),
    ]
    assert len(result.receipts) == 38
    world.ledger.close()


def test_submit_raises_the_single_refusal_not_a_batch_error(world: World) -> None:
    """submit() of one statement raises its RefusedError (with the subject), not a batch error."""
    dept = world.department(1)
    type_code = world.define_type(dept)
    signed = world.issue(dept, type_code, 1, data={})
    error = refused(world, signed, InvalidStatementError, "statement.fields.invalid")
    assert error.subject == decode_statement(signed.statement).subject


def test_empty_batch_records_nothing(world: World) -> None:
    """An empty batch is a no-op."""
    before = store(world)
    assert world.ledger.submit_many([]).receipts == []
    assert store(world) == before


def test_license_identifier_key_is_shared_by_all_versions() -> None:
    """Sanity for the conflict tests: versions of one identifier share the aggregate key."""
    lid = LicenseId.build(
        type_code=make_uscc(1) + "001", issuer_code=make_uscc(1), serial="2026000001"
    )
    assert lid.key == lid.next_version().key
