"""``elicense ofd``: inspect and verify signed OFD (GB/T 33190) files.

::

    elicense ofd inspect FILE [--json]
    elicense ofd verify FILE [--trust PEM …] [--at TIME] [--json]
    elicense ofd make ID --out license.ofd --key SEAL.pem --platform-key PLATFORM.pem --host HOST

``elicense verify FILE.ofd`` does the same as ``ofd verify`` (no ledger is
opened for OFD files). ``--trust`` takes PEM files with certificates (trust
anchors) and public keys (for bare digital signatures, whose files carry no
certificate). Exit status: 0 valid, 1 invalid or indeterminate, 2 for
unreadable input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from elicense.cli._common import (
    EXIT_NO,
    EXIT_OK,
    add_json_flag,
    add_key_flags,
    add_ledger_flag,
    emit,
    fail,
)
from elicense.errors import OfdFormatError

__all__ = ["add_trust_flag", "register", "verify_files"]


def register(subparsers: Any) -> None:
    """Add ``ofd inspect``, ``ofd verify`` and ``ofd make``."""
    parser = subparsers.add_parser("ofd", help="signed OFD files (GB/T 33190)")
    sub = parser.add_subparsers(dest="ofd_command", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser("inspect", help="list signatures, signers, seals, covered files, pages")
    p.add_argument("file", metavar="FILE", help="the .ofd file")
    add_json_flag(p)
    p.set_defaults(func=_inspect)
    p = sub.add_parser("verify", help="verify every signature of an OFD file and its coverage")
    p.add_argument("files", nargs="+", metavar="FILE", help="one or more .ofd files")
    add_trust_flag(p)
    p.add_argument("--at", metavar="TIME", help="judge at this time (default: each signing time)")
    add_json_flag(p)
    p.set_defaults(func=_verify)
    p = sub.add_parser("make", help="write, seal (GB/T 38540) and record a license's OFD file")
    p.add_argument("license", metavar="ID", help="the license's 电子证照标识")
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the .ofd")
    add_ledger_flag(p)
    add_key_flags(p)
    p.add_argument("--platform-key", metavar="FILE", required=True, help="signs the QR payload")
    p.add_argument("--host", required=True, help="the public verification host in the QR")
    p.add_argument("--font", metavar="TTF", help="a CJK TrueType font (default: wqy-microhei)")
    p.add_argument("--at", metavar="TIME", help="signing time (default: now)")
    p.add_argument("--continued", action="store_true", help="leave the signature list open (续签)")
    p.add_argument("--no-record", action="store_true", help="do not record file.record")
    add_json_flag(p)
    p.set_defaults(func=_make)


def _make(args: argparse.Namespace) -> int:
    from elicense.cli._common import parse_time, read_key, seal_code
    from elicense.cli._open import open_ledger
    from elicense.files.ofd import issue_license_ofd

    key = read_key(args.key, args)
    platform = read_key(args.platform_key, args)
    at = parse_time(args.at, "--at") if args.at else None
    ledger = open_ledger(args)
    try:
        issued = issue_license_ofd(
            ledger,
            args.license,
            key=key,
            seal=seal_code(args),
            platform_signer=platform,
            host=args.host,
            at=at,
            font=args.font,
            continued=args.continued,
            record=not args.no_record,
        )
    finally:
        ledger.close()
    Path(args.out).write_bytes(issued.data)
    obj: dict[str, Any] = {
        "ok": True,
        "file": args.out,
        "bytes": len(issued.data),
        "sha256": issued.sha256.hex(),
        "sm3": issued.sm3.hex(),
    }
    text = f"wrote {args.out} ({len(issued.data)} bytes, sha256 {issued.sha256.hex()})"
    if issued.receipt is not None:
        obj["position"] = issued.receipt.position
        text += f"\nrecorded file.record at position {issued.receipt.position}"
    emit(args, obj, text)
    return EXIT_OK


def add_trust_flag(p: argparse.ArgumentParser) -> None:
    """``--trust PEM`` (repeatable): certificates and public keys trusted directly."""
    p.add_argument(
        "--trust",
        metavar="PEM",
        action="append",
        default=[],
        help="trusted certificates and public keys (PEM); repeatable",
    )


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


def _trust(paths: list[str]) -> tuple[Any, list[Any]]:
    from asn1crypto import pem

    from elicense.crypto.ses.trust import TrustAnchors
    from elicense.crypto.suites import SM2_SM3, public_key
    from elicense.errors import KeyFormatError

    certs: list[bytes] = []
    keys = []
    for path in paths:
        data = _read(path)
        try:
            blocks = list(pem.unarmor(data, multiple=True)) if pem.detect(data) else []
        except ValueError:
            fail(f"--trust {path}: damaged PEM")
        for kind, _headers, der in blocks:
            if kind == "CERTIFICATE":
                certs.append(der)
            elif kind == "PUBLIC KEY":
                try:
                    keys.append(public_key(SM2_SM3, der))
                except KeyFormatError as e:
                    fail(f"--trust {path}: {e}")
        if not blocks:
            fail(f"--trust {path}: no PEM certificate or public key found")
    try:
        return TrustAnchors(certs), keys
    except KeyFormatError as e:
        fail(f"--trust: {e}")


def verify_files(paths: list[str], trust_paths: list[str], at: Any) -> tuple[list[Any], bool]:
    """Verify the OFD files ``paths``; the verdicts and whether all are valid."""
    from elicense.ofd.verify import OfdVerifier

    anchors, keys = _trust(trust_paths)
    verifier = OfdVerifier(anchors, keys=keys)
    verdicts = [verifier.verify(_read(p), at=at) for p in paths]
    return verdicts, all(v.ok for v in verdicts)


def _verify(args: argparse.Namespace) -> int:
    from elicense.cli._common import parse_time, render_verdict

    at = parse_time(args.at, "--at") if args.at else None
    verdicts, ok = verify_files(args.files, args.trust, at)
    if len(verdicts) == 1:
        obj = verdicts[0].to_dict()
    else:
        results = [dict(v.to_dict(), document=d) for v, d in zip(verdicts, args.files, strict=True)]
        obj = {"ok": ok, "results": results}
    text = "\n".join(render_verdict(v, d) for v, d in zip(verdicts, args.files, strict=True))
    emit(args, obj, text)
    return EXIT_OK if ok else EXIT_NO


def _inspect(args: argparse.Namespace) -> int:
    from elicense.ofd.inspect import describe

    try:
        out = describe(_read(args.file))
    except OfdFormatError as e:
        fail(f"{e.code}: {e}")
    lines = [f"{args.file}: {len(out['files'])} files"]
    for d in out["documents"]:
        pages = ", ".join(f"{p['id']}={p['content']}" for p in d["pages"])
        lines.append(f"  document {d['root']}: pages {pages}")
        for s in d["signatures"]:
            lines.append(f"  signature {s['id']} ({s['type']}) {s['file']}")
            if "error" in s:
                lines.append(f"    error      {s['error']['code']}: {s['error']['message']}")
                continue
            if "seal" in s:
                seal = s["seal"]
                lines.append(
                    f"    seal       {seal['name']} ({seal['es_id']}), SES v{s['ses_version']}"
                )
                lines.append(f"    signer     {s.get('signer')}")
            lines.append(f"    time       {s['time']} ({s['provider']})")
            lines.append(f"    covers     {len(s['covers'])} files ({s['check_method']})")
            for st in s["stamps"]:
                lines.append(f"    stamp      page {st['page']} at {st['boundary']}")
    lines.append(f"  unprotected {', '.join(out['unprotected']) or '(none)'}")
    emit(args, {"ok": True, **out}, "\n".join(lines))
    return EXIT_OK
