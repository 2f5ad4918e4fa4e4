"""The platform act: establish the ledger."""

from __future__ import annotations

from elicense import acts
from elicense.acts import (
    Signed,
)
from elicense.domain.base import LedgerAggregate
from elicense.domain.platform import Platform
from elicense.errors import (
    DuplicateError,
    InvalidStatementError,
)
from elicense.ledger.rules.pipeline import (
    Context,
    expect_version,
)


def establish(ctx: Context, signed: Signed, act: acts.EstablishLedger) -> LedgerAggregate:
    if ctx.platform is not None:
        raise DuplicateError(
            f"this store already holds ledger {ctx.platform.origin!r}", subject=act.subject
        )
    if act.subject != act.origin:
        raise InvalidStatementError(
            "ledger.establish: subject must equal origin", subject=act.subject
        )
    expect_version(act, None)
    platform = Platform.establish(signed)
    ctx.ws.add(platform)
    return platform
