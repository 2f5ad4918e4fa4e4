"""Signing and submitting: ``elicense sign``, ``elicense submit`` and the lifecycle
commands ``issue``, ``amend``, ``renew``, ``suspend``, ``reinstate``, ``revoke``, ``expire``.

Lifecycle commands sign and submit in one step; with ``--out FILE`` they only
sign (offline) and write the signed statement, one JSON object per line, for
``elicense submit`` later.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from elicense import acts
from elicense.acts import Signed, kinds
from elicense.api import Department, PlatformOperator
from elicense.cli._common import (
    EXIT_NO,
    EXIT_OK,
    add_json_flag,
    add_key_flags,
    add_ledger_flag,
    emit,
    fail,
    parse_date,
    parse_pairs,
    progress,
    read_key,
    seal_code,
)
from elicense.cli._open import open_ledger
from elicense.codec import canonical, utc_now
from elicense.errors import BatchRefusedError, ElicenseError, RefusedError
from elicense.ids import LicenseId, parse_license_id
from elicense.lifecycle import RevocationReason

__all__ = ["deliver", "register"]

BATCH = 100


def register(sub: Any) -> None:
    """Add sign, submit and the lifecycle commands."""
    p = sub.add_parser("sign", help="sign a statement file offline")
    p.add_argument("statement", metavar="FILE", help="JSON statement (kind and its fields)")
    add_key_flags(p)
    p.add_argument("--origin", help="fill in the ledger origin if the file has none")
    p.add_argument(
        "--out", metavar="FILE", help="append the signed statement here (default stdout)"
    )
    add_json_flag(p)
    p.set_defaults(func=_sign)

    p = sub.add_parser("submit", help="submit signed statements (JSON lines) to the ledger")
    add_ledger_flag(p)
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="signed statements, one JSON object a line"
    )
    p.add_argument("--partial", action="store_true", help="record the valid ones, report the rest")
    p.add_argument("--batch", type=int, default=BATCH, help="statements per transaction")
    add_json_flag(p)
    p.set_defaults(func=_submit)

    p = sub.add_parser("issue", help="新发: issue a license")
    _act_flags(p)
    p.add_argument("--type", required=True, metavar="CODE", help="license type code")
    p.add_argument("--serial", required=True, help="issuer-chosen serial (≥ 7 of 0-9A-Z)")
    p.add_argument("--number", required=True, help="证照编号, the printed number")
    p.add_argument("--holder-name", required=True, help="the holder's name (持证主体名称)")
    p.add_argument("--holder-code", required=True, help="USCC or 身份号码")
    p.add_argument("--holder-kind", choices=["uscc", "ric", "other"], help="default: by length")
    p.add_argument("--issued-on", metavar="DATE", help="default: today")
    p.add_argument("--valid-from", metavar="DATE", help="default: issued-on")
    p.add_argument(
        "--valid-until",
        metavar="DATE",
        help="last valid day, YYYY-MM-DD (required when the type's validity is limited)",
    )
    p.add_argument("--jurisdiction", default="", help="管辖属地编码")
    p.add_argument("--service-item", default="", help="关联事项编码")
    p.add_argument(
        "--field", action="append", metavar="NAME=VALUE", help="a field of the type (repeatable)"
    )
    p.set_defaults(func=_issue)

    for name, help_ in (
        ("amend", "变更: change fields (the identifier's version grows)"),
        ("renew", "延续: extend validity (the identifier's version grows)"),
        ("suspend", "暂扣"),
        ("reinstate", "暂扣发还"),
        ("revoke", "注销 / 撤销 / 吊销: end a license (--reason-code says which)"),
        ("expire", "失效"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("license", metavar="ID", help="the license identifier")
        _act_flags(p, platform_allowed=name == "expire")
        p.add_argument(
            "--reason",
            required=name not in ("expire",),
            default="",
            help="why, in words (recorded and signed)"
            + ("; the kind of ending is --reason-code" if name == "revoke" else ""),
        )
        if name == "amend":
            p.add_argument(  # --field as on issue; --set kept for existing scripts
                "--field",
                "--set",
                dest="set",
                action="append",
                metavar="NAME=VALUE",
                required=True,
                help="a changed field (repeatable)",
            )
            p.add_argument("--holder-name", help="the holder's new name (更名)")
        if name == "renew":
            p.add_argument(
                "--valid-until", metavar="DATE", required=True, help="new end date, YYYY-MM-DD"
            )
        if name == "suspend":
            p.add_argument(
                "--until", metavar="DATE", help="暂扣 ends on this date, YYYY-MM-DD (default: open)"
            )
        if name == "revoke":
            p.add_argument(
                "--reason-code",
                required=True,
                choices=[r.value for r in RevocationReason],
                help="cancelled = 注销 (at the holder's request or by law), withdrawn = 撤销 "
                "(the issuance itself withdrawn), revoked = 吊销 (a penalty)",
            )
        p.set_defaults(func=_lifecycle, act=name)


def _act_flags(p: argparse.ArgumentParser, *, platform_allowed: bool = False) -> None:
    add_ledger_flag(p)
    if platform_allowed:
        g = p.add_mutually_exclusive_group(required=True)
        g.add_argument("--key", metavar="FILE", help="the issuer's seal key")
        g.add_argument("--platform-key", metavar="FILE", help="or the platform key")
        p.add_argument(
            "--seal",
            metavar="CODE",
            help="seal code (default: FILE.seal beside the key, else $ELICENSE_SEAL)",
        )
        p.add_argument(
            "--password-env",
            metavar="VAR",
            help="environment variable holding the key file's password",
        )
    else:
        add_key_flags(p)
    p.add_argument("--out", metavar="FILE", help="only sign: append the signed statement here")
    p.add_argument("--expected-version", type=int, help="default: the ledger's current version")
    add_json_flag(p)


# -- delivering ------------------------------------------------------------------------------


def deliver(
    args: argparse.Namespace, ledger: Any, signed: Sequence[Signed], *, license: str | None = None
) -> int:
    """Write ``signed`` to ``--out`` (offline), or submit it to ``ledger``.

    Args:
        license: the license's identifier once recorded, to report (新发 makes one;
            变更 and 延续 raise its version: the identifier to export from now on).
    """
    out = getattr(args, "out", None)
    if out:
        with Path(out).open("ab") as f:
            for s in signed:
                f.write(canonical(s) + b"\n")
        emit(
            args,
            {"ok": True, "written": len(signed), "file": out},
            f"signed {len(signed)} statement(s) into {out}",
        )
        return EXIT_OK
    try:
        result = ledger.submit_many(signed)
    except BatchRefusedError as e:
        return _refused(args, e.refusals[0][1])
    receipts = [msgspec.to_builtins(r) for r in result.receipts]
    last = result.receipts[-1]
    obj: dict[str, Any] = {"ok": True, "receipts": receipts}
    text = (
        f"recorded {last.kind} on {last.subject} (version {last.version}, position {last.position})"
    )
    if license is not None:
        obj["license"] = license
        text += f"\nlicense identifier now: {license}"
    emit(args, obj, text)
    return EXIT_OK


def _refused(args: argparse.Namespace, err: RefusedError) -> int:
    emit(
        args,
        {"ok": False, "error": {"code": err.code, "message": str(err), "subject": err.subject}},
        f"refused ({err.code}): {err}",
    )
    return EXIT_NO


# -- sign / submit ---------------------------------------------------------------------------


def _sign(args: argparse.Namespace) -> int:
    key = read_key(args.key, args)
    try:
        raw = msgspec.json.decode(Path(args.statement).read_bytes())
    except (OSError, msgspec.DecodeError) as e:
        fail(f"{args.statement}: {e}")
    if not isinstance(raw, dict) or raw.get("kind") not in kinds():
        fail(f"{args.statement}: expected a JSON object whose kind is one of {sorted(kinds())}")
    raw.setdefault("seal", seal_code(args))
    raw.setdefault("alg", key.alg)
    raw.setdefault("signed_at", utc_now().isoformat().replace("+00:00", "Z"))
    if args.origin:
        raw.setdefault("origin", args.origin)
    if "origin" not in raw:
        fail(
            f"{args.statement} names no origin: pass --origin, the ledger's (elicense init says it)"
        )
    try:
        act = msgspec.convert(raw, kinds()[raw["kind"]], strict=False)
    except (msgspec.ValidationError, ValueError) as e:
        fail(f"{args.statement}: {e}")
    if act.alg != key.alg:
        fail(f"statement says alg {act.alg}, the key is {key.alg}")
    signed = act.sign(key)
    if args.out:
        return deliver(args, None, [signed])
    sys.stdout.write(canonical(signed).decode() + "\n")
    return EXIT_OK


def _read_signed(files: Sequence[str]) -> Iterator[tuple[str, int, bytes]]:
    for name in files:
        try:
            with Path(name).open("rb") as f:
                for n, line in enumerate(f, 1):
                    line = line.strip()
                    if line:
                        yield name, n, line
        except OSError as e:
            fail(f"cannot read {name}: {e.strerror}")


def _submit(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    lines = list(_read_signed(args.files))
    recorded = 0
    refusals: list[dict[str, Any]] = []
    recorded_refused: list[dict[str, Any]] = []  # e.g. a use the ledger recorded as Refused
    bar = progress(len(lines), "submitting", args)
    for start in range(0, len(lines), max(1, args.batch)):
        chunk = lines[start : start + args.batch]
        try:
            result = ledger.submit_many([c[2] for c in chunk], partial=args.partial)
        except BatchRefusedError as e:
            for i, err in e.refusals:
                refusals.append(
                    {
                        "file": chunk[i][0],
                        "line": chunk[i][1],
                        "code": err.code,
                        "message": str(err),
                    }
                )
            bar.close()
            emit(
                args,
                {"ok": False, "recorded": recorded, "refused": refusals},
                f"batch refused, nothing of it recorded ({recorded} recorded before it):\n"
                + "\n".join(
                    f"  {r['file']}:{r['line']}: {r['code']}: {r['message']}" for r in refusals
                ),
            )
            return EXIT_NO
        recorded += len(result.receipts)
        for r in result.receipts:
            if r.refused is not None:
                recorded_refused.append(
                    {"file": chunk[r.index][0], "line": chunk[r.index][1], "code": r.refused}
                )
        for i, err in result.refusals:
            refusals.append(
                {"file": chunk[i][0], "line": chunk[i][1], "code": err.code, "message": str(err)}
            )
        bar.update(len(chunk))
    bar.close()
    ok = not refusals and not recorded_refused
    text = f"recorded {recorded} statement(s)"
    if recorded_refused:
        text += f", {len(recorded_refused)} of them as refused:\n" + "\n".join(
            f"  {r['file']}:{r['line']}: {r['code']}" for r in recorded_refused
        )
    if refusals:
        text += f"\nrefused {len(refusals)}, not recorded:\n" + "\n".join(
            f"  {r['file']}:{r['line']}: {r['code']}: {r['message']}" for r in refusals
        )
    emit(
        args,
        {
            "ok": ok,
            "recorded": recorded,
            "recorded_as_refused": recorded_refused,
            "refused": refusals,
        },
        text,
    )
    return EXIT_OK if ok else EXIT_NO


# -- lifecycle -------------------------------------------------------------------------------


def _issue(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    key = read_key(args.key, args)
    code = seal_code(args)
    seal = ledger.get_seal(code)
    lid = LicenseId.build(type_code=args.type, issuer_code=seal.department, serial=args.serial)
    issued = parse_date(args.issued_on, "--issued-on") if args.issued_on else date.today()
    kind = args.holder_kind or (
        "ric"
        if len(args.holder_code) == 18
        and args.holder_code[:1].isdigit()
        and args.holder_code[6:8] in ("19", "20")
        else "uscc"
    )
    valid_from = parse_date(args.valid_from, "--valid-from") if args.valid_from else issued
    valid_until = parse_date(args.valid_until, "--valid-until") if args.valid_until else None
    if valid_until is not None and valid_until < valid_from:
        fail(
            f"--valid-until {valid_until.isoformat()} is before the start "
            f"{valid_from.isoformat()}: expected an end on or after the start"
        )
    desk = Department.signing(ledger, key, seal=code)
    signed = _signed(
        "IssueLicense",
        lambda: desk.issue(
            str(lid),
            template=_binding(ledger, args.type),
            license_number=args.number,
            holder=acts.Holder(
                name=args.holder_name, code=args.holder_code, code_kind=acts.HolderCodeKind(kind)
            ),
            issued_on=issued,
            valid_from=valid_from,
            valid_until=valid_until,
            jurisdiction=args.jurisdiction,
            service_item=args.service_item,
            data=parse_pairs(args.field, "--field"),
        ),
    )
    if args.out:
        return deliver(args, None, [signed])
    return deliver(args, ledger, [signed], license=str(lid))


def _signed(what: str, make: Callable[[], Signed]) -> Signed:
    """``make()``, with fields that cannot make the act (dates out of order, a malformed
    value) refused in one line (exit 2) before anything is signed."""
    try:
        return make()
    except ValueError as e:  # the act's own checks and msgspec's ValidationError
        fail(f"{what}: {e}")


def _binding(ledger: Any, type_code: str) -> dict[str, Any]:
    """The template binding of ``type_code`` as the ledger has it, or exit 2 naming it."""
    try:
        binding: dict[str, Any] = ledger.template_binding(type_code)
    except ElicenseError as e:
        fail(str(e))
    return binding


def _lifecycle(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    try:
        ledger.get_license(args.license)  # an unknown license is 2, one line; not a refusal
    except ElicenseError as e:
        fail(str(e))
    desk: Department[Signed] | PlatformOperator[Signed]
    if getattr(args, "platform_key", None):
        desk = PlatformOperator.signing(ledger, read_key(args.platform_key, args))
    else:
        desk = Department.signing(ledger, read_key(args.key, args), seal=seal_code(args))
    signed = _signed(args.act, lambda: _act(args, ledger, desk, args.expected_version))
    if args.out:
        return deliver(args, None, [signed])
    # The ledger records an act only on the current identifier, so after 变更/延续 the
    # license's identifier is that one's next version.
    raised = args.act in ("amend", "renew")
    current = str(parse_license_id(args.license).next_version()) if raised else None
    return deliver(args, ledger, [signed], license=current)


def _act(
    args: argparse.Namespace,
    ledger: Any,
    desk: Department[Signed] | PlatformOperator[Signed],
    expected: int | None,
) -> Signed:
    """The lifecycle act ``args.act`` on ``args.license``, made against version ``expected``
    (``--expected-version``; by default the ledger's current version)."""
    lic, reason = args.license, args.reason
    if isinstance(desk, PlatformOperator):  # --platform-key is offered for expire only
        return desk.expire(lic, reason=reason, expected_version=expected)
    if args.act == "amend":
        return desk.amend(
            lic,
            changes=parse_pairs(args.set, "--field"),
            reason=reason,
            holder_name=args.holder_name,
            template=_binding(ledger, parse_license_id(lic).type_code),
            expected_version=expected,
        )
    if args.act == "renew":
        new_end = parse_date(args.valid_until, "--valid-until")
        return desk.renew(lic, valid_until=new_end, reason=reason, expected_version=expected)
    if args.act == "suspend":
        until = parse_date(args.until, "--until") if args.until else None
        return desk.suspend(lic, reason=reason, until=until, expected_version=expected)
    if args.act == "reinstate":
        return desk.reinstate(lic, reason=reason, expected_version=expected)
    if args.act == "revoke":
        code = RevocationReason(args.reason_code)
        return desk.revoke(lic, reason_code=code, reason=reason, expected_version=expected)
    return desk.expire(lic, reason=reason, expected_version=expected)
