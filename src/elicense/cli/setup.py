"""Commands that set a ledger up: keys, the ledger itself, seals, license types.

``elicense keygen``, ``elicense init``, ``elicense seal make|file|suspend|reinstate|revoke``,
``elicense type define|revise|retire``.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from elicense import acts
from elicense.acts import Signed
from elicense.api import Department, OfflineVersionError, PlatformOperator
from elicense.cli._common import (
    EXIT_OK,
    add_json_flag,
    add_key_flags,
    add_ledger_flag,
    emit,
    fail,
    parse_time,
    read_key,
    seal_code,
)
from elicense.cli._open import open_ledger
from elicense.cli._picture import PICTURE_TYPES, read_picture
from elicense.cli.submit import deliver
from elicense.codec import utc_now
from elicense.crypto.suites import ECDSA_P256, ED25519, SM2_SM3

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the set-up commands."""
    p = sub.add_parser("keygen", help="generate a key pair (PKCS#8 PEM)")
    p.add_argument(
        "--alg",
        default=ECDSA_P256,
        choices=[ECDSA_P256, ED25519, SM2_SM3],
        help="signing algorithm (default: %(default)s; GB/T 38540 seals use sm2-sm3)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="private key file to write")
    p.add_argument("--password-env", metavar="VAR", help="encrypt with the password in $VAR")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    add_json_flag(p)
    p.set_defaults(func=_keygen)

    p = sub.add_parser("init", help="establish a new ledger with the platform key")
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument(
        "--origin", required=True, help="the ledger's origin, e.g. elicense:city.example"
    )
    p.add_argument("--name", default="电子证照平台", help="the platform's name")
    add_json_flag(p)
    p.set_defaults(func=_init)

    seal = sub.add_parser("seal", help="make, file, suspend, reinstate or revoke seals")
    ss = seal.add_subparsers(dest="seal_command", metavar="ACTION", required=True)
    p = ss.add_parser("make", help="采集: make a seal, signed by its own key")
    add_ledger_flag(p)
    p.add_argument("--key", required=True, metavar="FILE", help="the new seal's key")
    p.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding the key file's password"
    )
    p.add_argument("--code", required=True, help="seal code (印章编码)")
    p.add_argument(
        "--department", required=True, metavar="USCC", help="the department's 统一社会信用代码"
    )
    p.add_argument("--department-name", required=True, help="the department's name (单位名称)")
    p.add_argument("--name", required=True, help="seal name (印章名称)")
    p.add_argument(
        "--kind",
        default="business",
        choices=[k.value for k in acts.SealKind],
        help="official = 公章, business = 业务专用章 (default), contract = 合同专用章, "
        "finance = 财务专用章, invoice = 发票专用章, personal = 名章, other",
    )
    p.add_argument("--valid-from", metavar="TIME", help="default: now")
    p.add_argument("--valid-until", metavar="TIME", help="default: three years from now")
    p.add_argument(
        "--picture", metavar="FILE", help="seal picture (.png, .jpg, .gif, .bmp or .svg)"
    )
    p.add_argument(
        "--picture-type",
        choices=PICTURE_TYPES,
        type=str.upper,
        help="the picture's type (default: from its extension); the bytes must be of it",
    )
    _offline_flags(p)
    p.set_defaults(func=_seal_make)

    p = ss.add_parser("file", help="备案: the platform files a seal")
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument("--code", required=True, help="seal code")
    add_json_flag(p)
    p.set_defaults(func=_seal_file)

    for action, cls in (
        ("suspend", acts.SuspendSeal),
        ("reinstate", acts.ReinstateSeal),
        ("revoke", acts.RevokeSeal),
    ):
        p = ss.add_parser(action, help=f"the platform {action}s a seal")
        add_ledger_flag(p)
        add_key_flags(p, platform=True)
        p.add_argument("--code", required=True, help="seal code (印章编码)")
        p.add_argument("--reason", required=True, help="why, in words (recorded and signed)")
        if action == "revoke":
            p.add_argument(
                "--compromised-since",
                metavar="TIME",
                help="the key was compromised from TIME: what it signed since is not trusted",
            )
        add_json_flag(p)
        p.set_defaults(func=_seal_act, cls=cls)

    typ = sub.add_parser("type", help="define, revise or retire license types")
    ts = typ.add_subparsers(dest="type_command", metavar="ACTION", required=True)
    for action, definition in (("define", acts.DefineType), ("revise", acts.ReviseType)):
        p = ts.add_parser(action, help=f"{action} a license type (catalog entry and template)")
        add_ledger_flag(p)
        add_key_flags(p)
        p.add_argument("--code", required=True, help="21 chars: authority USCC + 3 digits")
        p.add_argument("--name", required=True, help="the type's name, e.g. 营业执照")
        p.add_argument(
            "--kind",
            default="license",
            choices=[k.value for k in acts.LicenseKind],
            help="license = 证照 (default), approval = 批文",
        )
        p.add_argument(
            "--holder-kind",
            default="any",
            choices=[k.value for k in acts.HolderKind],
            help="who may hold it: person (身份号码), organisation (统一社会信用代码), any",
        )
        p.add_argument(
            "--field",
            action="append",
            metavar="NAME:LABEL[:TYPE[:required]]",
            help="a schema field (repeatable); TYPE text|date|number|code",
        )
        p.add_argument("--validity-years", type=int, default=0, help="0: no expiry")
        p.add_argument(
            "--issuer", action="append", metavar="USCC", help="allowed issuer (repeatable)"
        )
        p.add_argument("--template", default="", help="template description")
        _offline_flags(p)
        p.set_defaults(func=_type_define, cls=definition)
    p = ts.add_parser("retire", help="retire a license type")
    add_ledger_flag(p)
    add_key_flags(p)
    p.add_argument("--code", required=True, help="the type's 21-character code")
    p.add_argument("--reason", required=True, help="why, in words (recorded and signed)")
    _offline_flags(p)
    p.set_defaults(func=_type_retire)


def _offline_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", metavar="FILE", help="write the signed statement here instead of submitting"
    )
    p.add_argument("--origin", help="ledger origin (offline signing; default: from the ledger)")
    p.add_argument(
        "--expected-version", type=int, help="subject version signed against (default: current)"
    )
    add_json_flag(p)


def _keygen(args: argparse.Namespace) -> int:
    from elicense.crypto.keys import generate_key, write_key_file

    out = Path(args.out)
    if out.exists() and not args.force:
        fail(f"{out} exists; pass --force to overwrite")
    key = generate_key(args.alg)
    password = None
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            fail(f"--password-env {args.password_env}: the variable is not set")
        password = value.encode()
    write_key_file(key, out, password)
    pub = out.with_name(out.name + ".pub")
    pub.write_bytes(key.public_key.pem())
    emit(
        args,
        {
            "ok": True,
            "alg": key.alg,
            "key_id": key.public_key.key_id,
            "key": str(out),
            "public_key": str(pub),
        },
        f"wrote {out} ({key.alg}, key id {key.public_key.key_id}) and {pub}",
    )
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, must_exist=False)
    key = read_key(args.platform_key, args)
    receipt = ledger.establish(origin=args.origin, name=args.name, signer=key)
    emit(
        args,
        {
            "ok": True,
            "origin": args.origin,
            "platform_key": key.public_key.key_id,
            "position": receipt.position,
        },
        f"established ledger {args.origin} in {ledger.dsn} (platform key {key.public_key.key_id})",
    )
    return EXIT_OK


def _origin(args: argparse.Namespace, ledger: Any) -> str:
    if getattr(args, "origin", None):
        return str(args.origin)
    if ledger is None:
        fail("offline signing needs --origin")
    return str(ledger.origin)


def _seal_make(args: argparse.Namespace) -> int:
    ledger = None if args.out else open_ledger(args)
    key = read_key(args.key, args)
    now = utc_now()
    valid_from = parse_time(args.valid_from, "--valid-from") if args.valid_from else now
    valid_until = (
        parse_time(args.valid_until, "--valid-until")
        if args.valid_until
        else valid_from + timedelta(days=3 * 365)
    )
    picture, picture_type = (
        read_picture(args.picture, args.picture_type) if args.picture else (b"", "PNG")
    )
    signed = _department(args, ledger, key, args.code).make_seal(
        department=args.department,
        department_name=args.department_name,
        name=args.name,
        seal_kind=acts.SealKind(args.kind),
        valid_from=valid_from,
        valid_until=valid_until,
        picture=picture,
        picture_type=picture_type,
    )
    code = deliver(args, ledger, [signed])
    if code == EXIT_OK:
        Path(str(args.key) + ".seal").write_text(args.code + "\n", encoding="utf-8")
    return code


def _seal_file(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    key = read_key(args.platform_key, args)
    ledger.get_seal(args.code)  # an unknown seal is 2, not a refusal
    signed = PlatformOperator.signing(ledger, key).file_seal(args.code)
    return deliver(args, ledger, [signed])


def _seal_act(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    key = read_key(args.platform_key, args)
    ledger.get_seal(args.code)
    operator = PlatformOperator.signing(ledger, key)
    if args.cls is acts.SuspendSeal:
        signed = operator.suspend_seal(args.code, reason=args.reason)
    elif args.cls is acts.ReinstateSeal:
        signed = operator.reinstate_seal(args.code, reason=args.reason)
    else:
        since = getattr(args, "compromised_since", None)
        signed = operator.revoke_seal(
            args.code,
            reason=args.reason,
            compromised_since=parse_time(since, "--compromised-since") if since else None,
        )
    return deliver(args, ledger, [signed])


def _department(args: argparse.Namespace, ledger: Any, key: Any, seal: str) -> Department[Signed]:
    """A department desk signing with ``key`` as ``seal``: against the ledger's versions, or
    offline for ``--origin`` (then acts on existing subjects need ``--expected-version``)."""
    if ledger is not None:
        return Department.signing(ledger, key, seal=seal)
    return Department.offline(_origin(args, ledger), key, seal=seal)


def _schema(fields: list[str] | None) -> tuple[acts.FieldSpec, ...]:
    out = []
    for item in fields or []:
        parts = item.split(":")
        if len(parts) < 2 or not parts[0]:
            fail(f"--field: expected NAME:LABEL[:TYPE[:required]], found {item!r}")
        type_ = parts[2] if len(parts) > 2 and parts[2] else "text"
        if type_ not in {t.value for t in acts.FieldType}:
            fail(f"--field {item!r}: TYPE must be text, date, number or code")
        out.append(
            acts.FieldSpec(
                name=parts[0],
                label=parts[1],
                type=acts.FieldType(type_),
                required=len(parts) > 3 and parts[3] == "required",
            )
        )
    return tuple(out)


def _type_define(args: argparse.Namespace) -> int:
    ledger = None if args.out else open_ledger(args)
    key = read_key(args.key, args)
    code = seal_code(args)
    issuers = tuple(args.issuer or [args.code[:18]])
    desk = _department(args, ledger, key, code)
    definition: dict[str, Any] = {
        "name": args.name,
        "license_kind": acts.LicenseKind(args.kind),
        "holder_kind": acts.HolderKind(args.holder_kind),
        "schema": _schema(args.field),
        "validity": acts.Validity(years=args.validity_years),
        "issuers": issuers,
        "template": args.template,
    }
    try:
        if args.cls is acts.DefineType:
            signed = desk.define_type(args.code, **definition)
        else:
            signed = desk.revise_type(
                args.code, expected_version=args.expected_version, **definition
            )
    except OfflineVersionError:
        fail("offline signing needs --expected-version")
    return deliver(args, ledger, [signed])


def _type_retire(args: argparse.Namespace) -> int:
    ledger = None if args.out else open_ledger(args)
    key = read_key(args.key, args)
    desk = _department(args, ledger, key, seal_code(args))
    try:
        signed = desk.retire_type(
            args.code, reason=args.reason, expected_version=args.expected_version
        )
    except OfflineVersionError:
        fail("offline signing needs --expected-version")
    return deliver(args, ledger, [signed])
