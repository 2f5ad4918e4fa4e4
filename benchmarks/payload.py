"""Verify-me payload verification vs one bare verify of the same signature. Prints JSON.

Per platform algorithm, interleaved in one run (these machines are noisy):

- ``bare``: the library's own verify of the payload's signature over its
  Sig_structure, nothing else — ``cryptography``'s ``public_key.verify`` (DER
  signature for P-256) and, for SM2, ``gmssl_pyx.sm2_verify_sm3_digest`` of
  SM3(Z ‖ M) with Z precomputed (the fastest honest use of the backend; its
  message API, which recomputes Z, is reported as ``bare_message``);
- ``open``: :func:`elicense.payload.open_payload` on the COSE bytes;
- ``verify``: :func:`elicense.payload.verify_payload` on the QR text, with a
  dict-backed ``status_of``, up to the built verdict.

Ratios are per-operation min and median against ``bare``. Floors (issue 10):
verifying a payload ≤ 1.6× one bare verify with P-256, ≤ 1.1× with SM2.

Usage: python benchmarks/payload.py [--ops 400] [--rounds 9]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import cbor2
from _common import emit, interleaved, machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3, PrivateKey
from elicense.errors import UnsupportedAlgorithmError
from elicense.payload import (
    PayloadClaims,
    PlatformKeys,
    make_payload,
    open_payload,
    payload_text,
    record_hash_prefix,
    verify_payload,
)

ORIGIN = "elicense:zwfw.example.gov.cn"
T = datetime(2026, 9, 1, 8, tzinfo=UTC)
FLOORS = {ECDSA_P256: 1.6, SM2_SM3: 1.1}


def _claims(slot: int) -> PayloadClaims:
    return PayloadClaims(
        iss=ORIGIN,
        iat=int(T.timestamp()) - 86_400,
        exp=int(T.timestamp()) + 5 * 365 * 86_400,
        slot=slot,
        eh=record_hash_prefix(slot.to_bytes(8, "big")),
        lt="91110000600037341L001",
        iu="91110000600037341L",
    )


def _bare(key: PrivateKey, cose: bytes) -> dict[str, Callable[[], object]]:
    """One bare verify of the payload's signature with the library directly."""
    protected, _, body, raw = cbor2.loads(cose).value
    data = cbor2.dumps(["Signature1", protected, b"", body])
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if key.alg == SM2_SM3:
        import gmssl_pyx

        from elicense.crypto.gm import sm3

        xy, z, der = key.public_key.point[1:], key.public_key._z, encode_dss_signature(r, s)  # type: ignore[attr-defined]
        assert gmssl_pyx.sm2_verify_sm3_digest(xy, sm3(z, data), der)
        return {
            "bare": lambda: gmssl_pyx.sm2_verify_sm3_digest(xy, sm3(z, data), der),
            "bare_message": lambda: gmssl_pyx.sm2_verify(xy, data, der),
        }
    pub: Any = serialization.load_der_public_key(key.public_key.spki)
    if key.alg == ED25519:
        pub.verify(raw, data)
        return {"bare": lambda: pub.verify(raw, data)}
    der, algorithm = encode_dss_signature(r, s), ec.ECDSA(hashes.SHA256())
    pub.verify(der, data, algorithm)
    return {"bare": lambda: pub.verify(der, data, algorithm)}


def _loop(fn: Callable[[], object], ops: int) -> Callable[[], int]:
    def run() -> int:
        for _ in range(ops):
            fn()
        return ops

    return run


def bench(alg: str, ops: int, rounds: int) -> dict[str, Any]:
    """Interleaved rounds of bare, open and verify for one platform algorithm."""
    key = generate_key(alg)
    keys = PlatformKeys([key.public_key])
    cose = make_payload(_claims(153_217), key)
    text = payload_text(cose, "ZWFW.EXAMPLE.GOV.CN")
    statuses = {153_217: ("valid", T - timedelta(hours=2))}
    status_of = statuses.get
    verdict = verify_payload(text, platform_keys=keys, origin=ORIGIN, status_of=status_of, at=T)
    assert verdict.ok, verdict.findings
    fns = _bare(key, cose) | {
        "open": lambda: open_payload(cose, keys),
        "verify": lambda: verify_payload(
            text, platform_keys=keys, origin=ORIGIN, status_of=status_of, at=T
        ),
    }
    times = interleaved({name: _loop(fn, ops) for name, fn in fns.items()}, rounds)
    bare = times["bare"]
    ratios = {
        f"{name}_vs_bare": {
            "min": round(times[name]["min_us"] / bare["min_us"], 3),
            "median": round(times[name]["median_us"] / bare["median_us"], 3),
        }
        for name in fns
        if name != "bare"
    }
    result: dict[str, Any] = {
        "cose_bytes": len(cose),
        "text_chars": len(text),
        "us_per_op": {
            name: {k: round(v, 2) for k, v in t.items() if k != "max_us"}
            for name, t in times.items()
        },
        "ratios": ratios,
    }
    if alg in FLOORS:
        floor = FLOORS[alg]
        result["floor"] = floor
        result["floor_met_median"] = {
            "open": ratios["open_vs_bare"]["median"] <= floor,
            "verify": ratios["verify_vs_bare"]["median"] <= floor,
        }
    return result


def main() -> None:
    """Run each available algorithm and print the figures as one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=400, help="operations per round")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds")
    args = ap.parse_args()
    out: dict[str, Any] = {"benchmark": "payload", "machine": machine(), "results": {}}
    for alg in (ECDSA_P256, ED25519, SM2_SM3):
        try:
            ops = args.ops if alg != SM2_SM3 else max(1, args.ops // 6)
            out["results"][alg] = bench(alg, ops, args.rounds)
        except UnsupportedAlgorithmError as e:  # no SM2 backend: report, do not fail
            out["results"][alg] = {"skipped": str(e)}
    emit(out)


if __name__ == "__main__":
    main()
