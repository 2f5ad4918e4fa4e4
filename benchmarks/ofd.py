"""Benchmark: verifying a one-page signed OFD against its floor, side by side in one run.

``verify``: a fresh :class:`~elicense.ofd.OfdVerifier` per file, the signer
certificate given as direct trust, every process-wide cache (seal signatures,
parsed embedded seals, parsed certificates and names, parsed keys, issuer
checks) cleared first, so nothing is warm.

``floor``: only the work no verifier can skip, with gmssl_pyx directly: SM3
of each referenced file and of Signature.xml (dataHash), and the bare SM2
verifies of the SES signature and the seal's maker signature (the certificate
signatures: none here — the signer is an anchor, the maker's issuer is not
given). Inputs are inflated beforehand; keys parsed beforehand.

``write``: laying out one license page (:func:`~elicense.ofd.writer.write_license`,
the font's glyphs cut from wqy-microhei held in memory) and sealing it
(:func:`~elicense.ofd.sign.seal_ofd`: Signatures.xml, Seal.esl, SM3
References, the SES v4 signature, the zip). ``write_floor``: one bare SM2
signature (gmssl_pyx) over a TBS_Sign-sized message, SM3 of each file of the
written container, and the zip write of those files.

``floor_inflate`` (context, no target): the floor plus inflating the deflated entries
it hashes — zlib on the raw deflate streams, cut from the container beforehand.

``floor_read`` (context, no target): the floor plus only *reading* the file, no check
made — the zip's central directory (``zipfile``), every entry inflated (zlib, one
call each), the four XML files that lead to the signature (``OFD.xml``,
``Document.xml``, ``Signatures.xml``, ``Signature.xml``) parsed by ElementTree's C
parser, ``SignedValue.dat`` decoded by cryptography's Rust DER decoder and the two
certificates loaded. What ``verify`` spends beyond it is the verification itself
(trust, validity, names, coverage, the verdict).

Run: ``python benchmarks/ofd.py [path/to/one-page.ofd]`` (default: the shared
allprotected.ofd). Prints two JSON objects; target ratios ≤ 1.3 (verify) and
≤ 2 (write).
"""

from __future__ import annotations

import importlib
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import gmssl_pyx

# benchmarks/http.py shadows the standard library's http, which segno (the QR
# the writer draws) needs by way of xml.sax.saxutils: import it without this folder.
_HERE = sys.path.pop(0)
import segno  # noqa: E402, F401

sys.path.insert(0, _HERE)

from _common import emit, interleaved, machine  # noqa: E402
from cryptography import x509 as cx  # noqa: E402
from cryptography.hazmat import asn1  # noqa: E402

from elicense.crypto import suites, x509  # noqa: E402
from elicense.crypto.ses import parse_signature  # noqa: E402
from elicense.crypto.ses.gbt38540_der import _Signature as SIGNATURE_V4  # noqa: E402
from elicense.crypto.x509 import certificate_spki  # noqa: E402
from elicense.ofd import OfdVerifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "testdata" / "ofd" / "allprotected.ofd"
SIGN = "Doc_0/Signs/Sign_0/"
N = 50


ses_verify = importlib.import_module("elicense.crypto.ses.verify")
ses_parse = importlib.import_module("elicense.crypto.ses.parse")


def _cold() -> None:
    ses_verify._SEALS._items.clear()
    ses_parse._parse_embedded_seal.cache_clear()
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

    # context, not the target: the floor plus inflating the deflated entries (zlib, raw
    # deflate streams cut from the container beforehand), work no verifier can skip either
    deflated = _deflated(
        data,
        {
            SIGN + "Signature.xml",
            *(n for n in files if n.endswith(".esl") or not n.startswith(SIGN)),
        },
    )

    def floor_inflate() -> int:
        for _ in range(N):
            for raw in deflated:
                zlib.decompressobj(-15).decompress(raw)
        return floor()

    xml_paths = ["OFD.xml", "Doc_0/Document.xml", "Doc_0/Signs/Signatures.xml"]
    xml_paths.append(SIGN + "Signature.xml")
    certs = [sig.signer_cert, sig.seal.maker_cert]
    asn1.decode_der(SIGNATURE_V4, files[SIGN + "SignedValue.dat"])  # strict DER: decodes

    every_entry = _deflated(data, set(files))

    def floor_read() -> int:
        for _ in range(N):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                z.infolist()
            for raw in every_entry:
                zlib.decompressobj(-15).decompress(raw)
            for name in xml_paths:
                ElementTree.XML(files[name])
            asn1.decode_der(SIGNATURE_V4, files[SIGN + "SignedValue.dat"])
            for der in certs:
                cx.load_der_x509_certificate(der)
        return floor()

    times = interleaved(
        {"verify": verify, "floor": floor, "floor_inflate": floor_inflate, "floor_read": floor_read}
    )
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
            "ratio_to_floor_inflate": times["verify"]["median_us"]
            / times["floor_inflate"]["median_us"],
            "floor_read_ratio": times["floor_read"]["median_us"] / times["floor"]["median_us"],
            "ratio_to_floor_read": times["verify"]["median_us"] / times["floor_read"]["median_us"],
            "machine": machine(),
        }
    )


def _deflated(data: bytes, names: set[str]) -> list[bytes]:
    """The raw deflate streams of the deflated entries ``names`` of zip ``data``."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename not in names or info.compress_type != zipfile.ZIP_DEFLATED:
                continue
            start = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
            begin = start + 30 + name_len + extra_len
            out.append(data[begin : begin + info.compress_size])
    return out


def _seal_for_writing() -> tuple[object, bytes]:
    from datetime import UTC, datetime

    from elicense.crypto.keys import generate_key
    from elicense.crypto.ses.build import SealBuilder
    from elicense.crypto.x509issue import issue_certificate

    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)
    maker, key = generate_key(suites.SM2_SM3), generate_key(suites.SM2_SM3)
    maker_cert = issue_certificate(
        subject="platform",
        public_key=maker.public_key,
        issuer_key=maker,
        not_before=start,
        not_after=end,
        ca=True,
    )
    cert = issue_certificate(
        subject="某市市场监督管理局行政审批专用章",
        public_key=key.public_key,
        issuer_key=maker,
        issuer_cert=maker_cert,
        not_before=start,
        not_after=end,
    )
    seal = (
        SealBuilder()
        .es_id("SEAL-1")
        .name("某市市场监督管理局行政审批专用章")
        .certificates([cert])
        .validity(start, end)
        .created(start)
        .picture(b"<svg/>", type="SVG", width_mm=40, height_mm=40)
        .sign(maker, maker_cert)
    )
    return key, seal.der


def write_main() -> None:
    from datetime import UTC, date, datetime

    from elicense.ofd.font import find_font
    from elicense.ofd.sign import Stamp, seal_ofd, zip_files
    from elicense.ofd.writer import PAGE_ID, STAMP_BOX, LicenseSheet, write_license

    font = find_font().read_bytes()
    key, seal = _seal_for_writing()
    sheet = LicenseSheet(
        title="食品经营许可证",
        rows=(
            ("持证主体", "持证人一"),
            ("证件号码", "110105198001010011"),
            ("证照编号", "JY00000001"),
            ("注册资本", "101"),
            ("经营范围", "预包装食品销售"),
            ("发证机关", "某市市场监督管理局"),
            ("发证日期", "2026-01-01"),
            ("有效期限", "2026-01-01 至 2031-01-01"),
        ),
        identifier="1.2.156.3005.2.11110000000000001R001.11110000000000001R.2026000001.001.M",
        qr="HTTPS://ZWFW.EXAMPLE.GOV.CN/V/" + "A" * 180,
        seal_name="某市市场监督管理局行政审批专用章",
        department="某市市场监督管理局",
        issued_on=date(2026, 1, 1),
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = Stamp(page=PAGE_ID, box=STAMP_BOX)

    def write_one() -> bytes:
        files = write_license(sheet, font, doc_id="0" * 32)
        return seal_ofd(files, seal=seal, key=key, at=at, stamp=stamp)  # type: ignore[arg-type]

    sample = write_one()
    with zipfile.ZipFile(io.BytesIO(sample)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    tbs = parse_signature(files[SIGN + "SignedValue.dat"]).signed_bytes
    xy, d = gmssl_pyx.sm2_key_generate()

    def write() -> int:
        for _ in range(N):
            write_one()
        return N

    def write_floor() -> int:
        for _ in range(N):
            gmssl_pyx.sm2_sign(d, xy, tbs)
            for b in files.values():
                gmssl_pyx.sm3_hash(b)
            zip_files(files)
        return N

    times = interleaved({"write": write, "write_floor": write_floor})
    emit(
        {
            "benchmark": "ofd.write",
            "bytes": len(sample),
            "files": len(files),
            "per_file_us": times,
            "ratio": times["write"]["median_us"] / times["write_floor"]["median_us"],
            "target_ratio": 2.0,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
    write_main()
