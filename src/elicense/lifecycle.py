"""National status and operation codes, and the license lifecycle table.

Status codes (电子证照状态, a ministry's data specification): 01 有效, 02 暂扣,
03 撤销, 04 注销, 05 失效, 06 转出, 07 吊销, 99 其他. Operation codes (操作类型):
01 新发, 02 延续, 03 暂扣, 04 过期失效, 05 注销/撤销/吊销/转出, 06 暂扣发还, 07 其他,
08 转入, 09 变更, 10 取消转出.

:data:`LIFECYCLE` is the one lifecycle table, keyed by license event name:
the License aggregate guards its commands with it, the verifier re-judges
recorded histories with it, and the export, the log's status lists and the
reuse facts read the status after each event from it, so none can disagree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, NamedTuple

from elicense import wire
from elicense.errors import TransitionRefusedError

__all__ = [
    "EVENT_OF_KIND",
    "LIFECYCLE",
    "OPERATION_OF_KIND",
    "TERMINAL",
    "TRANSITIONS",
    "LicenseStatus",
    "Operation",
    "RevocationReason",
    "Step",
    "next_status",
]


class LicenseStatus(StrEnum):
    """A license's status; ``.code`` is the national two-digit code."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    TRANSFERRED = "transferred"
    REVOKED = "revoked"
    OTHER = "other"

    @property
    def code(self) -> str:
        """National status code, e.g. ``01``."""
        return _STATUS_CODE[self]

    @property
    def finding(self) -> str:
        """The code of the error a verdict carries for a license in this status
        (``license.suspended`` …); ``""`` for valid."""
        return _STATUS_FINDING[self]

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``有效``."""
        return _STATUS_LABEL[self]

    @classmethod
    def from_code(cls, code: str) -> LicenseStatus:
        """The status with national code ``code``."""
        status = _STATUS_OF_CODE.get(code)
        if status is None:
            raise ValueError(f"unknown license status code {code!r}")
        return status


_STATUS_CODE = {
    LicenseStatus.VALID: "01",
    LicenseStatus.SUSPENDED: "02",
    LicenseStatus.WITHDRAWN: "03",
    LicenseStatus.CANCELLED: "04",
    LicenseStatus.EXPIRED: "05",
    LicenseStatus.TRANSFERRED: "06",
    LicenseStatus.REVOKED: "07",
    LicenseStatus.OTHER: "99",
}
_STATUS_FINDING = {
    LicenseStatus.VALID: "",
    LicenseStatus.SUSPENDED: "license.suspended",
    LicenseStatus.WITHDRAWN: "license.withdrawn",
    LicenseStatus.CANCELLED: "license.cancelled",
    LicenseStatus.EXPIRED: "license.expired",
    LicenseStatus.TRANSFERRED: "license.transferred",
    LicenseStatus.REVOKED: "license.revoked",
    LicenseStatus.OTHER: "license.status.other",
}
_STATUS_OF_CODE = {c: status for status, c in _STATUS_CODE.items()}
_STATUS_LABEL = {
    LicenseStatus.VALID: "有效",
    LicenseStatus.SUSPENDED: "暂扣",
    LicenseStatus.WITHDRAWN: "撤销",
    LicenseStatus.CANCELLED: "注销",
    LicenseStatus.EXPIRED: "失效",
    LicenseStatus.TRANSFERRED: "转出",
    LicenseStatus.REVOKED: "吊销",
    LicenseStatus.OTHER: "其他",
}


class Operation(StrEnum):
    """National operation codes; the value is the code."""

    ISSUE = "01"  # 新发
    RENEW = "02"  # 延续
    SUSPEND = "03"  # 暂扣
    EXPIRE = "04"  # 过期失效
    TERMINATE = "05"  # 注销/撤销/吊销/转出
    REINSTATE = "06"  # 暂扣发还
    OTHER = "07"  # 其他
    TRANSFER_IN = "08"  # 转入
    AMEND = "09"  # 变更
    CANCEL_TRANSFER = "10"  # 取消转出


class RevocationReason(StrEnum):
    """Why a license ends for good (注销 / 撤销 / 吊销)."""

    CANCELLED = "cancelled"  # 注销: ended at the holder's request or by law
    WITHDRAWN = "withdrawn"  # 撤销: the issuance itself is withdrawn
    REVOKED = "revoked"  # 吊销: revoked as a penalty

    @property
    def status(self) -> LicenseStatus:
        """The status a revocation for this reason leads to."""
        return LicenseStatus(self.value)


class Step(NamedTuple):
    """One row of the lifecycle table: a license event and what it does."""

    kind: str
    """The statement kind recorded as this event."""
    before: frozenset[LicenseStatus | None]
    """The statuses it may be recorded in (``None``: the license does not exist yet)."""
    after: LicenseStatus | None
    """The status after it; ``None`` for a revocation, whose reason code decides."""
    operation: Operation
    """The national operation code it records."""
    new_identifier: bool
    """Whether it gives the license a new identifier version (变更, 延续)."""


_V, _S = LicenseStatus.VALID, LicenseStatus.SUSPENDED
_LIVE = frozenset({_V, _S})

LIFECYCLE: Final[dict[str, Step]] = {
    wire.LICENSE_ISSUED: Step(wire.LICENSE_ISSUE, frozenset({None}), _V, Operation.ISSUE, False),
    wire.LICENSE_AMENDED: Step(wire.LICENSE_AMEND, frozenset({_V}), _V, Operation.AMEND, True),
    wire.LICENSE_RENEWED: Step(wire.LICENSE_RENEW, frozenset({_V}), _V, Operation.RENEW, True),
    wire.LICENSE_SUSPENDED: Step(
        wire.LICENSE_SUSPEND, frozenset({_V}), _S, Operation.SUSPEND, False
    ),
    wire.LICENSE_REINSTATED: Step(
        wire.LICENSE_REINSTATE, frozenset({_S}), _V, Operation.REINSTATE, False
    ),
    wire.LICENSE_REVOKED: Step(wire.LICENSE_REVOKE, _LIVE, None, Operation.TERMINATE, False),
    wire.LICENSE_EXPIRED: Step(
        wire.LICENSE_EXPIRE, _LIVE, LicenseStatus.EXPIRED, Operation.EXPIRE, False
    ),
}
"""The one lifecycle table: license event name → :class:`Step`.

The License aggregate guards its commands with it, the verifier re-judges
recorded histories with it, and the export, the log's status lists and the
reuse facts read a license's status after each event from it."""

EVENT_OF_KIND: Final[dict[str, str]] = {step.kind: event for event, step in LIFECYCLE.items()}
"""License statement kind → the event name it is recorded as."""

OPERATION_OF_KIND: Final[dict[str, Operation]] = {
    step.kind: step.operation for step in LIFECYCLE.values()
}
"""The national operation code each license statement kind records."""

_REVOKED = object()  # marker: the new status depends on the revocation reason

TRANSITIONS: dict[tuple[LicenseStatus | None, str], LicenseStatus | object] = {
    (before, step.kind): step.after if step.after is not None else _REVOKED
    for step in LIFECYCLE.values()
    for before in step.before
}
"""(current status or None for a new license, statement kind) → next status (derived)."""

TERMINAL = frozenset(
    {
        LicenseStatus.WITHDRAWN,
        LicenseStatus.CANCELLED,
        LicenseStatus.REVOKED,
        LicenseStatus.EXPIRED,
        LicenseStatus.TRANSFERRED,
    }
)
"""Statuses no act leads out of."""


def next_status(
    current: LicenseStatus | None,
    kind: str,
    reason: RevocationReason | None = None,
    *,
    subject: str | None = None,
) -> LicenseStatus:
    """The status after act ``kind`` on a license in status ``current``.

    Raises:
        TransitionRefusedError: the lifecycle does not allow ``kind`` now.
    """
    nxt = TRANSITIONS.get((current, kind))
    if nxt is None:
        where = "a license that does not exist yet" if current is None else f"a {current} license"
        raise TransitionRefusedError(
            f"{kind} is not allowed on {where}",
            code="lifecycle.transition.refused",
            subject=subject,
        )
    if nxt is _REVOKED:
        if reason is None:
            raise TransitionRefusedError(
                "license.revoke needs a reason code", code="statement.invalid", subject=subject
            )
        return reason.status
    assert isinstance(nxt, LicenseStatus)
    return nxt
