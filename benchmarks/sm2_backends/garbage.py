"""Feed garbage signatures and keys to one SM2 backend candidate (docs/sm2-backend.md).

``python garbage.py NAME`` prints one JSON line of outcomes; an interpreter
crash shows as a non-zero exit status. Run it in a subprocess per candidate.
"""

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare import PUB, SPKI, backend

N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def der_int(v: int) -> bytes:
    b = v.to_bytes((v.bit_length() + 8) // 8 or 1, "big")
    return b"\x02" + bytes([len(b)]) + b


def der_sig(r, s):
    body = der_int(r) + der_int(s)
    return b"\x30" + bytes([len(body)]) + body


name = sys.argv[1]
sign, verify, fmt = backend(name)
rng = random.Random(1)
msg = b"m" * 100
sigs = [
    b"",
    b"\x00",
    b"\x30",
    b"\x30\x00",
    b"\x30\x80",
    b"\x30\xff" + b"\x00" * 10,
    bytes(64),
    b"\xff" * 64,
    b"\xff" * 72,
    os.urandom(100000),
    der_sig(0, 0),
    der_sig(N, N),
    der_sig(N + 1, 1),
    der_sig(1, 2**300),
    der_sig(2**256 - 1, 2**256 - 1),
    b"\x30\x84\xff\xff\xff\xff\x02\x01\x01",
]
sigs += [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80))) for _ in range(300)]
good = sign(msg)
for _ in range(200):
    b = bytearray(good)
    b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    sigs.append(bytes(b))
res = {"backend": name, "sig_true": 0, "sig_false": 0, "sig_exc": {}}
for s in sigs:
    try:
        ok = verify(s, msg)
        res["sig_true" if ok else "sig_false"] += 1
    except Exception as e:
        k = type(e).__name__
        res["sig_exc"][k] = res["sig_exc"].get(k, 0) + 1
# bad keys
key_exc = {}
key_ok = 0
bad_pubs = [bytes(64), b"\xff" * 64, os.urandom(64), PUB[1:33] + bytes(32), b"", os.urandom(65)]
for p in bad_pubs:
    try:
        if name == "gmssl-pyx":
            import gmssl_pyx as g

            g.sm2_verify(p, msg, good)
        elif name == "gmalglib":
            from gmalglib.sm2 import SM2

            SM2(pk=b"\x04" + p[-64:] if len(p) >= 64 else p).verify(msg, good)
        elif name in ("gmssl-pyx-digest",):
            import gmssl_pyx as g

            g.sm2_verify_sm3_digest(p, bytes(32), good)
        elif name == "gmssl-fast":
            import gmssl_fast as g

            g.SM2(public_key=p.hex()).verify(msg, good)
        elif name == "tongsuopy":
            from tongsuopy.crypto import serialization

            spki = SPKI[:-64] + p[-64:] if len(p) >= 64 else SPKI[:-3] + p
            serialization.load_der_public_key(spki)
        else:
            import ossl_ctypes

            spki = SPKI[:-64] + p[-64:] if len(p) >= 64 else SPKI[:-3] + p
            ossl_ctypes.Pub(spki).verify(good, msg)
        key_ok += 1
    except Exception as e:
        k = type(e).__name__
        key_exc[k] = key_exc.get(k, 0) + 1
res["bad_key_accepted"] = key_ok
res["bad_key_exc"] = key_exc
print(json.dumps(res))
