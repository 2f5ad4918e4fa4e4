"""PKCS#8 private-key files for keys that ``cryptography`` cannot serialize (SM2).

Writes what ``openssl genpkey -algorithm SM2`` writes, so ``openssl pkey``
reads our files and we read its:

- unencrypted: ``PRIVATE KEY`` = PrivateKeyInfo (RFC 5208) with
  ``id-ecPublicKey`` + the named curve, holding an ECPrivateKey (RFC 5915)
  with its public key;
- encrypted: ``ENCRYPTED PRIVATE KEY`` = EncryptedPrivateKeyInfo with PBES2
  (RFC 8018): PBKDF2-HMAC-SHA256, AES-256-CBC (OpenSSL 3's default).

Reading also accepts PBKDF2 with HMAC-SHA1/SHA-224/384/512, AES-128/192-CBC
and SM4-CBC, and the SEC 1 ``EC PRIVATE KEY`` form. Only the symmetric
primitives come from ``cryptography``; nothing here touches the curve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from asn1crypto import algos, core, keys, pem
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from elicense.errors import KeyFormatError

__all__ = ["EcKey", "read_ec_private_key", "write_ec_private_key"]

_ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
_SM4_CBC = "1.2.156.10197.1.104.2"
_PRF: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class _ECPrivateKey(core.Sequence):  # type: ignore[misc]
    """RFC 5915 ECPrivateKey, with the private key kept as raw octets (fixed width)."""

    _fields = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", core.ObjectIdentifier, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]


class _PrivateKeyInfo(core.Sequence):  # type: ignore[misc]
    """RFC 5208 PrivateKeyInfo with the key kept as plain octets (asn1crypto's own
    class would parse them with its ECPrivateKey, which does not keep the width)."""

    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", keys.PrivateKeyAlgorithm),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
    ]


@dataclass(frozen=True, slots=True)
class EcKey:
    """An EC private key as bytes: curve OID, scalar and (if present) the public point."""

    curve: str
    private: bytes
    public: bytes | None


def write_ec_private_key(key: EcKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM for ``key``; encrypted with PBES2 when ``password`` is given."""
    ec = _ECPrivateKey({"version": 1, "private_key": key.private})
    if key.public is not None:
        ec["public_key"] = core.OctetBitString(key.public)
    info = _PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value=key.curve),
            },
            "private_key": ec.dump(),
        }
    )
    der = info.dump()
    if not password:
        return bytes(pem.armor("PRIVATE KEY", der))
    salt, iv = os.urandom(16), os.urandom(16)
    dk = _pbkdf2(password, salt, _ITERATIONS, 32, "sha256")
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(dk), modes.CBC(iv)).encryptor()
    data = enc.update(padder.update(der) + padder.finalize()) + enc.finalize()
    epki = keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": _ITERATIONS,
                            "prf": {"algorithm": "sha256"},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": data,
        }
    )
    return bytes(pem.armor("ENCRYPTED PRIVATE KEY", epki.dump()))


def read_ec_private_key(data: bytes, password: bytes | None, curve: str) -> EcKey | None:
    """Read a PEM private key on ``curve``; ``None`` when it is another algorithm's key.

    Raises:
        KeyFormatError: the key is on ``curve`` but cannot be read (wrong or
            missing password, damaged encoding).
    """
    try:  # skip leading blocks such as 'EC PARAMETERS' (openssl ecparam -genkey)
        blocks = [b for b in pem.unarmor(data.strip(), multiple=True) if "PRIVATE KEY" in b[0]]
    except (ValueError, TypeError):
        return None
    if not blocks:
        return None
    kind, _headers, der = blocks[0]
    try:
        if kind == "EC PRIVATE KEY":
            ec = _ECPrivateKey.load(der)
            params = ec["parameters"]
            if params.native is None or params.dotted != curve:
                return None
            return _ec_key(ec, curve)
        if kind == "ENCRYPTED PRIVATE KEY":
            der = _decrypt(keys.EncryptedPrivateKeyInfo.load(der), password)
        elif kind != "PRIVATE KEY":
            return None
        info = _PrivateKeyInfo.load(der)
        alg = info["private_key_algorithm"]
        if alg["algorithm"].dotted != "1.2.840.10045.2.1":
            return None
        params = alg["parameters"]
        if params.name != "named" or params.chosen.dotted != curve:
            return None
        return _ec_key(_ECPrivateKey.load(info["private_key"].native), curve)
    except KeyFormatError:
        raise
    except Exception:  # asn1crypto reports damage with assorted exception types
        if kind == "ENCRYPTED PRIVATE KEY":
            # A wrong password passes the CBC padding check about once in 256 tries and
            # yields garbage that does not parse: it is still a wrong password.
            raise KeyFormatError(
                "cannot decrypt private key: wrong password (or a damaged key)"
            ) from None
        raise KeyFormatError(f"damaged {kind or 'PEM'} private key") from None


def _ec_key(ec: _ECPrivateKey, curve: str) -> EcKey:
    private = ec["private_key"].native
    public = ec["public_key"].native
    if not isinstance(private, bytes) or not 0 < len(private) <= 32:
        raise KeyFormatError("ECPrivateKey: expected a private key of at most 32 octets")
    return EcKey(
        curve=curve,
        private=private.rjust(32, b"\x00"),
        public=public if isinstance(public, bytes) and public else None,
    )


def _pbkdf2(password: bytes, salt: bytes, iterations: int, length: int, prf: str) -> bytes:
    kdf = PBKDF2HMAC(algorithm=_PRF[prf](), length=length, salt=salt, iterations=iterations)
    return kdf.derive(password)


def _aes(key: bytes) -> CipherAlgorithm:
    return algorithms.AES(key)


def _sm4(key: bytes) -> CipherAlgorithm:
    return algorithms.SM4(key)


def _decrypt(epki: keys.EncryptedPrivateKeyInfo, password: bytes | None) -> bytes:
    if not password:
        raise KeyFormatError("private key is encrypted: a password is needed")
    alg = epki["encryption_algorithm"]
    if alg["algorithm"].native != "pbes2":
        found = alg["algorithm"].native
        raise KeyFormatError(f"unsupported key encryption {found}; expected PBES2")
    params = alg["parameters"]
    kdf = params["key_derivation_func"]
    scheme = params["encryption_scheme"]
    if kdf["algorithm"].native != "pbkdf2":
        raise KeyFormatError(f"unsupported key derivation {kdf['algorithm'].native}")
    kp = kdf["parameters"]
    prf = kp["prf"]["algorithm"].native
    if prf not in _PRF:
        raise KeyFormatError(f"unsupported PBKDF2 PRF {prf}")
    salt = kp["salt"].native
    iterations = kp["iteration_count"].native
    if not isinstance(salt, bytes) or not 0 < iterations <= 10_000_000:
        raise KeyFormatError("PBKDF2 parameters out of range")
    scheme_oid = scheme["algorithm"].dotted
    if scheme_oid == _SM4_CBC:
        iv = core.OctetString.load(scheme["parameters"].dump()).native
        key_len, make = 16, _sm4
    else:
        name = scheme["algorithm"].native
        sizes = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}
        if name not in sizes:
            raise KeyFormatError(f"unsupported key cipher {name}")
        iv, key_len, make = scheme["parameters"].native, sizes[name], _aes
    dk = _pbkdf2(password, salt, iterations, key_len, prf)
    dec = Cipher(make(dk), modes.CBC(iv)).decryptor()
    padded = dec.update(epki["encrypted_data"].native) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise KeyFormatError("cannot decrypt private key: wrong password") from None
