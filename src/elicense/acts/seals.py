"""Acts on seals: ``seal.make`` by the seal's own key; the rest by the platform key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from elicense.acts.base import Statement, check_order
from elicense.codec import require_utc


class SealKind(StrEnum):
    """Kind of seal (印章类型)."""

    OFFICIAL = "official"  # 公章
    BUSINESS = "business"  # 业务专用章
    CONTRACT = "contract"  # 合同专用章
    FINANCE = "finance"  # 财务专用章
    INVOICE = "invoice"  # 发票专用章
    PERSONAL = "personal"  # 法定代表人名章 / 个人名章
    OTHER = "other"


class MakeSeal(Statement, frozen=True, kw_only=True, tag="seal.make"):
    """采集/制章: a department makes a seal; signed by the new seal's own key.

    ``seal`` equals ``subject`` (the seal code) and ``alg`` is the seal's algorithm.
    """

    department: str
    department_name: str
    name: str
    seal_kind: SealKind
    public_key: bytes
    valid_from: datetime
    valid_until: datetime
    picture_type: str = "PNG"
    picture: bytes = b""
    picture_width_mm: int = 40
    picture_height_mm: int = 40

    def __post_init__(self) -> None:
        super().__post_init__()
        require_utc(self.valid_from, "valid_from")
        require_utc(self.valid_until, "valid_until")
        check_order(self.valid_from, self.valid_until, "seal validity")
        if self.seal != self.subject:
            raise ValueError("seal.make is signed by the new seal itself: seal must equal subject")
        if self.picture_type not in ("GIF", "BMP", "JPG", "PNG", "SVG"):
            raise ValueError(f"picture_type must be GIF/BMP/JPG/PNG/SVG, found {self.picture_type}")


class FileSeal(Statement, frozen=True, kw_only=True, tag="seal.file"):
    """备案: the platform accepts a seal; binds the exact key it accepts."""

    key_id: str
    note: str = ""


class SuspendSeal(Statement, frozen=True, kw_only=True, tag="seal.suspend"):
    """The platform suspends a seal; it signs nothing until reinstated."""

    reason: str


class ReinstateSeal(Statement, frozen=True, kw_only=True, tag="seal.reinstate"):
    """The platform ends a seal's suspension."""

    reason: str


class RevokeSeal(Statement, frozen=True, kw_only=True, tag="seal.revoke"):
    """The platform revokes a seal for good.

    ``compromised_since``: when given, the seal's entries recorded at or after
    that time are reported untrusted.
    """

    reason: str
    compromised_since: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.compromised_since is not None:
            require_utc(self.compromised_since, "compromised_since")
