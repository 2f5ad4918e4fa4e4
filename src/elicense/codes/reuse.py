"""Cross-department reuse: refusal reasons of a recorded use and reuse errors.

Each code is documented in docs/reuse.md; ``tests/test_codes_documented.py`` keeps
this table, the source and the documentation in step.
"""

from __future__ import annotations

from typing import Final

from elicense.codes.model import Code

CODES: Final[dict[str, Code]] = {
    "projection.conflict": Code(
        "reuse",
        "raised",
        "another worker applied events to the SQL read model first; nothing was written",
    ),
    "use.consent.expired": Code("reuse", "reason", "the consent expired before the ledger's time"),
    "use.consent.missing": Code("reuse", "reason", "the use names no consent"),
    "use.consent.other_department": Code(
        "reuse", "reason", "the consent authorises another department"
    ),
    "use.consent.other_item": Code("reuse", "reason", "the consent is for another service item"),
    "use.consent.other_license": Code(
        "reuse", "reason", "the consent does not cover this license (holder, type, license)"
    ),
    "use.consent.unknown": Code("reuse", "reason", "the consent named does not exist"),
    "use.consent.withdrawn": Code("reuse", "reason", "the holder withdrew the consent"),
    "use.fields.not_listed": Code(
        "reuse", "reason", "the use asks for fields the sharing list does not grant"
    ),
    "use.license.cancelled": Code("reuse", "reason", "the license is cancelled (注销)"),
    "use.license.expired": Code(
        "reuse", "reason", "the license is expired (失效, or past its validity)"
    ),
    "use.license.not_found": Code(
        "reuse", "reason", "the license (or the holder's license of the type) does not exist"
    ),
    "use.license.other": Code("reuse", "reason", "the license's status is other (其他)"),
    "use.license.revoked": Code("reuse", "reason", "the license is revoked (吊销)"),
    "use.license.suspended": Code("reuse", "reason", "the license is suspended (暂扣)"),
    "use.license.transferred": Code("reuse", "reason", "the license is transferred (转出)"),
    "use.license.withdrawn": Code("reuse", "reason", "the license is withdrawn (撤销)"),
    "use.resolution.unavailable": Code(
        "reuse",
        "raised",
        "a use by holder and type, but the service has no license locator (e.g. the SQL "
        "projection)",
    ),
    "use.sharing.item_not_listed": Code(
        "reuse", "reason", "the department is listed, but not for this service item"
    ),
    "use.sharing.not_listed": Code(
        "reuse", "reason", "the department is not on the type's sharing list"
    ),
}
"""reuse code → its entry."""
