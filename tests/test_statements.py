"""Signed statements, event records and exported documents: their wire form, and garbage."""

from __future__ import annotations

import contextlib
import functools
import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense import acts
from elicense import acts as reuse_acts
from elicense.acts import PLATFORM_PREFIX, Signed, Statement, decode_signed, decode_statement, kinds
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.documents import decode_document
from elicense.errors import EncodingError, NonCanonicalError
from elicense.lifecycle import RevocationReason
from elicense.record import GENESIS_HASH, EventRecord, decode_record, record_hash
from elicense.signatory import Signatory
from elicense.wire import signing_input
from support import ORIGIN, World, edited, make_uscc

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
KEY = generate_key(ED25519)
DEPT = Signatory(origin=ORIGIN, seal="S1", signer=KEY)
LICENSE = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
TYPE = make_uscc(1) + "001"

COMMON = {"signed_at": AT}
EXAMPLES: dict[str, tuple[type[Statement], dict[str, object]]] = {
    "ledger.establish": (
        acts.EstablishLedger,
        {"subject": ORIGIN, "name": "平台", "platform_key": KEY.public_key.spki},
    ),
    "seal.make": (
        acts.MakeSeal,
        {
            "subject": "S1",
            "department": make_uscc(1),
            "department_name": "市监局",
            "name": "行政审批专用章",
            "seal_kind": acts.SealKind.OFFICIAL,
            "public_key": KEY.public_key.spki,
            "valid_from": AT,
            "valid_until": AT + timedelta(days=365),
        },
    ),
    "seal.file": (acts.FileSeal, {"subject": "S1", "key_id": KEY.public_key.key_id}),
    "seal.suspend": (acts.SuspendSeal, {"subject": "S1", "reason": "丢失"}),
    "seal.reinstate": (acts.ReinstateSeal, {"subject": "S1", "reason": "找回"}),
    "seal.revoke": (
        acts.RevokeSeal,
        {"subject": "S1", "reason": "泄露", "compromised_since": AT - timedelta(days=1)},
    ),
    "type.define": (
        acts.DefineType,
        {
            "subject": TYPE,
            "name": "营业执照",
            "schema": (acts.FieldSpec(name="capital", label="注册资本"),),
            "validity": acts.Validity(years=5),
            "issuers": (make_uscc(1),),
        },
    ),
    "type.revise": (acts.ReviseType, {"subject": TYPE, "name": "营业执照（新）"}),
    "type.retire": (acts.RetireType, {"subject": TYPE, "reason": "废止"}),
    "license.issue": (
        acts.IssueLicense,
        {
            "subject": LICENSE,
            "template_version": 1,
            "template_digest": bytes(32),
            "license_number": "N1",
            "holder": acts.Holder(name="某公司", code="91110000600037341L", code_kind="uscc"),
            "issued_on": date(2026, 1, 1),
            "valid_from": date(2026, 1, 1),
            "valid_until": date(2031, 1, 1),
            "data": {"capital": "100", "a": "1"},
        },
    ),
    "license.amend": (
        acts.AmendLicense,
        {
            "subject": LICENSE,
            "template_version": 1,
            "template_digest": bytes(32),
            "changes": {"capital": "200"},
            "reason": "增资",
        },
    ),
    "license.renew": (
        acts.RenewLicense,
        {"subject": LICENSE, "valid_until": date(2036, 1, 1), "reason": "延续"},
    ),
    "license.suspend": (acts.SuspendLicense, {"subject": LICENSE, "reason": "整改"}),
    "license.reinstate": (acts.ReinstateLicense, {"subject": LICENSE, "reason": "发还"}),
    "license.revoke": (
        acts.RevokeLicense,
        {"subject": LICENSE, "reason_code": RevocationReason.CANCELLED, "reason": "注销"},
    ),
    "license.expire": (acts.ExpireLicense, {"subject": LICENSE}),
    # cross-department reuse (elicense.acts.reuse)
    "type.share": (
        reuse_acts.ShareType,
        {
            "subject": TYPE,
            "user": make_uscc(2),
            "service_items": ("WJ-SX-001A",),
            "fields": ("holder.name", "data.capital"),
        },
    ),
    "type.unshare": (
        reuse_acts.UnshareType,
        {"subject": TYPE, "user": make_uscc(2), "reason": "调整清单"},
    ),
    "consent.grant": (
        reuse_acts.GrantConsent,
        {
            "subject": "CN0001",
            "holder": "91110000600037341L",
            "holder_code_kind": "uscc",
            "user": make_uscc(2),
            "service_item": "WJ-SX-001A",
            "purpose": "办理公共场所卫生许可",
            "license_type": TYPE,
            "valid_until": AT + timedelta(days=30),
            "authentication": reuse_acts.AuthMethod.E_ID,
            "authentication_ref": "EID-1",
        },
    ),
    "consent.withdraw": (
        reuse_acts.WithdrawConsent,
        {
            "subject": "CN0001",
            "reason": "撤回",
            "authentication": "face",
            "authentication_ref": "F",
        },
    ),
    "use.request": (
        reuse_acts.RequestUse,
        {
            "subject": make_uscc(2) + "/BJ0001",
            "service_item": "WJ-SX-001A",
            "purpose": "办理公共场所卫生许可",
            "consent": "CN0001",
            "license": LICENSE,
        },
    ),
}


def example(kind: str, **changes: object) -> Statement:
    """A statement of ``kind`` with plausible fields."""
    cls, fields = EXAMPLES[kind]
    seal = "S1" if kind != "ledger.establish" else PLATFORM_PREFIX + KEY.public_key.key_id
    return cls(
        origin=ORIGIN,
        expected_version=0 if kind in ("ledger.establish", "seal.make", "type.define") else 1,
        seal=seal,
        alg=ED25519,
        **{**COMMON, **fields, **changes},  # type: ignore[arg-type]
    )


def test_every_registered_kind_has_an_example() -> None:
    """The examples cover exactly the core's and reuse's statement kinds."""
    families = {"ledger", "seal", "type", "license", "consent", "use"}
    assert set(EXAMPLES) <= set(kinds())
    assert {k for k in kinds() if k.split(".")[0] in families} == set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_statement_round_trips_through_canonical_bytes(kind: str) -> None:
    """Each kind decodes from its canonical bytes to an equal statement of the same class."""
    act = example(kind)
    decoded = decode_statement(act.encode())
    assert decoded == act
    assert type(decoded) is type(act)
    assert decoded.kind == kind


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_statement_bytes_start_with_kind_then_common_fields(kind: str) -> None:
    """The tag comes first, then origin, subject, expected_version, seal, alg, signed_at."""
    data = example(kind).encode()
    assert data.startswith(b'{"kind":"' + kind.encode() + b'","origin":"' + ORIGIN.encode())
    keys = list(msgspec.json.decode(data))
    assert keys[:7] == [
        "kind",
        "origin",
        "subject",
        "expected_version",
        "seal",
        "alg",
        "signed_at",
    ]


def test_signing_input_is_tag_kind_nul_bytes() -> None:
    """Signing input = b'elicense/v2/' + kind + b'\\x00' + canonical bytes."""
    act = example("license.suspend")
    assert act.signing_input() == b"elicense/v2/license.suspend\x00" + act.encode()
    assert signing_input("x", b"{}") == b"elicense/v2/x\x00{}"


def test_signature_covers_the_signing_input_not_the_bare_bytes() -> None:
    """The signature verifies over the signing input only."""
    act = example("license.suspend")
    signed = act.sign(KEY)
    assert KEY.public_key.verify(signed.signature, act.signing_input())
    assert not KEY.public_key.verify(signed.signature, act.encode())


def test_signature_of_one_kind_does_not_verify_as_another() -> None:
    """The kind in the signing input separates domains even for identical bytes."""
    act = example("license.suspend")
    signed = act.sign(KEY)
    assert not KEY.public_key.verify(
        signed.signature, signing_input("license.revoke", act.encode())
    )


def test_signed_round_trips_and_omits_an_empty_annex() -> None:
    """A Signed encodes statement and signature as base64 and leaves out an empty annex."""
    signed = example("license.suspend").sign(KEY)
    data = msgspec.json.encode(signed)
    assert b"annex" not in data
    assert decode_signed(data) == signed
    assert decode_statement(signed.statement) == example("license.suspend")


def test_signed_keeps_a_non_empty_annex() -> None:
    """An annex survives the round trip."""
    signed = example("seal.file").signed_with_annex(KEY, b"SES")
    assert decode_signed(msgspec.json.encode(signed)).annex == b"SES"


def test_signed_with_empty_annex_spelled_out_is_non_canonical() -> None:
    """'"annex":""' is a second spelling of no annex: refused."""
    data = msgspec.json.encode(example("license.suspend").sign(KEY))
    with pytest.raises(NonCanonicalError):
        decode_signed(data[:-1] + b',"annex":""}')


def test_signatory_fills_origin_seal_alg_and_time() -> None:
    """A Signatory's statement names its origin, seal and the key's algorithm."""
    act = DEPT.statement(
        acts.SuspendLicense, subject=LICENSE, expected_version=3, reason="x", signed_at=AT
    )
    assert (act.origin, act.seal, act.alg, act.signed_at) == (ORIGIN, "S1", ED25519, AT)


def test_platform_signatory_names_platform_key_id() -> None:
    """The platform signs as 'platform:<key id>'."""
    platform = Signatory.platform(origin=ORIGIN, signer=KEY)
    assert platform.seal == "platform:" + KEY.public_key.key_id
    act = platform.statement(acts.FileSeal, subject="S1", expected_version=1, key_id="k")
    assert act.by_platform
    assert not example("license.suspend").by_platform


# -- refused encodings -----------------------------------------------------------------------------

SUSPEND = example("license.suspend").encode()


def _variants() -> list[tuple[str, bytes]]:
    return [
        ("space", SUSPEND.replace(b'","', b'", "', 1)),
        ("newline", SUSPEND + b"\n"),
        (
            "reordered keys",
            SUSPEND.replace(b'{"kind":"license.suspend",', b"{").replace(
                b'"reason"', b'"kind":"license.suspend","reason"'
            ),
        ),
        ("+00:00", SUSPEND.replace(b"08:30:00Z", b"08:30:00+00:00")),
        ("escaped", SUSPEND.replace(b"S1", b"\\u00531")),
        ("duplicate key", SUSPEND.replace(b'"seal":"S1"', b'"seal":"S1","seal":"S1"')),
        ("until spelled null", SUSPEND[:-1] + b',"until":null}'),
    ]


@pytest.mark.parametrize("data", [pytest.param(d, id=n) for n, d in _variants()])
def test_non_canonical_statement_is_refused(data: bytes) -> None:
    """A statement in any spelling but the canonical one raises NonCanonicalError."""
    assert data != SUSPEND
    with pytest.raises(NonCanonicalError):
        decode_statement(data)


def _malformed() -> list[tuple[str, bytes]]:
    return [
        ("naive time", SUSPEND.replace(b"08:30:00Z", b"08:30:00")),
        ("+08:00", SUSPEND.replace(b"08:30:00Z", b"16:30:00+08:00")),
        ("unknown field", SUSPEND[:-1] + b',"note":"x"}'),
        ("unknown kind", SUSPEND.replace(b"license.suspend", b"license.explode")),
        ("no kind", SUSPEND.replace(b'"kind":"license.suspend",', b"")),
        ("missing field", SUSPEND.replace(b',"reason":"\xe6\x95\xb4\xe6\x94\xb9"', b"")),
        ("negative version", SUSPEND.replace(b'"expected_version":1', b'"expected_version":-1')),
        ("empty subject", SUSPEND.replace(LICENSE.encode(), b"")),
        ("empty seal", SUSPEND.replace(b'"seal":"S1"', b'"seal":""')),
        ("wrong type", SUSPEND.replace(b'"expected_version":1', b'"expected_version":"1"')),
        ("bool version", SUSPEND.replace(b'"expected_version":1', b'"expected_version":true')),
        ("float version", SUSPEND.replace(b'"expected_version":1', b'"expected_version":1.0')),
        ("truncated", SUSPEND[:-1]),
        ("empty", b""),
        ("array", b"[]"),
        ("null", b"null"),
    ]


@pytest.mark.parametrize("data", [pytest.param(d, id=n) for n, d in _malformed()])
def test_malformed_statement_raises_encoding_error(data: bytes) -> None:
    """A statement that does not decode raises EncodingError naming 'statement'."""
    with pytest.raises(EncodingError, match="statement"):
        decode_statement(data)


def test_seal_make_signed_by_another_seal_does_not_decode() -> None:
    """seal.make must be signed by the new seal itself (seal == subject), even on decode."""
    act = example("seal.make")
    data = act.encode().replace(b'"seal":"S1"', b'"seal":"S2"')
    with pytest.raises(EncodingError, match="seal must equal subject"):
        decode_statement(data)


def test_seal_validity_ending_before_it_starts_does_not_decode() -> None:
    """A seal whose valid_until precedes valid_from is malformed."""
    data = example("seal.make").encode()
    until = b'"valid_until":"2027-03-01T08:30:00Z"'
    assert until in data
    with pytest.raises(EncodingError, match="validity"):
        decode_statement(data.replace(until, b'"valid_until":"2026-02-28T08:30:00Z"'))


def test_license_validity_ending_before_it_starts_does_not_decode() -> None:
    """A license whose valid_until precedes valid_from is malformed."""
    with pytest.raises(ValueError, match="license validity"):
        example("license.issue", valid_until=date(2025, 1, 1))


def test_duplicate_schema_field_names_are_malformed() -> None:
    """A type schema naming one field twice is refused."""
    spec = acts.FieldSpec(name="a", label="A")
    with pytest.raises(ValueError, match="unique"):
        example("type.define", schema=(spec, spec))


def test_negative_validity_is_malformed() -> None:
    """A validity rule with a negative part is refused."""
    with pytest.raises(ValueError, match="≥ 0"):
        acts.Validity(days=-1)


# -- records ---------------------------------------------------------------------------------------

RECORD = EventRecord(
    aggregate_id=UUID(int=7),
    version=2,
    topic="elicense.domain.license:License.Suspended",
    recorded_at=AT,
    prev_hash=b"\x01" * 32,
    statement=SUSPEND,
    signature=b"sig",
)


def test_record_round_trips_and_hashes_its_bytes() -> None:
    """A record decodes from its bytes; its hash is SHA-256 of exactly those bytes."""
    data = RECORD.encode()
    assert decode_record(data) == RECORD
    assert record_hash(data) == hashlib.sha256(data).digest()
    assert b"annex" not in data


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            b'"aggregate_id":"00000000-0000-0000-0000-000000000007"',
            b'"aggregate_id":"' + b"0" * 31 + b'7"',
        ),
        (b"08:30:00Z", b"08:30:00+00:00"),
        (b'"version":2', b'"version":2.0'),
    ],
    ids=["uuid without dashes", "+00:00", "float version"],
)
def test_non_canonical_record_is_refused(old: bytes, new: bytes) -> None:
    """Another spelling of the same record is refused."""
    data = RECORD.encode()
    assert old in data
    with pytest.raises(EncodingError):
        decode_record(data.replace(old, new))


@pytest.mark.parametrize(
    "changes",
    [{"version": 0}, {"prev_hash": b"\x00" * 31}],
    ids=["version 0", "short prev_hash"],
)
def test_impossible_record_is_refused(changes: dict[str, object]) -> None:
    """A record with version < 1 or a prev_hash that is not 32 bytes does not decode."""
    data = msgspec.json.encode({**msgspec.to_builtins(RECORD), **msgspec.to_builtins(changes)})
    with pytest.raises(EncodingError, match="event record"):
        decode_record(data)


def test_genesis_hash_is_32_zero_bytes() -> None:
    """The first event of an aggregate chains to 32 zero bytes."""
    assert bytes(32) == GENESIS_HASH


# -- Hypothesis: garbage in, EncodingError out -----------------------------------------------------


@functools.cache
def _samples() -> dict[str, bytes]:
    """Real bytes of each format, from a small ledger."""
    world = World.new()
    dept, _, identifier = world.licensed()
    world.submit(world.act(dept, acts.SuspendLicense, identifier, 1))
    lic = world.ledger.get_license(identifier)
    record = world.ledger.history(lic.id)[-1].record
    return {
        "statement": decode_record(record).statement,
        "record": record,
        "signed": msgspec.json.encode(
            Signed(
                statement=decode_record(record).statement, signature=decode_record(record).signature
            )
        ),
        "document": world.document(identifier),
        "bundle": world.bundle(),
    }


DECODERS = {
    "statement": decode_statement,
    "record": decode_record,
    "signed": decode_signed,
    "document": decode_document,
}


def _only_encoding_errors(decoder: object, data: bytes) -> None:
    with contextlib.suppress(EncodingError):
        decoder(data)  # type: ignore[operator]


@pytest.mark.parametrize("what", sorted(DECODERS))
@settings(max_examples=150)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_encoding_errors(what: str, data: bytes) -> None:
    """Random bytes never escape a decoder as anything but EncodingError."""
    _only_encoding_errors(DECODERS[what], data)


def mutated(source: str) -> st.SearchStrategy[bytes]:
    """Real bytes of ``source`` with a few random edits."""
    return edited(_samples()[source])


@pytest.mark.parametrize(
    ("what", "source"),
    [
        ("statement", "statement"),
        ("record", "record"),
        ("signed", "signed"),
        ("document", "document"),
        ("document", "bundle"),
    ],
)
@settings(max_examples=150)
@given(st.data())
def test_mutated_valid_bytes_raise_only_encoding_errors(
    what: str, source: str, data: st.DataObject
) -> None:
    """Valid bytes with a few edits either still decode or raise EncodingError, nothing else."""
    _only_encoding_errors(DECODERS[what], data.draw(mutated(source)))


@pytest.mark.parametrize("what", sorted(DECODERS))
def test_deeply_nested_json_raises_encoding_error(what: str) -> None:
    """A very deep nest of arrays is an EncodingError, not a RecursionError."""
    _only_encoding_errors(DECODERS[what], b"[" * 100_000 + b"]" * 100_000)
    _only_encoding_errors(DECODERS[what], b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
