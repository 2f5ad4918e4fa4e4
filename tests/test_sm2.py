"""The sm2-sm3 suite: signatures, encodings, key files, openssl interop, missing backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.crypto import suites
from elicense.crypto.keys import load_private_key, load_public_key
from elicense.errors import KeyFormatError, UnsupportedAlgorithmError
from sm2_support import flip, openssl_sign, openssl_verify, require_openssl, require_sm2

require_sm2()

from elicense.crypto import sm2  # noqa: E402

SUITE = suites.get_suite(suites.SM2_SM3)
KEY = SUITE.generate()
MESSAGE = "电子印章 elicense".encode()


def test_signature_verifies() -> None:
    """A signature made by the suite verifies over the same bytes."""
    assert KEY.public_key.verify(KEY.sign(MESSAGE), MESSAGE)


def test_signature_refuses_other_data() -> None:
    """The same signature does not verify over data with one bit changed."""
    assert not KEY.public_key.verify(KEY.sign(MESSAGE), flip(MESSAGE, 3))


def test_signature_refuses_other_key() -> None:
    """A signature does not verify under another SM2 key."""
    assert not SUITE.generate().public_key.verify(KEY.sign(MESSAGE), MESSAGE)


def test_signatures_are_der() -> None:
    """Written signatures are DER SEQUENCE {r, s}."""
    sig = KEY.sign(MESSAGE)
    assert sig[0] == 0x30
    assert sig[1] + 2 == len(sig)
    assert sm2.decode_signature(sig) is not None


def test_raw_r_s_accepted() -> None:
    """A raw 64-byte r‖s signature verifies like its DER form."""
    rs = sm2.decode_signature(KEY.sign(MESSAGE))
    assert rs is not None
    raw = rs[0].to_bytes(32, "big") + rs[1].to_bytes(32, "big")
    assert KEY.public_key.verify(raw, MESSAGE)
    assert not KEY.public_key.verify(flip(raw, 40), MESSAGE)


@pytest.mark.parametrize(
    "sig",
    [b"", b"\x30", b"\x30\x00", bytes(64), b"\xff" * 64, sm2.encode_signature(0, 1)],
)
def test_degenerate_signatures_refused(sig: bytes) -> None:
    """Empty, zero, out-of-range and truncated signatures are refused without raising."""
    assert not KEY.public_key.verify(sig, MESSAGE)


@settings(max_examples=60)
@given(st.binary(max_size=120))
def test_verify_never_raises(sig: bytes) -> None:
    """Any bytes as a signature give False, never an exception."""
    assert KEY.public_key.verify(sig, MESSAGE) is False


@settings(max_examples=60)
@given(st.binary(max_size=120))
def test_load_public_key_refuses_garbage(spki: bytes) -> None:
    """Random bytes as a public key raise KeyFormatError and nothing else."""
    with pytest.raises(KeyFormatError):
        SUITE.load_public_key(spki)


def test_off_curve_point_refused() -> None:
    """A SubjectPublicKeyInfo whose point is not on the SM2 curve is refused."""
    with pytest.raises(KeyFormatError, match="curve"):
        SUITE.load_public_key(sm2.spki_for_point(b"\x04" + bytes(63) + b"\x01"))


def test_spki_round_trip() -> None:
    """The SPKI written for a key parses back to the same key."""
    pub = load_public_key(KEY.public_key.pem())
    assert pub.alg == suites.SM2_SM3
    assert pub.spki == KEY.public_key.spki


def test_pem_round_trip_encrypted() -> None:
    """A password-protected PKCS#8 file loads back with its password only."""
    pem = KEY.to_pem(b"pw")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = load_private_key(pem, b"pw")
    assert loaded.public_key.spki == KEY.public_key.spki
    with pytest.raises(KeyFormatError, match=r"(?i)password"):
        load_private_key(pem, b"other")
    with pytest.raises(KeyFormatError, match=r"(?i)password"):
        load_private_key(pem)


def test_mismatched_public_key_in_file_refused() -> None:
    """A key file whose stored public key is not the private key's is refused."""
    from elicense.crypto._pkcs8 import EcKey, write_ec_private_key

    other = SUITE.generate().public_key
    assert isinstance(other, sm2.Sm2PublicKey)
    pem = write_ec_private_key(
        EcKey(curve=sm2.SM2_CURVE_OID, private=KEY._d, public=other.point)  # type: ignore[attr-defined]
    )
    with pytest.raises(KeyFormatError, match="does not match"):
        load_private_key(pem)


def test_openssl_verifies_our_signature(tmp_path: Path) -> None:
    """openssl dgst -sm3 -verify with distid 1234567812345678 accepts our signature."""
    exe = require_openssl()
    sig = KEY.sign(MESSAGE)
    assert openssl_verify(exe, tmp_path, KEY.public_key.pem(), sig, MESSAGE)
    assert not openssl_verify(exe, tmp_path, KEY.public_key.pem(), sig, flip(MESSAGE, 0))


def test_we_verify_openssl_signature(tmp_path: Path) -> None:
    """A signature made by openssl with a key openssl generated verifies with our suite."""
    exe = require_openssl()
    subprocess.run(
        [exe, "genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "k.pem")], check=True
    )
    key_pem = (tmp_path / "k.pem").read_bytes()
    key = load_private_key(key_pem)
    sig = openssl_sign(exe, tmp_path, key_pem, MESSAGE)
    assert key.public_key.verify(sig, MESSAGE)
    assert not key.public_key.verify(sig, flip(MESSAGE, 1))


@pytest.mark.parametrize("password", [None, b"secret"])
def test_openssl_reads_our_key_file(tmp_path: Path, password: bytes | None) -> None:
    """openssl pkey reads our PKCS#8 file (plain or encrypted) and derives the same public key."""
    exe = require_openssl()
    (tmp_path / "k.pem").write_bytes(KEY.to_pem(password))
    cmd = [exe, "pkey", "-in", str(tmp_path / "k.pem"), "-pubout"]
    if password:
        cmd += ["-passin", "pass:secret"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    assert out == KEY.public_key.pem()


def test_we_read_openssl_encrypted_key(tmp_path: Path) -> None:
    """A key openssl encrypted with PBES2/SM4-CBC loads with the password."""
    exe = require_openssl()
    (tmp_path / "k.pem").write_bytes(KEY.to_pem())
    cmd = [exe, "pkcs8", "-topk8", "-in", str(tmp_path / "k.pem"), "-out", str(tmp_path / "e.pem")]
    subprocess.run([*cmd, "-passout", "pass:pw", "-v2", "sm4-cbc"], check=True)
    loaded = load_private_key((tmp_path / "e.pem").read_bytes(), b"pw")
    assert loaded.public_key.spki == KEY.public_key.spki


def test_missing_backend_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the backend, asking for sm2-sm3 raises UnsupportedAlgorithmError naming the extra."""
    monkeypatch.setitem(sys.modules, "gmssl_pyx", None)  # import now raises ImportError
    monkeypatch.delitem(sys.modules, "elicense.crypto.sm2")
    monkeypatch.delitem(suites._REGISTRY, suites.SM2_SM3)
    with pytest.raises(UnsupportedAlgorithmError, match=r"elicense\[sm2\]"):
        suites.get_suite(suites.SM2_SM3)
    assert suites.SM2_SM3 not in {s.alg for s in suites.suites()}
