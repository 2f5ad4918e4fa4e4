"""Signing suites, keyed by algorithm identifier and chosen per seal.

A suite knows how to parse a public key (DER SubjectPublicKeyInfo), verify a
signature, generate a key and read or write a PKCS#8 PEM private key. Callers
never branch on the algorithm: they ask :func:`get_suite` for the seal's
``alg`` and use the result, so SM2 joins by registering a suite.

=====================  =====================================  ==================
identifier             algorithm                              provided by
=====================  =====================================  ==================
``ecdsa-p256-sha256``  ECDSA on P-256 with SHA-256, DER sig    ``cryptography``
``ed25519``            Ed25519 (RFC 8032)                      ``cryptography``
``sm2-sm3``            SM2 with SM3, default user ID, DER sig  ``sm2`` extra
=====================  =====================================  ==================
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from elicense.errors import KeyFormatError, UnsupportedAlgorithmError

__all__ = [
    "ECDSA_P256",
    "ED25519",
    "SM2_SM3",
    "PrivateKey",
    "PublicKey",
    "Suite",
    "get_suite",
    "key_id",
    "public_key",
    "register_suite",
    "suites",
]

ECDSA_P256 = "ecdsa-p256-sha256"
ED25519 = "ed25519"
SM2_SM3 = "sm2-sm3"

# Suites that live in optional modules: alg -> (module, extra that installs its backend).
_OPTIONAL = {SM2_SM3: ("elicense.crypto.sm2", "sm2")}


def key_id(spki: bytes) -> str:
    """A short stable identifier of a public key: hex of SHA-256(SPKI DER)[:16]."""
    return hashlib.sha256(spki).hexdigest()[:32]


class PublicKey(ABC):
    """A parsed public key of one suite."""

    alg: str
    spki: bytes

    @property
    def parallel(self) -> bool:
        """Whether verifications with this key run in parallel on threads."""
        return get_suite(self.alg).releases_gil

    @property
    def key_id(self) -> str:
        """See :func:`key_id`."""
        return key_id(self.spki)

    @abstractmethod
    def verify(self, signature: bytes, data: bytes) -> bool:
        """Return whether ``signature`` is valid over ``data``; never raises for bad input."""

    def __reduce__(self) -> tuple[Any, tuple[str, bytes]]:
        # Pickled as what it is parsed from (a backend's key object may not pickle), so a
        # verifier's recipe holding keys reaches its worker processes.
        return public_key, (self.alg, self.spki)

    def pem(self) -> bytes:
        """The key as a PEM ``PUBLIC KEY`` block."""
        import base64
        import textwrap

        body = "\n".join(textwrap.wrap(base64.b64encode(self.spki).decode(), 64))
        return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n".encode()


class PrivateKey(ABC):
    """A private key held in this process; one kind of :class:`~elicense.crypto.keys.Signer`."""

    alg: str

    @property
    @abstractmethod
    def public_key(self) -> PublicKey:
        """The matching public key."""

    @abstractmethod
    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the suite hashes it)."""

    @abstractmethod
    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with ``password`` when given."""


class Suite(ABC):
    """One signature algorithm."""

    alg: ClassVar[str]
    description: ClassVar[str]
    releases_gil: ClassVar[bool] = True
    """Whether verification releases the GIL, so threads verify in parallel."""

    @abstractmethod
    def load_public_key(self, spki: bytes) -> PublicKey:
        """Parse a DER SubjectPublicKeyInfo; raise :class:`KeyFormatError` if it is not ours."""

    @abstractmethod
    def generate(self) -> PrivateKey:
        """A fresh private key."""

    @abstractmethod
    def load_private_key(self, pem: bytes, password: bytes | None) -> PrivateKey | None:
        """Parse a PKCS#8 PEM key of this suite; ``None`` if it is another suite's key.

        Raises:
            KeyFormatError: it is this suite's key but cannot be read (e.g. wrong password).
        """

    def accepts_spki(self, spki: bytes) -> bool:
        """Whether ``spki`` is a key of this suite."""
        try:
            self.load_public_key(spki)
        except KeyFormatError:
            return False
        return True


# -- cryptography-backed suites ---------------------------------------------------------------

_SHA256 = hashes.SHA256()
_ECDSA = ec.ECDSA(_SHA256)


def _spki(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _pkcs8(
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, password: bytes | None
) -> bytes:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def _load_pem(pem: bytes, password: bytes | None) -> object | None:
    """Load a PEM private key through cryptography; ``None`` for key types it does not know."""
    try:
        return serialization.load_pem_private_key(pem, password=password or None)
    except TypeError as e:  # password given for an unencrypted key or missing for an encrypted one
        raise KeyFormatError(f"cannot read private key: {e}") from None
    except ValueError as e:
        text = str(e).lower()
        if "password" in text or "decrypt" in text or "bad decrypt" in text:
            raise KeyFormatError("cannot decrypt private key: wrong password") from None
        return None  # not a key cryptography understands (e.g. SM2): another suite's
    except Exception:  # unsupported algorithm and other library errors: not ours
        return None


class _EcdsaPublic(PublicKey):
    alg = ECDSA_P256

    def __init__(self, key: ec.EllipticCurvePublicKey, spki: bytes) -> None:
        self._key = key
        self.spki = spki

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data, _ECDSA)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


class _EcdsaPrivate(PrivateKey):
    alg = ECDSA_P256

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        pub = key.public_key()
        self._public = _EcdsaPublic(pub, _spki(pub))

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, _ECDSA)

    def to_pem(self, password: bytes | None = None) -> bytes:
        return _pkcs8(self._key, password)


class EcdsaP256Suite(Suite):
    """ECDSA over NIST P-256 with SHA-256; DER signatures."""

    alg = ECDSA_P256
    description = "ECDSA P-256 with SHA-256 (cryptography)"

    def load_public_key(self, spki: bytes) -> PublicKey:
        try:
            key = serialization.load_der_public_key(spki)
        except Exception:
            raise KeyFormatError("not a DER SubjectPublicKeyInfo") from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise KeyFormatError(f"expected a P-256 public key, found {type(key).__name__}")
        return _EcdsaPublic(key, spki)

    def generate(self) -> PrivateKey:
        return _EcdsaPrivate(ec.generate_private_key(ec.SECP256R1()))

    def load_private_key(self, pem: bytes, password: bytes | None) -> PrivateKey | None:
        key = _load_pem(pem, password)
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            return _EcdsaPrivate(key)
        return None


class _Ed25519Public(PublicKey):
    alg = ED25519

    def __init__(self, key: ed25519.Ed25519PublicKey, spki: bytes) -> None:
        self._key = key
        self.spki = spki

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


class _Ed25519Private(PrivateKey):
    alg = ED25519

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key
        pub = key.public_key()
        self._public = _Ed25519Public(pub, _spki(pub))

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def to_pem(self, password: bytes | None = None) -> bytes:
        return _pkcs8(self._key, password)


class Ed25519Suite(Suite):
    """Ed25519 (RFC 8032)."""

    alg = ED25519
    description = "Ed25519 (cryptography)"

    def load_public_key(self, spki: bytes) -> PublicKey:
        try:
            key = serialization.load_der_public_key(spki)
        except Exception:
            raise KeyFormatError("not a DER SubjectPublicKeyInfo") from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise KeyFormatError(f"expected an Ed25519 public key, found {type(key).__name__}")
        return _Ed25519Public(key, spki)

    def generate(self) -> PrivateKey:
        return _Ed25519Private(ed25519.Ed25519PrivateKey.generate())

    def load_private_key(self, pem: bytes, password: bytes | None) -> PrivateKey | None:
        key = _load_pem(pem, password)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return _Ed25519Private(key)
        return None


# -- registry ----------------------------------------------------------------------------------

_REGISTRY: dict[str, Suite] = {}


def register_suite(suite: Suite) -> None:
    """Make ``suite`` available under ``suite.alg`` (replacing any earlier one)."""
    _REGISTRY[suite.alg] = suite
    public_key.cache_clear()


def get_suite(alg: str) -> Suite:
    """The suite for algorithm identifier ``alg``.

    Raises:
        UnsupportedAlgorithmError: no installed suite provides ``alg``; the
            message names the extra to install when one would.
    """
    suite = _REGISTRY.get(alg)
    if suite is not None:
        return suite
    if alg in _OPTIONAL:
        module, extra = _OPTIONAL[alg]
        with contextlib.suppress(ImportError):  # the module registers its suite if it loads
            importlib.import_module(module)
        suite = _REGISTRY.get(alg)
        if suite is not None:
            return suite
        raise UnsupportedAlgorithmError(
            f"algorithm {alg!r} needs an optional backend: pip install 'elicense[{extra}]'"
        )
    known = ", ".join(sorted({*_REGISTRY, *_OPTIONAL}))
    raise UnsupportedAlgorithmError(f"unknown algorithm {alg!r}; expected one of: {known}")


def suites() -> list[Suite]:
    """All suites available in this process (optional ones once loadable)."""
    for alg in _OPTIONAL:
        with contextlib.suppress(UnsupportedAlgorithmError):
            get_suite(alg)
    return list(_REGISTRY.values())


@lru_cache(maxsize=4096)
def public_key(alg: str, spki: bytes) -> PublicKey:
    """Parse (and cache) the ``alg`` public key in ``spki``.

    Raises:
        UnsupportedAlgorithmError: ``alg`` is not available.
        KeyFormatError: ``spki`` is not a key of ``alg``.
    """
    return get_suite(alg).load_public_key(spki)


register_suite(EcdsaP256Suite())
register_suite(Ed25519Suite())
