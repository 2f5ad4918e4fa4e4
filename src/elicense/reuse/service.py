"""The platform's reuse service: records consents, passes uses to the ledger,
and signs what the user department receives.

The ledger holds no private key. :class:`ReuseService` is the platform
service beside it that holds the platform key (a
:class:`~elicense.crypto.keys.Signer`: key file, HSM, KMS): it records a
holder's consent after authenticating the holder (``consent.grant`` /
``consent.withdraw``, platform-signed), resolves a use by holder and type to
a license (a :data:`Locator`, e.g. the SQL adapter's projection), submits
the department's signed ``use.request``, and for each ``Used`` record signs a
field-minimised :class:`~elicense.documents.LicenseView` — and, when
asked, an annotated copy (加注件) with purpose, user, time and expiry.

Example::

    service = ReuseService(ledger, platform_key, locator=projection.licenses_of)
    code = service.new_consent_code()
    service.grant_consent(code=code, holder=ric, holder_code_kind="ric", user=dept_uscc,
                          service_item="SJ-XK-0001", purpose="办理变更", license_type=type_code,
                          valid_until=at + timedelta(days=30), authentication="face",
                          authentication_ref="FACE-7781")
    outcome = service.use(signed_use, copy_for=timedelta(days=7), user_name="市卫生健康委员会")
    outcome.receipt.refused      # None, or the reason code the ledger recorded
    outcome.view, outcome.copy   # platform-signed documents (canonical JSON bytes)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec

from elicense.acts import (
    AuthMethod,
    RequestUse,
    Signed,
    UseResolution,
    decode_statement,
)
from elicense.api.platform import PlatformOperator
from elicense.codec import Clock, canonical, decode_canonical, utc_now
from elicense.documents import AnnotatedCopy, LicenseView, sign_copy, sign_view, watermark
from elicense.domain.base import deterministic_id, replay
from elicense.domain.sharing import field_values
from elicense.domain.usage import Disclosure
from elicense.errors import InvalidStatementError, RefusedError
from elicense.ledger.application import Ledger, Receipt
from elicense.lifecycle import LicenseStatus

__all__ = ["Locator", "ReuseService", "UseOutcome", "UseResults"]

_LICENSE_CACHE = 50_000  # license states (by version) kept for views


class _Used(msgspec.Struct):
    """The fields of a ``Used`` record a view needs (the record was written by this ledger)."""

    recorded_at: Annotated[datetime, msgspec.Meta(tz=True)]
    statement: bytes
    annex: bytes


_used = msgspec.json.Decoder(_Used)

Locator = Callable[[str, str], Sequence[str]]
"""``(holder code, type code)`` → identifiers of the holder's licenses of the type."""


class UseOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one recorded use gives the user department.

    Attributes:
        receipt: the ledger's receipt; ``receipt.refused`` is the reason code of a
            use recorded as refused.
        view: the platform-signed view (``SignedLicenseView`` bytes); empty when refused.
        copy: the platform-signed annotated copy, when one was asked for.
    """

    receipt: Receipt
    view: bytes = b""
    copy: bytes = b""

    @property
    def used(self) -> bool:
        """Whether the ledger recorded the use as ``Used``."""
        return self.receipt.refused is None


class UseResults(msgspec.Struct, frozen=True, kw_only=True):
    """A batch of uses: the recorded ones, and (partial mode) those refused unrecorded."""

    outcomes: list[UseOutcome]
    refusals: list[tuple[int, RefusedError]] = []


class ReuseService:
    """The platform service for reuse, holding the platform key.

    Args:
        ledger: the ledger.
        signer: the platform key's signer.
        locator: finds a holder's licenses of a type, for uses by holder and type.
    """

    def __init__(
        self,
        ledger: Ledger,
        signer: Any,
        *,
        locator: Locator | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.ledger = ledger
        self.signer = signer
        self.locator = locator
        self.clock = clock
        self._operator: PlatformOperator[Receipt] | None = None
        self._licenses: dict[tuple[UUID, int], Any] = {}

    @property
    def operator(self) -> PlatformOperator[Receipt]:
        """The platform key's desk on this ledger (consents are recorded through it)."""
        if self._operator is None:
            self._operator = PlatformOperator.online(self.ledger, self.signer, clock=self.clock)
        return self._operator

    @staticmethod
    def new_consent_code() -> str:
        """A fresh consent code (random: it reveals nothing about the holder)."""
        return "CN" + uuid.uuid4().hex[:24].upper()

    # -- consents ------------------------------------------------------------------------------

    def consent_statement(
        self, *, code: str, signed_at: datetime | None = None, **fields: Any
    ) -> Signed:
        """The platform-signed ``consent.grant`` of consent ``code``, not submitted (see
        :meth:`grant_consent`); ``fields`` are those of
        :meth:`elicense.api.PlatformOperator.grant_consent`."""
        clock = (lambda: signed_at) if signed_at else self.clock
        operator = PlatformOperator.offline(self.ledger.origin, self.signer, clock=clock)
        return operator.grant_consent(code, **fields)

    def grant_consent(self, **fields: Any) -> Receipt:
        """Record a consent (keyword arguments of :meth:`consent_statement`).

        Raises:
            RefusedError: refused; nothing recorded.
        """
        return self.ledger.submit(self.consent_statement(**fields))

    def withdraw_consent(
        self, code: str, *, reason: str, authentication: AuthMethod | str, authentication_ref: str
    ) -> Receipt:
        """Record the holder's withdrawal of consent ``code``.

        Raises:
            NotFoundError: no such consent.
            RefusedError: refused (e.g. already withdrawn); nothing recorded.
        """
        return self.operator.withdraw_consent(
            code,
            reason=reason,
            authentication=authentication,
            authentication_ref=authentication_ref,
        )

    # -- uses ----------------------------------------------------------------------------------

    def resolve(self, signed: Signed, at: datetime | None = None) -> Signed:
        """Attach the license a use by holder and type resolves to (a valid one first).

        A use naming its license is returned unchanged. With no license found
        the use goes to the ledger as it is (and is recorded as refused,
        ``use.license.not_found``).

        Raises:
            InvalidStatementError: a use by holder and type, but no locator.
        """
        act = decode_statement(signed.statement)
        if not isinstance(act, RequestUse) or act.license:
            return signed
        if self.locator is None:
            raise InvalidStatementError(
                "a use by holder and type needs a license locator (e.g. the SQL projection)",
                code="use.resolution.unavailable",
                subject=act.subject,
            )
        day = (at or self.clock()).date()
        candidates = list(self.locator(act.holder, act.license_type))
        chosen = ""
        for identifier in candidates:
            lic = self.ledger.get_license(identifier)
            if lic.holder.code == act.holder and lic.status_on(day) is LicenseStatus.VALID:
                chosen = lic.identifier
                break
        if not chosen and candidates:
            chosen = self.ledger.get_license(candidates[0]).identifier
        if not chosen:
            return signed
        return msgspec.structs.replace(signed, annex=canonical(UseResolution(license=chosen)))

    def use(
        self,
        signed: Signed,
        *,
        copy_for: timedelta | None = None,
        user_name: str = "",
        at: datetime | None = None,
    ) -> UseOutcome:
        """Submit one use; sign its view (and annotated copy) when it is recorded as used.

        Raises:
            RefusedError: the use is not validly made; nothing recorded.
        """
        results = self.use_many([signed], copy_for=copy_for, user_names={"": user_name}, at=at)
        return results.outcomes[0]

    def use_many(
        self,
        items: Iterable[Signed],
        *,
        copy_for: timedelta | None = None,
        user_names: Mapping[str, str] | None = None,
        at: datetime | None = None,
        partial: bool = False,
    ) -> UseResults:
        """Submit a batch of uses in one transaction; sign a view for each one used.

        Args:
            copy_for: also sign an annotated copy valid this long from ``at``.
            user_names: department USCC → name for the copies (``""``: any).
            at: the copies' making time (default now).
            partial: record the validly made ones and return the others as refusals.

        Other statements in ``items`` (a consent granted just before its use, say)
        are recorded in order with the uses; their outcomes carry no view.

        Raises:
            BatchRefusedError: (not partial) some were not validly made; nothing recorded.
        """
        signed = [self.resolve(s, at) for s in items]
        result = self.ledger.submit_many(signed, partial=partial)
        used = [r for r in result.receipts if r.kind == "use.request" and r.refused is None]
        views = dict(zip((r.index for r in used), self.views(used), strict=True))
        made_at = at or self.clock()
        names = user_names or {}
        outcomes: list[UseOutcome] = []
        for r in result.receipts:
            view = views.get(r.index)
            if view is None:
                outcomes.append(UseOutcome(receipt=r))
                continue
            copy = b""
            if copy_for is not None:
                act = decode_statement(signed[r.index].statement)
                assert isinstance(act, RequestUse)
                name = names.get(act.user) or names.get("", "")
                copy = self.annotated_copy(
                    view,
                    purpose=act.purpose,
                    user_name=name or act.user,
                    made_at=made_at,
                    expires_at=made_at + copy_for,
                )
            outcomes.append(UseOutcome(receipt=r, view=sign_view(view, self.signer), copy=copy))
        return UseResults(outcomes=outcomes, refusals=result.refusals)

    def views(self, receipts: Sequence[Receipt]) -> list[LicenseView]:
        """The field-minimised views of ``Used`` receipts (read back from the ledger).

        Each is taken from the license version its ``Used`` record names, so a
        change recorded after the use does not leak into the view. License
        states are kept by (license, version): a history never changes, and a
        popular license is replayed once, not once per use.
        """
        if not receipts:
            return []
        recorder: Any = self.ledger.recorder
        stored = recorder.select_many([r.aggregate_id for r in receipts])
        used = [_used.decode(stored[r.aggregate_id][0].state) for r in receipts]
        disclosures = [decode_canonical(u.annex, Disclosure, what="use disclosure") for u in used]
        keys = [
            (deterministic_id("license", d.license.rsplit(".", 2)[0]), d.license_version)
            for d in disclosures
        ]
        self._load_licenses({k for k in keys if k not in self._licenses})
        views: list[LicenseView] = []
        origin = self.ledger.origin
        for r, u, d, key in zip(receipts, used, disclosures, keys, strict=True):
            act = decode_statement(u.statement)
            assert isinstance(act, RequestUse)
            views.append(
                LicenseView(
                    origin=origin,
                    use=act.subject,
                    user=act.user,
                    service_item=act.service_item,
                    license=d.license,
                    license_version=d.license_version,
                    status=d.status,
                    position=r.position,
                    use_hash=r.event_hash,
                    taken_at=u.recorded_at,
                    fields=field_values(self._licenses[key], d.fields),
                )
            )
        return views

    def _load_licenses(self, wanted: set[tuple[UUID, int]]) -> None:
        if not wanted:
            return
        if len(self._licenses) + len(wanted) > _LICENSE_CACHE:
            self._licenses.clear()
        mapper = self.ledger.mapper
        histories = self.ledger.recorder.select_many(list({i for i, _ in wanted}))  # type: ignore[attr-defined]
        for lid, version in wanted:
            events = histories.get(lid, [])[:version]
            self._licenses[(lid, version)] = replay(mapper.to_domain_event(e) for e in events)

    def annotated_copy(
        self,
        view: LicenseView,
        *,
        purpose: str,
        user_name: str,
        made_at: datetime,
        expires_at: datetime,
    ) -> bytes:
        """A platform-signed 加注件 of ``view`` (``SignedAnnotatedCopy`` bytes)."""
        copy = AnnotatedCopy(
            view=view,
            purpose=purpose,
            user=view.user,
            user_name=user_name,
            made_at=made_at,
            expires_at=expires_at,
            watermark=watermark(user_name, view.service_item, purpose, expires_at),
        )
        return sign_copy(copy, self.signer)
