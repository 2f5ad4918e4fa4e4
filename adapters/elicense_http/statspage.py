"""The statistics page (``/stats``) and its figures as JSON and CSV.

用证量 by month and by department, 事项用证率, 证照开通率 and 入库量 exactly as
docs/statistics.md defines them, read from the reuse projection
(:meth:`~elicense_sql.reuse.ReuseProjection.statistics`) — the figures
``elicense stats --json`` prints for the same period. Months are calendar months in
UTC, clipped to the period, so they add up to the period's 用证量 whenever the period
has a start.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from elicense_http.pagehtml import bar_chart, esc, page, table
from elicense_http.pagemodel import PageModel
from elicense_http.problems import ServiceError

__all__ = ["parse_period", "stats_csv", "stats_data", "stats_page"]

_OPEN_MONTHS = 12


def parse_period(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """The period's bounds as ``elicense stats --since/--until`` reads them (ISO 8601; UTC
    when no zone is given).

    Raises:
        ServiceError: 400 ``request.query.invalid``.
    """
    bounds: list[datetime | None] = []
    for name, text in (("since", since), ("until", until)):
        if not text:
            bounds.append(None)
            continue
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ServiceError(
                400, "request.query.invalid", f"{name}: expected an ISO 8601 time or date"
            ) from None
        bounds.append((value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC))
    lo, hi = bounds
    if lo is not None and hi is not None and hi < lo:
        raise ServiceError(400, "request.query.invalid", "until is before since")
    return lo, hi


def _month_start(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def _next_month(at: datetime) -> datetime:
    return datetime(at.year + at.month // 12, at.month % 12 + 1, 1, tzinfo=UTC)


def _months(since: datetime | None, until: datetime | None) -> list[tuple[datetime, datetime]]:
    """Calendar months covering the period, each clipped to it."""
    end = until or _next_month(datetime.now(UTC))
    if since is None:
        start = _month_start(end)
        for _ in range(_OPEN_MONTHS - (0 if end == start else 1)):
            start = _month_start(datetime.fromtimestamp(start.timestamp() - 1, UTC))
    else:
        start = since
    out: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end and len(out) < 240:
        nxt = min(_next_month(_month_start(cursor)), end)
        out.append((cursor, nxt))
        cursor = nxt
    return out


def stats_data(projection: Any, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """The period's statistics (``Statistics.to_dict()``, as ``elicense stats --json``) and
    the uses of each month of it."""
    stats = projection.statistics(since, until)
    by_month = []
    for lo, hi in _months(since, until):
        m = projection.statistics(lo, hi)
        by_month.append({"month": f"{lo:%Y-%m}", "uses": m.uses, "refused": m.refused})
    return {"statistics": stats.to_dict(), "by_month": by_month}


def stats_csv(data: dict[str, Any]) -> str:
    """The same figures as CSV: ``figure,key,value`` rows."""
    s = data["statistics"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["figure", "key", "value"])
    w.writerow(["since", "", s["since"] or ""])
    w.writerow(["until", "", s["until"] or ""])
    for name in (
        "uses",
        "refused",
        "items_listed",
        "items_used",
        "item_use_rate",
        "types_defined",
        "types_opened",
        "type_opening_rate",
        "stored",
    ):
        w.writerow([name, "", s[name]])
    for name in (
        "uses_by_department",
        "uses_by_item",
        "uses_by_type",
        "refused_by_code",
        "stored_by_type",
    ):
        for key, n in sorted(s[name].items()):
            w.writerow([name, key, n])
    for m in data["by_month"]:
        w.writerow(["uses_by_month", m["month"], m["uses"]])
    return out.getvalue()


def _figure(name: str, label: str, value: object, shown: str) -> str:
    return (
        f'<div class="figure"><dt>{esc(label)}</dt>'
        f'<dd data-metric="{esc(name)}" data-value="{esc(value)}">{esc(shown)}</dd></div>'
    )


def stats_page(data: dict[str, Any], model: PageModel, since: str, until: str) -> str:
    """The page: the period form, the four figures, charts with a table under each."""
    s = data["statistics"]
    query = urlencode({k: v for k, v in (("since", since), ("until", until)) if v})
    suffix = f"?{query}" if query else ""
    form = (
        '<form class="period" method="get" action="/stats">'
        f'<label>起 <input type="date" name="since" value="{esc(since[:10])}"></label>'
        f'<label>止（不含）<input type="date" name="until" value="{esc(until[:10])}"></label>'
        '<button type="submit">查询</button></form>'
        f'<p class="note">统计口径见 docs/statistics.md；按账本记录时间（UTC）。'
        f'<a href="/stats.json{esc(suffix)}">JSON</a> · '
        f'<a href="/stats.csv{esc(suffix)}">CSV</a></p>'
    )
    figures = (
        '<dl class="figures">'
        + _figure("uses", "用证量", s["uses"], f"{s['uses']:,}")
        + _figure("refused", "拒绝用证", s["refused"], f"{s['refused']:,}")
        + _figure(
            "item_use_rate",
            "事项用证率",
            s["item_use_rate"],
            f"{s['item_use_rate']:.1%}（{s['items_used']}/{s['items_listed']}）",
        )
        + _figure(
            "type_opening_rate",
            "证照开通率",
            s["type_opening_rate"],
            f"{s['type_opening_rate']:.1%}（{s['types_opened']}/{s['types_defined']}）",
        )
        + _figure("stored", "入库量", s["stored"], f"{s['stored']:,}")
        + "</dl>"
    )
    months = [(m["month"], float(m["uses"])) for m in data["by_month"]]
    depts = sorted(s["uses_by_department"].items(), key=lambda kv: (-kv[1], kv[0]))
    stored = sorted(s["stored_by_type"].items(), key=lambda kv: (-kv[1], kv[0]))
    rates = [("事项用证率", s["item_use_rate"]), ("证照开通率", s["type_opening_rate"])]
    body = form + figures
    body += _section(
        "by-month",
        "用证量（按月）",
        months,
        table(
            "用证量（按月）",
            ("月份", "用证量", "拒绝"),
            [(m["month"], m["uses"], m["refused"]) for m in data["by_month"]],
        ),
    )
    body += _section(
        "by-department",
        "用证量（按部门）",
        [(model.department_name(k) or k, float(v)) for k, v in depts],
        table(
            "用证量（按部门）",
            ("部门", "统一社会信用代码", "用证量"),
            [(model.department_name(k), k, v) for k, v in depts],
            row_attrs=[f'data-department="{esc(k)}" data-uses="{v}"' for k, v in depts],
        ),
    )
    body += _section(
        "rates",
        "事项用证率与证照开通率",
        rates,
        table(
            "比率",
            ("指标", "分子", "分母", "比率"),
            [
                ("事项用证率", s["items_used"], s["items_listed"], f"{s['item_use_rate']:.1%}"),
                (
                    "证照开通率",
                    s["types_opened"],
                    s["types_defined"],
                    f"{s['type_opening_rate']:.1%}",
                ),
            ],
        ),
        percent=True,
    )
    body += _section(
        "stored",
        "入库量（按证照类型）",
        [(model.type_name(k) or k, float(v)) for k, v in stored],
        table(
            "入库量（按证照类型）",
            ("证照类型", "类型代码", "入库量"),
            [(model.type_name(k), k, v) for k, v in stored],
        ),
    )
    return page("用证统计", body)


def _section(
    key: str, title: str, bars: list[tuple[str, float]], under: str, *, percent: bool = False
) -> str:
    chart = bar_chart("chart-" + key, title, bars, percent=percent)
    return (
        f'<section aria-labelledby="{key}-h"><h2 id="{key}-h">{esc(title)}</h2>'
        f"{chart}{under}</section>"
    )
