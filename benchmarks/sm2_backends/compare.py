"""Compare SM2 backend candidates: openssl interop, sign/verify speed, GIL (docs/sm2-backend.md).

Run in a scratch virtualenv holding the candidates (not elicense's dependencies):
``python compare.py NAME`` for NAME in gmssl-pyx, gmssl-pyx-digest, gmssl-fast,
tongsuopy, openssl-ctypes, gmalglib. Prints one JSON line.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from asn1crypto import keys

MSG = os.urandom(1024)
ID = b"1234567812345678"


WORK = Path(tempfile.mkdtemp(prefix="sm2cmp-"))


def _openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], capture_output=True, check=True).stdout


def keymat():
    """An SM2 key made by openssl: PEM, PKCS#8 DER, SPKI DER, scalar, point; and a signature."""
    key = WORK / "sm2.pem"
    _openssl("genpkey", "-algorithm", "SM2", "-out", str(key))
    _openssl("pkey", "-in", str(key), "-pubout", "-out", str(WORK / "sm2pub.pem"))
    der = _openssl("pkcs8", "-topk8", "-nocrypt", "-in", str(key), "-outform", "DER")
    spki = _openssl("pkey", "-in", str(key), "-pubout", "-outform", "DER")
    pki = keys.PrivateKeyInfo.load(der)
    d = pki["private_key"].parsed["private_key"].native.to_bytes(32, "big")
    pub = keys.PublicKeyInfo.load(spki)["public_key"].native  # 04||X||Y
    (WORK / "m.txt").write_bytes(b"hello")
    _openssl(
        "dgst",
        "-sm3",
        "-sign",
        str(key),
        "-sigopt",
        "distid:1234567812345678",
        "-out",
        str(WORK / "s1.bin"),
        str(WORK / "m.txt"),
    )
    return key.read_bytes(), der, spki, d, pub


PEM, DER, SPKI, D, PUB = keymat()
OSSL_SIG = (WORK / "s1.bin").read_bytes()
OSSL_MSG = (WORK / "m.txt").read_bytes()


def der_to_raw(sig):
    from asn1crypto.algos import DSASignature

    v = DSASignature.load(sig).native
    return v["r"].to_bytes(32, "big") + v["s"].to_bytes(32, "big")


def raw_to_der(raw):
    from asn1crypto.algos import DSASignature

    return DSASignature(
        {"r": int.from_bytes(raw[:32], "big"), "s": int.from_bytes(raw[32:], "big")}
    ).dump()


def backend(name):
    if name == "gmssl-pyx":
        import gmssl_pyx as g

        return (
            lambda m: g.sm2_sign(D, PUB[1:], m),
            lambda s, m: g.sm2_verify(PUB[1:], m, s),
            "der",
        )
    if name == "gmssl-pyx-digest":
        import gmssl_pyx as g
        from cryptography.hazmat.primitives import hashes

        def sm3(*parts):
            h = hashes.Hash(hashes.SM3())
            for p in parts:
                h.update(p)
            return h.finalize()

        A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
        B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
        GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
        GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")
        z = sm3(b"\x00\x80", ID, A, B, GX, GY, PUB[1:])
        return (
            lambda m: g.sm2_sign_sm3_digest(D, sm3(z, m)),
            lambda s, m: g.sm2_verify_sm3_digest(PUB[1:], sm3(z, m), s),
            "der",
        )
    if name == "gmalglib":
        from gmalglib.sm2 import SM2

        k = SM2(sk=D)
        return (lambda m: k.sign(m), lambda s, m: k.verify(m, s), "raw")
    if name == "gmssl-fast":
        import gmssl_fast as g

        k = g.SM2(private_key=D.hex(), public_key=PUB.hex())
        return (lambda m: k.sign(m), lambda s, m: k.verify(m, s), "raw")
    if name == "tongsuopy":
        from tongsuopy.crypto import hashes, serialization
        from tongsuopy.crypto.asymciphers import ec
        from tongsuopy.crypto.exceptions import InvalidSignature

        priv = serialization.load_der_private_key(DER, None)
        pub = serialization.load_der_public_key(SPKI)
        alg = ec.ECDSA(hashes.SM3())

        def v(s, m):
            try:
                pub.verify(s, m, alg)
                return True
            except InvalidSignature:
                return False

        return (lambda m: priv.sign(m, alg), v, "der")
    if name == "openssl-ctypes":
        sys.path.insert(0, str(Path(__file__).parent))
        import ossl_ctypes

        pk = ossl_ctypes.Pub(SPKI)
        sk = ossl_ctypes.Priv(DER)
        return (sk.sign, lambda s, m: pk.verify(s, m), "der")
    raise KeyError(name)


def rate(fn, seconds=1.5):
    n = 0
    t0 = time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        el = time.perf_counter() - t0
        if el > seconds:
            return n / el


def threaded_rate(fn, threads=2, seconds=1.5):
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def run(i):
        c = 0
        while time.perf_counter() < stop:
            for _ in range(20):
                fn()
            c += 20
        counts[i] = c

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def main(name):
    sign, verify, fmt = backend(name)
    out = {"backend": name}
    sig = sign(MSG)
    out["sig_format"] = fmt
    out["self_verify"] = bool(verify(sig, MSG))
    out["tamper_rejected"] = not verify(sig, MSG + b"x")
    osig = OSSL_SIG if fmt == "der" else der_to_raw(OSSL_SIG)
    out["verifies_openssl_sig"] = bool(verify(osig, OSSL_MSG))
    # our signature verifies under openssl?
    dsig = sig if fmt == "der" else raw_to_der(sig)
    (WORK / "ours.sig").write_bytes(dsig)
    (WORK / "msg.bin").write_bytes(MSG)
    r = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sm3",
            "-verify",
            str(WORK / "sm2pub.pem"),
            "-sigopt",
            "distid:1234567812345678",
            "-signature",
            str(WORK / "ours.sig"),
            str(WORK / "msg.bin"),
        ],
        capture_output=True,
    )
    out["openssl_verifies_ours"] = r.returncode == 0
    out["sign_ops"] = round(rate(lambda: sign(MSG)))
    out["verify_ops"] = round(rate(lambda: verify(sig, MSG)))
    out["verify_ops_2threads"] = round(threaded_rate(lambda: verify(sig, MSG)))
    out["releases_gil"] = out["verify_ops_2threads"] > 1.4 * out["verify_ops"]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
