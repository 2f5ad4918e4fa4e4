"""Signers and key files.

A :class:`Signer` is anything that can sign bytes with one seal's or the
platform's key: a PEM/PKCS#8 key file loaded here, or an HSM, KMS or USB key
(UKey) adapter that implements the same three members. Private keys stay with
the signer; the ledger only ever sees public keys and signatures.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

from elicense.crypto.suites import PrivateKey, PublicKey, get_suite, suites
from elicense.errors import KeyFormatError, UnsupportedAlgorithmError

__all__ = [
    "Signer",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "read_key_file",
    "spki_from_pem",
    "write_key_file",
]


@runtime_checkable
class Signer(Protocol):
    """Signs bytes with one key. Implement this for an HSM, KMS or UKey."""

    @property
    def alg(self) -> str:
        """Algorithm identifier of the key (see :mod:`elicense.crypto.suites`)."""
        ...

    @property
    def public_key(self) -> PublicKey:
        """The public key that verifies this signer's signatures."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``."""
        ...


def generate_key(alg: str) -> PrivateKey:
    """A fresh private key of algorithm ``alg``."""
    return get_suite(alg).generate()


def load_private_key(pem: bytes, password: bytes | None = None) -> PrivateKey:
    """Load a PKCS#8 PEM private key of any available suite.

    Raises:
        KeyFormatError: not a private key of any available suite, or wrong password.
    """
    if b"-----BEGIN" not in pem or b"PRIVATE KEY-----" not in pem:
        raise KeyFormatError("expected a PEM 'PRIVATE KEY' block (PKCS#8)")
    for suite in suites():
        key = suite.load_private_key(pem, password)
        if key is not None:
            return key
    raise KeyFormatError(
        "private key of no available algorithm (ecdsa-p256-sha256, ed25519; "
        "sm2-sm3 needs: pip install 'elicense[sm2]')"
    )


def read_key_file(path: str | os.PathLike[str], password: bytes | None = None) -> PrivateKey:
    """Load the private key in the PEM file at ``path``."""
    try:
        pem = Path(path).read_bytes()
    except OSError as e:
        raise KeyFormatError(f"cannot read key file {path}: {e.strerror}") from None
    try:
        return load_private_key(pem, password)
    except KeyFormatError as e:
        raise KeyFormatError(f"{path}: {e}") from None


def write_key_file(
    key: PrivateKey, path: str | os.PathLike[str], password: bytes | None = None
) -> Path:
    """Write ``key`` as PKCS#8 PEM to ``path``, readable by the owner only."""
    p = Path(path)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.to_pem(password))
    return p


_PEM_PUBLIC = re.compile(rb"-----BEGIN PUBLIC KEY-----(.+?)-----END PUBLIC KEY-----", re.S)


def spki_from_pem(pem: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo inside a PEM ``PUBLIC KEY`` block."""
    m = _PEM_PUBLIC.search(pem)
    if not m:
        raise KeyFormatError("expected a PEM 'PUBLIC KEY' block")
    try:
        return base64.b64decode(b"".join(m.group(1).split()), validate=True)
    except ValueError:
        raise KeyFormatError("PEM 'PUBLIC KEY' block is not valid base64") from None


def load_public_key(data: bytes) -> PublicKey:
    """Load a public key (PEM or DER SPKI) of any available suite."""
    spki = spki_from_pem(data) if data.lstrip().startswith(b"-----") else data
    for suite in suites():
        try:
            return suite.load_public_key(spki)
        except KeyFormatError:
            continue
    try:
        get_suite("sm2-sm3")
    except UnsupportedAlgorithmError:
        raise KeyFormatError(
            "public key of no available algorithm (SM2 keys need: pip install 'elicense[sm2]')"
        ) from None
    raise KeyFormatError("public key of no available algorithm")
