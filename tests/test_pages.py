"""The scan-to-verify page in a real browser (Debian chromium, Playwright) against a real
server: a license's QR, scanned back with zxing-cpp, opens a page that says 有效, 暂扣,
吊销/注销/撤销 — or an error state with its code for a forged or tampered payload — and
checks again in the page itself, also after the service is gone."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ECDSA_P256, SM2_SM3
from elicense.payload import make_payload, open_payload, read_payload_text
from http_support import serve, write_key
from pages_support import (
    Demo,
    Env,
    artifacts,
    browser,
    browser_or_skip,
    demo,
    look,
    page_env,
    qr_url,
    tab,
)

pytestmark = pytest.mark.slow

WORDS = {
    "valid": "有效",
    "suspended": "暂扣",
    "revoked": "吊销",
    "cancelled": "注销",
    "withdrawn": "撤销",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """A served demo ledger and a browser for this module's tests."""
    yield from page_env(tmp_path_factory, "pages")


def _forged(d: Demo, alg: str = ECDSA_P256) -> str:
    """The valid license's payload claims, signed by another key."""
    text = d.payload("valid")
    claims = open_payload(read_payload_text(text), [d.world.platform_key.public_key]).claims
    cose = make_payload(claims, generate_key(alg))
    return text.split("/V/")[0] + "/V/" + base64.b32encode(cose).rstrip(b"=").decode()


def _forged_with_our_kid(d: Demo, alg: str = ECDSA_P256) -> str:
    """Another key's signature under the platform key's kid (the kid is not signed)."""
    ours = read_payload_text(d.payload("valid"))
    theirs = read_payload_text(_forged(d, alg))
    kid_at = ours.index(b"\xa1\x04\x48") + 3
    forged = theirs[:kid_at] + ours[kid_at : kid_at + 8] + theirs[kid_at + 8 :]
    return "HTTPS://127.0.0.1/V/" + base64.b32encode(forged).rstrip(b"=").decode()


def _tampered(d: Demo) -> str:
    """The valid payload with one signed byte of its claims changed."""
    cose = bytearray(read_payload_text(d.payload("valid")))
    cose[-70] ^= 0x01  # inside the claims, before the 64-byte signature
    return "HTTPS://127.0.0.1/V/" + base64.b32encode(bytes(cose)).rstrip(b"=").decode()


def _open(env: Env, text: str, name: str | None = None) -> tuple[Any, Any]:
    t = tab(env.browser)
    opened = t.__enter__()
    opened.page.goto(qr_url(text, env.server.url))
    opened.page.wait_for_selector("#offline-result[data-runs='1']")
    if name is not None:
        look(opened.page, name, env.shots)
    return t, opened


@pytest.mark.parametrize("state", ["valid", "suspended", "revoked", "cancelled", "withdrawn"])
def test_scanned_qr_opens_a_page_with_the_ledgers_status(env: Env, state: str) -> None:
    """The QR of each license scans to a page that says its status by word (and colour
    class), agreed by the in-page check; the page shows no holder, number or field, and the
    browser asked nothing of another origin."""
    t, tb = _open(env, env.demo.payload(state), f"scan-{state}" if state in WORDS else None)
    try:
        page = tb.page
        status = page.locator("#status")
        assert status.inner_text() == WORDS[state]
        assert status.get_attribute("data-state") == state
        offline = page.locator("#offline-result")
        expected_offline = {"valid": "valid", "suspended": "suspended"}.get(state, "invalid")
        assert offline.get_attribute("data-state") == expected_offline
        text = page.locator("main").inner_text()
        assert "食品经营许可证" in text
        assert "部门1" in text
        lic = env.demo.world.ledger.get_license(env.demo.licenses[state])
        for secret in (lic.holder.name, lic.holder.code, lic.license_number):
            assert secret not in page.content()
        if state != "valid":
            assert page.locator("#reason-code").inner_text().startswith("license.")
        assert tb.off_origin(env.server.url) == []
        assert tb.context.cookies() == []  # the page sets no cookie
    finally:
        t.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("case", "codes"),
    [
        ("forged", {"payload.key.unknown"}),
        ("forged-kid", {"payload.signature.invalid"}),
        ("tampered", {"payload.signature.invalid", "payload.malformed"}),
    ],
)
def test_forged_or_tampered_payload_shows_an_error_with_its_code(
    env: Env, case: str, codes: set[str]
) -> None:
    """Tamper twins of the scan: another key's payload, another key's signature under our
    kid, and a changed claim byte each show 无法核验 with the code — online and in-page."""
    make = {"forged": _forged, "forged-kid": _forged_with_our_kid, "tampered": _tampered}[case]
    t, tb = _open(env, make(env.demo), f"scan-{case}" if case == "forged" else None)
    try:
        page = tb.page
        assert page.locator("#status").get_attribute("data-state") == "error"
        assert page.locator("#status").inner_text() == "无法核验"
        assert page.locator("#reason-code").inner_text() in codes
        offline = page.locator("#offline-result")
        assert offline.get_attribute("data-state") == "error"
        assert offline.get_attribute("data-code") in codes
        assert tb.off_origin(env.server.url) == []
    finally:
        t.__exit__(None, None, None)


def test_page_headers_forbid_inline_script_other_origins_and_set_no_cookie(env: Env) -> None:
    """The page's CSP allows only this origin's script and style; no cookie is set; the
    access log holds the route template, never the payload."""
    import httpx

    text = env.demo.payload("valid")
    path = "/V/" + text.split("/V/")[1]
    r = httpx.get(env.server.url + path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "set-cookie" not in r.headers
    assert "<script>" not in r.text  # only src= scripts and a JSON data block
    assert text.split("/V/")[1] not in env.server.stderr()


def test_unknown_path_after_v_is_not_a_page(env: Env) -> None:
    """Tamper twin of the headers: lower-case or non-base32 text after /V/ is a 404."""
    import httpx

    r = httpx.get(env.server.url + "/V/not-base32!")
    assert r.status_code == 404


def _offline_env(tmp: Path) -> tuple[Demo, Path]:
    d = demo(tmp / "ledger.db")
    return d, write_key(d.world, tmp)


@pytest.mark.parametrize("state", ["valid", "suspended", "revoked"])
def test_after_the_service_is_cut_the_page_checks_with_its_status_list(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, state: str
) -> None:
    """Load the page, stop the server, press 重新核验: the page says the service is
    unreachable and gives the status from the list it was served with, and its age."""
    browser_or_skip()
    d, key = _offline_env(tmp_path)
    shots = artifacts(tmp_path_factory)
    with browser() as b, tab(b) as tb:
        with serve(d.world.ledger.dsn, key, tmp_path) as server:
            tb.page.goto(qr_url(d.payload(state), server.url))
            tb.page.wait_for_selector("#offline-result[data-runs='1']")
            origin = server.url
        tb.page.click("#recheck")
        tb.page.wait_for_selector("#service-note[data-service=unreachable]")
        tb.page.wait_for_selector("#offline-result[data-runs='2']")
        result = tb.page.locator("#offline-result")
        assert result.get_attribute("data-state") == {"revoked": "invalid"}.get(state, state)
        assert int(result.get_attribute("data-age-seconds")) >= 0
        assert "状态列表生成于" in tb.page.locator("#offline-detail").inner_text()
        assert "签名已在本机用平台公钥核验" in tb.page.locator("#offline-detail").inner_text()
        if state == "valid":
            look(tb.page, "scan-offline", shots)
        assert tb.off_origin(origin) == []


def test_after_the_service_is_cut_a_forged_payload_still_fails_in_the_page(
    tmp_path: Path,
) -> None:
    """Tamper twin of the offline check: a forged payload's page, rechecked with the
    service gone, is still 无法核验 with its code (the page's own signature check)."""
    browser_or_skip()
    d, key = _offline_env(tmp_path)
    with browser() as b, tab(b) as tb:
        with serve(d.world.ledger.dsn, key, tmp_path) as server:
            tb.page.goto(qr_url(_forged_with_our_kid(d), server.url))
            tb.page.wait_for_selector("#offline-result[data-runs='1']")
        tb.page.click("#recheck")
        tb.page.wait_for_selector("#service-note[data-service=unreachable]")
        tb.page.wait_for_selector("#offline-result[data-runs='2']")
        result = tb.page.locator("#offline-result")
        assert result.get_attribute("data-state") == "error"
        assert result.get_attribute("data-code") == "payload.signature.invalid"


# -- SM2 platforms: the vendored sm-crypto verifies in the page ---------------------------


@pytest.fixture(scope="module")
def sm2_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Demo, Path]:
    """A demo ledger whose platform (and seal) keys are SM2, and its platform key file."""
    browser_or_skip()
    tmp = tmp_path_factory.mktemp("sm2-pages")
    d = demo(tmp / "ledger.db", alg=SM2_SM3)
    return d, write_key(d.world, tmp)


def _flipped_signature(d: Demo) -> str:
    """The valid SM2 payload with one byte of its signature (the last, in s) flipped."""
    cose = bytearray(read_payload_text(d.payload("valid")))
    cose[-1] ^= 0x01
    return "HTTPS://127.0.0.1/V/" + base64.b32encode(bytes(cose)).rstrip(b"=").decode()


SM2_CASES = {
    "valid": lambda d: d.payload("valid"),
    "forged": lambda d: _forged(d, SM2_SM3),
    "forged-kid": lambda d: _forged_with_our_kid(d, SM2_SM3),
    "flipped-signature": _flipped_signature,
}


@pytest.mark.parametrize("case", list(SM2_CASES))
def test_sm2_platform_page_verifies_the_signature_itself(
    sm2_demo: tuple[Demo, Path],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    case: str,
) -> None:
    """WebCrypto has no SM2, so an SM2 platform's page loads the vendored sm-crypto from its
    own origin and checks the payload signature itself (SM3, user ID 1234567812345678,
    r ‖ s): a valid payload is 有效 with "签名已在本机用平台公钥核验", before and after the
    service is cut. Tamper twins — another SM2 key's payload, another SM2 key's signature
    under our kid, a flipped signature byte — are 无法核验 by the page's own check, also
    with the service gone. Every request stays on the server's origin."""
    d, key = sm2_demo
    text = SM2_CASES[case](d)
    shots = artifacts(tmp_path_factory)
    with browser() as b, tab(b) as tb:
        with serve(d.world.ledger.dsn, key, tmp_path) as server:
            tb.page.goto(qr_url(text, server.url))
            tb.page.wait_for_selector("#offline-result[data-runs='1']")
            origin = server.url
            online = tb.page.locator("#status").get_attribute("data-state")
            first = tb.page.locator("#offline-result").get_attribute("data-state")
            if case in ("valid", "forged-kid"):
                look(tb.page, f"scan-sm2-{case}", shots)
        tb.page.click("#recheck")
        tb.page.wait_for_selector("#service-note[data-service=unreachable]")
        tb.page.wait_for_selector("#offline-result[data-runs='2']")
        result = tb.page.locator("#offline-result")
        detail = tb.page.locator("#offline-detail").inner_text()
        assert f"{origin}/static/sm-crypto-sm2.js" in tb.requests
        assert tb.off_origin(origin) == []
        if case == "valid":
            assert online == first == "valid"
            assert result.get_attribute("data-state") == "valid"
            assert result.get_attribute("data-by") == "page"
            assert "签名已在本机用平台公钥核验" in detail
            assert "状态列表生成于" in detail
        else:
            assert online == first == "error"
            assert result.get_attribute("data-state") == "error"
            assert result.inner_text() == "无法核验"
            code = {"forged": "payload.key.unknown"}.get(case, "payload.signature.invalid")
            assert result.get_attribute("data-code") == code
            # the page's own refusal, not the platform's answer carried in the page
            assert "平台核验未通过" not in detail
            if case != "forged":
                assert "签名无效" in detail


def _rewriting(said: str, told: str) -> Any:
    """A Playwright route handler that serves the page with ``said`` in its carried
    platform answer replaced by ``told``."""

    def rewrite(route: Any, request: Any) -> None:
        response = route.fetch()
        html = response.text()
        assert f'"view":{{{said}' in html
        route.fulfill(response=response, body=html.replace(f'"view":{{{said}', f'"view":{{{told}'))

    return rewrite


def test_sm2_page_check_does_not_lean_on_the_platforms_answer(
    sm2_demo: tuple[Demo, Path], tmp_path: Path
) -> None:
    """The in-page SM2 check decides by itself: a forged payload (another SM2 key's
    signature under our kid) whose page is rewritten on the way to say the platform found
    it 有效 is still refused by the page; twin: the valid payload's page rewritten to say
    无法核验 still verifies in the page (the signature check is the page's own)."""
    d, key = sm2_demo
    cases = (
        (_forged_with_our_kid(d, SM2_SM3), '"state":"error"', '"state":"valid"', "error"),
        (d.payload("valid"), '"state":"valid"', '"state":"error"', "valid"),
    )
    with serve(d.world.ledger.dsn, key, tmp_path) as server, browser() as b:
        for text, said, told, expected in cases:
            with tab(b) as tb:
                tb.page.route("**/V/*", _rewriting(said, told))
                tb.page.goto(qr_url(text, server.url))
                tb.page.wait_for_selector("#offline-result[data-runs='1']")
                result = tb.page.locator("#offline-result")
                assert result.get_attribute("data-state") == expected
                if expected == "valid":
                    assert result.get_attribute("data-by") == "page"
                else:
                    assert result.get_attribute("data-code") == "payload.signature.invalid"


def test_vendored_sm_crypto_is_the_pinned_file_and_needs_no_eval(env: Env) -> None:
    """The served ``sm-crypto-sm2.js`` is byte for byte the vendored file, whose SHA-256
    and version are the ones docs/pages.md records (a changed vendored file fails here);
    it has no ``eval`` or ``Function`` constructor (the CSP forbids both), its license is
    beside it, and a P-256 platform's page does not load it."""
    import hashlib
    import re

    import httpx

    static = Path(__file__).resolve().parents[1] / "adapters" / "elicense_http" / "static"
    vendored = (static / "sm-crypto-sm2.js").read_bytes()
    docs = (Path(__file__).resolve().parents[1] / "docs" / "pages.md").read_text("utf-8")
    version = re.search(r"pinned: `sm-crypto` (\d+\.\d+\.\d+)", docs)
    digest = re.search(r"SHA-256 `([0-9a-f]{64})`", docs)
    assert version, "docs/pages.md records the vendored sm-crypto's version"
    assert digest, "docs/pages.md records the vendored file's SHA-256"
    assert hashlib.sha256(vendored).hexdigest() == digest.group(1)
    license_text = (static / "sm-crypto-LICENSE.txt").read_text("utf-8")
    assert f"sm-crypto {version.group(1)}" in license_text
    assert "Permission is hereby granted" in license_text
    for needle in (b"eval", b"Function(", b"new Function"):
        assert needle not in vendored
    r = httpx.get(env.server.url + "/static/sm-crypto-sm2.js")
    assert r.status_code == 200
    assert r.content == vendored
    assert r.headers["content-type"].startswith("text/javascript")
    html = httpx.get(env.server.url + "/V/" + env.demo.payload("valid").split("/V/")[1]).text
    assert "/static/verify.js" in html
    assert "sm-crypto" not in html  # P-256 platform: WebCrypto, no third-party code
