"""``elicense show`` and ``elicense list``: what the ledger holds, for its operator.

::

    elicense show ID [--at DATE] [--json]
    elicense list licenses|seals|types [--json]

Both only read: the ledger is opened read-only (no file, table or schema is
created). ``show`` of an identifier the ledger does not hold exits 2 with one
line (it is a name that does not exist, not a verdict: ``verify`` answers those).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from elicense.cli._common import EXIT_OK, add_json_flag, add_ledger_flag, emit
from elicense.cli._common import parse_date as _parse_date
from elicense.cli._open import open_ledger

__all__ = ["register"]

_CREATED = {"licenses": "license.issued", "seals": "seal.made", "types": "type.defined"}
"""The topic each kind of aggregate starts its history with."""


def register(subparsers: Any) -> None:
    """Add ``show`` and ``list``."""
    p = subparsers.add_parser("show", help="what a license says (holder, fields, status, lineage)")
    p.add_argument("identifier", metavar="ID", help="电子证照标识 (any version of it)")
    p.add_argument("--on", metavar="DATE", help="status on this day (default: today, UTC)")
    add_ledger_flag(p)
    add_json_flag(p)
    p.set_defaults(func=_show)

    p = subparsers.add_parser("list", help="the licenses, seals or license types in the ledger")
    p.add_argument("what", choices=sorted(_CREATED), help="what to list")
    add_ledger_flag(p)
    add_json_flag(p)
    p.set_defaults(func=_list)


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _today() -> date:
    from elicense.codec import utc_now

    return utc_now().date()


def _license(lic: Any, on: date) -> dict[str, Any]:
    return {
        "identifier": lic.identifier,
        "type": lic.type_code,
        "issuer": lic.issuer,
        "number": lic.license_number,
        "holder": {
            "name": lic.holder.name,
            "code": lic.holder.code,
            "code_kind": str(lic.holder.code_kind),
        },
        "fields": dict(lic.data),
        "issued_on": _iso(lic.issued_on),
        "valid_from": _iso(lic.valid_from),
        "valid_until": _iso(lic.valid_until),
        "jurisdiction": lic.jurisdiction,
        "service_item": lic.service_item,
        "status": str(lic.status_on(on)),
        "status_on": _iso(on),
        "recorded_status": str(lic.status),
        "suspended_until": _iso(lic.suspended_until),
        "last_operation": lic.operation.value,
        "version": lic.license_id.version,
        "ledger_version": lic.version,
        "lineage": list(lic.lineage),
        "file_sha256": lic.file_digest.hex() if lic.file_digest else None,
    }


def _show(args: argparse.Namespace) -> int:
    on = _parse_date(args.on, "--on") if args.on else _today()
    ledger = open_ledger(args, read_only=True)
    try:
        out = _license(ledger.get_license(args.identifier), on)  # NotFoundError: exit 2
    finally:
        ledger.close()
    emit(args, {"ok": True, "license": out}, _show_text(out))
    return EXIT_OK


def _show_text(out: dict[str, Any]) -> str:
    holder = out["holder"]
    until = out["valid_until"] or "(no end)"
    status = out["status"]
    if status != out["recorded_status"]:
        status += f" (recorded {out['recorded_status']})"
    lines = [
        f"license     {out['identifier']}",
        f"type        {out['type']}",
        f"issuer      {out['issuer']}",
        f"number      {out['number']}",
        f"holder      {holder['name']} ({holder['code_kind']} {holder['code']})",
        f"issued on   {out['issued_on']}",
        f"valid       {out['valid_from']} .. {until}",
        f"status      {status} on {out['status_on']}",
        f"version     {out['version']:03d} (ledger version {out['ledger_version']})",
    ]
    if out["suspended_until"]:
        lines.append(f"suspended   until {out['suspended_until']}")
    lines += [f"field       {k} = {v}" for k, v in sorted(out["fields"].items())]
    lines += [f"was         {previous}" for previous in out["lineage"]]
    return "\n".join(lines)


def _aggregates(ledger: Any, topic: str) -> Iterator[Any]:
    """Each aggregate whose history starts with ``topic``, in the order they were created."""
    for n in ledger.notifications():
        if n.originator_version == 1 and n.topic == topic:
            agg, _ = ledger.replayed_history(n.originator_id)
            if agg is not None:
                yield agg


def _row(what: str, agg: Any, on: date) -> dict[str, Any]:
    if what == "licenses":
        return {
            "identifier": agg.identifier,
            "type": agg.type_code,
            "holder": agg.holder.name,
            "status": str(agg.status_on(on)),
            "valid_until": _iso(agg.valid_until),
        }
    if what == "seals":
        return {
            "code": agg.code,
            "name": agg.name,
            "department": agg.department,
            "status": str(agg.status),
            "valid_until": _iso(agg.valid_until),
            "ses_filed": bool(agg.ses_seal),
        }
    return {
        "code": agg.code,
        "name": agg.name,
        "holder_kind": str(agg.holder_kind),
        "template_version": agg.template_version,
        "retired": bool(agg.retired),
    }


def _list(args: argparse.Namespace) -> int:
    on = _today()
    ledger = open_ledger(args, read_only=True)
    try:
        rows = [_row(args.what, a, on) for a in _aggregates(ledger, _CREATED[args.what])]
    finally:
        ledger.close()
    text = "\n".join("  ".join("-" if v is None else str(v) for v in row.values()) for row in rows)
    emit(args, {"ok": True, args.what: rows}, text or f"(no {args.what})")
    return EXIT_OK
