"""Exporting and verifying: ``elicense export``, ``elicense trust export``, ``elicense verify``."""

from __future__ import annotations

import argparse
from datetime import timedelta
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
    ledger_dsn,
    parse_time,
    read_key,
    render_verdict,
    write_output,
)
from elicense.cli._open import open_ledger

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add export, trust export and verify."""
    p = sub.add_parser("export", help="export a license document for offline verification")
    add_ledger_flag(p)
    p.add_argument("license", metavar="ID", help="the license identifier (电子证照标识)")
    p.add_argument("--out", metavar="FILE", help="default: stdout")
    add_json_flag(p)
    p.set_defaults(func=_export)

    trust = sub.add_parser("trust", help="trust bundles for offline verifiers")
    ts = trust.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    p = ts.add_parser("export", help="export the platform-signed trust bundle")
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument("--out", metavar="FILE", required=True, help="the bundle file to write")
    p.add_argument(
        "--host",
        default="",
        metavar="HOST",
        help="the platform's public verification host, carried in the bundle (verify-me QR URLs)",
    )
    add_json_flag(p)
    p.set_defaults(func=_trust_export)

    p = sub.add_parser("payload", help="the verify-me QR text of a license (made by the platform)")
    add_ledger_flag(p)
    p.add_argument("license", metavar="ID", help="the license's current identifier")
    add_key_flags(p, platform=True)
    p.add_argument("--host", required=True, metavar="HOST", help="public verification host")
    p.add_argument(
        "--minutes",
        type=int,
        metavar="N",
        help="the short-lived form for showing on a phone (亮证), valid N minutes (1–60)",
    )
    p.add_argument(
        "--with-identifier",
        action="store_true",
        help="carry the license identifier in the payload (opt-in; off by default)",
    )
    add_json_flag(p)
    p.set_defaults(func=_payload)

    p = sub.add_parser("verify", help="verify license documents or identifiers")
    add_ledger_flag(p)
    p.add_argument("documents", nargs="+", metavar="DOC", help="document file or identifier")
    p.add_argument("--bundle", metavar="FILE", help="verify offline against this trust bundle")
    p.add_argument(
        "--platform-pub",
        action="append",
        metavar="PEM",
        help="pinned platform public key (repeatable; needed with --bundle)",
    )
    p.add_argument(
        "--at",
        metavar="TIME",
        help="judge validity at this time, ISO 8601 like 2026-11-22T08:00:00Z (default: now)",
    )
    p.add_argument(
        "--max-age",
        metavar="HOURS",
        type=hours,
        help="with --bundle: the oldest bundle accepted, in hours (default 24); older "
        "bundles make verdicts indeterminate (trust.stale)",
    )
    p.add_argument(
        "--trust",
        metavar="PEM",
        action="append",
        default=[],
        help="for OFD files: trusted certificates and public keys (PEM), besides the seals "
        "filed on the ledger or bundle; repeatable",
    )
    add_json_flag(p)
    p.set_defaults(func=_verify)


def hours(text: str) -> timedelta:
    """``--max-age``: a positive number of hours (argparse reports a ValueError in one line)."""
    hours = float(text)
    if not 0 < hours < 24 * 365 * 100:
        raise ValueError(text)
    return timedelta(hours=hours)


def _export(args: argparse.Namespace) -> int:
    from elicense.ledger.export import export_license

    write_output(args, export_license(open_ledger(args, read_only=True), args.license))
    return EXIT_OK


def _trust_export(args: argparse.Namespace) -> int:
    from elicense.ledger.export import export_trust_bundle

    ledger = open_ledger(args)
    key = read_key(args.platform_key, args)
    data = export_trust_bundle(ledger, key, host=args.host)
    Path(args.out).write_bytes(data)
    emit(
        args,
        {"ok": True, "file": args.out, "bytes": len(data), "as_of": ledger.max_position()},
        f"wrote {args.out} ({len(data)} bytes, as of position {ledger.max_position()})",
    )
    return EXIT_OK


def _payload(args: argparse.Namespace) -> int:
    from elicense.ledger.payloads import license_payload

    ledger = open_ledger(args)
    key = read_key(args.platform_key, args)
    if args.minutes is not None and not 1 <= args.minutes <= 60:
        fail(f"--minutes must be 1–60, found {args.minutes}")
    text = license_payload(
        ledger,
        args.license,
        key,
        host=args.host,
        minutes=args.minutes,
        with_identifier=args.with_identifier,
    )
    emit(args, {"ok": True, "license": args.license, "payload": text}, text)
    return EXIT_OK


def _ledger_log(dsn: str, origin: str) -> Any:
    """The log in the ledger's database, if it has one (online verification then proves
    the newest records into the log's signed checkpoint)."""
    if dsn == "memory:":
        return None
    from elicense_sql.log_proofs import SqlLog

    return SqlLog.existing(dsn, origin)


def _verify(args: argparse.Namespace) -> int:
    from elicense.verify.verifier import Verifier

    at = parse_time(args.at, "--at") if args.at else None
    docs: list[str | Path] = [
        d if d.startswith("1.2.156.") or d[:8].upper() == "HTTPS://" else Path(d)
        for d in args.documents
    ]
    for d in docs:
        if isinstance(d, Path) and not d.is_file():
            fail(f"no such document: {d}")
    if (
        args.ledger is None
        and not args.bundle
        and all(isinstance(d, Path) and _is_ofd(d) for d in docs)
    ):
        return _verify_ofd(args)  # OFD files alone: verified with --trust, no ledger nor bundle
    ofd = _ofd_trust(args.trust)
    if args.max_age is not None and not args.bundle:
        fail("--max-age applies to a trust bundle: pass --bundle FILE with it")
    if args.bundle:
        if not args.platform_pub:
            fail("--bundle needs --platform-pub (the platform public key you trust)")
        keys = [Path(p).read_bytes() for p in args.platform_pub]
        limits = {"max_age": args.max_age} if args.max_age is not None else {}
        with Verifier.from_bundle(
            Path(args.bundle).read_bytes(), platform_keys=keys, **limits, **ofd
        ) as v:
            verdicts = v.verify_many(docs, at=at)
    else:
        ledger = open_ledger(args, read_only=True)
        log = _ledger_log(ledger_dsn(args), ledger.origin)
        try:
            verdicts = Verifier.from_ledger(ledger, log=log, **ofd).verify_many(docs, at=at)
        finally:
            if log is not None:
                log.store.close()
            ledger.close()
    ok = all(v.ok for v in verdicts)
    if len(verdicts) == 1:
        obj = verdicts[0].to_dict()
    else:
        obj = {
            "ok": ok,
            "results": [
                dict(v.to_dict(), document=str(d)) for v, d in zip(verdicts, docs, strict=True)
            ],
        }
    text = "\n".join(render_verdict(v, str(d)) for v, d in zip(verdicts, docs, strict=True))
    emit(args, obj, text)
    return EXIT_OK if ok else EXIT_NO


def _ofd_trust(paths: list[str]) -> dict[str, Any]:
    """``--trust`` as the verifier's OFD anchors and keys (none given: none)."""
    if not paths:
        return {}
    from elicense.cli.ofd import _trust

    anchors, keys = _trust(paths)
    return {"ofd_anchors": tuple(anchors), "ofd_keys": keys}


def _is_ofd(path: Path) -> bool:
    from elicense.ofd import is_ofd

    try:
        return is_ofd(path.read_bytes())
    except OSError:
        return False


def _verify_ofd(args: argparse.Namespace) -> int:
    from elicense.cli import ofd

    args.files = args.documents
    return ofd._verify(args)
