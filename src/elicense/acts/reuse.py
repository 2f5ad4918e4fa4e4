"""The statement kinds of cross-department reuse: sharing lists, consents, uses.

================  ================================  ========================================
kind              subject                           signed by
================  ================================  ========================================
type.share        type code (21 chars)              a seal of the type's defining authority
type.unshare      type code                         a seal of the type's defining authority
consent.grant     consent code (new)                the platform key, naming how the holder
                                                    authenticated (``authentication``)
consent.withdraw  consent code                      the platform key (likewise)
use.request       ``<user USCC>/<request number>``  a seal of the user department
================  ================================  ========================================

Why the defining authority signs the sharing list: it defines the type's
fields and already signs ``type.define``/``type.revise``; the sharing list
(the provider's 责任清单, answering the users' 需求清单) says who may see
which of those fields, so it is part of the same catalogue entry.

A use's subject starts with the user department's USCC, so no department
can take another's request numbers, and a use is recorded at most once: a
signed use statement replayed is a duplicate, refused and not recorded.

Field validation here is structural; the ledger checks identifiers,
authority, and (for uses) the policy.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

import msgspec

from elicense.acts.base import Statement
from elicense.codec import require_utc
from elicense.ids import HolderCodeKind

USE_SUBJECT = re.compile(r"(?P<user>[0-9A-Z]{18})/(?P<number>[0-9A-Za-z][0-9A-Za-z._-]{0,63})")
"""A use's subject: the user department's USCC, ``/``, its request number (办件编号)."""


def _unique(values: tuple[str, ...], what: str, *, allow_empty: bool = False) -> None:
    if not values and not allow_empty:
        raise ValueError(f"{what} must not be empty")
    if any(not v for v in values):
        raise ValueError(f"{what} must not contain empty names")
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must be unique, found {list(values)}")


def _present(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise ValueError(f"{name} must not be empty")


# -- sharing lists ----------------------------------------------------------------------------


class ShareType(Statement, kw_only=True, frozen=True, tag="type.share"):
    """责任清单/需求清单: ``user`` may use licenses of the type for ``service_items``.

    For each service item the entry (user, item) is set to ``fields``: the
    names a use may disclose (core names such as ``holder.name`` or
    ``data.<schema field>``, see :mod:`elicense.domain.sharing`). Granting an
    entry again replaces its fields.
    """

    user: str
    service_items: tuple[str, ...]
    fields: tuple[str, ...]
    note: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        _unique(self.service_items, "service_items")
        _unique(self.fields, "fields")


class UnshareType(Statement, kw_only=True, frozen=True, tag="type.unshare"):
    """Withdraw ``user``'s entries for ``service_items`` (empty: all of its entries)."""

    user: str
    service_items: tuple[str, ...] = ()
    reason: str

    def __post_init__(self) -> None:
        super().__post_init__()
        _unique(self.service_items, "service_items", allow_empty=True)


# -- consents ---------------------------------------------------------------------------------


class AuthMethod(StrEnum):
    """How the platform authenticated the holder (实名认证) before recording a consent."""

    FACE = "face"  # 人脸识别 (活体检测 + 公安比对)
    ID_CARD = "id-card"  # 身份证读卡 (NFC / 窗口读卡器)
    E_ID = "e-id"  # 网络身份认证 / 电子营业执照 (CTID, 法人扫码)
    CERTIFICATE = "certificate"  # 数字证书 (CA, UKey)
    SMS = "sms"  # 实名手机号 + 短信验证码
    COUNTER = "counter"  # 窗口人工核验


class GrantConsent(Statement, kw_only=True, frozen=True, tag="consent.grant"):
    """授权用证: the holder authorises ``user`` to use one license, or the
    holder's licenses of one type, for ``service_item`` until ``valid_until``.

    Exactly one of ``license`` (an identifier, any version) and
    ``license_type`` (a type code) is given. ``authentication`` and
    ``authentication_ref`` say how the platform authenticated the holder and
    where its record of that is.
    """

    holder: str
    holder_code_kind: HolderCodeKind
    user: str
    service_item: str
    purpose: str
    license: str = ""
    license_type: str = ""
    valid_until: datetime
    authentication: AuthMethod
    authentication_ref: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_utc(self.valid_until, "valid_until")
        _present(
            holder=self.holder,
            user=self.user,
            service_item=self.service_item,
            purpose=self.purpose,
            authentication_ref=self.authentication_ref,
        )
        if bool(self.license) == bool(self.license_type):
            raise ValueError("a consent names exactly one of license and license_type")


class WithdrawConsent(Statement, kw_only=True, frozen=True, tag="consent.withdraw"):
    """The holder withdraws a consent (authenticated by the platform, as for granting)."""

    reason: str
    authentication: AuthMethod
    authentication_ref: str

    def __post_init__(self) -> None:
        super().__post_init__()
        _present(authentication_ref=self.authentication_ref)


# -- uses -------------------------------------------------------------------------------------


class RequestUse(Statement, kw_only=True, frozen=True, tag="use.request"):
    """用证: the user department asks to use a license for ``service_item``.

    The license is named by ``license`` (an identifier, any version) or by
    ``holder`` and ``license_type`` (the platform then resolves it and
    attaches a :class:`UseResolution` annex). ``consent`` is the holder's
    consent code (empty: none). ``fields`` narrows the disclosure further
    than the sharing list (empty: all the list allows).
    """

    service_item: str
    purpose: str
    consent: str = ""
    license: str = ""
    holder: str = ""
    license_type: str = ""
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _present(service_item=self.service_item, purpose=self.purpose)
        _unique(self.fields, "fields", allow_empty=True)
        by_holder = bool(self.holder) or bool(self.license_type)
        if bool(self.license) == by_holder:
            raise ValueError("a use names either license, or holder and license_type")
        if by_holder and not (self.holder and self.license_type):
            raise ValueError("a use by holder names both holder and license_type")

    @property
    def user(self) -> str:
        """The user department's USCC (the subject's first part)."""
        return self.subject.split("/", 1)[0]


class UseResolution(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The annex of a use by holder and type: the license the platform resolved it to.

    Not covered by the department's signature; the ledger checks it on its
    own terms (the license exists, belongs to the holder, is of the type).
    """

    license: str
