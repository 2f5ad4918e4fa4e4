"""The LicenseType aggregate (证照目录 + 证照模板): defined, revised, retired, and its
sharing list (责任清单 / 需求清单) granted and withdrawn.

A license type is a catalog entry with a field schema, a validity rule and
the departments allowed to issue it. Its code is 21 characters: the defining
authority's USCC and a 3-digit type number, so the authority that may
define, revise and retire it is written in the code itself.

What each event does to the type's state, and the rules for "may this
department issue a license of this type with these fields" (:func:`issue_refusal`,
:func:`template_refusal`, :func:`data_problems`), live in
:mod:`elicense.domain.state.license_type`, shared with the verifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import (
    FieldSpec,
    HolderKind,
    LicenseKind,
    Signed,
    UnshareType,
    Validity,
    decode_statement,
)
from elicense.domain.base import LedgerAggregate
from elicense.domain.sharing import SharingList
from elicense.domain.state import deterministic_id
from elicense.domain.state import license_type as state
from elicense.domain.state.license_type import (
    LicenseTypeView,
    data_problems,
    issue_refusal,
    template_refusal,
)
from elicense.errors import (
    TransitionRefusedError,
)

__all__ = [
    "LicenseType",
    "LicenseTypeView",
    "data_problems",
    "issue_refusal",
    "template_refusal",
]


class LicenseType(LedgerAggregate):
    """A license type: catalog entry and template."""

    WIRE_NAME = wire.LICENSE_TYPE

    if TYPE_CHECKING:  # set by the events (see Seal for why not annotated at runtime)
        code: str
        defining_authority: str
        name: str
        license_kind: LicenseKind
        holder_kind: HolderKind
        schema: tuple[FieldSpec, ...]
        validity: Validity
        issuers: frozenset[str]
        template: str
        template_version: int
        template_digest: bytes
        retired: bool
        sharing: SharingList  # (user, service item) -> fields; see elicense.domain.sharing

    def binding(self) -> dict[str, int | bytes]:
        """The template binding an issuance or amendment signed now must carry:
        ``template_version`` and ``template_digest`` (keyword arguments of the statement)."""
        return {"template_version": self.template_version, "template_digest": self.template_digest}

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the type with code ``code``."""
        return deterministic_id("type", code)

    @classmethod
    def define(cls, signed: Signed) -> LicenseType:
        """Record a new license type."""
        return cls._create_from(
            cls.Defined, cls.id_for(decode_statement(signed.statement).subject), signed
        )

    class Defined(LedgerAggregate.Created):
        TOPIC = wire.TYPE_DEFINED

        def apply(self, ltype: LicenseType) -> None:
            state.defined(ltype, self.act, self.statement, self.annex)

    def revise(self, signed: Signed) -> None:
        """Restate the whole definition; the template version grows."""
        self._require_current("type.revise")
        self._record(self.Revised, signed)

    class Revised(LedgerAggregate.Event):
        TOPIC = wire.TYPE_REVISED

        def apply(self, ltype: LicenseType) -> None:
            state.revised(ltype, self.act, self.statement, self.annex)

    def retire(self, signed: Signed) -> None:
        """No new licenses of this type from now on."""
        self._require_current("type.retire")
        self._record(self.Retired, signed)

    class Retired(LedgerAggregate.Event):
        TOPIC = wire.TYPE_RETIRED

        def apply(self, ltype: LicenseType) -> None:
            state.retired(ltype, self.act, self.statement, self.annex)

    # -- sharing list (责任清单 / 需求清单; statements in elicense.acts.reuse) ----------------

    def grant_sharing(self, signed: Signed) -> None:
        """Let a department use licenses of this type for some service items."""
        self._require_current("type.share")
        self._record(self.SharingGranted, signed)

    class SharingGranted(LedgerAggregate.Event):
        TOPIC = wire.TYPE_SHARED

        def apply(self, ltype: LicenseType) -> None:
            state.shared(ltype, self.act, self.statement, self.annex)

    def withdraw_sharing(self, signed: Signed) -> None:
        """Take a department's entries (for some or all service items) off the list."""
        act = decode_statement(signed.statement)
        assert isinstance(act, UnshareType)
        listed = {item for user, item in self.sharing if user == act.user}
        missing = sorted(set(act.service_items) - listed)
        if not listed or missing:
            what = ", ".join(missing) if listed else "any service item"
            raise TransitionRefusedError(
                f"type.unshare: department {act.user} is not on the sharing list of "
                f"{self.code} for {what}",
                code="sharing.not_granted",
                subject=self.code,
            )
        self._record(self.SharingWithdrawn, signed)

    class SharingWithdrawn(LedgerAggregate.Event):
        TOPIC = wire.TYPE_UNSHARED

        def apply(self, ltype: LicenseType) -> None:
            state.unshared(ltype, self.act, self.statement, self.annex)

    def _require_current(self, kind: str) -> None:
        if self.retired:
            raise TransitionRefusedError(
                f"{kind}: license type {self.code} is retired",
                code="type.retired",
                subject=self.code,
            )
