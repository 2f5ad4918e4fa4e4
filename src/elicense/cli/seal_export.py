"""``elicense seal export``: the filed GB/T 38540 seal out of the ledger, for other systems.

::

    elicense seal export CODE --out DIR [--json]

Writes into ``DIR`` (created if missing):

- ``CODE.esl``: the ``SES_Seal`` the platform made when filing (备案), byte for
  byte the annex of the seal's ``seal.filed`` record;
- ``CODE.<type>``: its picture, as the ``SES_Seal`` holds it (``png``, ``svg`` …);
- ``CODE.pem``: its certificates, the maker's (制章者) first and then those the
  seal lists, usable as ``elicense ses verify CODE.esl --trust CODE.pem``.

Read-only on the ledger. A seal that does not exist, or that was filed
without a GB/T 38540 annex (the SES support was not installed then), exits 2
with one line.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from elicense.cli._common import EXIT_OK, add_json_flag, add_ledger_flag, emit, fail
from elicense.cli._open import open_ledger

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``seal export`` to the ``seal`` group (made by :mod:`elicense.cli.setup`)."""
    seal = subparsers.choices["seal"]
    actions = next(a for a in seal._actions if isinstance(a, argparse._SubParsersAction))
    p = actions.add_parser("export", help="write the filed GB/T 38540 seal, picture and PEM")
    p.add_argument("code", metavar="CODE", help="seal code (印章编码)")
    p.add_argument("--out", metavar="DIR", required=True, help="directory to write into")
    add_ledger_flag(p)
    add_json_flag(p)
    p.set_defaults(func=_export)


def _safe_name(code: str) -> str:
    """The seal code as a file name: nothing that climbs out of ``DIR``."""
    if not re.fullmatch(r"[0-9A-Za-z_.\-]+", code) or code in (".", ".."):
        fail(f"seal export: the code {code!r} cannot name a file (expected letters, digits, _.-)")
    return code


def _export(args: argparse.Namespace) -> int:
    from asn1crypto import pem

    from elicense.crypto import ses
    from elicense.errors import EncodingError

    ledger = open_ledger(args, read_only=True)
    try:
        seal = ledger.get_seal(args.code)  # NotFoundError: exit 2
    finally:
        ledger.close()
    annex = bytes(seal.ses_seal or b"")
    if not annex:
        state = "was filed" if str(seal.status) != "made" else "is not filed yet"
        fail(
            f"seal {args.code} {state} without a GB/T 38540 seal (no annex in its "
            "seal.filed record): nothing to export"
        )
    try:
        parsed = ses.parse_seal(annex)
    except EncodingError as e:
        fail(f"seal {args.code}: the recorded GB/T 38540 seal cannot be read: {e}")
    name = _safe_name(args.code)
    picture = parsed.info.picture
    certs = [parsed.maker_cert, *parsed.info.certs]
    pem_text = b"".join(pem.armor("CERTIFICATE", der) for der in certs)
    out = Path(args.out)
    files = {
        f"{name}.esl": annex,
        f"{name}.{picture.type.lower()}": picture.data,
        f"{name}.pem": pem_text,
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for file_name, data in files.items():
            (out / file_name).write_bytes(data)
    except OSError as e:
        fail(f"cannot write into {args.out}: {e.strerror or e}")
    written = [{"file": str(out / n), "bytes": len(d)} for n, d in files.items()]
    text = "\n".join(f"wrote {w['file']} ({w['bytes']} bytes)" for w in written)
    emit(args, {"ok": True, "seal": args.code, "certificates": len(certs), "files": written}, text)
    return EXIT_OK
