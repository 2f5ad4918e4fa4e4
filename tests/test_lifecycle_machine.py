"""One license driven through random acts: the ledger agrees with the lifecycle table.

A Hypothesis state machine issues, amends, renews, suspends, reinstates,
revokes and expires one license on an in-memory ledger, with current and
stale expected versions and old identifiers. A model built only from
``lifecycle.TRANSITIONS`` predicts every answer; the ledger, the aggregate
and the online verifier must agree with it after every step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from elicense import acts
from elicense.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    RefusedError,
    TransitionRefusedError,
)
from elicense.ids import parse_license_id
from elicense.lifecycle import TRANSITIONS, LicenseStatus, RevocationReason
from elicense.verify.verifier import Verifier
from support import TODAY, World

NATIONAL_CODES = {"01", "02", "03", "04", "05", "07"}
KINDS: dict[str, type[acts.Statement]] = {
    "license.amend": acts.AmendLicense,
    "license.renew": acts.RenewLicense,
    "license.suspend": acts.SuspendLicense,
    "license.reinstate": acts.ReinstateLicense,
    "license.revoke": acts.RevokeLicense,
    "license.expire": acts.ExpireLicense,
}
_REVOKING = object()


def table_next(status: LicenseStatus | None, kind: str, reason: RevocationReason | None) -> Any:
    """The table's answer: the next status, or None when the act is not allowed."""
    nxt = TRANSITIONS.get((status, kind))
    if nxt is None or isinstance(nxt, LicenseStatus):
        return nxt
    assert reason is not None
    return reason.status


class LicenseLifecycle(RuleBasedStateMachine):
    """One license on one ledger, against a model of the national lifecycle table."""

    @initialize()
    def setup(self) -> None:
        self.world = World.new()
        self.dept = self.world.department(1)
        self.type_code = self.world.define_type(self.dept)
        self.first = self.world.license_id(self.dept, self.type_code, 1)
        # the model
        self.status: LicenseStatus | None = None
        self.version = 0
        self.versioning_acts = 0
        self.identifiers = [self.first]

    def teardown(self) -> None:
        world = getattr(self, "world", None)
        if world is None:
            return
        try:
            if self.status is not None:
                at = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=12)
                verdict = Verifier.from_ledger(world.ledger).verify(self.identifiers[-1], at=at)
                assert verdict.status == self.status.value, verdict.to_dict()
                assert verdict.ok == (self.status is LicenseStatus.VALID), verdict.to_dict()
                old = self.identifiers[:-1]
                if old:
                    stale = Verifier.from_ledger(world.ledger).verify(old[-1], at=at)
                    assert not stale.ok
                    assert "license.superseded" in stale.codes
        finally:
            world.ledger.close()

    # -- acting ----------------------------------------------------------------------------------

    def _submit(self, signed: Any) -> RefusedError | None:
        position = self.world.ledger.max_position()
        try:
            receipt = self.world.submit(signed)
        except RefusedError as e:
            assert self.world.ledger.max_position() == position
            return e
        assert receipt.position == position + 1
        return None

    @rule()
    def issue(self) -> None:
        """Issuing: recorded once, a duplicate ever after."""
        error = self._submit(self.world.issue(self.dept, self.type_code, 1))
        if self.status is None:
            assert error is None
            self.status, self.version = LicenseStatus.VALID, 1
        else:
            assert isinstance(error, DuplicateError), error

    @rule(
        kind=st.sampled_from(sorted(KINDS)),
        reason=st.sampled_from(list(RevocationReason)),
        stale=st.sampled_from(["current", "older", "newer", "old identifier"]),
    )
    def act(self, kind: str, reason: RevocationReason, stale: str) -> None:
        """Any later act, against the current version or a stale one."""
        identifier, version = self.identifiers[-1], self.version
        if stale == "older":
            version -= 1
        elif stale == "newer":
            version += 1
        elif stale == "old identifier" and len(self.identifiers) > 1:
            identifier = self.identifiers[-2]
        else:
            stale = "current"
        fields: dict[str, Any] = {}
        if kind == "license.revoke":
            fields["reason_code"] = reason
        if kind == "license.renew":
            fields["valid_until"] = TODAY + timedelta(days=365 * (6 + self.versioning_acts))
        signed = self.world.act(self.dept, KINDS[kind], identifier, max(version, 0), **fields)
        error = self._submit(signed)
        if self.status is None:
            assert isinstance(error, NotFoundError), error
            return
        if stale != "current":
            assert isinstance(error, ConflictError), error
            return
        nxt = table_next(self.status, kind, reason)
        if nxt is None:
            assert isinstance(error, TransitionRefusedError), error
            assert error.code == "lifecycle.transition.refused"
            return
        assert error is None, error
        self.status, self.version = nxt, self.version + 1
        if kind in ("license.amend", "license.renew"):
            self.versioning_acts += 1
            self.identifiers.append(str(parse_license_id(identifier).next_version()))

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def aggregate_agrees_with_the_table(self) -> None:
        """Status, version, identifier version and national code as the model says."""
        if self.status is None:
            return
        lic = self.world.ledger.get_license(self.first)
        assert lic.status is self.status
        assert lic.status.code in NATIONAL_CODES
        assert lic.version == self.version
        assert lic.license_id.version == 1 + self.versioning_acts
        assert lic.identifier == self.identifiers[-1]
        assert lic.lineage == tuple(self.identifiers[:-1])

    @invariant()
    def store_holds_one_event_per_recorded_act(self) -> None:
        """Platform, two seal events, the type, and one event per recorded act."""
        assert self.world.ledger.max_position() == 4 + self.version


LicenseLifecycle.TestCase.settings = settings(
    max_examples=40, stateful_step_count=12, deadline=None
)
test_license_lifecycle = LicenseLifecycle.TestCase
