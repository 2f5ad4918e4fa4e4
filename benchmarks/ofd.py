"""Benchmark: verifying a one-page signed OFD against its floor, side by side in one run.

``verify``: a fresh :class:`~elicense.ofd.OfdVerifier` per file, the signer
certificate given as direct trust, every process-wide cache (seal signatures,
parsed certificates and names, parsed keys, issuer checks) cleared first, so
nothing is warm.

``floor``: only the work no verifier can skip, with gmssl_pyx directly: SM3
of each referenced file and of Signature.xml (dataHash), and the bare SM2
verifies of the SES signature and the seal's maker signature (the certificate
signatures: none here — the signer is an anchor, the maker's issuer is not
given). Inputs are inflated beforehand; keys parsed beforehand.

Run: ``python benchmarks/ofd.py [path/to/one-page.ofd]`` (default: the shared
allprotected.ofd). Prints one JSON object; target ratio ≤ 1.3.
"""

from __future__ import annotations

import importlib
import io
import sys
import zipfile
from pathlib import Path

import gmssl_pyx
from _common import emit, interleaved, machine

from elicense.crypto import suites, x509
from elicense.crypto.ses import parse_signature
from elicense.crypto.x509 import certificate_spki
from elicense.ofd import OfdVerifier

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "testdata" / "ofd" / "allprotected.ofd"
SIGN = "Doc_0/Signs/Sign_0/"
N = 50


ses_verify = importlib.import_module("elicense.crypto.ses.verify")


def _cold() -> None:
    ses_verify._SEALS._items.clear()
    for fn in (
        x509._load,
        x509._strict,
        x509._cert_names,
        x509.certificate_info,
        suites.public_key,
        x509.verify_issued_by,
        x509.certificate_nonconformance,
    ):
        fn.cache_clear()


def _xy(cert: bytes) -> bytes:
    return certificate_spki(cert)[-64:]  # the uncompressed point's x ‖ y


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
    sig = parse_signature(files[SIGN + "SignedValue.dat"])
    trust = [sig.signer_cert]
    referenced = [b for n, b in files.items() if not n.startswith(SIGN) or n.endswith(".esl")]
    sigxml = files[SIGN + "Signature.xml"]
    checks = [
        (_xy(sig.signer_cert), sig.signed_bytes, sig.signature),
        (_xy(sig.seal.maker_cert), sig.seal.signed_bytes, sig.seal.signed_value),
    ]
    _cold()
    verdict = OfdVerifier(trust).verify(data)
    assert "ses.signature" in verdict.checked
    assert "ofd.references" in verdict.checked

    def verify() -> int:
        for _ in range(N):
            _cold()
            OfdVerifier(trust).verify(data)
        return N

    def floor() -> int:
        for _ in range(N):
            for b in referenced:
                gmssl_pyx.sm3_hash(b)
            gmssl_pyx.sm3_hash(sigxml)
            for xy, msg, s in checks:
                assert gmssl_pyx.sm2_verify(xy, msg, s)
        return N

    times = interleaved({"verify": verify, "floor": floor})
    emit(
        {
            "benchmark": "ofd.verify",
            "file": path.name,
            "files_hashed": len(referenced) + 1,
            "sm2_verifies": len(checks),
            "outcome": verdict.outcome.value,
            "per_file_us": times,
            "ratio": times["verify"]["median_us"] / times["floor"]["median_us"],
            "target_ratio": 1.3,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
