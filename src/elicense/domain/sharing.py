"""Sharing lists (责任清单 / 需求清单) and the fields a use may disclose.

A license type's sharing list maps ``(user department, service item)`` to the
field names that department may see when it uses a license of the type for
that item. Field names are

- the core names of :data:`CORE_FIELDS` (``license_number``, ``holder.name`` …);
- ``data.<name>`` for each field of the type's schema (扩展业务信息).

What identifies and judges a license — its identifier, type, issuer, status
and version — is in every view and is not a sharing-list field: it is
needed to verify the view and carries no personal data.

:func:`sharing_refusal` is the one rule for "may this department see these
fields of this type for this item", used by the ledger when it records a use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from elicense.acts import FieldSpec

__all__ = [
    "CORE_FIELDS",
    "DATA_PREFIX",
    "SharingList",
    "disclosable_fields",
    "field_values",
    "sharing_refusal",
    "unknown_fields",
]

CORE_FIELDS: dict[str, str] = {
    "license_number": "证照编号",
    "holder.name": "持证主体",
    "holder.code": "持证主体代码",
    "holder.code_kind": "持证主体代码类型",
    "issued_on": "颁证日期",
    "valid_from": "有效期起始",
    "valid_until": "有效期截止",
    "jurisdiction": "管辖属地编码",
    "service_item": "关联事项编码",
}
"""Core license fields a sharing list may grant, with their national names."""

DATA_PREFIX = "data."
"""Prefix of a type-specific field's name on a sharing list (``data.capital``)."""

SharingList = Mapping[tuple[str, str], frozenset[str]]
"""``(user department, service item)`` → field names it may see."""


class _Schema(Protocol):
    schema: tuple[FieldSpec, ...]


def disclosable_fields(ltype: _Schema) -> frozenset[str]:
    """Every field name a sharing list of ``ltype`` may grant."""
    return _disclosable(ltype.schema)


@lru_cache(maxsize=1024)  # one per schema version; asked once per use
def _disclosable(schema: tuple[FieldSpec, ...]) -> frozenset[str]:
    return frozenset(CORE_FIELDS) | {DATA_PREFIX + f.name for f in schema}


def unknown_fields(ltype: _Schema, names: Iterable[str]) -> list[str]:
    """The names in ``names`` that are not fields of ``ltype`` (in order)."""
    known = disclosable_fields(ltype)
    return [n for n in names if n not in known]


def sharing_refusal(
    sharing: SharingList, user: str, service_item: str, requested: Iterable[str] = ()
) -> tuple[str, str] | None:
    """Why ``user`` may not see ``requested`` for ``service_item``: ``(code, message)``.

    ``None`` when it may; an empty ``requested`` asks for everything listed.
    """
    allowed = sharing.get((user, service_item))
    if allowed is None:
        if any(u == user for u, _ in sharing):
            return (
                "use.sharing.item_not_listed",
                f"department {user} is on the sharing list, but not for service item "
                f"{service_item}",
            )
        return ("use.sharing.not_listed", f"department {user} is not on the sharing list")
    extra = sorted(set(requested) - allowed)
    if extra:
        return (
            "use.fields.not_listed",
            f"fields {', '.join(extra)} are not on the sharing list of {user} for {service_item}",
        )
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def field_values(lic: Any, names: Iterable[str]) -> dict[str, str]:
    """The values of fields ``names`` of license ``lic`` (absent ones left out)."""
    out: dict[str, str] = {}
    for name in names:
        if name.startswith(DATA_PREFIX):
            value = lic.data.get(name[len(DATA_PREFIX) :])
        elif name.startswith("holder."):
            value = getattr(lic.holder, name[len("holder.") :], None)
        elif name in CORE_FIELDS:
            value = getattr(lic, name, None)
        else:
            value = None
        text = _text(value)
        if text:
            out[name] = text
    return out
