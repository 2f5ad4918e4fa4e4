"""License PDFs: making and verifying them through elicense vs pyHanko alone, in one run.

On a small ledger (P-256 seals by default; ``--alg sm2-sm3`` for SM2 seals with a
P-256 PDF key), interleaved rounds of:

- ``make``: :func:`~elicense.files.pdf.make_license_pdf` (read the ledger, sign the
  QR payload and the seal binding, render the page with fpdf2, sign it with
  pyHanko; ``record=False`` so it can repeat) vs ``pyhanko_sign``: pyHanko signing
  the same pre-rendered page with the same key, certificate and seal picture
  (:func:`~elicense.files.pdf.sign_pdf`, nothing else). The font is loaded once
  per process, so both run warm. Target ≤ 3×.
- ``online``: ``Verifier.verify`` on a ledger that recorded the file (one SHA-256
  lookup, then the license's own verification) vs ``pyhanko_validate``: reading
  the PDF and pyHanko's ``validate_pdf_signature`` with the signer certificate
  as trust root. Target: online ≥ 20× faster.
- ``full``: ``Verifier.verify`` offline (trust bundle), which runs pyHanko's
  validation plus the document, binding and QR checks, vs ``pyhanko_validate``.
  Target ≤ 1.3×.

Usage: python benchmarks/pdf.py [--alg ecdsa-p256-sha256] [--licenses 4] [--rounds 7]
"""

from __future__ import annotations

import argparse
import io
import sys
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/http.py shadows the standard library's http (aiohttp and segno need it):
# this folder goes last on the path, after the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
sys.path.append(str(ROOT / "benchmarks"))

from _common import emit, interleaved, machine  # noqa: E402

from elicense.codec import utc_now  # noqa: E402
from elicense.crypto.keys import generate_key  # noqa: E402
from elicense.crypto.suites import ECDSA_P256  # noqa: E402
from elicense.crypto.x509issue import issue_certificate  # noqa: E402
from elicense.files.pdf import make_license_pdf, page_data, sign_pdf  # noqa: E402
from elicense.files.picture import seal_image  # noqa: E402
from elicense.files.render import find_cjk_font, render_page  # noqa: E402
from elicense.ledger.export import export_trust_bundle  # noqa: E402
from elicense.verify.verifier import Verifier  # noqa: E402
from reuse_support import ReuseWorld  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

HOST = "zwfw.example.gov.cn"


def _pyhanko_validate(data: bytes) -> None:
    sig = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures[0]
    context = ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
    status = validate_pdf_signature(sig, signer_validation_context=context)
    assert status.intact
    assert status.valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alg", default=ECDSA_P256)
    parser.add_argument("--licenses", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    world = ReuseWorld.new(alg=args.alg)
    ids = [world.issue(n) for n in range(1, args.licenses + 1)]
    seal = world.issuer.signatory
    pdf_key = None if args.alg == ECDSA_P256 else generate_key(ECDSA_P256)

    def make(identifier: str, record: bool) -> bytes:
        return make_license_pdf(
            world.ledger,
            identifier,
            seal=seal,
            platform_signer=world.platform_key,
            host=HOST,
            pdf_key=pdf_key,
            record=record,
        )

    pdfs = [make(i, True) for i in ids]  # recorded: the online path finds them
    online = Verifier.from_ledger(world.ledger)
    bundle = export_trust_bundle(world.ledger, world.platform_key, host=HOST)
    offline = Verifier.from_bundle(bundle, platform_keys=[world.platform_key.public_key.pem()])
    for data in pdfs:  # every path must succeed, or its timing means nothing
        assert "file.recorded" in online.verify(data).checked
        verdict = offline.verify(data)
        assert verdict.ok, verdict.codes
        assert "pdf.signature.valid" in verdict.checked
        _pyhanko_validate(data)

    # The baseline's inputs, prepared as make_license_pdf prepares them.
    key = pdf_key if pdf_key is not None else seal.signer
    filed = world.ledger.get_seal(seal.seal)
    at = utc_now()
    cert = issue_certificate(
        subject={"CN": filed.made.name, "O": filed.made.department_name, "OU": seal.seal},
        public_key=key.public_key,
        issuer_key=key,
        not_before=at - timedelta(minutes=5),
        not_after=at + timedelta(days=1),
    )
    picture = seal_image(filed.made, find_cjk_font())
    attached = PdfFileReader(io.BytesIO(pdfs[0]), strict=False).root["/Names"]["/EmbeddedFiles"]
    names = attached["/Names"]
    files = [
        (
            str(names[i]),
            bytes(names[i + 1].get_object()["/EF"]["/F"].get_object().data),
            "application/json",
        )
        for i in range(0, len(names) - 1, 2)
    ]
    payload = online.verify(pdfs[0]).subject or ids[0]
    unsigned = render_page(page_data(world.ledger, ids[0], payload), files, find_cjk_font())

    def ours_make() -> int:
        for i in ids:
            make(i, False)
        return len(ids)

    def hanko_sign() -> int:
        for _ in ids:
            sign_pdf(unsigned, key, cert, picture)
        return len(ids)

    def ours_online() -> int:
        for _ in range(20):
            for d in pdfs:
                online.verify(d)
        return 20 * len(pdfs)

    def ours_full() -> int:
        for d in pdfs:
            offline.verify(d)
        return len(pdfs)

    def hanko_validate() -> int:
        for d in pdfs:
            _pyhanko_validate(d)
        return len(pdfs)

    r = interleaved(
        {
            "make": ours_make,
            "pyhanko_sign": hanko_sign,
            "online": ours_online,
            "full": ours_full,
            "pyhanko_validate": hanko_validate,
        },
        args.rounds,
    )
    med = {k: v["median_us"] for k, v in r.items()}
    low = {k: v["min_us"] for k, v in r.items()}
    make_ratio = med["make"] / med["pyhanko_sign"]
    online_speedup = med["pyhanko_validate"] / med["online"]
    full_ratio = med["full"] / med["pyhanko_validate"]
    world.ledger.close()
    emit(
        {
            "benchmark": "pdf (make and verify a license PDF vs pyHanko alone)",
            "alg": args.alg,
            "licenses": len(ids),
            "rounds": args.rounds,
            "per_pdf_us": r,
            "make_vs_pyhanko_sign": {
                "ratio_median": make_ratio,
                "ratio_min": low["make"] / low["pyhanko_sign"],
                "target": "<= 3",
                "met": make_ratio <= 3,
            },
            "online_speedup_over_pyhanko_validate": {
                "speedup_median": online_speedup,
                "speedup_min": low["pyhanko_validate"] / low["online"],
                "target": ">= 20",
                "met": online_speedup >= 20,
            },
            "full_vs_pyhanko_validate": {
                "ratio_median": full_ratio,
                "ratio_min": low["full"] / low["pyhanko_validate"],
                "target": "<= 1.3",
                "met": full_ratio <= 1.3,
            },
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
