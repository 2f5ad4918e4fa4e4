"""Builders and certificates: immutability, refusals, and round trips with the openssl command."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import core, parser, pem

from elicense.crypto import ses, suites
from elicense.crypto.x509 import certificate_info, certificate_public_key, verify_issued_by
from ses_support import CONTENT, PNG, make_pki, make_seal, make_signature, seal_builder
from sm2_support import T0, T1, openssl_sign, openssl_verify, require_openssl, require_sm2

require_sm2()

PKI = make_pki()
SEAL = make_seal(PKI)
SIG = make_signature(PKI, SEAL)
MID = T0 + timedelta(days=30)


def test_setters_return_new_builders() -> None:
    """A setter leaves the builder it was called on unchanged."""
    empty = ses.SealBuilder()
    named = empty.name("甲")
    assert empty.name("乙") is not named  # the empty builder still accepts a name


def test_setting_twice_is_an_error() -> None:
    """Setting a field twice raises ValueError naming it."""
    with pytest.raises(ValueError, match="name may only be set once"):
        ses.SealBuilder().name("a").name("b")
    with pytest.raises(ValueError, match="once"):
        ses.SealBuilder().extension("1.2.3", b"x").extension("1.2.3", b"y")


def test_missing_fields_are_named() -> None:
    """sign() without the required fields names what is missing."""
    with pytest.raises(ValueError, match="es_id"):
        ses.SealBuilder().name("a").sign(PKI.platform_key, PKI.platform_cert)


def test_maker_certificate_must_match_key() -> None:
    """A maker certificate for another key is refused."""
    with pytest.raises(ValueError, match="not for the maker key"):
        seal_builder(PKI).sign(PKI.platform_key, PKI.seal_cert)


def test_signing_outside_the_seal_window_is_refused() -> None:
    """A signature claiming a time outside the seal's validity is not made."""
    builder = ses.SignatureBuilder().seal(SEAL).content(CONTENT, property_info="x")
    with pytest.raises(ValueError, match="not valid at the signing time"):
        builder.signing_time(T1 + timedelta(days=1)).sign(PKI.seal_key, PKI.seal_cert)


def test_picture_type_checked() -> None:
    """Only GIF/BMP/JPG/PNG/SVG pictures are accepted."""
    with pytest.raises(ValueError, match="picture type"):
        ses.SealBuilder().picture(PNG, type="TIFF", width_mm=40, height_mm=40)


def test_built_seal_round_trips() -> None:
    """The built seal parses back to the fields set, with the seal's certificate listed."""
    assert SEAL.version == 4
    assert SEAL.info.header_id == "ES"
    assert SEAL.info.certs == (PKI.seal_cert,)
    assert SEAL.info.picture.data == PNG
    assert ses.parse_seal(SEAL.der) == SEAL


def test_built_signature_embeds_seal_bytes() -> None:
    """The signature embeds the seal's DER unchanged and hashes the content with SM3."""
    from elicense.crypto.gm import sm3

    assert SIG.seal.der == SEAL.der
    assert SIG.data_hash == sm3(CONTENT)


def _pub_pem(cert: bytes, alg: str) -> bytes:
    return certificate_public_key(cert, alg).pem()


def test_openssl_verifies_our_seal_and_signature(tmp_path: Path) -> None:
    """openssl dgst -sm3 -verify accepts the maker's and the signer's signatures over the
    signed bytes; a flipped byte is refused."""
    exe = require_openssl()
    maker = _pub_pem(PKI.platform_cert, suites.SM2_SM3)
    signer = _pub_pem(PKI.seal_cert, suites.SM2_SM3)
    assert openssl_verify(exe, tmp_path, maker, SEAL.signed_value, SEAL.signed_bytes)
    assert openssl_verify(exe, tmp_path, signer, SIG.signature, SIG.signed_bytes)
    tampered = SIG.signed_bytes[:-1] + bytes([SIG.signed_bytes[-1] ^ 1])
    assert not openssl_verify(exe, tmp_path, signer, SIG.signature, tampered)


def test_openssl_signature_in_our_structure_verifies(tmp_path: Path) -> None:
    """An SES_Signature whose signature openssl made over our TBS_Sign verifies."""
    exe = require_openssl()
    sig = openssl_sign(exe, tmp_path, PKI.seal_key.to_pem(), SIG.signed_bytes)
    contents = parser.parse(SIG.der)[4]
    head = contents[: contents.rindex(core.OctetBitString(SIG.signature).dump())]
    der = bytes(parser.emit(0, 1, 16, head + core.OctetBitString(sig).dump()))
    verdict = ses.verify(der, trust=[PKI.platform_cert], content=CONTENT)
    assert verdict.ok, verdict.findings
    assert not ses.verify(der, trust=[PKI.platform_cert], content=CONTENT + b"x").ok


def test_openssl_parses_our_der(tmp_path: Path) -> None:
    """openssl asn1parse reads the seal and the signature we write."""
    exe = require_openssl()
    for name, der in (("seal.der", SEAL.der), ("sig.der", SIG.der)):
        (tmp_path / name).write_bytes(der)
        cmd = [exe, "asn1parse", "-inform", "DER", "-in", str(tmp_path / name)]
        subprocess.run(cmd, check=True, capture_output=True)


@pytest.mark.parametrize(
    ("root_alg", "leaf_alg"),
    [
        (suites.SM2_SM3, suites.SM2_SM3),
        (suites.ECDSA_P256, suites.ECDSA_P256),
        (suites.ECDSA_P256, suites.SM2_SM3),
    ],
)
def test_certificates_verify_under_openssl(tmp_path: Path, root_alg: str, leaf_alg: str) -> None:
    """openssl verify (default SM2 ID) accepts the chains we issue, SM2 and P-256."""
    exe = require_openssl()
    pki = make_pki(root_alg, seal_alg=leaf_alg)
    (tmp_path / "root.pem").write_bytes(pem.armor("CERTIFICATE", pki.platform_cert))
    (tmp_path / "leaf.pem").write_bytes(pem.armor("CERTIFICATE", pki.seal_cert))
    cmd = [exe, "verify", "-attime", str(int(MID.timestamp()))]
    if root_alg == suites.SM2_SM3:  # OpenSSL 3.0 needs the default SM2 ID spelled out
        cmd += ["-vfyopt", "distid:1234567812345678"]
    cmd += ["-CAfile", str(tmp_path / "root.pem"), str(tmp_path / "leaf.pem")]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert verify_issued_by(pki.seal_cert, pki.platform_cert) is True
    assert certificate_info(pki.seal_cert).key_alg == (
        "sm2" if leaf_alg == suites.SM2_SM3 else "ec-p256"
    )


def test_issued_certificate_tamper_twin() -> None:
    """A flipped byte in the leaf's TBSCertificate breaks the issuer signature check."""
    pki = make_pki()
    der = bytearray(pki.seal_cert)
    der[der.index("某某局".encode())] ^= 1
    assert verify_issued_by(bytes(der), pki.platform_cert) is False
