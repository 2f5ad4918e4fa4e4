"""SM2 verification throughput: elicense's suite against a bare loop of the backend, and
GB/T 38540 signature verification with the seal cache warm. Prints one JSON object.

Run: ``python benchmarks/sm2_verify.py [--seconds 1.0]`` (needs the ``sm2`` extra).

Each pair is measured in alternating rounds in one run (these machines are
noisy) and the best round of each is kept, so the ratio compares like with
like. Targets: suite verify ≤ 1.2× the backend's bare digest verify.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import gmssl_pyx

from elicense.crypto import ses
from elicense.crypto.gm import sm3
from elicense.crypto.keys import generate_key
from elicense.crypto.sm2 import BACKEND, Sm2PublicKey
from elicense.crypto.suites import SM2_SM3
from elicense.crypto.x509issue import issue_certificate

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            fn()
        n += 20
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def best_of(
    pairs: dict[str, Callable[[], object]], seconds: float, rounds: int
) -> dict[str, float]:
    """Alternate the functions for ``rounds`` rounds; the best rate of each."""
    best = dict.fromkeys(pairs, 0.0)
    for _ in range(rounds):
        for name, fn in pairs.items():
            best[name] = max(best[name], rate(fn, seconds / rounds))
    return best


def suite_vs_backend(seconds: float, rounds: int) -> dict[str, object]:
    """One SM2 verify over 1 KiB: elicense suite vs gmssl-pyx alone."""
    key = generate_key(SM2_SM3)
    pub = key.public_key
    assert isinstance(pub, Sm2PublicKey)
    msg = os.urandom(1024)
    sig = key.sign(msg)
    xy = pub.point[1:]
    z = pub._z  # the cached Z of the key: the bare loop gets the same head start
    assert pub.verify(sig, msg)
    assert gmssl_pyx.sm2_verify(xy, msg, sig)
    assert gmssl_pyx.sm2_verify_sm3_digest(xy, sm3(z, msg), sig)
    r = best_of(
        {
            "elicense_suite": lambda: pub.verify(sig, msg),
            "backend_digest": lambda: gmssl_pyx.sm2_verify_sm3_digest(xy, sm3(z, msg), sig),
            "backend_message": lambda: gmssl_pyx.sm2_verify(xy, msg, sig),
        },
        seconds,
        rounds,
    )
    sign = best_of({"elicense_sign": lambda: key.sign(msg)}, seconds / 2, 1)
    return {
        "message_bytes": len(msg),
        "verify_per_s": {k: round(v) for k, v in r.items()},
        "sign_per_s": round(sign["elicense_sign"]),
        "ratio_suite_vs_backend_digest": round(r["backend_digest"] / r["elicense_suite"], 3),
        "ratio_suite_vs_backend_message": round(r["backend_message"] / r["elicense_suite"], 3),
        "target": "ratio_suite_vs_backend_digest <= 1.2",
    }


def seal_cache(seconds: float, rounds: int, count: int = 200) -> dict[str, object]:
    """Verify ``count`` distinct signatures made with one seal: the seal's signature is
    verified once, then served from the cache."""
    platform_key, seal_key = generate_key(SM2_SM3), generate_key(SM2_SM3)
    end = T0 + timedelta(days=700)
    pcert = issue_certificate(
        subject="Platform",
        public_key=platform_key.public_key,
        issuer_key=platform_key,
        not_before=T0,
        not_after=end,
        ca=True,
    )
    scert = issue_certificate(
        subject="Seal",
        public_key=seal_key.public_key,
        issuer_key=platform_key,
        issuer_cert=pcert,
        not_before=T0,
        not_after=end,
    )
    seal = (
        ses.SealBuilder()
        .es_id("bench")
        .name("基准印章")
        .certificates([scert])
        .validity(T0, end)
        .created(T0)
        .picture(os.urandom(16_000), type="PNG", width_mm=40, height_mm=40)
        .sign(platform_key, pcert)
    )
    sigs = [
        ses.SignatureBuilder()
        .seal(seal)
        .content(i.to_bytes(4, "big"), property_info=f"doc/{i}")
        .signing_time(T0 + timedelta(seconds=i + 1))
        .sign(seal_key, scert)
        .der
        for i in range(count)
    ]
    verifier = ses.SesVerifier([pcert])
    assert all(verifier.verify(s).ok for s in sigs)  # warms the seal cache
    it = iter(range(1 << 62))
    pub = seal_key.public_key
    parsed = [ses.parse_signature(s) for s in sigs]
    r = best_of(
        {
            "signatures_warm_seal": lambda: verifier.verify(sigs[next(it) % count]),
            "bare_sm2_verify": lambda: pub.verify(parsed[0].signature, parsed[0].signed_bytes),
            "parse_only": lambda: ses.parse_signature(sigs[next(it) % count]),
        },
        seconds,
        rounds,
    )
    return {
        "distinct_signatures": count,
        "seal_bytes": len(seal.der),
        "per_s": {k: round(v) for k, v in r.items()},
        "ratio_signature_vs_one_sm2_verify": round(
            r["bare_sm2_verify"] / r["signatures_warm_seal"], 3
        ),
    }


def main() -> None:
    """Run both comparisons and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="time per comparison")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    args = ap.parse_args()
    out = {
        "backend": BACKEND,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} ({os.cpu_count()} cores, shared)",
        "sm2_verify": suite_vs_backend(args.seconds, args.rounds),
        "ses_signature_verify": seal_cache(args.seconds, args.rounds),
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
