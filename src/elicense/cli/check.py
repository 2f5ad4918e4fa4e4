"""``elicense check``: one 电子证照标识, 统一社会信用代码 or 身份号码, judged on its own.

No ledger, no bundle: only the identifier's own rules (GB/T 36904 / the 证照标识
layout, GB 32100-2015, GB 11643-1999) and check characters. Exit 0 when it
checks, 1 when it does not (the answer is about the identifier, like a verdict).
"""

from __future__ import annotations

import argparse
from typing import Any

from elicense.cli._common import EXIT_NO, EXIT_OK, add_json_flag, emit

__all__ = ["register"]

_KINDS = {
    "license": "电子证照标识 (license identifier)",
    "uscc": "统一社会信用代码 (USCC)",
    "ric": "公民身份号码 (RIC)",
}


def register(sub: Any) -> None:
    """Add ``check``."""
    p = sub.add_parser(
        "check",
        help="check a 电子证照标识, 统一社会信用代码 or 身份号码 on its own (no ledger)",
        description="Judge one identifier by its own rules and check character. Exit 0 "
        "when it checks, 1 when it does not.",
    )
    p.add_argument("code", metavar="CODE", help="the identifier, USCC or 身份号码 to check")
    p.add_argument(
        "--kind",
        choices=sorted(_KINDS),
        help="what CODE is (default: a license identifier if it starts with 1.2.156., else "
        "whichever of USCC and 身份号码 it checks as)",
    )
    add_json_flag(p)
    p.set_defaults(func=_check)


def _judge(kind: str, code: str) -> tuple[str, dict[str, Any]]:
    """The normalised code and its parts; raises IdentifierError when it does not check."""
    from elicense.ids import parse_license_id, validate_ric, validate_uscc

    if kind == "license":
        lid = parse_license_id(code)
        return str(lid), {
            "type_code": lid.type_code,
            "issuer_code": lid.issuer_code,
            "serial": lid.serial,
            "version": lid.version,
        }
    if kind == "uscc":
        return validate_uscc(code), {}
    return validate_ric(code), {}


def _candidates(code: str, given: str | None) -> list[str]:
    if given:
        return [given]
    if code.strip().startswith("1.2.156."):
        return ["license"]
    # An 18-character code may be either; the one whose rules it meets answers.
    digits = code.strip()[:17].isdigit()
    return ["ric", "uscc"] if digits else ["uscc", "ric"]


def _check(args: argparse.Namespace) -> int:
    from elicense.errors import IdentifierError

    errors: list[tuple[str, str]] = []
    for kind in _candidates(args.code, args.kind):
        try:
            normalised, parts = _judge(kind, args.code)
        except IdentifierError as e:
            errors.append((kind, str(e)))
            continue
        detail = "".join(f"\n  {k}: {v}" for k, v in parts.items())
        emit(
            args,
            {"ok": True, "kind": kind, "code": normalised, **parts},
            f"{normalised}: checks as a {_KINDS[kind]}{detail}",
        )
        return EXIT_OK
    # Both kinds refused it: say what the nearer one expected (only its check character off).
    near = [e for e in errors if "check character" in e[1]]
    kind, message = (near or errors)[0]
    emit(
        args,
        {"ok": False, "kind": kind, "code": args.code, "error": message},
        f"{args.code}: does not check as a {_KINDS[kind]}: {message}",
    )
    return EXIT_NO
