"""Seal acts: make (by the seal's own key); file with its GB/T 38540 annex; suspend, revoke …"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from elicense import acts
from elicense.acts import (
    Signed,
    Statement,
)
from elicense.crypto.ses.parse import parse_seal
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.ses.verify import SesVerifier
from elicense.crypto.suites import key_id
from elicense.crypto.x509 import certificate_spki
from elicense.domain.base import LedgerAggregate
from elicense.domain.seal import Seal
from elicense.errors import (
    DuplicateError,
    ElicenseError,
    InvalidStatementError,
    NotFoundError,
)
from elicense.ledger.rules.pipeline import (
    Context,
    expect_version,
    valid_uscc,
)


def targets(act: Statement) -> list[Any]:
    return [Seal.id_for(act.subject)]


_SEAL_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


def make(ctx: Context, signed: Signed, act: acts.MakeSeal) -> LedgerAggregate:
    if not _SEAL_CODE.fullmatch(act.subject):
        raise InvalidStatementError(
            f"seal code must be 1–64 of [0-9A-Za-z._-], found {act.subject!r}",
            code="statement.identifier.invalid",
            subject=act.subject,
        )
    valid_uscc(act.department, "department", act.subject)
    if ctx.ws.seal(act.subject) is not None:
        raise DuplicateError(f"seal {act.subject} already exists", subject=act.subject)
    expect_version(act, None)
    seal = Seal.make(signed)
    ctx.ws.add(seal)
    return seal


def _existing_seal(ctx: Context, act: Statement) -> Seal:
    seal = ctx.ws.seal(act.subject)
    if seal is None:
        raise NotFoundError(f"seal {act.subject} does not exist", subject=act.subject)
    expect_version(act, seal)
    return seal


def file(ctx: Context, signed: Signed, act: acts.FileSeal) -> LedgerAggregate:
    """File (备案) a made seal, by the platform key, with the seal's GB/T 38540 ``SES_Seal``.

    The annex is required: a filed seal without its ``SES_Seal`` could not be
    exported to, or verified by, any GB/T 38540 system.
    """
    seal = _existing_seal(ctx, act)
    if act.key_id != key_id(seal.public_key):
        raise InvalidStatementError(
            f"filing names key {act.key_id}, seal {seal.code} has key {key_id(seal.public_key)}",
            code="seal.key.mismatch",
            subject=act.subject,
        )
    if not signed.annex:
        raise InvalidStatementError(
            f"filing of seal {seal.code} carries no GB/T 38540 SES_Seal annex "
            "(make it with elicense.filing.make_filing_seal)",
            code="seal.annex.missing",
            subject=seal.code,
        )
    check_filing_annex(ctx, seal, signed.annex)
    seal.file(signed, ses_seal=signed.annex)
    return seal


def _seconds(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(microsecond=0)


def check_filing_annex(ctx: Context, seal: Seal, annex: bytes) -> None:
    """Refuse a filing whose ``SES_Seal`` annex is not a platform-made seal of this seal.

    Checks: it parses; its maker certificate holds a key of this platform and
    its seal signature verifies under it; its code, key (in its certificate
    list) and validity are the filed seal's.
    """

    def refuse(why: str) -> InvalidStatementError:
        return InvalidStatementError(
            f"filing of seal {seal.code}: SES_Seal annex {why}",
            code="seal.annex.invalid",
            subject=seal.code,
        )

    try:
        parsed = parse_seal(annex)
        maker = certificate_spki(parsed.maker_cert)
    except (ElicenseError, ValueError) as e:
        raise refuse(f"does not parse: {e}") from None
    platform = ctx.platform
    keys = {k.spki for k in platform.keys.values()} if platform is not None else set()
    if maker not in keys:
        raise refuse("is not made by this platform's key")
    verdict = SesVerifier(TrustAnchors([parsed.maker_cert])).verify_seal(parsed, at=ctx.now)
    if "ses.seal.signature" not in verdict.checked:
        raise refuse("maker signature does not verify")
    info = parsed.info
    if info.es_id != seal.code:
        raise refuse(f"names seal {info.es_id!r}")
    certs = []
    for der in info.certs:
        try:
            certs.append(certificate_spki(der))
        except (ElicenseError, ValueError):
            continue
    if seal.public_key not in certs:
        raise refuse("lists no certificate for the seal's key")
    if (_seconds(info.valid_start), _seconds(info.valid_end)) != (
        _seconds(seal.valid_from),
        _seconds(seal.valid_until),
    ):
        raise refuse("validity differs from the seal's")


def suspend(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.suspend(signed)
    return seal


def reinstate(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.reinstate(signed)
    return seal


def revoke(ctx: Context, signed: Signed, act: Statement) -> LedgerAggregate:
    seal = _existing_seal(ctx, act)
    seal.revoke(signed)
    return seal
