"""The typed command API: a department's and the platform's acts, online and offline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from elicense import acts
from elicense.acts import decode_statement
from elicense.api import Department, OfflineVersionError, PlatformOperator
from elicense.codec import utc_now
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.errors import ConflictError, RefusedError, SealRefusedError
from elicense.ids import LicenseId
from elicense.ledger.application import Ledger
from elicense.lifecycle import LicenseStatus, RevocationReason
from support import ORIGIN, make_ric, make_uscc

DEPT = make_uscc(3)


class City:
    """A ledger, its platform operator and one department with a filed seal and a type."""

    def __init__(self) -> None:
        self.now = utc_now()
        self.ledger = Ledger("memory:", verify_threads=1, clock=lambda: self.now)
        self.platform_key = generate_key(ED25519)
        self.ledger.establish(origin=ORIGIN, name="测试平台", signer=self.platform_key)
        self.platform = PlatformOperator.online(self.ledger, self.platform_key)
        self.seal_key = generate_key(ED25519)
        self.dept = Department.online(self.ledger, self.seal_key, seal="SJ-1")
        self.dept.make_seal(
            department=DEPT,
            department_name="市场监督管理局",
            name="市场监督管理局行政审批专用章",
            seal_kind=acts.SealKind.BUSINESS,
            valid_from=self.now - timedelta(days=1),
            valid_until=self.now + timedelta(days=365),
        )
        self.platform.file_seal("SJ-1")
        self.type_code = DEPT + "001"
        self.dept.define_type(
            self.type_code,
            name="食品经营许可证",
            schema=(acts.FieldSpec(name="scope", label="经营项目"),),
            issuers=(DEPT,),
        )

    def identifier(self, n: int = 1) -> str:
        return str(
            LicenseId.build(type_code=self.type_code, issuer_code=DEPT, serial=f"{2026000000 + n}")
        )

    def issue(self, n: int = 1) -> str:
        identifier = self.identifier(n)
        self.dept.issue(
            identifier,
            license_number=f"JY{n:08d}",
            holder=acts.Holder(name="某某餐饮有限公司", code=make_uscc(40 + n), code_kind="uscc"),
            issued_on=date.today(),
            valid_from=date.today(),
            valid_until=date.today() + timedelta(days=365),
            data={"scope": "热食类食品制售"},
        )
        return identifier


@pytest.fixture
def city() -> City:
    """A fresh city on an in-memory ledger."""
    return City()


def test_online_acts_read_the_version_from_the_ledger(city: City) -> None:
    """Issue, suspend, reinstate, revoke (吊销): each act is made against the current version."""
    identifier = city.issue()
    assert city.dept.suspend(identifier, reason="整改").version == 2
    assert city.dept.reinstate(identifier, reason="整改完成").version == 3
    receipt = city.dept.revoke(identifier, reason_code=RevocationReason.REVOKED, reason="吊销")
    assert receipt.version == 4
    assert city.ledger.get_license(identifier).status is LicenseStatus.REVOKED


def test_filing_through_the_operator_records_the_ses_seal(city: City) -> None:
    """The operator's filing carries the GB/T 38540 seal the platform makes."""
    assert city.ledger.get_seal("SJ-1").ses_seal


def test_offline_acts_are_signed_and_handed_back(city: City) -> None:
    """Offline, an act returns the signed statement, made against the version given."""
    identifier = city.issue()
    offline = Department.offline(ORIGIN, city.seal_key, seal="SJ-1")
    signed = offline.suspend(identifier, reason="整改", expected_version=1)
    act = decode_statement(signed.statement)
    assert (act.kind, act.subject, act.expected_version) == ("license.suspend", identifier, 1)
    assert city.ledger.submit(signed).version == 2


def test_offline_acts_on_an_existing_subject_need_the_version(city: City) -> None:
    """The twin: without expected_version an offline act on an existing subject is refused
    before signing, naming what is missing."""
    offline = Department.offline(ORIGIN, city.seal_key, seal="SJ-1")
    with pytest.raises(OfflineVersionError, match="expected_version"):
        offline.suspend(city.identifier(), reason="整改")


def test_an_offline_act_made_against_a_stale_version_is_a_conflict(city: City) -> None:
    """Signed offline against version 1, submitted after another act: refused, nothing recorded."""
    identifier = city.issue()
    offline = Department.offline(ORIGIN, city.seal_key, seal="SJ-1")
    stale = offline.suspend(identifier, reason="整改", expected_version=1)
    city.dept.renew(identifier, valid_until=date.today() + timedelta(days=730), reason="延续")
    before = city.ledger.max_position()
    with pytest.raises(ConflictError):
        city.ledger.submit(stale)
    assert city.ledger.max_position() == before


def test_offline_issuance_needs_the_template_binding(city: City) -> None:
    """Offline the department names the template it saw; online the ledger's is used."""
    offline = Department.offline(ORIGIN, city.seal_key, seal="SJ-1")
    holder = acts.Holder(name="某某", code=make_ric(5), code_kind="ric")
    common = {
        "license_number": "JY1",
        "holder": holder,
        "issued_on": date.today(),
        "valid_from": date.today(),
    }
    with pytest.raises(ValueError, match="template"):
        offline.issue(city.identifier(7), **common)  # type: ignore[arg-type]
    binding = city.ledger.get_license_type(city.type_code).binding()
    signed = offline.issue(city.identifier(7), template=binding, **common)  # type: ignore[arg-type]
    assert city.ledger.submit(signed).version == 1


def test_the_ledger_judges_at_its_injected_clock(city: City) -> None:
    """A seal valid for a year signs nothing once the ledger's clock is past it — no
    monkeypatching: the clock is the ledger's argument."""
    city.issue(1)
    city.now += timedelta(days=400)
    with pytest.raises(SealRefusedError) as caught:
        city.issue(2)
    assert caught.value.code == "seal.expired"


def test_consents_through_the_operator(city: City) -> None:
    """Grant, then withdraw (its version read from the ledger); a second withdrawal is
    refused by the ledger."""
    identifier = city.issue()
    lic = city.ledger.get_license(identifier)
    city.platform.grant_consent(
        "CN1",
        holder=lic.holder.code,
        holder_code_kind=lic.holder.code_kind,
        user=make_uscc(9),
        service_item="食品经营许可延续",
        purpose="核验",
        license=identifier,
        valid_until=city.now + timedelta(days=30),
        authentication="face",
        authentication_ref="ref-1",
    )
    receipt = city.platform.withdraw_consent(
        "CN1", reason="不再授权", authentication="face", authentication_ref="ref-2"
    )
    assert receipt.version == 2
    with pytest.raises(RefusedError) as caught:
        city.platform.withdraw_consent(
            "CN1", reason="再次", authentication="face", authentication_ref="ref-3"
        )
    assert caught.value.code == "consent.withdrawn"
