"""``elicense pdf make``: the license PDF, rendered, signed (PAdES) and recorded."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from elicense.cli._common import (
    EXIT_OK,
    add_json_flag,
    add_key_flags,
    add_ledger_flag,
    emit,
    read_key,
    seal_code,
)
from elicense.cli._open import open_ledger

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``pdf make``."""
    parser = subparsers.add_parser("pdf", help="license PDFs (needs the pdf extra)")
    sub = parser.add_subparsers(dest="pdf_command", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser("make", help="render, sign (PAdES B-B) and record a license's PDF")
    p.add_argument("identifier", metavar="ID", help="the license's current 电子证照标识")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the PDF")
    add_key_flags(p)
    p.add_argument("--platform-key", metavar="FILE", required=True, help="platform key (QR)")
    p.add_argument("--host", required=True, help="the public verification host in the QR")
    p.add_argument(
        "--pdf-key",
        metavar="FILE",
        help="P-256 key of the PAdES signature (needed when the seal is SM2)",
    )
    add_ledger_flag(p)
    add_json_flag(p)
    p.set_defaults(func=_make)


def _make(args: argparse.Namespace) -> int:
    from elicense.files.pdf import make_license_pdf
    from elicense.signatory import Signatory

    ledger = open_ledger(args)
    try:
        seal = Signatory(
            origin=ledger.origin, seal=seal_code(args), signer=read_key(args.key, args)
        )
        data = make_license_pdf(
            ledger,
            args.identifier,
            seal=seal,
            platform_signer=read_key(args.platform_key, args),
            host=args.host,
            pdf_key=read_key(args.pdf_key, args) if args.pdf_key else None,
        )
    finally:
        ledger.close()
    Path(args.out).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    emit(
        args,
        {"license": args.identifier, "out": args.out, "sha256": digest, "bytes": len(data)},
        f"wrote {args.out} ({len(data)} bytes, sha256 {digest}); recorded as file.record",
    )
    return EXIT_OK
