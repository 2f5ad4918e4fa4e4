"""The verify-me payload: COSE_Sign1 bytes, URL text, QR fit, and the verdict over them.

COSE structures the tests forge are built here with cbor2 and cryptography
directly, from RFC 9052, not with the module under test: the tests double as
a second implementation of the format.
"""

from __future__ import annotations

import base64
import io
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import cbor2
import png
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3, PrivateKey
from elicense.errors import PayloadError, UnsupportedAlgorithmError
from elicense.payload import (
    COSE_ALG,
    COSE_ALG_SM2_SM3,
    PayloadClaims,
    PlatformKeys,
    cose_kid,
    make_payload,
    open_payload,
    payload_text,
    read_payload_text,
    record_hash_prefix,
    short_lived,
    verify_payload,
)
from elicense.verdict import Outcome, Verdict
from sm2_support import IN_CI, flip
from support import scan_qr

ORIGIN = "elicense:zwfw.example.gov.cn"
HOST = "zwfw.example.gov.cn"
T = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LISTED = T - timedelta(hours=2)  # when the status list in use was issued
LICENSE_ID = "1.2.156.3005.2.11100000000013338W001.11100000000013338W.2026000001.001.K"
ALGS = [ECDSA_P256, ED25519, SM2_SM3]
_B32 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=500)


def _claims(**changes: Any) -> PayloadClaims:
    fields: dict[str, Any] = {
        "iss": ORIGIN,
        "iat": int(T.timestamp()) - 86_400,
        "exp": int(datetime(2031, 8, 31, 16, tzinfo=UTC).timestamp()),
        "slot": 153_217,
        "eh": record_hash_prefix(b"the stored record that created this identifier version"),
        "lt": "91110000600037341L001",
        "iu": "91110000600037341L",
    }
    return PayloadClaims(**(fields | changes))


@cache
def _key(alg: str, n: int = 0) -> PrivateKey:
    if alg == SM2_SM3:
        try:
            import gmssl_pyx  # noqa: F401
        except ImportError:
            if IN_CI:
                pytest.fail("SM2 backend not installed (CI=true: this test must run, not skip)")
            pytest.skip("SM2 backend not installed (pip install 'elicense[sm2]')")
    return generate_key(alg)  # n only tells cached keys apart


def _status(status: str = "valid", issued: datetime = LISTED) -> Callable[[int], Any]:
    return lambda slot: (status, issued) if slot == 153_217 else None


def _verify(text: Any, alg: str = ECDSA_P256, **kw: Any) -> Verdict:
    args: dict[str, Any] = {
        "platform_keys": [_key(alg).public_key],
        "origin": ORIGIN,
        "status_of": _status(),
        "at": T,
    } | kw
    return verify_payload(text, **args)


def _sign1(
    claims: object, key: PrivateKey, *, alg: int | None = None, kid: bytes | None = None
) -> bytes:
    """A COSE_Sign1 over any claims map, built from RFC 9052 by hand."""
    protected = cbor2.dumps({1: COSE_ALG[key.alg] if alg is None else alg})
    body = cbor2.dumps(claims)
    sig = key.sign(cbor2.dumps(["Signature1", protected, b"", body]))
    if key.alg != ED25519:
        r, s = decode_dss_signature(sig)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    kid = cose_kid(key.public_key.spki) if kid is None else kid
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {4: kid}, body, sig]))


def _code(cose: bytes, alg: str = ECDSA_P256) -> str:
    with pytest.raises(PayloadError) as e:
        open_payload(cose, [_key(alg).public_key])
    return e.value.code


# -- round trip and size ----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALGS)
def test_round_trip(alg: str) -> None:
    """A payload made with each platform suite opens to the same claims, alg and kid."""
    key = _key(alg)
    cose = make_payload(_claims(), key)
    opened = open_payload(read_payload_text(payload_text(cose, HOST)), [key.public_key])
    assert opened.claims == _claims()
    assert (opened.alg, opened.kid) == (alg, cose_kid(key.public_key.spki))
    assert opened.signer == f"platform:{key.public_key.key_id}"


@pytest.mark.parametrize("alg", ALGS)
def test_round_trip_tampered_signature(alg: str) -> None:
    """Tamper twin of the round trip: the last signature byte changed is refused."""
    cose = make_payload(_claims(), _key(alg))
    assert _code(flip(cose, len(cose) - 1), alg) == "payload.signature.invalid"


def test_protected_header_and_sm2_alg_value() -> None:
    """The protected header is exactly {1: alg}; SM2 uses the fixed private-use value."""
    assert COSE_ALG == {ECDSA_P256: -7, ED25519: -8, SM2_SM3: -65537}
    assert COSE_ALG_SM2_SM3 < -65536
    for alg in ALGS:
        tag = cbor2.loads(make_payload(_claims(), _key(alg)))
        assert tag.tag == 18
        assert cbor2.loads(tag.value[0]) == {1: COSE_ALG[alg]}
        assert dict(tag.value[1]) == {4: cose_kid(_key(alg).public_key.spki)}
        assert len(tag.value[3]) == 64


@pytest.mark.parametrize("alg", ALGS)
def test_static_form_fits_budget_and_qr_version_13(alg: str) -> None:
    """The static form is ≤ 250 bytes, its text QR version ≤ 13 at level M, alphanumeric."""
    cose = make_payload(_claims(), _key(alg))
    text = payload_text(cose, HOST)
    assert len(cose) <= 250
    qr = segno.make(text, error="m", boost_error=False)
    assert qr.version <= 13
    assert qr.mode == "alphanumeric"


def test_opt_in_identifier_grows_past_budget() -> None:
    """Tamper twin of the budget: the opt-in identifier costs bytes (the budget can fail)."""
    cose = make_payload(_claims(sub=LICENSE_ID), _key(ECDSA_P256))
    assert len(cose) > 250


def _decode_qr_png(data: bytes) -> str:
    width, height, rows, info = png.Reader(bytes=data).asDirect()
    planes = info["planes"]
    scale = 255 // ((1 << info["bitdepth"]) - 1)
    grey = bytearray()
    for row in rows:
        grey += bytes(v * scale for v in row[::planes])
    return scan_qr(memoryview(bytes(grey)).cast("B", (height, width)))


@pytest.mark.parametrize("alg", ALGS)
def test_rendered_qr_decodes_to_the_same_claims(alg: str) -> None:
    """A rendered PNG of the QR, read back by zxing-cpp, opens to the same claims."""
    key = _key(alg)
    text = payload_text(make_payload(_claims(), key), HOST)
    out = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(out, kind="png", scale=4, border=4)
    scanned = _decode_qr_png(out.getvalue())
    assert scanned == text
    assert open_payload(read_payload_text(scanned), [key.public_key]).claims == _claims()


def test_rendered_qr_of_another_payload_differs() -> None:
    """Tamper twin of the scan: a QR of other claims does not read back as ours."""
    key = _key(ECDSA_P256)
    out = io.BytesIO()
    other = payload_text(make_payload(_claims(slot=7), key), HOST)
    segno.make(other, error="m", boost_error=False).save(out, kind="png", scale=4)
    scanned = _decode_qr_png(out.getvalue())
    assert open_payload(read_payload_text(scanned), [key.public_key]).claims != _claims()


# -- tamper twins on the COSE bytes -----------------------------------------------------------


@pytest.mark.parametrize("alg", [ECDSA_P256, ED25519])
@given(data=st.data())
def test_any_flipped_bit_is_refused(alg: str, data: st.DataObject) -> None:
    """A bit flipped anywhere in the COSE bytes gives a PayloadError, never a pass."""
    cose = make_payload(_claims(), _key(alg))
    i = data.draw(st.integers(0, len(cose) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    with pytest.raises(PayloadError):
        open_payload(flip(cose, i, bit), [_key(alg).public_key])


def test_every_byte_of_an_sm2_payload_is_covered() -> None:
    """With SM2, a flip of each byte in turn is refused (exhaustive, one bit per byte)."""
    cose = make_payload(_claims(), _key(SM2_SM3))
    keys = PlatformKeys([_key(SM2_SM3).public_key])
    for i in range(len(cose)):
        with pytest.raises(PayloadError):
            open_payload(flip(cose, i, i % 8), keys)


def test_another_platform_key_is_unknown() -> None:
    """The same claims signed by a key the verifier does not hold: payload.key.unknown."""
    other = _key(ECDSA_P256, 1)
    assert _code(make_payload(_claims(), other)) == "payload.key.unknown"
    verdict = _verify(payload_text(make_payload(_claims(), other), HOST))
    assert verdict.outcome is Outcome.INDETERMINATE
    assert verdict.codes == ["payload.key.unknown"]


def test_another_key_under_our_kid_is_forged() -> None:
    """Another key's signature under the trusted key's kid: payload.signature.invalid."""
    kid = cose_kid(_key(ECDSA_P256).public_key.spki)
    forged = _sign1(_claims().to_cbor_map(), _key(ECDSA_P256, 1), kid=kid)
    assert _code(forged) == "payload.signature.invalid"
    verdict = _verify(payload_text(forged, HOST))
    assert verdict.outcome is Outcome.INVALID
    assert verdict.signatures[0].outcome is Outcome.INVALID
    assert verdict.signatures[0].signer == f"platform:{_key(ECDSA_P256).public_key.key_id}"


def test_hand_built_cose_opens() -> None:
    """Control for the forgeries: the test's own COSE_Sign1 builder makes an openable payload."""
    cose = _sign1(_claims().to_cbor_map(), _key(ECDSA_P256))
    assert open_payload(cose, [_key(ECDSA_P256).public_key]).claims == _claims()


def test_swapped_alg_is_refused() -> None:
    """A P-256 payload whose protected header is swapped to EdDSA does not verify."""
    tag = cbor2.loads(make_payload(_claims(), _key(ECDSA_P256)))
    parts = list(tag.value)
    parts[0] = cbor2.dumps({1: -8})
    swapped = cbor2.dumps(cbor2.CBORTag(18, parts))
    assert _code(swapped) == "payload.signature.invalid"


def test_unknown_alg_is_refused() -> None:
    """A payload signed under an algorithm value elicense does not know: payload.alg.unknown."""
    assert _code(_sign1(_claims().to_cbor_map(), _key(ECDSA_P256), alg=-35)) == (
        "payload.alg.unknown"
    )


def test_extra_header_parameter_is_refused() -> None:
    """A protected header with more than the alg is refused as malformed."""
    tag = cbor2.loads(make_payload(_claims(), _key(ECDSA_P256)))
    parts = list(tag.value)
    parts[0] = cbor2.dumps({1: -7, 3: "text/plain"})
    assert _code(cbor2.dumps(cbor2.CBORTag(18, parts))) == "payload.malformed"


def test_non_deterministic_encoding_is_refused() -> None:
    """The same four items with a longer length header are refused, signature intact."""
    cose = make_payload(_claims(), _key(ECDSA_P256))
    head = len(cose) - 66  # the signature: bstr with a 1-byte length 64, then 64 bytes
    assert cose[head : head + 2] == b"\x58\x40"
    padded = cose[:head] + b"\x59\x00\x40" + cose[head + 2 :]
    assert cbor2.loads(padded) == cbor2.loads(cose)
    assert _code(padded) == "payload.malformed"


def test_untagged_cose_is_refused() -> None:
    """The same array without tag 18 is refused."""
    cose = make_payload(_claims(), _key(ECDSA_P256))
    assert _code(cbor2.dumps(list(cbor2.loads(cose).value))) == "payload.malformed"


# -- claims -------------------------------------------------------------------------------------


def test_holder_field_in_signed_claims_is_refused() -> None:
    """Claims signed by the platform key but carrying a holder name are refused."""
    key = _key(ECDSA_P256)
    for extra in ({-65600: "张三"}, {"name": "张三"}, {8: "110101199003077777"}):
        cose = _sign1(_claims().to_cbor_map() | extra, key)
        with pytest.raises(PayloadError) as e:
            open_payload(cose, [key.public_key])
        assert e.value.code == "payload.claims.invalid"
        assert "张三" not in str(e.value)  # the refusal never echoes personal data
    verdict = _verify(payload_text(cose, HOST))
    assert verdict.codes == ["payload.claims.invalid"]
    assert verdict.signatures[0].outcome is Outcome.VALID  # the signature held, the claims not


@pytest.mark.parametrize("claims", [{}, {-65600: "x" * 300}], ids=["1-byte", "302-byte"])
def test_short_and_long_bodies_reach_the_claims_check(claims: dict[int, str]) -> None:
    """Bodies with 0- and 2-byte length headers pass the structure and signature checks."""
    assert _code(_sign1(claims, _key(ECDSA_P256))) == "payload.claims.invalid"


def test_claims_struct_cannot_carry_a_holder_field() -> None:
    """PayloadClaims has no place for a holder field, and its text claims refuse names."""
    with pytest.raises(TypeError):
        PayloadClaims(**(msgspec_fields(_claims()) | {"holder_name": "张三"}))
    for field, value in (("lt", "营业执照"), ("iu", "张三"), ("sub", "张三")):
        with pytest.raises(PayloadError) as e:
            _claims(**{field: value})
        assert e.value.code == "payload.claims.invalid"


def msgspec_fields(claims: PayloadClaims) -> dict[str, Any]:
    """The Struct's fields as keyword arguments."""
    return {f: getattr(claims, f) for f in claims.__struct_fields__}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slot", -1),
        ("slot", True),
        ("eh", b"\x00" * 15),
        ("iat", "1"),
        ("exp", 0),
        ("cti", b"\x01" * 8),
    ],
)
def test_claims_off_schema_are_refused(field: str, value: object) -> None:
    """Each claim is checked for type and range."""
    with pytest.raises(PayloadError):
        _claims(**{field: value})


def test_claims_map_round_trip_and_missing_claim() -> None:
    """The CBOR map reads back to equal claims; a map missing a claim is refused."""
    m = _claims(sub=LICENSE_ID, cti=b"\x07" * 16).to_cbor_map()
    assert PayloadClaims.from_cbor_map(m) == _claims(sub=LICENSE_ID, cti=b"\x07" * 16)
    assert 2 not in _claims().to_cbor_map()  # the identifier is absent by default
    del m[-65537]
    with pytest.raises(PayloadError, match="slot"):
        PayloadClaims.from_cbor_map(m)


def test_claim_keys_must_be_integers() -> None:
    """A key that only compares equal to a claim key (true, 1.0) is not that claim."""
    for alias in (True, 1.0):
        m: dict[Any, Any] = _claims().to_cbor_map()
        m[alias] = m.pop(1)
        with pytest.raises(PayloadError, match="unknown claim keys"):
            PayloadClaims.from_cbor_map(m)
        cose = _sign1(m, _key(ECDSA_P256))
        assert cbor2.loads(cbor2.loads(cose).value[2]) == m
        assert _code(cose) == "payload.claims.invalid"


def test_signed_duplicate_claim_is_refused() -> None:
    """A signed claims map with a key twice is refused, not read as its last value."""
    key = _key(ECDSA_P256)
    good = cbor2.loads(_sign1(_claims().to_cbor_map(), key))
    body = bytes(good.value[2])
    dup = bytes([body[0] + 1]) + body[1:] + cbor2.dumps(-65537) + cbor2.dumps(1)
    protected = bytes(good.value[0])
    sig = key.sign(cbor2.dumps(["Signature1", protected, b"", dup]))
    r, s = decode_dss_signature(sig)
    parts = [protected, {4: cose_kid(key.public_key.spki)}, dup]
    cose = cbor2.dumps(cbor2.CBORTag(18, [*parts, r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
    assert _code(cose) == "payload.claims.invalid"


# -- text form --------------------------------------------------------------------------------


def test_text_form_is_upper_case_url() -> None:
    """The text is HTTPS://HOST/V/BASE32 in upper case, no padding."""
    cose = make_payload(_claims(), _key(ED25519))
    text = payload_text(cose, HOST)
    assert text.startswith("HTTPS://ZWFW.EXAMPLE.GOV.CN/V/")
    assert text == text.upper()
    assert "=" not in text
    assert read_payload_text(text) == cose


def test_text_reading_tolerates_case_of_scheme_and_host_and_whitespace() -> None:
    """Scheme and host in any case, with surrounding whitespace, read the same bytes."""
    cose = make_payload(_claims(), _key(ED25519))
    b32 = payload_text(cose, HOST).rsplit("/", 1)[1]
    assert read_payload_text(f" \n https://Zwfw.Example.gov.cn:8443/V/{b32}\r\n") == cose


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("/V/", "/v/"),
        lambda t: t[:-4] + t[-4:].lower(),
        lambda t: t + "====",
        lambda t: t.replace("HTTPS", "HTTP"),
        lambda t: t.replace("HTTPS://", "HTTPS://USER@"),
        lambda t: t + "?X=1",
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.replace("/V/", "/V/ "),
    ],
)
def test_mangled_text_is_refused(mangle: Callable[[str], str]) -> None:
    """Anything but the exact form (path, base32 case, padding, query, length) is refused."""
    text = payload_text(make_payload(_claims(), _key(ED25519)), HOST)
    with pytest.raises(PayloadError):
        open_payload(read_payload_text(mangle(text)), [_key(ED25519).public_key])


def test_non_canonical_base32_is_refused() -> None:
    """Base32 whose spare bits are not zero is refused even though it decodes."""
    cose = make_payload(_claims(), _key(ED25519))
    text = payload_text(cose, HOST)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = text[-1]
    spare = alphabet[alphabet.index(last) | 1]  # 212 bytes: the last character has spare bits
    assert spare != last
    assert base64.b32decode(text.rsplit("/", 1)[1][:-1] + spare + "====") == cose
    with pytest.raises(PayloadError, match="canonical"):
        read_payload_text(text[:-1] + spare)


@given(data=st.binary(min_size=1, max_size=300))
def test_text_round_trips_any_bytes(data: bytes) -> None:
    """Any non-empty bytes survive the text form unchanged (the base32 reader is exact)."""
    assert read_payload_text(payload_text(data, HOST)) == data


@given(b32=_B32)
def test_base32_reader_agrees_with_the_standard_library(b32: str) -> None:
    """Every base32 body reads as base64.b32decode does; empty or non-canonical is refused."""
    text = f"HTTPS://{HOST}/V/{b32}"
    try:
        expected = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    except ValueError:  # binascii.Error: a length no bytes have
        expected = None
    if expected and base64.b32encode(expected).rstrip(b"=").decode() == b32:
        assert read_payload_text(text) == expected
    else:
        with pytest.raises(PayloadError):
            read_payload_text(text)


def test_bad_host_is_refused_when_writing() -> None:
    """payload_text refuses a host that is not a host name."""
    with pytest.raises(ValueError, match="host"):
        payload_text(b"\x00", "zwfw.example.gov.cn/evil")


# -- garbage ----------------------------------------------------------------------------------

_CBOR = st.recursive(
    st.none() | st.booleans() | st.integers() | st.binary(max_size=80) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-70_000, 10) | st.text(max_size=3), inner, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([18, 17, 98]), inner)
    ),
    max_leaves=12,
)


@given(text=st.text() | st.builds(lambda s: f"HTTPS://{HOST}/V/{s}", _B32))
def test_garbage_text_gives_a_coded_verdict(text: str) -> None:
    """Any text gives a typed error when read and a coded verdict when verified."""
    code = "payload.read"
    try:
        read_payload_text(text)
    except PayloadError as e:
        code = e.code
    assert code.startswith("payload.")
    verdict = _verify(text)
    assert not verdict.ok
    assert verdict.codes
    assert all(c.startswith("payload.") for c in verdict.codes)


@given(data=st.binary(max_size=400) | st.builds(cbor2.dumps, _CBOR))
def test_garbage_bytes_give_a_typed_error(data: bytes) -> None:
    """Any bytes, random or CBOR-shaped, give a PayloadError from open_payload."""
    with pytest.raises(PayloadError) as e:
        open_payload(data, [_key(ECDSA_P256).public_key])
    assert e.value.code.startswith("payload.")


@given(obj=st.none() | st.integers() | st.binary(max_size=20))
def test_non_text_input_gives_a_coded_verdict(obj: object) -> None:
    """Input that is not text at all gives payload.malformed, never an exception."""
    assert _verify(obj).codes == ["payload.malformed"]


def test_payload_error_keeps_its_code_across_pickling() -> None:
    """Errors cross process pools with their code and signer."""
    e = pickle.loads(pickle.dumps(PayloadError("x", code="payload.key.unknown", signer="p")))
    assert (e.code, e.signer) == ("payload.key.unknown", "p")


# -- verdict ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALGS)
def test_verdict_of_a_valid_payload(alg: str) -> None:
    """A valid payload gives status, type, issuer, validity and the status list's age."""
    verdict = _verify(payload_text(make_payload(_claims(), _key(alg)), HOST), alg)
    assert verdict.ok, verdict.findings
    assert verdict.status == "valid"
    assert (verdict.judged_at, verdict.time_source) == (T, "caller")
    ev = verdict.evidence
    assert (ev["license_type"], ev["issuer"], ev["origin"]) == (
        "91110000600037341L001",
        "91110000600037341L",
        ORIGIN,
    )
    assert ev["valid_until"] == datetime(2031, 8, 31, 16, tzinfo=UTC)
    assert ev["status_list_age_seconds"] == 7200
    assert ev["status_slot"] == 153_217
    (sig,) = verdict.signatures
    assert (sig.kind, sig.outcome) == ("cose", Outcome.VALID)
    assert sig.signer == f"platform:{_key(alg).public_key.key_id}"
    assert verdict.subject is None
    assert b"\\u5f20" not in verdict.to_json()


def test_wrong_origin_is_refused() -> None:
    """A payload of another ledger is invalid: payload.origin.mismatch."""
    text = payload_text(make_payload(_claims(iss="elicense:other.example"), _key(ED25519)), HOST)
    verdict = _verify(text, ED25519)
    assert verdict.outcome is Outcome.INVALID
    assert verdict.codes == ["payload.origin.mismatch"]


def test_expired_static_payload_is_refused() -> None:
    """Past the license's validity end the payload is invalid: payload.expired."""
    text = payload_text(make_payload(_claims(), _key(ED25519)), HOST)
    end = datetime(2031, 8, 31, 16, tzinfo=UTC)
    listed = _status("valid", end - timedelta(hours=1))
    assert _verify(text, ED25519, at=end, status_of=listed).codes == ["payload.expired"]
    assert _verify(text, ED25519, at=end - timedelta(seconds=1), status_of=listed).ok


def test_short_lived_form_expires_after_its_minutes() -> None:
    """The 亮证 form carries a fresh 16-byte nonce and verifies only for its minutes."""
    claims = short_lived(_claims(), at=T, minutes=5)
    again = short_lived(_claims(), at=T, minutes=5)
    assert claims.cti is not None
    assert len(claims.cti) == 16
    assert claims.cti != again.cti
    assert (claims.iat, claims.exp) == (int(T.timestamp()), int(T.timestamp()) + 300)
    cose = make_payload(claims, _key(ECDSA_P256))
    assert len(cose) <= 250
    text = payload_text(cose, HOST)
    fresh = _verify(text, at=T + timedelta(minutes=4, seconds=59))
    assert fresh.ok
    assert fresh.evidence["form"] == "short-lived"
    assert _verify(text, at=T + timedelta(minutes=5)).codes == ["payload.expired"]


def test_short_lived_never_outlasts_the_license() -> None:
    """A license ending in two minutes gives a short-lived payload ending with it."""
    end = int(T.timestamp()) + 120
    assert short_lived(_claims(exp=end), at=T, minutes=5).exp == end


def test_opt_in_identifier_is_the_subject() -> None:
    """With the opt-in identifier the verdict names it as its subject."""
    text = payload_text(make_payload(_claims(sub=LICENSE_ID), _key(ED25519)), HOST)
    assert _verify(text, ED25519).subject == LICENSE_ID


@pytest.mark.parametrize(
    ("status", "outcome", "codes"),
    [
        ("suspended", Outcome.INVALID, ["license.suspended"]),
        ("invalid", Outcome.INVALID, ["payload.status.invalid"]),
        ("withdrawn", Outcome.INDETERMINATE, ["payload.status.unknown"]),
    ],
)
def test_status_from_the_list(status: str, outcome: Outcome, codes: list[str]) -> None:
    """The status list's answer decides the verdict: 暂扣 reads suspended offline."""
    text = payload_text(make_payload(_claims(), _key(ED25519)), HOST)
    verdict = _verify(text, ED25519, status_of=_status(status))
    assert (verdict.outcome, verdict.codes) == (outcome, codes)


def test_unknown_slot_is_indeterminate() -> None:
    """A slot the status list does not hold gives indeterminate, not valid."""
    text = payload_text(make_payload(_claims(slot=9), _key(ED25519)), HOST)
    verdict = _verify(text, ED25519)
    assert verdict.outcome is Outcome.INDETERMINATE
    assert verdict.codes == ["payload.status.unknown"]
    assert verdict.status is None


def test_stale_status_list_is_indeterminate() -> None:
    """A valid status from a list older than the accepted age is indeterminate."""
    text = payload_text(make_payload(_claims(), _key(ED25519)), HOST)
    old = _status("valid", T - timedelta(days=2))
    verdict = _verify(text, ED25519, status_of=old)
    assert verdict.codes == ["payload.status.stale"]
    assert verdict.evidence["status_list_age_seconds"] == 2 * 86_400
    # an invalid status stays invalid however old the list
    assert _verify(text, ED25519, status_of=_status("invalid", T - timedelta(days=9))).codes == [
        "payload.status.invalid"
    ]


def test_payload_from_the_future_is_indeterminate() -> None:
    """A payload made after the time judged at (beyond clock skew) is not valid."""
    text = payload_text(make_payload(_claims(), _key(ED25519)), HOST)
    verdict = _verify(text, ED25519, at=T - timedelta(days=2))
    assert verdict.codes == ["payload.issued.future"]


def test_clock_is_the_time_source_without_at() -> None:
    """Without at= the verdict says it was judged by the verifier's clock."""
    now = int(datetime.now(UTC).timestamp())
    claims = _claims(iat=now - 60, exp=now + 86_400)
    text = payload_text(make_payload(claims, _key(ED25519)), HOST)
    verdict = _verify(text, ED25519, at=None, status_of=_status("valid", datetime.now(UTC)))
    assert verdict.time_source == "clock"
    assert verdict.ok


def test_platform_keys_pick_the_key_by_kid() -> None:
    """With several platform keys the kid picks the signer; each key verifies its own."""
    keys = PlatformKeys([_key(a).public_key for a in (ECDSA_P256, ED25519)])
    assert len(keys) == 2
    for alg in (ECDSA_P256, ED25519):
        cose = make_payload(_claims(), _key(alg))
        assert open_payload(cose, keys).alg == alg
    with pytest.raises(PayloadError) as e:
        open_payload(make_payload(_claims(), _key(ED25519, 1)), keys)
    assert e.value.code == "payload.key.unknown"


def test_signer_of_another_suite_is_refused() -> None:
    """A signer whose algorithm has no COSE value here cannot make a payload."""

    class Rsa:
        alg = "rsa-pss"
        public_key = _key(ED25519).public_key

        def sign(self, data: bytes) -> bytes:
            raise AssertionError("must not be asked to sign")

    with pytest.raises(UnsupportedAlgorithmError, match="rsa-pss"):
        make_payload(_claims(), Rsa())


@pytest.mark.parametrize("minutes", [0, 61])
def test_short_lived_minutes_are_bounded(minutes: int) -> None:
    """The short-lived form lasts 1 to 60 minutes; anything else is refused."""
    with pytest.raises(ValueError, match="minutes"):
        short_lived(_claims(), at=T, minutes=minutes)
