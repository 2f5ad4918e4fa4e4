"""HTML for the pages: the page shell, the security headers, status words and colours, and
server-rendered SVG bar charts. Every value goes through :func:`esc`; nothing here loads
anything from another origin, and no page carries inline script or style (the CSP below
forbids both)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CSP",
    "STATUS_WORDS",
    "bar_chart",
    "china_time",
    "data_block",
    "esc",
    "page",
    "page_headers",
    "table",
]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Only this origin's files; no inline script or style, no frames, no other origin."""

_CHINA = timezone(timedelta(hours=8))

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "valid": ("有效", "ok"),
    "suspended": ("暂扣", "warn"),
    "withdrawn": ("撤销", "bad"),
    "cancelled": ("注销", "bad"),
    "revoked": ("吊销", "bad"),
    "expired": ("失效", "bad"),
    "transferred": ("转出", "bad"),
    "other": ("其他", "bad"),
    "invalid": ("失效", "bad"),  # the status list's word: ended, revoked or replaced
    "error": ("无法核验", "error"),
}
"""Status → (the word shown, its colour class in ``pages.css``)."""


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too: safe in attributes)."""
    return html.escape(str(value), quote=True)


def china_time(at: datetime | None) -> str:
    """``at`` in China time, to the second ("—" for none)."""
    if at is None:
        return "—"
    return at.astimezone(_CHINA).strftime("%Y-%m-%d %H:%M:%S") + " (北京时间)"


def page_headers(*, private: bool = False) -> dict[str, str]:
    """The headers every page answers with (``private``: never cached anywhere)."""
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store" if private else "no-cache",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


def data_block(element_id: str, value: Any) -> str:
    """A JSON data block (``type="application/json"``: never executed, so the CSP allows it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def page(title: str, body: str, *, scripts: Sequence[str] = ()) -> str:
    """A whole page: Chinese, readable at 360 px, the adapter's own CSS and scripts only."""
    tags = "".join(f'<script src="/static/{esc(s)}" defer></script>' for s in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><link rel="stylesheet" href="/static/pages.css">{tags}'
        f'</head><body><main id="main"><h1>{esc(title)}</h1>{body}</main></body></html>'
    )


def table(
    caption: str,
    head: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    cls: str = "",
    row_attrs: Sequence[str] | None = None,
) -> str:
    """An HTML table; ``row_attrs[i]`` is raw (already escaped) attributes of row ``i``."""
    out = [f'<div class="scroll"><table class="{esc(cls)}"><caption>{esc(caption)}</caption>']
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in head))
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        attrs = f" {row_attrs[i]}" if row_attrs is not None else ""
        cells = "".join(
            f'<td data-label="{esc(h)}">{esc(c)}</td>' for h, c in zip(head, row, strict=True)
        )
        out.append(f"<tr{attrs}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def bar_chart(
    chart_id: str, title: str, bars: Sequence[tuple[str, float]], *, percent: bool = False
) -> str:
    """A horizontal bar chart as inline SVG (presentation attributes only, no style)."""
    width, label_w, row_h, top = 360, 112, 26, 6  # about 1:1 on a 360 px phone
    height = top * 2 + row_h * max(len(bars), 1)
    biggest = 1.0 if percent else (max((v for _, v in bars), default=0) or 1)
    span = width - label_w - 64
    parts = [
        f'<svg id="{esc(chart_id)}" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{esc(chart_id)}-t" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{esc(chart_id)}-t">{esc(title)}</title>'
    ]
    if not bars:
        parts.append(f'<text x="8" y="{top + 17}" font-size="13" fill="#333">无数据</text>')
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        w = max(1.0, span * value / biggest) if value else 0.0
        shown = f"{value:.1%}" if percent else f"{value:,.0f}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" font-size="13" text-anchor="end" '
            f'fill="#222">{esc(_clip(label))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="#1f5fa8"></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 17}" font-size="13" '
            f'fill="#222">{esc(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, most: int = 7) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"
