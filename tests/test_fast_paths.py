"""The Rust-decoder and C-builder fast paths answer exactly what the careful paths answer.

Seals and signatures (v4, strict DER) are read by :mod:`elicense.crypto.ses.gbt38540_der`,
certificates' key info and names by :mod:`elicense.crypto._der`, declaration-free XML by
ElementTree's C builder; anything else falls back. Each test runs both ways on the same
bytes, tampered ones included, and compares the values or the errors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509 as cx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elicense.crypto import ses, x509
from elicense.crypto.x509names import names_equal
from elicense.errors import EncodingError, OfdFormatError
from elicense.ofd import safexml
from ses_support import CONTENT, T0, make_pki, make_seal, seal_builder
from sm2_support import require_sm2

require_sm2()

parse_mod = importlib.import_module("elicense.crypto.ses.parse")

PKI = make_pki()
SEAL = make_seal(PKI)
SEAL_EXT = (
    seal_builder(PKI)
    .extension("1.2.3.4", b"v", critical=True)
    .sign(PKI.platform_key, PKI.platform_cert)
)
SEAL_DIGESTS = (
    ses.SealBuilder()
    .es_id("X1")
    .name("某某局公章")
    .certificate_digests([PKI.seal_cert])
    .validity(T0, T0 + timedelta(days=365))
    .created(T0)
    .picture(b"<svg/>", type="SVG", width_mm=42, height_mm=30)
    .sign(PKI.platform_key, PKI.platform_cert)
)
SIGNATURES = [
    ses.SignatureBuilder()
    .seal(seal)
    .content(CONTENT, property_info="x/y.ofd")
    .signing_time(T0 + timedelta(days=1))
    .extension("1.2.9", b"q")
    .sign(PKI.seal_key, PKI.seal_cert)
    for seal in (SEAL, SEAL_EXT, SEAL_DIGESTS)
]
ARTIFACTS = [SEAL.der, SEAL_EXT.der, SEAL_DIGESTS.der, *(s.der for s in SIGNATURES)]


def _outcome(fn: Callable[[bytes], Any], data: bytes) -> tuple[str, Any]:
    parse_mod._parse_embedded_seal.cache_clear()
    try:
        return "ok", fn(data)
    except (EncodingError, OfdFormatError) as e:
        return "error", str(e)


def _both(data: bytes) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _outcome(ses.parse, data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(parse_mod, "fast_seal", lambda *_: None)
        m.setattr(parse_mod, "fast_signature", lambda *_: None)
        careful = _outcome(ses.parse, data)
    return fast, careful


@pytest.mark.parametrize("data", ARTIFACTS)
def test_fast_parse_is_the_careful_parse(data: bytes) -> None:
    """Seals (certificates or digests, extensions) and signatures parse to equal values."""
    fast, careful = _both(data)
    assert fast[0] == "ok"
    assert fast == careful


def test_fast_path_is_taken() -> None:
    """The fast path reads these artifacts itself (else the test above proves nothing)."""
    from elicense.crypto.ses.gbt38540_der import fast_seal, fast_signature

    kids = parse_mod._children(SIGNATURES[0].der)
    for seal in (SEAL, SEAL_EXT, SEAL_DIGESTS):
        fast = fast_seal(seal.der)
        assert fast is not None
        assert fast.signed_bytes == parse_mod._children(seal.der)[0]  # sliced as received
    for sig in SIGNATURES:
        fast_sig = fast_signature(sig.der, parse_mod._parse_embedded_seal)
        assert fast_sig is not None
        assert fast_sig.signed_bytes == parse_mod._children(sig.der)[0]
    assert kids[0] == SIGNATURES[0].signed_bytes


def _mutations(base: bytes) -> st.SearchStrategy[bytes]:
    pos = st.integers(0, len(base) - 1)
    flipped = st.tuples(pos, st.integers(1, 255)).map(
        lambda t: base[: t[0]] + bytes([base[t[0]] ^ t[1]]) + base[t[0] + 1 :]
    )
    deleted = st.tuples(pos, st.integers(1, 4)).map(lambda t: base[: t[0]] + base[t[0] + t[1] :])
    return st.one_of(flipped, deleted)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(*(_mutations(a) for a in ARTIFACTS)))
def test_tampered_bytes_parse_alike(data: bytes) -> None:
    """A flipped or deleted byte anywhere gives the same value or the same error both ways."""
    fast, careful = _both(data)
    assert fast == careful


def _cert(subject: cx.Name) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    issuer = cx.Name([cx.NameAttribute(NameOID.COMMON_NAME, "  Root  CA ")])
    cert = (
        cx.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2026, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


RDN = cx.RelativeDistinguishedName
ATTR = cx.NameAttribute
NAMES = [
    cx.Name([RDN([ATTR(NameOID.COMMON_NAME, "b"), ATTR(NameOID.ORGANIZATION_NAME, "a")])]),
    cx.Name([RDN([ATTR(NameOID.COMMON_NAME, "x", _ASN1Type.PrintableString)])]),
    cx.Name([RDN([ATTR(NameOID.EMAIL_ADDRESS, "a@b", _ASN1Type.IA5String)])]),
    cx.Name([RDN([ATTR(NameOID.COMMON_NAME, "测试", _ASN1Type.BMPString)])]),  # falls back
]


@pytest.mark.parametrize("name", NAMES, ids=["multi-valued", "printable", "ia5", "bmp"])
def test_certificate_names_read_alike(name: cx.Name) -> None:
    """Names read by the declarative decoder equal cryptography's reading of them."""
    der = _cert(name)
    x509._strict.cache_clear()
    x509._cert_names.cache_clear()
    subject, issuer = x509._cert_names(der)
    parsed = cx.load_der_x509_certificate(der)
    assert subject == x509._strict_name(parsed.subject)
    assert issuer == x509._strict_name(parsed.issuer)
    assert names_equal(issuer, subject) is False


def test_certificate_key_info_as_received() -> None:
    """The SubjectPublicKeyInfo read by the Rust decoder is the bytes in the certificate."""
    der = PKI.seal_cert
    assert x509.certificate_spki(der) in der
    assert x509.certificate_public_key(der, PKI.seal_key.alg).spki == x509.certificate_spki(der)


def _careful_xml(data: bytes, **limits: int) -> tuple[str, Any]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(safexml, "_FAST_MAX", -1)
        return _xml(data, **limits)


def _xml(data: bytes, **limits: int) -> tuple[str, Any]:
    import xml.etree.ElementTree as ET

    try:
        return "ok", ET.tostring(safexml.parse_xml(data, "x.xml", **limits))
    except OfdFormatError as e:
        return e.code, str(e)


@pytest.mark.parametrize(
    ("data", "limits"),
    [
        (b"<a xmlns='urn:x' xmlns:p='urn:p' p:k='1'><p:b>t</p:b>tail</a>", {}),
        (b"<a>&undeclared;</a>", {}),
        (b"<a><b></a>", {}),
        (b"<a>" * 65 + b"</a>" * 65, {}),
        (b"<a><b/><b/><b/></a>", {"max_elements": 3}),
        (b"<a><b><c/></b></a>", {"max_depth": 2}),
        (b"<?xml version='1.0' encoding='latin-1'?><a>\xe9</a>", {}),
        ("<a>é</a>".encode("utf-16"), {}),
        (b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", {}),
    ],
)
def test_xml_read_alike(data: bytes, limits: dict[str, int]) -> None:
    """The C builder's tree, or refusal, is the careful parser's."""
    assert _xml(data, **limits) == _careful_xml(data, **limits)


_VERDICT_OF = """
import sys
if sys.argv[2] == "without":  # as if this cryptography's decoder refused our declarations
    sys.modules["elicense.crypto._der"] = None
    sys.modules["elicense.crypto.ses.gbt38540_der"] = None
from elicense.crypto.ses import parse_seal
from elicense.ofd import OfdVerifier
import elicense.crypto.x509 as x509
data = open(sys.argv[1], "rb").read()
import json
verdict = json.loads(OfdVerifier([]).verify(data).to_json())
verdict.pop("judged_at")
print(json.dumps(verdict, sort_keys=True))
print(x509.read_certificate.__module__)
"""


@pytest.mark.parametrize("name", ["allprotected.ofd", "zsbk.ofd"])
def test_without_the_declarative_decoder_everything_reads_the_same(
    name: str, testdata: Path
) -> None:
    """Should a cryptography release drop ``cryptography.hazmat.asn1`` (not yet under its
    stability policy), elicense still imports and every verdict is the same: the fast
    readers answer None and the careful paths read. Twin: with the decoder, the fast
    readers are the ones in use."""
    import subprocess
    import sys

    path = testdata / "ofd" / name
    runs = {
        mode: subprocess.run(
            [sys.executable, "-c", _VERDICT_OF, str(path), mode],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
        for mode in ("with", "without")
    }  # fmt: skip
    assert runs["with"][0] == runs["without"][0]
    assert runs["with"][1] == "elicense.crypto._der"
    assert runs["without"][1] == "elicense.crypto.x509"


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=200), max_size=4))
def test_sm3_backends_agree(parts: list[bytes]) -> None:
    """SM3 through GmSSL (bytes, the sm2 extra) is SM3 through cryptography, parts joined
    or not; bytearrays take cryptography's path. GB/T 32905's example A.1 pins both."""
    from elicense.crypto import gm

    assert gm._gmssl_sm3 is not None  # else only one backend is tested here
    with pytest.MonkeyPatch.context() as m:
        m.setattr(gm, "_gmssl_sm3", None)
        careful = gm.sm3(*parts)
        abc = gm.sm3(b"a", b"bc")
    assert gm.sm3(*parts) == careful == gm.sm3(b"".join(parts))
    assert gm.sm3(*map(bytearray, parts)) == careful
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert abc.hex() == gm.sm3(b"abc").hex() == expected


@settings(max_examples=300)
@given(st.binary(min_size=65, max_size=65), st.booleans())
def test_sm2_spki_read_alike(point: bytes, by_asn1crypto: bool) -> None:
    """An SM2 key info matched by its DER prefix reads as the decoder and asn1crypto read it:
    the same point, or the same refusal (a point not uncompressed)."""
    from elicense.crypto import sm2
    from elicense.errors import KeyFormatError

    spki = sm2.spki_for_point(point)

    def read() -> bytes | str:
        try:
            return sm2._point_from_spki(spki)
        except KeyFormatError as e:
            return str(e)

    fast = read()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sm2, "_SPKI_LEN", -1)
        if by_asn1crypto:
            m.setattr(sm2, "read_spki", lambda _: None)
        careful = read()
    assert fast == careful
    assert fast == point if point[0] == 4 else isinstance(fast, str)
