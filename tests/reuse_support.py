"""Builders for the reuse tests: a ledger with an issuing department, a license
type, licenses, user departments, sharing lists, consents and uses — each made
the way the department systems and the platform would make them.

A plain module (not a conftest): tests import what they use. The ledger's
clock is the wall clock unless a test moves it with :class:`Clock`
(``elicense.ledger.application.utc_now`` patched), so consent expiry is judged
at a time the test chooses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from elicense import acts
from elicense.acts import (
    AuthMethod,
    GrantConsent,
    RequestUse,
    ShareType,
    Signed,
    Statement,
    UnshareType,
)
from elicense.codec import utc_now
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519, PrivateKey, key_id
from elicense.filing import make_filing_seal
from elicense.ids import HolderCodeKind, LicenseId, parse_license_id
from elicense.ledger.application import Ledger, Receipt
from elicense.signatory import Signatory
from support import Dept

__all__ = ["ORIGIN", "Clock", "Dept", "ReuseWorld", "make_ric", "make_uscc"]

ORIGIN = "elicense:reuse.test"
TODAY = date.today()
SCHEMA = (
    acts.FieldSpec(name="capital", label="注册资本", type=acts.FieldType.NUMBER, required=True),
    acts.FieldSpec(name="scope", label="经营范围"),
)
ITEM = "SJ-XK-0001"
OTHER_ITEM = "SJ-XK-0002"
FIELDS = ("holder.name", "license_number", "data.capital")


def make_uscc(n: int, region: str = "110000") -> str:
    """A valid 统一社会信用代码 numbered ``n``."""
    body = f"11{region}{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def make_ric(n: int) -> str:
    """A valid 公民身份号码 with sequence ``n``."""
    body = f"11010519800101{n % 1000:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


class Clock:
    """A clock a test moves; the world's ledger reads its time from it (``Ledger(clock=)``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()
        self.frozen = False

    def __call__(self) -> datetime:
        """The time: the real one until a test sets or moves it."""
        return self.now if self.frozen else utc_now()

    def freeze(self) -> Clock:
        """Stop at the present moment (a test then moves the time with :meth:`advance`)."""
        self.now, self.frozen = utc_now(), True
        return self

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta``; return the new time."""
        self.now += delta
        return self.now


@dataclass
class ReuseWorld:
    """An established ledger with an issuer, a type, and two user departments."""

    ledger: Ledger
    platform_key: PrivateKey
    platform: Signatory
    issuer: Dept = field(init=False)
    user: Dept = field(init=False)
    other: Dept = field(init=False)
    type_code: str = field(init=False)
    clock: Clock = field(default_factory=Clock)
    _requests: int = 0
    _consents: int = 0

    @classmethod
    def new(cls, dsn: str | os.PathLike[str] = "memory:", *, alg: str = ED25519) -> ReuseWorld:
        """A fresh store: platform, issuer (defines and issues the type), users A and B."""
        clock = Clock()
        ledger = Ledger(dsn, verify_threads=1, clock=clock)
        key = generate_key(alg)
        ledger.establish(origin=ORIGIN, name="测试平台", signer=key)
        w = cls(ledger, key, Signatory.platform(origin=ORIGIN, signer=key), clock=clock)
        w.issuer = w.department(1, alg)
        w.user = w.department(2, alg)
        w.other = w.department(3, alg)
        w.type_code = w.issuer.uscc + "001"
        w.submit(
            w.issuer.sign(
                acts.DefineType,
                subject=w.type_code,
                expected_version=0,
                name="食品经营许可证",
                holder_kind=acts.HolderKind.ANY,
                schema=SCHEMA,
                validity=acts.Validity(years=5),
                issuers=(w.issuer.uscc,),
            )
        )
        return w

    def submit(self, signed: Signed) -> Receipt:
        """Submit one statement."""
        return self.ledger.submit(signed)

    def department(self, n: int, alg: str) -> Dept:
        """Department ``n`` with one made and filed seal."""
        uscc = make_uscc(n)
        code = f"SEAL-{n}"
        key = generate_key(alg)
        own = Signatory(origin=ORIGIN, seal=code, signer=key)
        now = utc_now()
        self.submit(
            own.sign(
                acts.MakeSeal,
                subject=code,
                expected_version=0,
                department=uscc,
                department_name=f"部门{n}",
                name=f"部门{n}业务专用章",
                seal_kind=acts.SealKind.BUSINESS,
                public_key=key.public_key.spki,
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=3650),
            )
        )
        annex = make_filing_seal(self.ledger.get_seal(code).made, self.platform_key)
        self.submit(
            self.platform.sign(
                acts.FileSeal,
                subject=code,
                expected_version=1,
                key_id=key_id(key.public_key.spki),
                annex=annex,
            )
        )
        return Dept(uscc, code, key, own)

    # -- licenses ------------------------------------------------------------------------------

    def license_id(self, n: int) -> str:
        """The identifier (version 001) of license ``n`` of the world's type."""
        return str(
            LicenseId.build(
                type_code=self.type_code, issuer_code=self.issuer.uscc, serial=f"{2026000000 + n}"
            )
        )

    def holder(self, n: int) -> acts.Holder:
        """Holder ``n`` (a person)."""
        return acts.Holder(name=f"持证人{n}", code=make_ric(n), code_kind=HolderCodeKind.RIC)

    def issue(self, n: int, holder: int | None = None) -> str:
        """Issue license ``n`` to holder ``holder`` (default ``n``); return its identifier."""
        subject = self.license_id(n)
        self.submit(
            self.issuer.sign(
                acts.IssueLicense,
                subject=subject,
                expected_version=0,
                **self.ledger.template_binding(parse_license_id(subject).type_code),
                license_number=f"JY{n:08d}",
                holder=self.holder(n if holder is None else holder),
                issued_on=TODAY - timedelta(days=10),
                valid_from=TODAY - timedelta(days=10),
                valid_until=TODAY + timedelta(days=365),
                data={"capital": str(100 + n), "scope": "预包装食品销售"},
            )
        )
        return subject

    def lifecycle(self, cls: type[Statement], identifier: str, **fields: Any) -> Receipt:
        """Suspend, reinstate or revoke license ``identifier`` at its current version."""
        lic = self.ledger.get_license(identifier)
        fields.setdefault("reason", "测试")
        return self.submit(
            self.issuer.sign(cls, subject=lic.identifier, expected_version=lic.version, **fields)
        )

    # -- sharing, consents, uses ---------------------------------------------------------------

    def type_version(self) -> int:
        """The license type's current version."""
        return int(self.ledger.get_license_type(self.type_code).version)

    def share(
        self, user: Dept, items: tuple[str, ...] = (ITEM,), fields: tuple[str, ...] = FIELDS
    ) -> Receipt:
        """The defining authority lists ``user`` for ``items`` seeing ``fields``."""
        return self.submit(
            self.issuer.sign(
                ShareType,
                subject=self.type_code,
                expected_version=self.type_version(),
                user=user.uscc,
                service_items=items,
                fields=fields,
            )
        )

    def unshare(self, user: Dept, items: tuple[str, ...] = ()) -> Receipt:
        """The defining authority takes ``user`` off the list (for ``items``, or all)."""
        return self.submit(
            self.issuer.sign(
                UnshareType,
                subject=self.type_code,
                expected_version=self.type_version(),
                user=user.uscc,
                service_items=items,
                reason="调整清单",
            )
        )

    def consent(
        self,
        holder: int,
        user: Dept,
        *,
        license: str = "",
        license_type: str = "",
        item: str = ITEM,
        valid_until: datetime | None = None,
        code: str | None = None,
    ) -> str:
        """The platform records holder ``holder``'s consent; return its code."""
        if not (license or license_type):
            license_type = self.type_code
        self._consents += 1
        code = code or f"CN-{self._consents:06d}"
        self.submit(
            self.consent_statement(
                code,
                holder,
                user,
                license=license,
                license_type=license_type,
                item=item,
                valid_until=valid_until or utc_now() + timedelta(days=30),
            )
        )
        return code

    def consent_statement(
        self,
        code: str,
        holder: int,
        user: Dept,
        *,
        license: str = "",
        license_type: str = "",
        item: str = ITEM,
        valid_until: datetime,
    ) -> Signed:
        """The platform-signed ``consent.grant`` (not submitted)."""
        return self.platform.sign(
            GrantConsent,
            subject=code,
            expected_version=0,
            holder=make_ric(holder),
            holder_code_kind=HolderCodeKind.RIC,
            user=user.uscc,
            service_item=item,
            purpose="办理食品经营许可变更",
            license=license,
            license_type=license_type,
            valid_until=valid_until,
            authentication=AuthMethod.FACE,
            authentication_ref=f"FACE-{code}",
        )

    def use_statement(self, user: Dept, *, item: str = ITEM, **fields: Any) -> Signed:
        """A signed ``use.request`` of ``user`` with a fresh request number."""
        self._requests += 1
        fields.setdefault("purpose", "办理食品经营许可变更")
        return user.sign(
            RequestUse,
            subject=f"{user.uscc}/BJ{self._requests:08d}",
            expected_version=0,
            service_item=item,
            **fields,
        )

    def use(self, user: Dept, **fields: Any) -> Receipt:
        """Submit a use of ``user``."""
        return self.submit(self.use_statement(user, **fields))
