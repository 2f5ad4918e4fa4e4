"""Reuse in the demo city: who uses which license types for which service items.

The sharing plan (责任清单 answering the users' 需求清单) of the demo city
(:mod:`elicense_demo.scenario`): each license type is opened to two or three
other departments, each for one service item (事项) of its own, seeing the
fields that item needs. The approval types stay closed, so the city's type
opening rate (证照开通率) is below one, as on real platforms.

:class:`ReuseCity` makes the statements the way the department systems and
the platform would: sharing grants signed by the defining departments' seals,
consents signed by the platform key, uses signed by the user departments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from elicense.acts import AuthMethod, HolderKind, Signed
from elicense.api import Department as DepartmentDesk
from elicense.api import PlatformOperator
from elicense.ids import HolderCodeKind
from elicense_demo.scenario import LICENSE_TYPES, City, TypeSpec

__all__ = ["ITEMS", "SHARING", "ReuseCity", "Sharing"]


@dataclass(frozen=True)
class Sharing:
    """One sharing-list entry: department ``user`` uses type ``number`` for ``item``."""

    number: str
    user: int  # index into the city's departments
    item: str
    fields: tuple[str, ...]


_CORE = ("holder.name", "license_number", "valid_until")

ITEMS: dict[str, str] = {
    "WJ-SX-001A": "公共场所卫生许可",
    "HB-SX-001B": "建设项目环境影响评价审批",
    "RS-SX-001C": "劳务派遣经营许可",
    "WJ-SX-002A": "餐饮服务单位卫生监督备案",
    "WL-SX-002B": "旅游餐饮定点单位认定",
    "RS-SX-003A": "医疗保障定点医疗机构申请",
    "MZ-SX-003B": "医养结合机构备案",
    "SJ-SX-004A": "企业变更登记（道路运输）",
    "HB-SX-004B": "机动车排放检验机构备案",
    "RS-SX-005A": "就业创业补贴申领",
    "SJ-SX-005B": "个体工商户登记（客运）",
    "ZR-SX-006A": "建设用地规划许可",
    "RS-SX-006B": "农民工工资保证金备案",
    "ZJ-SX-007A": "建筑工程施工许可",
    "SJ-SX-007B": "企业年度报告公示",
    "SJ-SX-008A": "企业名称变更登记",
    "JY-SX-008B": "校企合作机构备案",
    "RS-SX-009A": "教师职称评审",
    "WJ-SX-009B": "托育机构备案",
    "JT-SX-010A": "旅游客运包车备案",
    "RS-SX-010B": "职业技能提升补贴申领",
    "WJ-SX-011A": "医养结合机构执业登记",
    "RS-SX-011B": "养老服务岗位补贴申领",
}
"""The service items (事项) of the demo city that reuse licenses: code → name."""

_SHORTS = ("SJ", "WJ", "JT", "ZJ", "HB", "RS", "JY", "WL", "MZ", "ZR")


def _plan() -> tuple[Sharing, ...]:
    out: list[Sharing] = []
    for spec in LICENSE_TYPES:
        data = tuple(f"data.{f.name}" for f in spec.fields)
        items = sorted(code for code in ITEMS if code[-4:-1] == spec.number)
        for n, code in enumerate(items):
            fields = (*_CORE, *data) if n == 0 else _CORE[:2]
            out.append(Sharing(spec.number, _SHORTS.index(code[:2]), code, fields))
    return tuple(out)


SHARING: tuple[Sharing, ...] = _plan()
"""The demo city's sharing lists: every license type opened, approvals closed."""


class ReuseCity:
    """Reuse statements for a demo :class:`~elicense_demo.scenario.City`."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.specs = {spec.number: spec for spec in LICENSE_TYPES}

    def type_code(self, number: str) -> str:
        """The type code of catalogue type ``number``."""
        return self.city.type_code(self.specs[number])

    def sharing_statements(self, type_versions: dict[str, int] | None = None) -> Iterator[Signed]:
        """The ``type.share`` statements of :data:`SHARING` (each type at version 1 unless told)."""
        versions = dict(type_versions or {})
        for entry in SHARING:
            spec = self.specs[entry.number]
            code = self.city.type_code(spec)
            version = versions.get(code, 1)
            versions[code] = version + 1
            owner = self.city.departments[spec.department]
            yield owner.desk.share_type(
                code,
                user=self.city.departments[entry.user].uscc,
                service_items=(entry.item,),
                fields=entry.fields,
                note=f"{ITEMS[entry.item]}（需求清单）",
                expected_version=version,
            )

    @staticmethod
    def code_kind(spec: TypeSpec) -> HolderCodeKind:
        """The holder code kind of a catalogue type's holders."""
        return HolderCodeKind.RIC if spec.holder is HolderKind.PERSON else HolderCodeKind.USCC

    def consent(
        self,
        code: str,
        *,
        holder: str,
        number: str,
        entry: Sharing,
        valid_until: datetime,
        signed_at: datetime | None = None,
    ) -> Signed:
        """The platform-signed consent of ``holder`` for ``entry`` (the holder's licenses of
        the type), after the holder authenticated in the platform's app (人脸识别)."""
        spec = self.specs[number]
        clock = self.city.operator.clock if signed_at is None else (lambda: signed_at)
        operator = PlatformOperator.offline(self.city.origin, self.city.platform_key, clock=clock)
        return operator.grant_consent(
            code,
            holder=holder,
            holder_code_kind=self.code_kind(spec),
            user=self.city.departments[entry.user].uscc,
            service_item=entry.item,
            purpose=f"办理{ITEMS[entry.item]}",
            license_type=self.city.type_code(spec),
            valid_until=valid_until,
            authentication=AuthMethod.FACE if spec.holder is HolderKind.PERSON else AuthMethod.E_ID,
            authentication_ref=f"AUTH-{code}",
        )

    def use(
        self,
        request: int,
        *,
        entry: Sharing,
        consent: str,
        license: str = "",
        holder: str = "",
        signed_at: datetime | None = None,
        user: int | None = None,
    ) -> Signed:
        """A use of ``license`` (or of ``holder``'s license of the entry's type) by the
        entry's department (or ``user``), request number ``request``."""
        dept = self.city.departments[entry.user if user is None else user]
        desk = dept.desk
        if signed_at is not None:
            desk = DepartmentDesk.offline(
                self.city.origin, dept.key, seal=dept.seal_code, clock=lambda: signed_at
            )
        return desk.request_use(
            f"{dept.uscc}/BJ{request:09d}",
            service_item=entry.item,
            purpose=f"办理{ITEMS[entry.item]}",
            consent=consent,
            license=license,
            holder=holder,
            license_type=self.type_code(entry.number) if holder else "",
        )
