"""A realistic city for demos, examples and benchmarks.

Departments with their seals, a catalogue of license and approval types with
real Chinese names, and generators of signed statements (holders with
checking USCCs and 身份号码). Everything is deterministic for a given seed,
so a demo run can be repeated and benchmarks compare like with like.

This module makes statements the way a department system would: it holds
the department keys and signs; the ledger only ever receives signed
statements.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from elicense import acts
from elicense.acts import Signed, decode_statement
from elicense.api import Department as DepartmentDesk
from elicense.api import PlatformOperator
from elicense.codec import Clock, sha256, utc_now
from elicense.crypto.keys import generate_key, load_private_key
from elicense.crypto.suites import PrivateKey
from elicense.ids import LicenseId
from elicense.signatory import Signatory

__all__ = [
    "APPROVAL_TYPES",
    "DEPARTMENTS",
    "LICENSE_TYPES",
    "Application",
    "City",
    "Department",
    "TypeSpec",
    "make_ric",
    "make_uscc",
]

CITY_DIVISION = "330100"  # an administrative division code (管辖属地编码)
TYPES_DEFINED_AT = datetime(2026, 1, 1, tzinfo=UTC)
"""When the city's departments sign their type definitions (fixed: see City._define)."""

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("市市场监督管理局", "SJ"),
    ("市卫生健康委员会", "WJ"),
    ("市交通运输局", "JT"),
    ("市住房和城乡建设局", "ZJ"),
    ("市生态环境局", "HB"),
    ("市人力资源和社会保障局", "RS"),
    ("市教育局", "JY"),
    ("市文化广电旅游局", "WL"),
    ("市民政局", "MZ"),
    ("市自然资源和规划局", "ZR"),
)
"""(name, short code) of the demo city's departments."""


@dataclass(frozen=True)
class TypeSpec:
    """A license type of the catalogue."""

    number: str
    name: str
    department: int  # index into DEPARTMENTS: defines and issues it
    kind: acts.LicenseKind
    holder: acts.HolderKind
    years: int  # 0 = no expiry
    fields: tuple[acts.FieldSpec, ...] = ()


def _f(name: str, label: str, type_: str = "text", required: bool = True) -> acts.FieldSpec:
    return acts.FieldSpec(name=name, label=label, type=acts.FieldType(type_), required=required)


_ORG = acts.HolderKind.ORGANISATION
_PERSON = acts.HolderKind.PERSON
_LIC = acts.LicenseKind.LICENSE
_APP = acts.LicenseKind.APPROVAL

LICENSE_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec(
        "001",
        "营业执照",
        0,
        _LIC,
        _ORG,
        0,
        (_f("capital", "注册资本(万元)", "number"), _f("scope", "经营范围")),
    ),
    TypeSpec(
        "002",
        "食品经营许可证",
        0,
        _LIC,
        _ORG,
        5,
        (_f("category", "经营项目"), _f("premises", "经营场所")),
    ),
    TypeSpec(
        "003",
        "医疗机构执业许可证",
        1,
        _LIC,
        _ORG,
        5,
        (_f("subjects", "诊疗科目"), _f("beds", "床位(张)", "number")),
    ),
    TypeSpec("004", "道路运输经营许可证", 2, _LIC, _ORG, 4, (_f("scope", "经营范围"),)),
    TypeSpec(
        "005", "出租汽车驾驶员从业资格证", 2, _LIC, _PERSON, 6, (_f("vehicle_class", "准驾车型"),)
    ),
    TypeSpec("006", "建筑业企业资质证书", 3, _LIC, _ORG, 5, (_f("grade", "资质等级"),)),
    TypeSpec("007", "排污许可证", 4, _LIC, _ORG, 5, (_f("pollutants", "主要污染物"),)),
    TypeSpec("008", "人力资源服务许可证", 5, _LIC, _ORG, 5, (_f("scope", "服务范围"),)),
    TypeSpec(
        "009",
        "教师资格证",
        6,
        _LIC,
        _PERSON,
        0,
        (_f("subject", "任教学科"), _f("level", "资格种类")),
    ),
    TypeSpec("010", "导游证", 7, _LIC, _PERSON, 3, (_f("language", "语种"),)),
    TypeSpec("011", "养老机构备案回执", 8, _LIC, _ORG, 0, (_f("beds", "床位(张)", "number"),)),
)
"""License types (证照类型) of the demo catalogue."""

APPROVAL_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("501", "建设工程规划许可批复", 9, _APP, _ORG, 2, (_f("project", "项目名称"),)),
    TypeSpec("502", "建设项目环境影响评价批复", 4, _APP, _ORG, 5, (_f("project", "项目名称"),)),
    TypeSpec("503", "施工图设计文件审查批复", 3, _APP, _ORG, 2, (_f("project", "项目名称"),)),
)
"""Approval types (批文类模板) of the demo catalogue."""

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_FIRMS = ("科技", "商贸", "餐饮", "物流", "建设", "医疗", "教育", "文化", "环保", "运输")


def make_uscc(rng: random.Random, registry: str = "91", division: str = CITY_DIVISION) -> str:
    """A 统一社会信用代码 with a correct check character (GB 32100)."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = registry + division + "".join(rng.choice(chars) for _ in range(9))
    return body + _uscc.calc_check_digit(body)


def make_ric(rng: random.Random, division: str = "330102") -> str:
    """A 公民身份号码 with a valid birth date and check character (GB 11643)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"{division}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + _ric.calc_check_digit(body + "0")  # stdnum expects a check slot


@dataclass(frozen=True)
class Application:
    """An applicant's data for one license, as a department system receives it."""

    holder: acts.Holder
    data: dict[str, str]
    issued: date
    until: date | None


@dataclass
class Department:
    """A department of the city: its USCC, seal and signing key."""

    name: str
    short: str
    uscc: str
    seal_code: str
    key: PrivateKey
    signatory: Signatory
    desk: DepartmentDesk[Signed]
    """Its acts, signed offline for the city's ledger (``elicense.api.Department``)."""


def _types_defined() -> datetime:
    return TYPES_DEFINED_AT


@dataclass
class City:
    """A demo city: platform, departments, catalogue, and statement generators.

    Args:
        origin: the ledger origin.
        alg: signing algorithm for all keys.
        seed: seed of every random choice.
    """

    origin: str = "elicense:demo.city"
    alg: str = "ecdsa-p256-sha256"
    seed: int = 2026
    clock: Clock = utc_now
    """When the city's departments and platform sign (their statements' ``signed_at``)."""
    keys: dict[str, bytes] | None = None
    """PKCS#8 PEM of the platform (``"platform"``) and seal keys (by seal code), to
    rebuild the same city in another process; fresh keys when ``None``."""
    platform_key: PrivateKey = field(init=False)
    platform: Signatory = field(init=False)
    operator: PlatformOperator[Signed] = field(init=False)
    departments: list[Department] = field(init=False)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        keys = self.keys or {}
        self.platform_key = self._key(keys.get("platform"))
        self.platform = Signatory.platform(origin=self.origin, signer=self.platform_key)
        self.operator = PlatformOperator.offline(self.origin, self.platform_key, clock=self.clock)
        self.departments = []
        self._bindings: dict[str, dict[str, Any]] = {}
        for i, (name, short) in enumerate(DEPARTMENTS):
            code = f"3301{i + 1:02d}{short}0001"
            key = self._key(keys.get(code))
            self.departments.append(
                Department(
                    name=name,
                    short=short,
                    uscc=make_uscc(self.rng, registry="11"),
                    seal_code=code,
                    key=key,
                    signatory=Signatory(origin=self.origin, seal=code, signer=key),
                    desk=DepartmentDesk.offline(self.origin, key, seal=code, clock=self.clock),
                )
            )

    def _key(self, pem: bytes | None) -> PrivateKey:
        return load_private_key(pem) if pem else generate_key(self.alg)

    def export_keys(self) -> dict[str, bytes]:
        """The city's keys as PEM, for :attr:`keys` of the same city in another process."""
        out = {"platform": self.platform_key.to_pem()}
        out.update({d.seal_code: d.key.to_pem() for d in self.departments})
        return out

    def type_code(self, spec: TypeSpec) -> str:
        """The 21-character code of a catalogue type."""
        return self.departments[spec.department].uscc + spec.number

    def founding(self, now: datetime | None = None) -> list[Signed]:
        """Seals made and filed, and every type defined: the statements that set up the city."""
        now = now or self.clock()
        out: list[Signed] = []
        for d in self.departments:
            desk = DepartmentDesk.offline(self.origin, d.key, seal=d.seal_code, clock=lambda: now)
            made = desk.make_seal(
                department=d.uscc,
                department_name=d.name,
                name=f"{d.name}行政审批专用章",
                seal_kind=acts.SealKind.BUSINESS,
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=3 * 365),
            )
            out.append(made)
            operator = PlatformOperator.offline(self.origin, self.platform_key, clock=lambda: now)
            act = decode_statement(made.statement)
            assert isinstance(act, acts.MakeSeal)
            out.append(operator.file_seal(d.seal_code, made=act, expected_version=1))
        for spec in (*LICENSE_TYPES, *APPROVAL_TYPES):
            d = self.departments[spec.department]
            out.append(self._define(spec))
        return out

    def _define(self, spec: TypeSpec) -> Signed:
        """The signed ``type.define`` of ``spec``, its statement the same bytes every time
        (signed at :data:`TYPES_DEFINED_AT`), so a department process rebuilding the city
        knows the template binding."""
        d = self.departments[spec.department]
        desk = DepartmentDesk.offline(self.origin, d.key, seal=d.seal_code, clock=_types_defined)
        return desk.define_type(
            self.type_code(spec),
            name=spec.name,
            license_kind=spec.kind,
            holder_kind=spec.holder,
            schema=spec.fields,
            validity=acts.Validity(years=spec.years),
            issuers=(d.uscc,),
            template=f"{spec.name}（2026版）",
        )

    def binding(self, spec: TypeSpec) -> dict[str, Any]:
        """The template binding of ``spec`` as :meth:`founding` defines it (version 1)."""
        code = self.type_code(spec)
        binding = self._bindings.get(code)
        if binding is None:
            digest = sha256(self._define(spec).statement)
            binding = self._bindings[code] = {"template_version": 1, "template_digest": digest}
        return binding

    def _holder(self, spec: TypeSpec, rng: random.Random) -> acts.Holder:
        if spec.holder is _PERSON:
            name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(2))
            return acts.Holder(name=name, code=make_ric(rng), code_kind=acts.HolderCodeKind.RIC)
        name = f"杭州{rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}{rng.choice(_FIRMS)}有限公司"
        return acts.Holder(name=name, code=make_uscc(rng), code_kind=acts.HolderCodeKind.USCC)

    def _data(self, spec: TypeSpec, rng: random.Random) -> dict[str, str]:
        return {
            f.name: str(rng.randrange(10, 5000))
            if f.type is acts.FieldType.NUMBER
            else f"{f.label}{rng.randrange(1, 99)}"
            for f in spec.fields
        }

    def license_id(self, spec: TypeSpec, serial: int) -> LicenseId:
        """The identifier of license number ``serial`` of a type."""
        d = self.departments[spec.department]
        return LicenseId.build(
            type_code=self.type_code(spec), issuer_code=d.uscc, serial=f"{2026_000000 + serial}"
        )

    def application(self, spec: TypeSpec, serial: int) -> Application:
        """What the applicant handed in for license ``serial`` of ``spec`` (test data:
        a holder with a checking code, the type's fields, dates)."""
        rng = random.Random(self.seed * 1_000_003 + serial)
        issued = date(2026, 1, 1) + timedelta(days=serial % 300)
        return Application(
            holder=self._holder(spec, rng),
            data=self._data(spec, rng),
            issued=issued,
            until=issued.replace(year=issued.year + spec.years) if spec.years else None,
        )

    def issuance(
        self, spec: TypeSpec, serial: int, application: Application | None = None
    ) -> Signed:
        """The department's signed ``license.issue`` of license ``serial`` of ``spec``."""
        app = application or self.application(spec, serial)
        d = self.departments[spec.department]
        return d.desk.issue(
            str(self.license_id(spec, serial)),
            template=self.binding(spec),
            license_number=f"{d.short}{app.issued:%Y}{serial:07d}",
            holder=app.holder,
            issued_on=app.issued,
            valid_from=app.issued,
            valid_until=app.until,
            jurisdiction=CITY_DIVISION,
            service_item=f"{d.short}-XK-{spec.number}",
            data=app.data,
        )

    def issuances(
        self, count: int, types: Sequence[TypeSpec] = LICENSE_TYPES, start: int = 0
    ) -> Iterator[tuple[TypeSpec, int, Signed]]:
        """``count`` issuances spread over ``types`` (round robin), serials from ``start``."""
        for i in range(start, start + count):
            spec = types[i % len(types)]
            yield spec, i, self.issuance(spec, i)
