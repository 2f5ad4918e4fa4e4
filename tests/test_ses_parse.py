"""Parsing: versions by structure, the encoding traps, and garbage in → EncodingError only."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import core, parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elicense.crypto import ses
from elicense.crypto.gm import sm3
from elicense.crypto.ses.verify import CHECK_CODES, FINDING_CODES
from elicense.crypto.x509 import signature_oid
from elicense.errors import EncodingError
from ses_support import (
    CONTENT,
    der_children,
    der_seq,
    make_pki,
    make_seal,
    make_signature,
    with_timestamp,
)
from sm2_support import T0, require_sm2

require_sm2()

from elicense.crypto.sm2 import decode_signature  # noqa: E402 - needs the backend

PKI = make_pki()
SEAL = make_seal(PKI)
SIG = make_signature(PKI, SEAL)
TRUST = ses.TrustAnchors([PKI.platform_cert])
MID = T0 + timedelta(days=30)


def _seal_from_info(info: bytes, *, raw_signature: bool = False) -> bytes:
    """An SESeal over the given SES_SealInfo bytes, signed by the platform."""
    sig = PKI.platform_key.sign(info)
    if raw_signature:
        rs = decode_signature(sig)
        assert rs is not None
        sig = rs[0].to_bytes(32, "big") + rs[1].to_bytes(32, "big")
    return der_seq(
        info,
        core.OctetString(PKI.platform_cert).dump(),
        core.ObjectIdentifier(signature_oid(PKI.platform_key.alg)).dump(),
        core.OctetBitString(sig).dump(),
    )


# An ExtData written with an explicit critical FALSE (BER, not DER): 01 01 00.
EXT_FALSE = der_seq(
    core.ObjectIdentifier("1.2.3.4").dump(), b"\x01\x01\x00", core.OctetString(b"v").dump()
)


def test_versions_by_structure() -> None:
    """detect() tells seal from signature and v4 from v5 by their elements."""
    assert ses.detect(SEAL.der) == ("seal", 4)
    assert ses.detect(SIG.der) == ("signature", 4)
    assert ses.detect(with_timestamp(SEAL.der, b"t")) == ("seal", 5)


def test_parse_returns_frozen_values() -> None:
    """Parsed values are immutable."""
    seal = ses.parse(SEAL.der)
    assert isinstance(seal, ses.Seal)
    with pytest.raises(AttributeError):
        seal.version = 5  # type: ignore[misc]


def test_explicit_critical_false_verifies_over_received_bytes() -> None:
    """A seal whose extension writes critical FALSE explicitly verifies: nothing is re-encoded."""
    info = der_seq(*der_children(SEAL.signed_bytes), der_seq(EXT_FALSE))
    der = _seal_from_info(info)
    seal = ses.parse_seal(der)
    assert seal.info.extensions == (ses.Extension(oid="1.2.3.4", critical=False, value=b"v"),)
    assert seal.signed_bytes == info
    assert ses.verify(der, trust=TRUST, at=MID).ok


def test_explicit_critical_false_tamper_twin() -> None:
    """The same seal with the BOOLEAN flipped to TRUE fails its signature."""
    info = der_seq(*der_children(SEAL.signed_bytes), der_seq(EXT_FALSE))
    der = bytearray(_seal_from_info(info))
    der[der.index(b"\x01\x01\x00") + 2] = 0xFF
    verdict = ses.verify(bytes(der), trust=TRUST, at=MID)
    assert "ses.seal.signature.invalid" in verdict.codes


def test_tagged_extdatas_in_sealinfo() -> None:
    """extDatas written EXPLICIT [0] in SES_SealInfo parses and verifies."""
    info = der_seq(*der_children(SEAL.signed_bytes), parser.emit(2, 1, 0, der_seq(EXT_FALSE)))
    der = _seal_from_info(info)
    assert ses.parse_seal(der).info.extensions[0].oid == "1.2.3.4"
    assert ses.verify(der, trust=TRUST, at=MID).ok


def test_raw_r_s_seal_signature() -> None:
    """A seal whose signedValue is a raw 64-byte r‖s verifies like the DER form."""
    der = _seal_from_info(SEAL.signed_bytes, raw_signature=True)
    assert len(ses.parse_seal(der).signed_value) == 64
    assert ses.verify(der, trust=TRUST, at=MID).ok


def test_untagged_extdatas_in_tbs_sign() -> None:
    """A TBS_Sign whose extDatas is untagged parses and its signature verifies."""
    tbs = der_seq(*der_children(SIG.signed_bytes), der_seq(EXT_FALSE))
    sig = PKI.seal_key.sign(tbs)
    rest = der_children(SIG.der)[1:3]
    der = der_seq(tbs, *rest, core.OctetBitString(sig).dump())
    parsed = ses.parse_signature(der)
    assert parsed.extensions[0].oid == "1.2.3.4"
    assert ses.verify(der, trust=TRUST, content=CONTENT).ok


def test_cert_digest_list() -> None:
    """certListType 2 (SM3 digests) lists the signer by digest; another signer is not listed."""
    seal = (
        ses.SealBuilder()
        .es_id("digests")
        .name("n")
        .certificate_digests([PKI.seal_cert])
        .validity(T0, T0 + timedelta(days=900))
        .created(T0)
        .picture(b"<svg/>", type="SVG", width_mm=30, height_mm=30)
        .sign(PKI.platform_key, PKI.platform_cert)
    )
    assert seal.info.cert_list_type == 2
    assert seal.info.cert_digests[0].value == sm3(PKI.seal_cert)
    sig = make_signature(PKI, seal)
    assert "ses.signature.cert_in_seal" in ses.verify(sig.der, trust=TRUST).checked
    other = make_pki()
    foreign = (
        ses.SealBuilder()
        .es_id("d2")
        .name("n")
        .certificate_digests([other.seal_cert])
        .validity(T0, T0 + timedelta(days=900))
        .created(T0)
        .picture(b"<svg/>", type="SVG", width_mm=30, height_mm=30)
        .sign(PKI.platform_key, PKI.platform_cert)
    )
    with pytest.raises(ValueError, match="certList"):
        make_signature(PKI, foreign)


def test_unknown_cert_list_type_is_malformed() -> None:
    """certListType 3 is refused as malformed."""
    info = bytearray(SEAL.signed_bytes)
    prop = der_children(bytes(info))[2]
    kids = der_children(prop)
    new_prop = der_seq(kids[0], kids[1], core.Integer(3).dump(), *kids[3:])
    new_info = der_seq(
        *[new_prop if i == 2 else k for i, k in enumerate(der_children(bytes(info)))]
    )
    with pytest.raises(EncodingError, match="certListType 3"):
        ses.parse_seal(_seal_from_info(new_info))


def test_oversized_input_refused() -> None:
    """Inputs beyond MAX_SIZE are refused before parsing."""
    from elicense.crypto.ses.parse import MAX_SIZE

    with pytest.raises(EncodingError, match="larger"):
        ses.parse(b"\x30" + bytes(MAX_SIZE))


def _mutations(base: bytes) -> st.SearchStrategy[bytes]:
    pos = st.integers(0, len(base) - 1)
    flipped = st.tuples(pos, st.integers(1, 255)).map(
        lambda t: base[: t[0]] + bytes([base[t[0]] ^ t[1]]) + base[t[0] + 1 :]
    )
    cut = pos.map(lambda n: base[:n])
    inserted = st.tuples(pos, st.binary(min_size=1, max_size=8)).map(
        lambda t: base[: t[0]] + t[1] + base[t[0] :]
    )
    deleted = st.tuples(pos, st.integers(1, 16)).map(lambda t: base[: t[0]] + base[t[0] + t[1] :])
    return st.one_of(flipped, cut, inserted, deleted)


ANY_INPUT = st.one_of(
    st.binary(max_size=200),
    _mutations(SEAL.der),
    _mutations(SIG.der),
    _mutations(PKI.platform_cert),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_INPUT)
def test_parsers_raise_only_encoding_error(data: bytes) -> None:
    """Any bytes give a parsed value or EncodingError, from every parser."""
    for fn in (ses.detect, ses.parse, ses.parse_seal, ses.parse_signature):
        with contextlib.suppress(EncodingError):
            fn(data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_INPUT)
def test_verifier_answers_every_input(data: bytes) -> None:
    """Any bytes give a Verdict; every refusal is a coded ses.* finding, never an internal error."""
    verdict = ses.verify(data, trust=TRUST, content=CONTENT)
    assert "ses.internal_error" not in verdict.codes
    assert set(verdict.codes) <= FINDING_CODES
    assert set(verdict.checked) <= CHECK_CODES
    if not verdict.ok:
        failures = [f for f in verdict.findings if f.severity in ("error", "indeterminate")]
        assert failures
        assert all(f.code.startswith("ses.") for f in failures)
    if verdict.ok:  # only the untouched artifacts verify
        assert data in (SIG.der, SEAL.der)


@pytest.fixture(scope="module")
def real_signature(testdata: Path) -> bytes:
    """The ofdrw signature (SignedValueV4.dat)."""
    return (testdata / "ses" / "SignedValueV4.dat").read_bytes()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_signature(real_signature: bytes, data: st.DataObject) -> None:
    """Mutations of the ofdrw signature never raise and never verify, even with both
    embedded certificates trusted."""
    parsed = ses.parse_signature(real_signature)
    trust = [parsed.signer_cert, parsed.seal.maker_cert]
    mutated = data.draw(_mutations(real_signature))
    verdict = ses.verify(mutated, trust=trust)
    assert "ses.internal_error" not in verdict.codes
    assert verdict.ok == (mutated == real_signature)
