"""Verification of seals and signatures we make: each pass has a tamper twin."""

from __future__ import annotations

import importlib
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from elicense.crypto import ses, suites
from elicense.crypto.keys import generate_key
from elicense.crypto.x509 import verify_issued_by
from elicense.crypto.x509issue import issue_certificate
from ses_support import (
    CONTENT,
    make_pki,
    make_seal,
    make_signature,
    make_token,
    replace_child,
    seal_builder,
    with_timestamp,
)
from sm2_support import T0, T1, flip, require_sm2

require_sm2()

verify_module = importlib.import_module("elicense.crypto.ses.verify")

PKI = make_pki()
SEAL = make_seal(PKI)
SIG = make_signature(PKI, SEAL)
TRUST = ses.TrustAnchors([PKI.platform_cert])
MID = T0 + timedelta(days=30)


def test_seal_valid_when_maker_trusted() -> None:
    """A seal made by the platform verifies with the platform certificate as anchor."""
    verdict = ses.verify(SEAL.der, trust=TRUST, at=MID)
    assert verdict.ok, verdict.findings
    assert verdict.checked == (
        "ses.format",
        "ses.seal.signature",
        "ses.seal.cert",
        "ses.seal.validity",
    )


def test_seal_tampered_name_fails_signature() -> None:
    """Changing one byte of the seal's name fails the maker signature."""
    pos = SEAL.der.index("某某局".encode())
    verdict = ses.verify(flip(SEAL.der, pos + 1), trust=TRUST, at=MID)
    assert "ses.seal.signature.invalid" in verdict.codes
    assert "ses.seal.signature" not in verdict.checked


def test_seal_default_time_is_now() -> None:
    """A bare seal is judged now by default; the evidence says so."""
    verdict = ses.verify(SEAL.der, trust=TRUST)
    assert verdict.evidence["time_source"] == "now"


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (T0 - timedelta(days=1), "ses.seal.not_yet_valid"),
        (T1 + timedelta(days=1), "ses.seal.expired"),
    ],
)
def test_seal_outside_window(at: datetime, code: str) -> None:
    """Outside validStart..validEnd the seal gets its own code; its signature still passes."""
    verdict = ses.verify(SEAL.der, trust=TRUST, at=at)
    assert code in verdict.codes
    assert "ses.seal.signature" in verdict.checked


def test_signature_valid_with_content() -> None:
    """A signature over CONTENT verifies, dataHash included."""
    verdict = ses.verify(SIG.der, trust=TRUST, content=CONTENT)
    assert verdict.ok, verdict.findings
    assert "ses.data_hash" in verdict.checked


def test_signature_other_content_is_data_hash_mismatch() -> None:
    """Other content gives ses.data_hash.mismatch while both signatures still pass."""
    verdict = ses.verify(SIG.der, trust=TRUST, content=CONTENT + b"!")
    assert [f.code for f in verdict.findings if f.severity == "error"] == ["ses.data_hash.mismatch"]
    assert {"ses.signature", "ses.seal.signature"} <= set(verdict.checked)


def test_signature_without_content_is_indeterminate() -> None:
    """Without content the verdict is indeterminate (not valid), the one finding saying why,
    while both signatures still pass; with the content the same signature is valid."""
    verdict = ses.verify(SIG.der, trust=TRUST)
    assert not verdict.ok
    assert verdict.outcome.value == "indeterminate"
    assert [f.code for f in verdict.findings if f.severity != "info"] == [
        "ses.data_hash.not_checked"
    ]
    assert {"ses.signature", "ses.seal.signature"} <= set(verdict.checked)
    assert ses.verify(SIG.der, trust=TRUST, content=CONTENT).ok


def test_signature_tampered_time_fails() -> None:
    """A flipped digit in timeInfo (inside TBS_Sign) fails the signature."""
    pos = SIG.der.index(SIG.time_info_raw) + 3
    verdict = ses.verify(flip(SIG.der, pos), trust=TRUST, content=CONTENT)
    assert "ses.signature.invalid" in verdict.codes


def test_signature_with_swapped_seal_is_not_listed() -> None:
    """Another seal swapped into TBS_Sign: signer not in its certList, and a bad signature."""
    other = make_pki()
    other_seal = make_seal(other)
    tbs = ses.parse_signature(SIG.der).signed_bytes
    swapped_tbs = replace_child(tbs, 1, other_seal.der)
    swapped = replace_child(SIG.der, 0, swapped_tbs)
    verdict = ses.verify(swapped, trust=[PKI.platform_cert, other.platform_cert], content=CONTENT)
    assert {"ses.signature.cert_not_in_seal", "ses.signature.invalid"} <= set(verdict.codes)


def test_time_is_claimed_not_proven() -> None:
    """Judged at its own timeInfo, the evidence says the time was claimed, not proven."""
    verdict = ses.verify(SIG.der, trust=TRUST)
    assert verdict.evidence["time_source"] == "claimed"
    assert verdict.evidence["time_proven"] is False
    assert "ses.time.claimed" in verdict.codes


def test_untrusted_is_not_a_bad_signature() -> None:
    """Another platform's anchor: certificates untrusted (indeterminate), signatures pass."""
    verdict = ses.verify(SIG.der, trust=[make_pki().platform_cert])
    assert verdict.outcome == "indeterminate"
    assert {"ses.seal.cert.untrusted", "ses.signature.cert.untrusted"} <= set(verdict.codes)
    assert {"ses.signature", "ses.seal.signature"} <= set(verdict.checked)


def test_direct_trust_of_a_leaf() -> None:
    """Trusting the seal and platform certificates directly (not via an issuer) is enough."""
    verdict = ses.verify(SIG.der, trust=[PKI.seal_cert, PKI.platform_cert], content=CONTENT)
    assert verdict.ok, verdict.findings


def test_forged_issuer_signature() -> None:
    """A maker certificate naming the trusted platform as issuer, signed by another key, is an
    error of its own."""
    impostor = generate_key(suites.SM2_SM3)
    forged_cert = issue_certificate(
        subject="Fake maker",
        public_key=impostor.public_key,
        issuer_key=impostor,
        issuer_cert=PKI.platform_cert,  # names the platform (and its key id), signed by impostor
        not_before=T0,
        not_after=T1,
    )
    verdict = ses.verify_seal(seal_builder(PKI).sign(impostor, forged_cert), trust=TRUST, at=MID)
    assert "ses.seal.cert.issuer_signature.invalid" in verdict.codes
    assert "ses.seal.signature" in verdict.checked
    assert not verdict.ok


def test_expired_certificate_code() -> None:
    """A maker certificate expired at the judging time has its own code."""
    pk = generate_key(suites.SM2_SM3)
    short = issue_certificate(
        subject="P", public_key=pk.public_key, issuer_key=pk, not_before=T0, not_after=MID, ca=True
    )
    seal = seal_builder(PKI).sign(pk, short)
    verdict = ses.verify_seal(seal, trust=[short], at=MID + timedelta(days=1))
    assert "ses.seal.cert.expired" in verdict.codes
    assert "ses.seal.signature" in verdict.checked


def test_p256_platform_key() -> None:
    """A seal made with a P-256 platform key (ecdsa-with-SHA256) verifies too."""
    pki = make_pki(suites.ECDSA_P256, seal_alg=suites.SM2_SM3)
    seal = make_seal(pki)
    assert seal.alg_oid == "1.2.840.10045.4.3.2"
    verdict = ses.verify(make_signature(pki, seal).der, trust=[pki.platform_cert], content=CONTENT)
    assert verdict.ok, verdict.findings


def test_seal_verified_once_per_distinct_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk verification of signatures over one seal verifies the seal's signature once."""
    pki = make_pki()
    seal = make_seal(pki)
    sigs = [make_signature(pki, seal, at=MID + timedelta(minutes=i)) for i in range(5)]
    calls = 0
    real = type(pki.platform_key.public_key).verify

    def counting(self: object, signature: bytes, data: bytes) -> bool:
        nonlocal calls
        if data == seal.signed_bytes:
            calls += 1
        return real(self, signature, data)  # type: ignore[arg-type]

    monkeypatch.setattr(type(pki.platform_key.public_key), "verify", counting)
    verifier = ses.SesVerifier([pki.platform_cert])
    assert all(verifier.verify(s.der, content=CONTENT).ok for s in sigs)
    assert calls == 1


def test_missing_backend_is_alg_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the SM2 backend the verdict is indeterminate and names the extra to install."""
    monkeypatch.setitem(sys.modules, "gmssl_pyx", None)
    monkeypatch.delitem(sys.modules, "elicense.crypto.sm2")
    monkeypatch.delitem(suites._REGISTRY, suites.SM2_SM3)
    suites.public_key.cache_clear()
    monkeypatch.setattr(verify_module, "_SEALS", verify_module._SealSignatureCache(8))
    verify_issued_by.cache_clear()
    try:
        verdict = ses.verify(SIG.der, trust=TRUST)
    finally:  # nothing learnt without the backend may outlive this test
        suites.public_key.cache_clear()
        verify_issued_by.cache_clear()
    assert verdict.outcome == "indeterminate"
    finding = next(f for f in verdict.findings if f.code == "ses.alg.unsupported")
    assert "elicense[sm2]" in finding.message
    assert "ses.signature" not in verdict.checked
    assert "ses.signature.cert.issuer_signature.unsupported" in verdict.codes
    assert {f.subject for f in verdict.findings if f.code == "ses.alg.unsupported"} == {
        "seal",
        "signature",
    }


def test_valid_timestamp_proves_the_time() -> None:
    """A trusted TSA's token over the signature value verifies and becomes the judging time."""
    tsa_key = generate_key(suites.ECDSA_P256)
    tsa_cert = issue_certificate(
        subject="TSA",
        public_key=tsa_key.public_key,
        issuer_key=tsa_key,
        not_before=T0,
        not_after=T1,
    )
    token = make_token(tsa_key, tsa_cert, SIG.signature, MID)
    for explicit in (True, False):
        stamped = with_timestamp(SIG.der, token, explicit=explicit)
        verdict = ses.verify(stamped, trust=[PKI.platform_cert, tsa_cert], content=CONTENT)
        assert verdict.ok, verdict.findings
        assert "ses.signature.timestamp" in verdict.checked
        assert verdict.evidence["time_source"] == "timestamp"
        assert verdict.evidence["time_proven"] is True


def test_timestamp_over_other_bytes_is_a_mismatch() -> None:
    """A token over other bytes is reported as a mismatch, never ignored."""
    tsa_key = generate_key(suites.SM2_SM3)
    tsa_cert = issue_certificate(
        subject="TSA",
        public_key=tsa_key.public_key,
        issuer_key=tsa_key,
        not_before=T0,
        not_after=T1,
    )
    token = make_token(tsa_key, tsa_cert, b"other", MID)
    verdict = ses.verify(with_timestamp(SIG.der, token), trust=[PKI.platform_cert, tsa_cert])
    assert "ses.signature.timestamp.mismatch" in verdict.codes
    assert not verdict.ok


def test_untrusted_tsa_is_indeterminate() -> None:
    """A valid token from a TSA nobody trusts is indeterminate, and the claimed time is used."""
    tsa_key = generate_key(suites.SM2_SM3)
    tsa_cert = issue_certificate(
        subject="TSA",
        public_key=tsa_key.public_key,
        issuer_key=tsa_key,
        not_before=T0,
        not_after=T1,
    )
    token = make_token(tsa_key, tsa_cert, SIG.signature, MID)
    verdict = ses.verify(with_timestamp(SIG.der, token), trust=TRUST)
    assert "ses.signature.timestamp.untrusted" in verdict.codes
    assert verdict.evidence["time_source"] == "claimed"


@pytest.mark.parametrize("token", [b"", b"garbage", b"\x30\x03\x02\x01\x01"])
def test_unparsable_timestamp_is_a_finding(token: bytes) -> None:
    """A present timestamp that cannot be parsed is ses.signature.timestamp.malformed."""
    verdict = ses.verify(with_timestamp(SIG.der, token), trust=TRUST)
    assert "ses.signature.timestamp.malformed" in verdict.codes
    assert not verdict.ok


def test_v5_seal_timestamp_checked() -> None:
    """A v5 seal (5 elements) with a malformed timeStamp gets ses.seal.timestamp.malformed."""
    v5 = with_timestamp(SEAL.der, b"not a token")
    assert ses.detect(v5) == ("seal", 5)
    verdict = ses.verify(v5, trust=TRUST, at=MID)
    assert "ses.seal.timestamp.malformed" in verdict.codes
    assert "ses.header.version_mismatch" in verdict.codes  # header still says 4


def test_naive_time_is_a_caller_error() -> None:
    """A naive at= is a programming error, raised as ValueError."""
    with pytest.raises(ValueError, match="timezone"):
        ses.verify(SIG.der, trust=TRUST, at=datetime(2026, 1, 1))


def test_at_in_utc_and_other_zone_agree() -> None:
    """The same instant in another zone gives the same verdict."""
    from datetime import timezone

    shanghai = timezone(timedelta(hours=8))
    a = ses.verify(SIG.der, trust=TRUST, at=MID)
    b = ses.verify(SIG.der, trust=TRUST, at=MID.astimezone(shanghai))
    assert a.outcome == b.outcome
    assert a.checked == b.checked
    assert a.evidence["at"] == b.evidence["at"].replace("+08:00", "Z") or a.ok == b.ok
    assert UTC  # the module's UTC import is used by T0/T1


def test_docs_list_every_code() -> None:
    """docs/ses.md lists every finding code and every check code the verifier can emit."""
    doc = (Path(__file__).parents[1] / "docs" / "ses.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(ses\.[a-z_.]+)` \|", doc, flags=re.M))
    assert listed == verify_module.FINDING_CODES | verify_module.CHECK_CODES


def test_emitted_codes_are_documented() -> None:
    """Verdicts of many kinds use only documented codes."""
    verdicts = [
        ses.verify(SIG.der, trust=TRUST, content=CONTENT + b"x", at=T1 + timedelta(days=1)),
        ses.verify(SIG.der),
        ses.verify(with_timestamp(SIG.der, b"x"), trust=TRUST),
        ses.verify(with_timestamp(SEAL.der, b"x"), trust=TRUST),
        ses.verify(b"junk"),
    ]
    for verdict in verdicts:
        assert set(verdict.codes) <= verify_module.FINDING_CODES
        assert set(verdict.checked) <= verify_module.CHECK_CODES
