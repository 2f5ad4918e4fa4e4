"""Signing suites and key files: each suite signs and verifies, and refuses what it must."""

from __future__ import annotations

import hashlib
import stat
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.crypto import suites
from elicense.crypto.keys import (
    Signer,
    generate_key,
    load_private_key,
    load_public_key,
    read_key_file,
    spki_from_pem,
    write_key_file,
)
from elicense.crypto.suites import (
    ECDSA_P256,
    ED25519,
    SM2_SM3,
    get_suite,
    key_id,
    public_key,
)
from elicense.errors import KeyFormatError, UnsupportedAlgorithmError
from support import edited, flip

ALGS = [ECDSA_P256, ED25519]
DATA = "电子证照 elicense/v1".encode()


@pytest.fixture(params=ALGS)
def alg(request: pytest.FixtureRequest) -> str:
    """Each suite the core ships with."""
    return request.param  # type: ignore[no-any-return]


def test_suite_signs_and_verifies(alg: str) -> None:
    """A fresh key's signature verifies under its public key."""
    key = generate_key(alg)
    assert key.alg == alg
    assert key.public_key.verify(key.sign(DATA), DATA)


def test_flipped_signature_byte_fails(alg: str) -> None:
    """Flipping any one byte of the signature makes it fail."""
    key = generate_key(alg)
    sig = key.sign(DATA)
    for i in range(len(sig)):
        assert not key.public_key.verify(flip(sig, i), DATA), i


def test_flipped_data_byte_fails(alg: str) -> None:
    """Flipping any one byte of the data makes the signature fail."""
    key = generate_key(alg)
    sig = key.sign(DATA)
    for i in range(len(DATA)):
        assert not key.public_key.verify(sig, flip(DATA, i)), i


def test_other_keys_signature_fails(alg: str) -> None:
    """A signature by another key of the same suite does not verify."""
    assert not generate_key(alg).public_key.verify(generate_key(alg).sign(DATA), DATA)


@pytest.mark.parametrize("sig", [b"", b"\x00", b"\x30\x00", b"\xff" * 200], ids=repr)
def test_garbage_signature_is_false_not_an_exception(alg: str, sig: bytes) -> None:
    """verify answers False for a signature of any shape; it never raises."""
    assert generate_key(alg).public_key.verify(sig, DATA) is False


def test_private_key_is_a_signer(alg: str) -> None:
    """A loaded key satisfies the Signer protocol HSM adapters implement."""
    assert isinstance(generate_key(alg), Signer)


def test_public_key_round_trips_through_pem_and_der(alg: str) -> None:
    """load_public_key reads the PEM and the DER SPKI of a key to the same key id."""
    pub = generate_key(alg).public_key
    for data in (pub.pem(), pub.spki):
        loaded = load_public_key(data)
        assert (loaded.alg, loaded.spki, loaded.key_id) == (alg, pub.spki, pub.key_id)
    assert spki_from_pem(pub.pem()) == pub.spki


def test_key_id_is_the_truncated_sha256_of_the_spki() -> None:
    """key_id is the hex of SHA-256(SPKI)[:16]: 32 hex characters, stable."""
    spki = generate_key(ED25519).public_key.spki
    assert key_id(spki) == hashlib.sha256(spki).hexdigest()[:32]
    assert len(key_id(spki)) == 32


def test_suite_refuses_the_other_suites_public_key() -> None:
    """An Ed25519 SPKI is not a P-256 key and vice versa."""
    with pytest.raises(KeyFormatError, match="P-256"):
        get_suite(ECDSA_P256).load_public_key(generate_key(ED25519).public_key.spki)
    with pytest.raises(KeyFormatError, match="Ed25519"):
        get_suite(ED25519).load_public_key(generate_key(ECDSA_P256).public_key.spki)


def test_p384_key_is_not_a_p256_key() -> None:
    """ECDSA on another curve is refused by the P-256 suite."""
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    spki = other.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError):
        get_suite(ECDSA_P256).load_public_key(spki)
    with pytest.raises(KeyFormatError):
        public_key(ECDSA_P256, spki)


# -- private key files -----------------------------------------------------------------------------


def test_pkcs8_pem_round_trips_without_password(alg: str) -> None:
    """An unencrypted PKCS#8 PEM loads back to a key that signs verifiably."""
    key = generate_key(alg)
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_private_key(pem)
    assert loaded.alg == alg
    assert loaded.public_key.spki == key.public_key.spki
    assert key.public_key.verify(loaded.sign(DATA), DATA)


def test_pkcs8_pem_round_trips_with_password(alg: str) -> None:
    """An encrypted PKCS#8 PEM loads back with its password."""
    key = generate_key(alg)
    pem = key.to_pem(b"s3cret")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_private_key(pem, b"s3cret").public_key.spki == key.public_key.spki


def test_wrong_password_is_a_key_format_error(alg: str) -> None:
    """A wrong password raises KeyFormatError, not a cryptography exception."""
    pem = generate_key(alg).to_pem(b"s3cret")
    with pytest.raises(KeyFormatError, match="password"):
        load_private_key(pem, b"wrong")


def test_missing_password_is_a_key_format_error(alg: str) -> None:
    """An encrypted key without a password raises KeyFormatError."""
    pem = generate_key(alg).to_pem(b"s3cret")
    with pytest.raises(KeyFormatError):
        load_private_key(pem)


def test_password_for_unencrypted_key_is_a_key_format_error(alg: str) -> None:
    """A password given for an unencrypted key raises KeyFormatError."""
    with pytest.raises(KeyFormatError):
        load_private_key(generate_key(alg).to_pem(), b"s3cret")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"\x30\x82\x01\x00" + b"\x00" * 64,
    ],
    ids=["empty", "text", "bad base64", "short DER in PEM", "bare DER"],
)
def test_garbage_private_key_is_a_key_format_error(data: bytes) -> None:
    """Anything that is not a PKCS#8 PEM key raises KeyFormatError."""
    with pytest.raises(KeyFormatError):
        load_private_key(data)


def test_der_private_key_is_refused(alg: str) -> None:
    """A DER private key (not PEM) is refused with a message asking for PEM."""
    der = serialization.load_pem_private_key(generate_key(alg).to_pem(), None).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeyFormatError, match="PEM"):
        load_private_key(der)


def test_public_key_pem_is_not_a_private_key() -> None:
    """A PUBLIC KEY block given as private key raises KeyFormatError."""
    with pytest.raises(KeyFormatError):
        load_private_key(generate_key(ED25519).public_key.pem())


@pytest.mark.parametrize(
    "make",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
        lambda: ed448.Ed448PrivateKey.generate(),
        lambda: ec.generate_private_key(ec.SECP384R1()),
    ],
    ids=["rsa", "ed448", "p384"],
)
def test_private_key_of_no_suite_is_a_key_format_error(make: object) -> None:
    """A valid PKCS#8 key of an algorithm no suite provides raises KeyFormatError."""
    pem = make().private_bytes(  # type: ignore[operator]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeyFormatError, match="no available algorithm"):
        load_private_key(pem)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"\x30\x03\x02\x01\x00",
    ],
    ids=["empty", "text", "bad base64", "short DER in PEM", "wrong DER"],
)
def test_garbage_public_key_is_a_key_format_error(data: bytes) -> None:
    """Anything that is not a public key of an available suite raises KeyFormatError."""
    with pytest.raises(KeyFormatError):
        load_public_key(data)


def test_key_file_round_trips_and_is_owner_only(tmp_path: Path, alg: str) -> None:
    """write_key_file writes mode 0600; read_key_file reads the key back with its password."""
    key = generate_key(alg)
    path = write_key_file(key, tmp_path / "seal.pem", b"pw")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path, b"pw").public_key.spki == key.public_key.spki


def test_missing_key_file_is_a_key_format_error(tmp_path: Path) -> None:
    """A key file that does not exist raises KeyFormatError naming the path."""
    with pytest.raises(KeyFormatError, match=r"nope\.pem"):
        read_key_file(tmp_path / "nope.pem")


def test_key_file_error_names_the_file(tmp_path: Path) -> None:
    """A wrong password on a key file raises KeyFormatError naming the file."""
    path = write_key_file(generate_key(ED25519), tmp_path / "k.pem", b"pw")
    with pytest.raises(KeyFormatError, match=r"k\.pem"):
        read_key_file(path, b"nope")


# -- the registry ----------------------------------------------------------------------------------


def test_unknown_algorithm_names_the_known_ones() -> None:
    """An unknown identifier raises UnsupportedAlgorithmError listing what exists."""
    with pytest.raises(UnsupportedAlgorithmError, match="ecdsa-p256-sha256") as e:
        get_suite("rsa-pss")
    assert "ed25519" in str(e.value)
    assert "sm2-sm3" in str(e.value)


@pytest.fixture
def no_sm2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process where no SM2 backend is importable (whether or not one is installed)."""
    monkeypatch.delitem(suites._REGISTRY, SM2_SM3, raising=False)
    monkeypatch.setitem(sys.modules, "elicense.crypto.sm2", None)  # import raises ImportError
    public_key.cache_clear()


@pytest.mark.usefixtures("no_sm2")
def test_sm2_without_backend_names_the_extra() -> None:
    """Asking for sm2-sm3 without its backend raises UnsupportedAlgorithmError naming 'sm2'."""
    with pytest.raises(UnsupportedAlgorithmError, match=r"elicense\[sm2\]"):
        get_suite(SM2_SM3)
    with pytest.raises(UnsupportedAlgorithmError, match=r"elicense\[sm2\]"):
        generate_key(SM2_SM3)
    with pytest.raises(UnsupportedAlgorithmError, match=r"elicense\[sm2\]"):
        public_key(SM2_SM3, b"\x30\x00")


@pytest.mark.usefixtures("no_sm2")
def test_suites_without_sm2_backend_lists_the_two_builtin_suites() -> None:
    """suites() silently leaves out a suite whose backend is missing."""
    assert sorted(s.alg for s in suites.suites()) == sorted(ALGS)


@pytest.mark.usefixtures("no_sm2")
def test_unknown_public_key_without_sm2_backend_suggests_the_extra() -> None:
    """A key no suite reads hints at the sm2 extra when SM2 is absent."""
    other = ed448.Ed448PrivateKey.generate().public_key()
    spki = other.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError, match=r"elicense\[sm2\]"):
        load_public_key(spki)


def test_registering_a_suite_makes_it_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """register_suite adds a suite under its alg (how SM2 joins)."""

    class Fake(suites.Ed25519Suite):
        alg = "fake-ed25519"

    monkeypatch.setattr(suites, "_REGISTRY", dict(suites._REGISTRY))
    suites.register_suite(Fake())
    assert isinstance(get_suite("fake-ed25519"), Fake)
    key = generate_key("fake-ed25519")
    assert public_key("fake-ed25519", key.public_key.spki).verify(key.sign(DATA), DATA)


# -- Hypothesis: garbage keys ------------------------------------------------------------------


@given(data=st.binary(max_size=300))
@settings(max_examples=300)
def test_any_bytes_as_a_public_key_are_a_key_format_error(data: bytes) -> None:
    """Hypothesis: bytes that are no public key raise KeyFormatError, nothing else."""
    try:
        key = load_public_key(data)
    except KeyFormatError:
        return
    assert key.spki  # a random DER that happens to be a valid key of a suite


@given(st.data())
@settings(max_examples=200)
def test_any_edit_of_a_pem_key_is_refused_or_reads_a_key(data: st.DataObject) -> None:
    """Hypothesis: a PEM key (public or private) with a span replaced either still reads
    as a key of its suite or raises KeyFormatError — never another exception."""
    key = generate_key(data.draw(st.sampled_from(ALGS)))
    pem = data.draw(st.sampled_from([key.to_pem(), key.public_key.pem()]))
    load = load_private_key if b"PRIVATE" in pem else load_public_key
    try:
        loaded = load(data.draw(edited(pem)))
    except KeyFormatError:
        return
    assert loaded.alg in ALGS  # an edit the PEM reader tolerates (e.g. in the armour)


@pytest.mark.parametrize("alg", ALGS)
def test_a_public_key_pickles_as_its_spki(alg: str) -> None:
    """A PublicKey survives pickling (a worker process's verifier recipe holds keys) and
    still verifies; a flipped signature still fails under the copy (twin)."""
    import pickle

    key = generate_key(alg)
    copy = pickle.loads(pickle.dumps(key.public_key))
    assert (copy.alg, copy.spki) == (alg, key.public_key.spki)
    assert copy.verify(key.sign(b"data"), b"data")
    assert not copy.verify(flip(key.sign(b"data"), 5), b"data")
