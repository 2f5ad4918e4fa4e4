"""``elicense ses``: inspect and verify GB/T 38540 / GM/T 0031 seals and signatures.

::

    elicense ses inspect FILE [--picture OUT] [--json]
    elicense ses verify FILE [--content F] [--at TIME] [--trust PEM …] [--json]

``verify`` prints the verification API's verdict (``Verdict.to_dict()``) and
exits 0 when valid, 1 when invalid or indeterminate, 2 for an input error
(unreadable file, bad ``--at``, a trust file without certificates).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elicense.cli._common import EXIT_NO, EXIT_OK, add_json_flag, emit, fail
from elicense.codec import utc_now
from elicense.crypto import ses
from elicense.crypto.x509 import certificate_info
from elicense.errors import EncodingError, KeyFormatError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``ses inspect`` and ``ses verify``."""
    parser = subparsers.add_parser(
        "ses", help="GB/T 38540 electronic seals (电子印章) and signatures (电子签章)"
    )
    sub = parser.add_subparsers(dest="ses_command", metavar="SUBCOMMAND", required=True)

    inspect = sub.add_parser("inspect", help="show a seal's or signature's fields")
    inspect.add_argument("file", metavar="FILE", help="SESeal or SES_Signature (DER)")
    inspect.add_argument("--picture", metavar="OUT", help="write the seal's picture to OUT")
    add_json_flag(inspect)
    inspect.set_defaults(func=_inspect)

    verify = sub.add_parser("verify", help="verify a seal or signature (GB/T 38540 §6.3, §7.3)")
    verify.add_argument("file", metavar="FILE", help="SESeal or SES_Signature (DER)")
    verify.add_argument("--content", metavar="F", help="the protected content, to check dataHash")
    verify.add_argument(
        "--at",
        metavar="TIME",
        help="judge at this ISO 8601 time (UTC when no zone) or 'now'; "
        "default: the signature's timeInfo, or now for a seal",
    )
    verify.add_argument(
        "--trust",
        metavar="PEM",
        action="append",
        default=[],
        help="trusted certificates (PEM, several per file); repeatable",
    )
    add_json_flag(verify)
    verify.set_defaults(func=_verify)


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        fail(f"cannot read {what} {path}: {e.strerror}")


def _parse_time(text: str) -> datetime:
    if text.strip().lower() == "now":
        return utc_now()
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--at: expected an ISO 8601 time such as 2020-10-12T11:14:03Z, found {text!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _verify(args: argparse.Namespace) -> int:
    data = _read(args.file, "file")
    content = _read(args.content, "content") if args.content else None
    at = _parse_time(args.at) if args.at else None
    try:
        trust = ses.TrustAnchors.from_files(*args.trust)
    except KeyFormatError as e:
        fail(str(e))
    verdict = ses.verify(data, trust=trust, content=content, at=at)
    lines = [f"{verdict.outcome.value}: {args.file}"]
    lines += [f"  {f.severity.value:<13} {f.code}: {f.message}" for f in verdict.findings]
    lines += [f"  passed        {code}" for code in verdict.checked]
    emit(args, verdict.to_dict(), "\n".join(lines))
    return EXIT_OK if verdict.ok else EXIT_NO


def _cert(der: bytes) -> dict[str, Any]:
    try:
        info = certificate_info(der)
    except KeyFormatError as e:
        return {"error": str(e), "bytes": len(der)}
    return {
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial,
        "not_before": _iso(info.not_before),
        "not_after": _iso(info.not_after),
        "key_alg": info.key_alg,
        "sha256": info.sha256,
    }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _seal(seal: ses.Seal) -> dict[str, Any]:
    info = seal.info
    pic = info.picture
    return {
        "version": seal.version,
        "header": {"id": info.header_id, "version": info.header_version, "vid": info.vendor_id},
        "es_id": info.es_id,
        "type": info.seal_type,
        "name": info.name,
        "cert_list_type": info.cert_list_type,
        "certificates": [_cert(c) for c in info.certs],
        "cert_digests": [{"type": d.type, "value": d.value.hex()} for d in info.cert_digests],
        "created": _iso(info.created),
        "valid_start": _iso(info.valid_start),
        "valid_end": _iso(info.valid_end),
        "picture": {
            "type": pic.type,
            "width_mm": pic.width_mm,
            "height_mm": pic.height_mm,
            "bytes": len(pic.data),
        },
        "extensions": [
            {"oid": e.oid, "critical": e.critical, "bytes": len(e.value)} for e in info.extensions
        ],
        "maker_certificate": _cert(seal.maker_cert),
        "algorithm": seal.alg_oid,
        "timestamp": seal.timestamp is not None,
    }


def _inspect(args: argparse.Namespace) -> int:
    data = _read(args.file, "file")
    try:
        parsed = ses.parse(data)
    except EncodingError as e:
        fail(str(e))
    seal = parsed if isinstance(parsed, ses.Seal) else parsed.seal
    out: dict[str, Any] = {
        "kind": "seal" if isinstance(parsed, ses.Seal) else "signature",
        "version": parsed.version,
        "seal": _seal(seal),
    }
    if isinstance(parsed, ses.Signature):
        out["signature"] = {
            "tbs_version": parsed.tbs_version,
            "time_info": _iso(parsed.time_info) if parsed.time_info else None,
            "data_hash": parsed.data_hash.hex(),
            "property_info": parsed.property_info,
            "signer_certificate": _cert(parsed.signer_cert),
            "algorithm": parsed.alg_oid,
            "timestamp": parsed.timestamp is not None,
        }
    if args.picture:
        try:
            Path(args.picture).write_bytes(seal.info.picture.data)
        except OSError as e:
            fail(f"cannot write {args.picture}: {e.strerror}")
        out["picture_written"] = args.picture
    emit(args, out, _text(out))
    return EXIT_OK


def _text(out: dict[str, Any]) -> str:
    seal = out["seal"]
    pic = seal["picture"]
    lines = [
        f"{out['kind']} v{out['version']}",
        f"  seal       {seal['name']} ({seal['es_id']}), type {seal['type']}",
        f"  header     {seal['header']['id']}/{seal['header']['version']}/{seal['header']['vid']}",
        f"  validity   {seal['valid_start']} .. {seal['valid_end']}",
        f"  picture    {pic['type']} {pic['width_mm']}×{pic['height_mm']} mm, {pic['bytes']} bytes",
        f"  maker      {seal['maker_certificate'].get('subject', '?')}",
    ]
    lines += [f"  may sign   {c.get('subject', '?')}" for c in seal["certificates"]]
    lines += [f"  may sign   {d['type']} {d['value']}" for d in seal["cert_digests"]]
    if "signature" in out:
        sig = out["signature"]
        lines += [
            f"  signed at  {sig['time_info']} (claimed)",
            f"  signer     {sig['signer_certificate'].get('subject', '?')}",
            f"  protects   {sig['property_info']} (dataHash {sig['data_hash'][:16]}…)",
        ]
    return "\n".join(lines)
