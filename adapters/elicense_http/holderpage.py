"""The holder's usage page (``/v1/holder/page``, behind the holder session).

Every use and refusal of the holder's licenses — department, service item, purpose
(事由), time, consent, outcome, fields disclosed — exactly the rows
``elicense usage --holder`` lists, and the holder's consents with a button to
withdraw a live one (``static/holder.js`` posts to
``/v1/holder/consents/{code}/withdraw`` with the session cookie). The holder's own
code is never put in a URL: the session says who the holder is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from elicense.codec import utc_now
from elicense.reuse.facts import UseRow
from elicense_http.pagehtml import china_time, esc, page, table
from elicense_http.pagemodel import ConsentRow, PageModel

__all__ = ["holder_page", "login_page"]


def _outcome(row: UseRow) -> str:
    return "已使用" if row.outcome == "used" else f"已拒绝（{row.code}）"


def _consent_state(c: ConsentRow, now: datetime) -> tuple[str, str]:
    if c.withdrawn_at is not None:
        return "withdrawn", f"已撤回（{china_time(c.withdrawn_at)}）"
    if c.valid_until is not None and c.valid_until <= now:
        return "expired", "已到期"
    return "live", "有效"


def holder_page(uses: Sequence[UseRow], consents: Sequence[ConsentRow], model: PageModel) -> str:
    """The page for one holder's session."""
    uses_table = table(
        f"用证记录（共 {len(uses)} 条）",
        ("时间", "用证部门", "办理事项", "事由", "授权编号", "结果", "披露字段"),
        [
            (
                china_time(r.recorded_at),
                model.department_name(r.user) or r.user,
                r.service_item,
                r.purpose,
                r.consent or "—",
                _outcome(r),
                "、".join(r.fields) if r.fields else "—",
            )
            for r in uses
        ],
        cls="uses cards",
        row_attrs=[f'data-position="{r.position}" data-outcome="{esc(r.outcome)}"' for r in uses],
    )
    now = utc_now()
    head: tuple[str, ...] = ("授权编号", "用证部门", "办理事项", "事由", "授权范围", "授权于")
    head += ("有效期至",)
    head += ("状态", "操作")  # the last two cells are written apart
    rows = []
    for c in consents:
        state, shown = _consent_state(c, now)
        action = (
            f'<button type="button" class="withdraw" data-code="{esc(c.code)}">撤回授权</button>'
            if state == "live"
            else "—"
        )
        covers = c.license or f"类型 {model.type_name(c.license_type) or c.license_type}"
        cells = (
            c.code,
            c.user_name or c.user,
            c.service_item,
            c.purpose,
            covers,
            china_time(c.granted_at),
            china_time(c.valid_until),
        )
        rows.append(
            f'<tr data-consent="{esc(c.code)}" data-state="{state}">'
            + "".join(
                f'<td data-label="{h}">{esc(x)}</td>' for h, x in zip(head, cells, strict=False)
            )
            + f'<td data-label="状态">{esc(shown)}</td><td data-label="操作">{action}</td></tr>'
        )
    consents_table = (
        '<div class="scroll"><table class="consents cards">'
        f"<caption>我的授权（共 {len(consents)} 项）</caption><thead><tr>"
        + "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
    body = (
        '<p class="note">谁在何时、为办理什么事项、凭哪项授权使用或试图使用了您的证照。'
        "撤回授权后，该部门凭此授权的用证将被拒绝并留痕。</p>"
        f'<section aria-labelledby="uses-h"><h2 id="uses-h">用证记录</h2>{uses_table}</section>'
        f'<section aria-labelledby="consents-h"><h2 id="consents-h">我的授权</h2>'
        f'{consents_table}<p id="withdraw-result" role="status"></p></section>'
    )
    return page("我的用证记录", body, scripts=("holder.js",))


def login_page(code: str) -> str:
    """Without a valid session: where to log in, and the code (no personal data)."""
    return page(
        "我的用证记录",
        '<p class="status error">请先通过政务服务平台实名登录后查看。</p>'
        f'<p>原因代码 <code id="reason-code">{esc(code)}</code></p>',
    )
