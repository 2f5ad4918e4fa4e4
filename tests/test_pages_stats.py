"""The statistics page in a real browser: for the period chosen in its form it shows the
figures ``elicense stats --json --check`` gives for the same period (用证量 by month and by
department, 事项用证率, 证照开通率, 入库量), as SVG charts with a table under each, and
the same figures as JSON and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pages_support import (
    Env,
    cli_json,
    look,
    page_env,
    tab,
)

pytestmark = pytest.mark.slow

FIGURES = ("uses", "refused", "item_use_rate", "type_opening_rate", "stored")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """A served demo ledger and a browser for this module's tests."""
    yield from page_env(tmp_path_factory, "stats")


def _cli(env: Env, since: str, until: str) -> dict[str, Any]:
    out = cli_json(
        "stats",
        "--ledger",
        env.demo.world.ledger.dsn,
        "--since",
        since,
        "--until",
        until,
        "--check",
    )
    assert out["replay_agrees"] is True
    stats: dict[str, Any] = out["statistics"]
    return stats


def _shown(env: Env, since: str, until: str, shot: str | None = None) -> dict[str, Any]:
    """Choose the period in the page's form; read the figures and tables it shows."""
    with tab(env.browser) as tb:
        tb.page.goto(env.server.url + "/stats")
        tb.page.fill("input[name=since]", since)
        tb.page.fill("input[name=until]", until)
        with tb.page.expect_navigation():
            tb.page.click("form.period button")
        assert tb.page.url.endswith(f"/stats?since={since}&until={until}")
        shown: dict[str, Any] = {}
        for name in FIGURES:
            shown[name] = float(
                tb.page.locator(f"[data-metric={name}]").get_attribute("data-value")
            )
        depts = tb.page.locator("tr[data-department]")
        shown["uses_by_department"] = {
            depts.nth(i).get_attribute("data-department"): int(
                depts.nth(i).get_attribute("data-uses")
            )
            for i in range(depts.count())
        }
        months = tb.page.locator("#by-month-h ~ div table tbody tr")
        shown["by_month"] = [
            int(months.nth(i).locator("td").nth(1).inner_text()) for i in range(months.count())
        ]
        assert tb.page.locator("svg.chart").count() == 4
        assert tb.page.locator("section table").count() == 4  # a table under each chart
        if shot:
            look(tb.page, shot, env.shots)
        assert tb.off_origin(env.server.url) == []
        assert tb.context.cookies() == []  # the page sets no cookie
    return shown


def _period(days_back: int, days: int) -> tuple[str, str]:
    start = datetime.now(UTC).date() - timedelta(days=days_back)
    return start.isoformat(), (start + timedelta(days=days)).isoformat()


def test_stats_page_shows_the_cli_figures_for_the_chosen_period(env: Env) -> None:
    """The page's 用证量, refusals, 事项用证率, 证照开通率, 入库量 and uses by department
    are the CLI's for the same period; the months add up to the period's 用证量; JSON and
    CSV carry the same figures."""
    since, until = _period(1, 3)
    cli = _cli(env, since, until)
    shown = _shown(env, since, until, "stats")
    for name in FIGURES:
        assert shown[name] == pytest.approx(cli[name]), name
    assert shown["uses_by_department"] == cli["uses_by_department"]
    assert cli["uses"] > 0
    assert sum(shown["by_month"]) == cli["uses"]
    query = {"since": since, "until": until}
    data = httpx.get(env.server.url + "/stats.json", params=query).json()
    assert data["statistics"] == cli
    rows = csv.reader(io.StringIO(httpx.get(env.server.url + "/stats.csv", params=query).text))
    flat = {(r[0], r[1]): r[2] for r in rows}
    assert int(flat[("uses", "")]) == cli["uses"]
    assert int(flat[("stored", "")]) == cli["stored"]


def test_another_period_shows_that_periods_figures_not_todays(env: Env) -> None:
    """Tamper twin: a period before anything was recorded shows the CLI's zeros for it,
    not the figures of the period with the uses."""
    since, until = "2020-01-01", "2020-03-01"
    cli = _cli(env, since, until)
    shown = _shown(env, since, until)
    assert cli["uses"] == cli["stored"] == 0
    for name in FIGURES:
        assert shown[name] == pytest.approx(cli[name]), name
    assert shown["by_month"] == [0, 0]
    now_since, now_until = _period(1, 3)
    assert _cli(env, now_since, now_until)["uses"] != shown["uses"]


def test_a_malformed_period_is_refused_with_its_code(env: Env) -> None:
    """A period that is not ISO 8601, or ends before it starts, is 400 with a code."""
    for query in ({"since": "yesterday"}, {"since": "2026-02-01", "until": "2026-01-01"}):
        r = httpx.get(env.server.url + "/stats.json", params=query)
        assert (r.status_code, r.json()["code"]) == (400, "request.query.invalid")
