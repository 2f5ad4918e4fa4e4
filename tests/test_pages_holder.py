"""The holder's usage page in a real browser: it lists exactly the uses
``elicense usage --holder`` lists, and withdrawing a consent there makes the next use
with it refused. Without a valid session it shows nothing of anyone's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from auth_support import post_signed, signed_headers, use_body
from pages_support import (
    Env,
    cli_json,
    look,
    page_env,
    tab,
)
from reuse_support import make_ric

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """A served demo ledger and a browser for this module's tests."""
    yield from page_env(tmp_path_factory, "holder")


def _token(env: Env, holder: str) -> str:
    """What the platform's front end does after 实名认证: a session for ``holder``."""
    w = env.demo.world
    keyid = "platform:" + w.platform_key.public_key.key_id
    body = msgspec.json.encode(
        {"holder": holder, "authentication": "face", "authentication_ref": "F-1", "ttl": 300}
    )
    url = env.server.url + "/v1/holder/session"
    with env.server.client() as c:
        r = c.post(
            "/v1/holder/session",
            content=body,
            headers=signed_headers(w.platform_key, keyid, "POST", url, body),
        )
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def _with_session(tb: Any, env: Env, token: str) -> None:
    host = env.server.url.split("//")[1].split(":")[0]
    tb.context.add_cookies(
        [
            {
                "name": "elicense_holder",
                "value": token,
                "domain": host,
                "path": "/v1/holder",
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )


def _cli_positions(env: Env, holder: str) -> list[int]:
    rows = cli_json("usage", "--ledger", env.demo.world.ledger.dsn, "--holder", holder)["uses"]
    return [int(r["position"]) for r in rows]


def _page_positions(page: Any) -> list[int]:
    rows = page.locator("table.uses tbody tr")
    return [int(rows.nth(i).get_attribute("data-position")) for i in range(rows.count())]


def test_holder_page_lists_the_cli_uses_and_withdrawing_refuses_the_next_use(env: Env) -> None:
    """The page's rows are ``elicense usage --holder``'s, in order; the consent is live and
    a use with it is recorded as used; after 撤回授权 on the page the next use with it is
    refused (``use.consent.withdrawn``), and the page lists that refusal too."""
    d, w = env.demo, env.demo.world
    with tab(env.browser) as tb:
        _with_session(tb, env, _token(env, d.holder))
        tb.page.goto(env.server.url + "/v1/holder/page")
        look(tb.page, "holder", env.shots)
        assert _page_positions(tb.page) == _cli_positions(env, d.holder)
        outcomes = tb.page.locator("table.uses tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.outcome)"
        )
        assert set(outcomes) == {"used", "refused"}
        row = tb.page.locator(f"tr[data-consent='{d.consent}']")
        assert row.get_attribute("data-state") == "live"
        with env.server.client() as c:
            ok = post_signed(
                c,
                w.user,
                "/v1/uses",
                use_body(w.use_statement(w.user, license=d.licenses["valid"], consent=d.consent)),
            )
        assert ok.status_code == 201, ok.text
        row.locator("button.withdraw").click()
        tb.page.wait_for_selector(f"#withdraw-result[data-withdrawn='{d.consent}']")
        with env.server.client() as c:
            late = post_signed(
                c,
                w.user,
                "/v1/uses",
                use_body(w.use_statement(w.user, license=d.licenses["valid"], consent=d.consent)),
            )
        assert (late.status_code, late.json()["code"]) == (403, "use.consent.withdrawn")
        tb.page.reload()
        assert tb.page.locator(f"tr[data-consent='{d.consent}']").get_attribute("data-state") == (
            "withdrawn"
        )
        assert _page_positions(tb.page) == _cli_positions(env, d.holder)
        last = tb.page.locator("table.uses tbody tr").last
        assert last.get_attribute("data-outcome") == "refused"
        assert "use.consent.withdrawn" in last.inner_text()
        assert d.holder not in "".join(tb.requests)  # the holder is never in a URL
        assert d.holder not in env.server.stderr()  # nor in the server's logs
        assert tb.off_origin(env.server.url) == []


def test_without_a_valid_session_the_page_shows_no_uses(env: Env) -> None:
    """Tamper twin: a flipped session token, or none, gives the login page with its code
    and no row of anyone's uses or consents."""
    token = _token(env, env.demo.holder)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for cookie, code in ((flipped, "auth.session.invalid"), (None, "auth.session.missing")):
        with tab(env.browser) as tb:
            if cookie is not None:
                _with_session(tb, env, cookie)
            response = tb.page.goto(env.server.url + "/v1/holder/page")
            assert response.status == 401
            assert tb.page.locator("#reason-code").inner_text() == code
            assert tb.page.locator("table").count() == 0
            assert env.demo.consent not in tb.page.content()


def test_another_holders_page_shows_none_of_this_holders_record(env: Env) -> None:
    """Tamper twin of the listing: holder 2's session sees neither holder 1's consent nor
    holder 1's uses (the session, not a URL, says whose page it is)."""
    other = make_ric(2)
    with tab(env.browser) as tb:
        _with_session(tb, env, _token(env, other))
        tb.page.goto(env.server.url + "/v1/holder/page")
        assert env.demo.consent not in tb.page.content()
        assert _page_positions(tb.page) == _cli_positions(env, other)
        mine = set(_cli_positions(env, env.demo.holder))
        assert not mine & set(_page_positions(tb.page))
