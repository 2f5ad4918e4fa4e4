"""Hypothesis over random interleavings of sharing grants and withdrawals, consents
granted and withdrawn, uses, suspensions, reinstatements, revocations and the
ledger's clock moving on.

A model predicts each use's outcome (the reason code of the first failed
check, in the ledger's documented order, or used). After every step: the
ledger recorded exactly that outcome, a use never changed a license, and no
use disclosed a field beyond the sharing list. At the end, the SQL
projection's usage rows and statistics equal the pure replay's.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from elicense import acts
from elicense.acts import Statement
from elicense.domain.usage import Use
from elicense.errors import RefusedError
from elicense.lifecycle import RevocationReason
from elicense.reuse.service import ReuseService
from elicense.reuse.stats import replay
from elicense_sql import SqlStore
from elicense_sql.reuse import ReuseProjection
from reuse_support import ITEM, OTHER_ITEM, ReuseWorld

ITEMS = (ITEM, OTHER_ITEM)
FIELD_NAMES = ("holder.name", "license_number", "data.capital", "holder.code")
HOLDER_OF = (1, 1, 2)  # license n+1 is held by holder HOLDER_OF[n]
LIFECYCLE: dict[str, type[Statement]] = {
    "suspend": acts.SuspendLicense,
    "reinstate": acts.ReinstateLicense,
    "revoke": acts.RevokeLicense,
}


@dataclass
class ConsentModel:
    """What the model knows of one consent."""

    holder: int
    user: int
    item: str
    license: int | None  # index into the licenses, or None for the type
    valid_until: datetime
    withdrawn: bool = False


@dataclass
class Model:
    """The expected state: sharing list, consents, license statuses, clock."""

    sharing: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict)
    consents: dict[str, ConsentModel] = field(default_factory=dict)
    status: list[str] = field(default_factory=lambda: ["valid"] * len(HOLDER_OF))

    def outcome(
        self, user: int, item: str, lic: int, consent: str, asked: frozenset[str], at: datetime
    ) -> str | None:
        """The reason code the ledger must record, or None for used."""
        entry = self.sharing.get((user, item))
        if entry is None:
            listed = any(u == user for u, _ in self.sharing)
            return "use.sharing.item_not_listed" if listed else "use.sharing.not_listed"
        if not asked <= entry:
            return "use.fields.not_listed"
        c = self.consents.get(consent)
        if not consent:
            return "use.consent.missing"
        if c is None:
            return "use.consent.unknown"
        for failed, code in (
            (c.user != user, "use.consent.other_department"),
            (c.item != item, "use.consent.other_item"),
            (
                c.holder != HOLDER_OF[lic] or (c.license is not None and c.license != lic),
                "use.consent.other_license",
            ),
            (c.withdrawn, "use.consent.withdrawn"),
            (at > c.valid_until, "use.consent.expired"),
        ):
            if failed:
                return code
        if self.status[lic] != "valid":
            return f"use.license.{self.status[lic]}"
        return None


class ReuseMachine(RuleBasedStateMachine):
    """Drives one ledger and one model with the same steps."""

    def __init__(self) -> None:
        super().__init__()
        self.w = ReuseWorld.new()
        self.clock = self.w.clock.freeze()  # the ledger's clock, moved by tick()
        self.users = (self.w.user, self.w.other)
        self.licenses = [self.w.issue(n + 1, holder=h) for n, h in enumerate(HOLDER_OF)]
        self.service = ReuseService(self.w.ledger, self.w.platform_key)
        self.model = Model()
        for user in (0, 1):  # start with everyone listed and consented to, so that uses
            self.share(user, set(ITEMS), set(FIELD_NAMES))  # also get past the checks
            self.grant(1 + user, user, ITEMS[user], None, 24)
        self.heads = [self._head(i) for i in range(len(HOLDER_OF))]
        self.uses = 0
        self.dir = tempfile.TemporaryDirectory()

    def teardown(self) -> None:
        try:
            store = SqlStore(Path(self.dir.name) / "projection.db")
            projection = ReuseProjection(store)
            projection.run(self.w.ledger, page=7)  # small pages: many tracked transactions
            rebuilt = replay(self.w.ledger.notifications())
            assert projection.uses() == rebuilt.uses()
            assert projection.statistics() == rebuilt.statistics()
            for user in self.users:
                assert projection.uses(department=user.uscc) == rebuilt.uses(department=user.uscc)
            holder = self.w.holder(1).code
            assert projection.uses(holder=holder) == rebuilt.uses(holder=holder)
            assert projection.statistics().uses == sum(r.outcome == "used" for r in rebuilt.rows)
            store.close()
        finally:
            self.w.ledger.close()
            self.dir.cleanup()

    def _head(self, i: int) -> tuple[int, bytes]:
        lic = self.w.ledger.get_license(self.licenses[i])
        return lic.version, lic.head_hash

    def _refused(self, signed: object) -> None:
        before = self.w.ledger.max_position()
        with pytest.raises(RefusedError):
            self.w.submit(signed)  # type: ignore[arg-type]
        assert self.w.ledger.max_position() == before

    # -- sharing list --------------------------------------------------------------------------

    @rule(
        user=st.sampled_from([0, 1]),
        items=st.sets(st.sampled_from(ITEMS), min_size=1),
        fields=st.sets(st.sampled_from(FIELD_NAMES), min_size=1),
    )
    def share(self, user: int, items: set[str], fields: set[str]) -> None:
        self.w.share(self.users[user], items=tuple(sorted(items)), fields=tuple(sorted(fields)))
        for item in items:
            self.model.sharing[(user, item)] = frozenset(fields)

    @rule(user=st.sampled_from([0, 1]), items=st.sets(st.sampled_from(ITEMS)))
    def unshare(self, user: int, items: set[str]) -> None:
        listed = {i for u, i in self.model.sharing if u == user}
        if not listed or not items <= listed:
            with pytest.raises(RefusedError):
                self.w.unshare(self.users[user], items=tuple(sorted(items)))
            return
        self.w.unshare(self.users[user], items=tuple(sorted(items)))
        for item in items or listed:
            del self.model.sharing[(user, item)]

    # -- consents ------------------------------------------------------------------------------

    @rule(
        holder=st.sampled_from([1, 2]),
        user=st.sampled_from([0, 1]),
        item=st.sampled_from(ITEMS),
        scope=st.sampled_from([None, 0, 1, 2]),
        hours=st.integers(1, 48),
    )
    def grant(self, holder: int, user: int, item: str, scope: int | None, hours: int) -> None:
        until = self.clock.now + timedelta(hours=hours)
        if scope is not None and HOLDER_OF[scope] != holder:
            signed = self.w.consent_statement(
                "CN-X",
                holder,
                self.users[user],
                license=self.licenses[scope],
                item=item,
                valid_until=until,
            )
            self._refused(signed)  # a holder cannot consent for someone else's license
            return
        code = self.w.consent(
            holder,
            self.users[user],
            license=self.licenses[scope] if scope is not None else "",
            item=item,
            valid_until=until,
        )
        self.model.consents[code] = ConsentModel(holder, user, item, scope, until)

    @precondition(lambda self: bool(self.model.consents))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        code = data.draw(st.sampled_from(sorted(self.model.consents)))
        c = self.model.consents[code]
        if c.withdrawn:
            with pytest.raises(RefusedError):
                self.service.withdraw_consent(
                    code, reason="再次撤回", authentication="face", authentication_ref="F"
                )
            return
        self.service.withdraw_consent(
            code, reason="撤回", authentication="sms", authentication_ref="S"
        )
        c.withdrawn = True

    # -- licenses and time ---------------------------------------------------------------------

    @rule(lic=st.sampled_from([0, 1, 2]), act=st.sampled_from(["suspend", "reinstate", "revoke"]))
    def lifecycle(self, lic: int, act: str) -> None:
        status = self.model.status[lic]
        allowed = {
            "suspend": status == "valid",
            "reinstate": status == "suspended",
            "revoke": status in ("valid", "suspended"),
        }[act]
        cls = LIFECYCLE[act]
        extra = {"reason_code": RevocationReason.REVOKED} if act == "revoke" else {}
        if not allowed:
            with pytest.raises(RefusedError):
                self.w.lifecycle(cls, self.licenses[lic], **extra)
            return
        self.w.lifecycle(cls, self.licenses[lic], **extra)
        self.model.status[lic] = {"suspend": "suspended", "reinstate": "valid"}.get(act, "revoked")
        self.heads[lic] = self._head(lic)

    @rule(hours=st.integers(1, 30))
    def tick(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    # -- uses ----------------------------------------------------------------------------------

    @rule(
        user=st.sampled_from([0, 1]),
        item=st.sampled_from(ITEMS),
        lic=st.sampled_from([0, 1, 2]),
        consent=st.one_of(st.just(""), st.just("CN-UNKNOWN"), st.integers(0, 20)),
        asked=st.sets(st.sampled_from(FIELD_NAMES), max_size=2),
    )
    def use(self, user: int, item: str, lic: int, consent: str | int, asked: set[str]) -> None:
        if isinstance(consent, int):
            codes = sorted(self.model.consents)
            consent = codes[consent % len(codes)] if codes else ""
        expected = self.model.outcome(user, item, lic, consent, frozenset(asked), self.clock.now)
        r = self.w.use(
            self.users[user],
            item=item,
            license=self.licenses[lic],
            consent=consent,
            fields=tuple(sorted(asked)),
        )
        assert r.refused == expected
        event(f"use: {expected or 'used'}")
        recorded = self.w.ledger._load(r.aggregate_id)
        assert isinstance(recorded, Use)
        assert recorded.refusal == expected
        if expected is None:
            entry = self.model.sharing[(user, item)]
            assert set(recorded.fields) <= entry
            assert set(recorded.fields) == (set(asked) or entry)
        else:
            assert recorded.fields == ()
        self.uses += 1

    @precondition(lambda self: bool(self.model.consents))
    @rule(data=st.data(), asked=st.sets(st.sampled_from(FIELD_NAMES), max_size=2))
    def use_under_a_consent(self, data: st.DataObject, asked: set[str]) -> None:
        """A use that fits a recorded consent (so that uses are also recorded as used)."""
        code = data.draw(st.sampled_from(sorted(self.model.consents)))
        c = self.model.consents[code]
        mine = [i for i, h in enumerate(HOLDER_OF) if h == c.holder]
        lic = c.license if c.license is not None else data.draw(st.sampled_from(mine))
        self.use(c.user, c.item, lic, code, asked)

    @invariant()
    def uses_never_touch_licenses(self) -> None:
        for i in range(len(HOLDER_OF)):
            assert self._head(i) == self.heads[i]


ReuseMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=40, deadline=None)
TestReuseInterleavings = ReuseMachine.TestCase
