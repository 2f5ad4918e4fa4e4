"""Reuse commands: ``elicense sharing grant|withdraw``, ``elicense consent grant|withdraw``,
``elicense use``, ``elicense usage`` and ``elicense stats``.

- ``sharing``: the defining authority lists a department for service items
  and fields (责任清单/需求清单), or takes it off;
- ``consent``: the platform records (or withdraws) a holder's 授权 after
  authenticating the holder, signed with ``--platform-key``;
- ``use``: a department signs a use with its seal (``--key``) and submits it;
  with ``--platform-key`` the platform service signs the field-minimised view
  (``--view-out``) and, with ``--copy-days``, the annotated copy (``--copy-out``).
  Exit 0 when used, 1 when the ledger recorded it as refused (the reason code
  is printed), 2 for input errors (nothing recorded);
- ``usage`` and ``stats``: the SQL projection, brought up to date first;
  ``stats --check`` also replays the ledger and exits 1 unless both agree.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec

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
    seal_code,
)
from elicense.cli._open import open_ledger
from elicense.codec import utc_now

__all__ = ["register"]

_AUTH = ("face", "id-card", "e-id", "certificate", "sms", "counter")


def register(sub: Any) -> None:
    """Add sharing, consent, use, usage and stats."""
    sharing = sub.add_parser("sharing", help="grant or withdraw sharing-list entries (责任清单)")
    ss = sharing.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = ss.add_parser("grant", help="list a department for service items, seeing some fields")
    _type_flags(p)
    p.add_argument("--item", action="append", required=True, metavar="CODE", help="service item")
    p.add_argument(
        "--field",
        action="append",
        required=True,
        metavar="NAME",
        help="field it may see: holder.name, license_number … or data.<schema field>",
    )
    p.add_argument("--note", default="", help="a note recorded with the entry")
    p.set_defaults(func=_sharing, withdraw=False)
    p = ss.add_parser("withdraw", help="take a department off (for some items, or all)")
    _type_flags(p)
    p.add_argument("--item", action="append", metavar="CODE", help="default: every item")
    p.add_argument("--reason", required=True, help="why, in words (recorded and signed)")
    p.set_defaults(func=_sharing, withdraw=True)

    consent = sub.add_parser("consent", help="record or withdraw a holder's consent (授权)")
    cs = consent.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = cs.add_parser("grant", help="the platform records a holder's consent")
    _platform_flags(p)
    p.add_argument("--holder", required=True, metavar="CODE", help="身份号码 or USCC")
    p.add_argument("--holder-kind", choices=["ric", "uscc", "other"], help="default: by check")
    p.add_argument("--user", required=True, metavar="USCC", help="the user department")
    p.add_argument("--item", required=True, metavar="CODE", help="the service item")
    p.add_argument("--purpose", required=True, help="事由")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--license", metavar="ID", help="one license")
    scope.add_argument("--type", metavar="CODE", help="or the holder's licenses of a type")
    until = p.add_mutually_exclusive_group()
    until.add_argument("--until", metavar="TIME", help="expiry (ISO 8601)")
    until.add_argument("--days", type=int, default=30, help="expiry in days (default 30)")
    p.add_argument("--code", help="consent code (default: a fresh random one)")
    p.set_defaults(func=_consent_grant)
    p = cs.add_parser("withdraw", help="the platform records the holder's withdrawal")
    _platform_flags(p)
    p.add_argument("code", metavar="CODE", help="the consent code (授权编码)")
    p.add_argument("--reason", required=True, help="why, in words (recorded and signed)")
    p.set_defaults(func=_consent_withdraw)

    p = sub.add_parser("use", help="用证: a department uses a license (signed and submitted)")
    add_ledger_flag(p)
    add_key_flags(p)
    p.add_argument("--request", required=True, metavar="NUMBER", help="the request number")
    p.add_argument("--item", required=True, metavar="CODE", help="the service item")
    p.add_argument("--purpose", required=True, help="事由")
    p.add_argument("--consent", default="", metavar="CODE", help="the holder's consent code")
    p.add_argument("--license", default="", metavar="ID", help="the license used (电子证照标识)")
    p.add_argument("--holder", default="", metavar="CODE", help="with --type, instead of --license")
    p.add_argument("--type", default="", metavar="CODE", help="with --holder: the license type")
    p.add_argument("--field", action="append", default=[], metavar="NAME", help="fields needed")
    p.add_argument("--platform-key", metavar="FILE", help="sign the view as the platform")
    p.add_argument("--view-out", metavar="FILE", help="write the signed view here")
    p.add_argument("--copy-days", type=float, help="also make a 加注件 valid this many days")
    p.add_argument("--copy-out", metavar="FILE", help="write the annotated copy here")
    p.add_argument("--user-name", default="", help="the department's name for the copy")
    add_json_flag(p)
    p.set_defaults(func=_use)

    p = sub.add_parser("usage", help="recorded uses: by holder, license, department or item")
    add_ledger_flag(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--holder", metavar="CODE", help="uses of a holder's licenses (身份号码 or USCC)"
    )
    who.add_argument("--license", metavar="ID", help="uses of one license")
    who.add_argument("--department", metavar="USCC", help="uses by one department")
    who.add_argument("--item", metavar="CODE", help="uses for one service item")
    p.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    add_json_flag(p)
    p.set_defaults(func=_usage)

    p = sub.add_parser("stats", help="用证量, 事项用证率, 证照开通率, 入库量 (docs/statistics.md)")
    add_ledger_flag(p)
    p.add_argument("--since", metavar="TIME", help="period start (recorded time, inclusive)")
    p.add_argument("--until", metavar="TIME", help="period end (exclusive)")
    p.add_argument("--check", action="store_true", help="also replay the ledger and compare")
    add_json_flag(p)
    p.set_defaults(func=_stats)


def _type_flags(p: argparse.ArgumentParser) -> None:
    add_ledger_flag(p)
    add_key_flags(p)
    p.add_argument("type", metavar="TYPE", help="the license type code")
    p.add_argument("--user", required=True, metavar="USCC", help="the user department")
    add_json_flag(p)


def _platform_flags(p: argparse.ArgumentParser) -> None:
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument("--auth", required=True, choices=_AUTH, help="how the holder authenticated")
    p.add_argument("--auth-ref", required=True, help="the platform's record of that")
    add_json_flag(p)


# -- sharing and consents ----------------------------------------------------------------------


def _sharing(args: argparse.Namespace) -> int:
    from elicense.api import Department
    from elicense.cli.submit import deliver

    ledger = open_ledger(args)
    key = read_key(args.key, args)
    ledger.get_license_type(args.type)  # an unknown type is 2, one line; not a refusal
    desk = Department.signing(ledger, key, seal=seal_code(args))
    if args.withdraw:
        signed = desk.unshare_type(
            args.type, user=args.user, service_items=args.item or (), reason=args.reason
        )
    else:
        signed = desk.share_type(
            args.type, user=args.user, service_items=args.item, fields=args.field, note=args.note
        )
    return deliver(args, ledger, [signed])


def _holder_kind(code: str, given: str | None) -> str:
    if given:
        return given
    from elicense.errors import IdentifierError
    from elicense.ids import validate_ric, validate_uscc

    fits = []
    for kind, check in (("ric", validate_ric), ("uscc", validate_uscc)):
        try:
            check(code)
        except IdentifierError:
            continue
        fits.append(kind)
    if not fits:
        fail(f"--holder {code!r} is neither a valid 身份号码 nor a USCC; pass --holder-kind")
    return fits[0]


def _consent_grant(args: argparse.Namespace) -> int:
    from elicense.cli.submit import deliver
    from elicense.reuse.service import ReuseService

    ledger = open_ledger(args)
    service = ReuseService(ledger, read_key(args.platform_key, args))
    until = (
        parse_time(args.until, "--until") if args.until else utc_now() + timedelta(days=args.days)
    )
    code = args.code or service.new_consent_code()
    signed = service.consent_statement(
        code=code,
        holder=args.holder,
        holder_code_kind=_holder_kind(args.holder, args.holder_kind),
        user=args.user,
        service_item=args.item,
        purpose=args.purpose,
        valid_until=until,
        authentication=args.auth,
        authentication_ref=args.auth_ref,
        license=args.license or "",
        license_type=args.type or "",
    )
    return deliver(args, ledger, [signed])


def _consent_withdraw(args: argparse.Namespace) -> int:
    from elicense.errors import RefusedError
    from elicense.reuse.service import ReuseService

    ledger = open_ledger(args)
    service = ReuseService(ledger, read_key(args.platform_key, args))
    try:
        r = service.withdraw_consent(
            args.code,
            reason=args.reason,
            authentication=args.auth,
            authentication_ref=args.auth_ref,
        )
    except RefusedError as e:
        emit(
            args,
            {"ok": False, "error": {"code": e.code, "message": str(e)}},
            f"refused ({e.code}): {e}",
        )
        return EXIT_NO
    emit(
        args,
        {"ok": True, "receipts": [msgspec.to_builtins(r)]},
        f"withdrew consent {args.code} (position {r.position})",
    )
    return EXIT_OK


# -- uses --------------------------------------------------------------------------------------


@contextmanager
def _projection(args: argparse.Namespace, ledger: Any) -> Iterator[Any]:
    """The reuse projection in the ledger's database, brought up to date (closed after)."""
    from elicense_sql import SqlStore
    from elicense_sql.reuse import ReuseProjection

    with SqlStore(ledger_dsn(args)) as store:
        projection = ReuseProjection(store)
        try:
            projection.run(ledger)
        except ValueError:  # a stored row the recorder cannot read (D2): name its position
            for _ in ledger.notifications():  # raises StoredRecordError at that row
                pass
            raise
        yield projection


def _use(args: argparse.Namespace) -> int:
    from elicense.api import Department
    from elicense.reuse.service import ReuseService

    if bool(args.license) == bool(args.holder or args.type):
        fail("name the license with --license, or with --holder and --type")
    ledger = open_ledger(args)
    key = read_key(args.key, args)
    seal = ledger.get_seal(seal_code(args))
    desk = Department.signing(ledger, key, seal=seal.code)
    try:
        signed = desk.request_use(
            f"{seal.department}/{args.request}",
            service_item=args.item,
            purpose=args.purpose,
            consent=args.consent,
            license=args.license,
            holder=args.holder,
            license_type=args.type,
            fields=args.field,
        )
    except ValueError as e:
        fail(str(e))
    if args.holder:  # the platform resolves holder and type to a license
        with _projection(args, ledger) as projection:
            signed = ReuseService(ledger, None, locator=projection.licenses_of).resolve(signed)
    platform = read_key(args.platform_key, args) if args.platform_key else None
    copy_for = timedelta(days=args.copy_days) if args.copy_days else None
    if platform is None:
        receipt = ledger.submit(signed)
        view = copy = b""
    else:
        outcome = ReuseService(ledger, platform).use(
            signed, copy_for=copy_for, user_name=args.user_name
        )
        receipt, view, copy = outcome.receipt, outcome.view, outcome.copy
    files: dict[str, str] = {}
    for data, path, what in ((view, args.view_out, "view"), (copy, args.copy_out, "copy")):
        if data and path:
            Path(path).write_bytes(data)
            files[what] = path
    used = receipt.refused is None
    obj = {
        "ok": used,
        "outcome": "used" if used else "refused",
        "refused": receipt.refused,
        "receipt": msgspec.to_builtins(receipt),
        "files": files,
    }
    text = (
        f"used: recorded {receipt.subject} at position {receipt.position}"
        if used
        else f"refused ({receipt.refused}): recorded {receipt.subject} at position "
        f"{receipt.position}"
    )
    for what, path in files.items():
        text += f"\n{what:5} {path}"
    emit(args, obj, text)
    return EXIT_OK if used else EXIT_NO


def _usage(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, read_only=True)
    with _projection(args, ledger) as projection:
        rows = projection.uses(
            holder=args.holder,
            license=args.license,
            department=args.department,
            service_item=args.item,
            limit=args.limit,
        )
    lines = [f"{len(rows)} use(s)"]
    for r in rows:
        what = ("used " + ",".join(r.fields)) if r.outcome == "used" else f"refused {r.code}"
        lines.append(
            f"{r.recorded_at:%Y-%m-%d %H:%M:%S}  {r.user}  {r.service_item}  "
            f"{r.purpose}  {r.license or '-'}  {what}"
        )
    emit(args, {"ok": True, "uses": [msgspec.to_builtins(r) for r in rows]}, "\n".join(lines))
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    from elicense.reuse.stats import replay

    since = parse_time(args.since, "--since") if args.since else None
    until = parse_time(args.until, "--until") if args.until else None
    if since is not None and until is not None and until < since:
        fail(f"--until {args.until} is before --since {args.since}: expected since <= until")
    ledger = open_ledger(args, read_only=True)
    with _projection(args, ledger) as projection:
        stats = projection.statistics(since, until)
    obj: dict[str, Any] = {"ok": True, "statistics": stats.to_dict()}
    agree = True
    if args.check:
        agree = replay(ledger.notifications()).statistics(since, until) == stats
        obj.update(ok=agree, replay_agrees=agree)
    text = format_statistics(stats)
    if args.check:
        text += "\nreplay      " + ("agrees with the projection" if agree else "DISAGREES")
    emit(args, obj, text)
    return EXIT_OK if agree else EXIT_NO


def format_statistics(s: Any, names: dict[str, str] | None = None) -> str:
    """A readable table of :class:`~elicense.reuse.stats.Statistics`."""
    names = names or {}
    lines = [
        f"用证量      {s.uses:,} uses recorded as used; {s.refused:,} recorded as refused",
        f"事项用证率  {s.item_use_rate:.1%} ({s.items_used} of {s.items_listed} listed service "
        "items used)",
        f"证照开通率  {s.type_opening_rate:.1%} ({s.types_opened} of {s.types_defined} license "
        "types opened for sharing)",
        f"入库量      {s.stored:,} licenses stored",
    ]
    for title, table in (
        ("uses by service item", s.uses_by_item),
        ("uses by license type", s.uses_by_type),
        ("uses by department", s.uses_by_department),
        ("refusals by reason", s.refused_by_code),
        ("stored by license type", s.stored_by_type),
    ):
        if table:
            lines.append(title + ":")
            for key, n in sorted(table.items(), key=lambda kv: (-kv[1], kv[0])):
                label = f"{key} {names[key]}" if key in names else key
                lines.append(f"  {n:>9,}  {label}")
    return "\n".join(lines)
