"""What the ledger checks before it records a statement: one rule per act.

A rule receives the batch's working set and context (:mod:`.pipeline`), the
signed statement and the decoded act. It raises a
:class:`~elicense.errors.RefusedError` — recording nothing — or calls the
aggregate command that records the event. Rules spanning two aggregates (is
this seal filed, does this department issue this type) live here, in the
application, not in an aggregate. Each act's rule is found by name in the
module of its aggregate: :mod:`.seals` (make, file, suspend, reinstate,
revoke), :mod:`.types` (define, revise, retire, share, unshare),
:mod:`.licenses` (issue, amend, renew, suspend, reinstate, revoke, expire,
record_file), :mod:`.consents`, :mod:`.uses`, :mod:`.platform`.

:data:`RULES` is the literal table the ledger dispatches through: the kind,
who must sign it, the rule, and the aggregates the rule will read (so a batch
reads them all in one query).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from elicense.acts import Signed, Statement
from elicense.domain.base import LedgerAggregate
from elicense.domain.seal import Seal
from elicense.errors import ElicenseError
from elicense.ledger.rules import consents, licenses, platform, seals, types, uses
from elicense.ledger.rules.pipeline import Context, SignerRole, WorkingSet, signer_key

__all__ = ["ANNEX_KINDS", "RULES", "Context", "Rule", "SignerRole", "WorkingSet", "signer_key"]

Targets = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Rule:
    """A kind's rule, the signer the kind needs, and the aggregates the rule reads."""

    role: SignerRole
    fn: Callable[[Context, Signed, Any], LedgerAggregate]
    targets: Targets | None = None


_SEAL, _PLATFORM = SignerRole.SEAL, SignerRole.PLATFORM

RULES: Final[dict[str, Rule]] = {
    "ledger.establish": Rule(_PLATFORM, platform.establish),
    "seal.make": Rule(SignerRole.SELF, seals.make, seals.targets),
    "seal.file": Rule(_PLATFORM, seals.file, seals.targets),
    "seal.suspend": Rule(_PLATFORM, seals.suspend, seals.targets),
    "seal.reinstate": Rule(_PLATFORM, seals.reinstate, seals.targets),
    "seal.revoke": Rule(_PLATFORM, seals.revoke, seals.targets),
    "type.define": Rule(_SEAL, types.define, types.targets),
    "type.revise": Rule(_SEAL, types.revise, types.targets),
    "type.retire": Rule(_SEAL, types.retire, types.targets),
    "type.share": Rule(_SEAL, types.share, types.targets),
    "type.unshare": Rule(_SEAL, types.unshare, types.targets),
    "license.issue": Rule(_SEAL, licenses.issue, licenses.targets),
    "license.amend": Rule(_SEAL, licenses.amend, licenses.targets),
    "license.renew": Rule(_SEAL, licenses.renew, licenses.targets),
    "license.suspend": Rule(_SEAL, licenses.suspend, licenses.targets),
    "license.reinstate": Rule(_SEAL, licenses.reinstate, licenses.targets),
    "license.revoke": Rule(_SEAL, licenses.revoke, licenses.targets),
    "license.expire": Rule(SignerRole.SEAL_OR_PLATFORM, licenses.expire, licenses.targets),
    "file.record": Rule(_SEAL, licenses.record_file, licenses.file_targets),
    "consent.grant": Rule(_PLATFORM, consents.grant, consents.targets),
    "consent.withdraw": Rule(_PLATFORM, consents.withdraw, consents.targets),
    "use.request": Rule(_SEAL, uses.request, uses.targets),
}
"""Statement kind → its rule. Every kind of :data:`elicense.acts.KINDS` has one."""

ANNEX_KINDS: Final = frozenset({"seal.file", "use.request"})
"""Kinds whose signed statements may carry an annex (each rule checks its own):
a filing's GB/T 38540 ``SES_Seal``; the platform's resolution of a use by holder and type."""


def prefetch_ids(act: Statement) -> list[Any]:
    """The aggregate ids handling ``act`` will read (best effort, never raises)."""
    ids: list[Any] = []
    if not act.by_platform and act.kind != "seal.make":
        ids.append(Seal.id_for(act.seal))
    rule = RULES.get(act.kind)
    if rule is not None and rule.targets is not None:
        with contextlib.suppress(ElicenseError, ValueError):  # the rule reports it
            ids.extend(rule.targets(act))
    return ids
