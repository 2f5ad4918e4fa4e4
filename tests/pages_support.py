"""Helpers for the pages' browser tests: Debian chromium driven by Playwright (never
Playwright's own browsers), a demo-like ledger (valid, suspended and revoked licenses,
consents, used and refused uses), screenshots at phone and desktop size, an axe-core
check, and a record of every request the browser makes.

Without chromium or playwright the tests skip with the reason; with ``CI=true`` they fail
instead (``.ci/run`` installs Debian ``chromium``)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from auth_support import reuse_world
from elicense import acts
from elicense.crypto.suites import ECDSA_P256
from elicense.ledger.payloads import license_payload
from elicense.lifecycle import RevocationReason
from http_support import ENV, Server, serve, write_key
from reuse_support import ReuseWorld
from support import scan_qr

CHROMIUM = os.environ.get("ELICENSE_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: the browser tests must run, but {reason}")
    pytest.skip(reason)


def browser_or_skip() -> Any:
    """The sync Playwright module's launcher, or skip (fail with CI=true) without one."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install '.[test]')")
    return sync_playwright


_RUNNING: list[Any] = []  # the Playwright driver and browser while anyone uses them
_USERS = [0]


@contextmanager
def browser() -> Iterator[Any]:
    """Debian chromium, headless, through Playwright. Playwright's sync API allows one
    driver per thread and keeps an event loop running while it is started (which breaks
    ``asyncio.run`` in later tests), so nested uses share one driver and the last user
    stops it."""
    sync_playwright = browser_or_skip()
    if not _RUNNING:
        driver = sync_playwright().start()
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        _RUNNING.extend((driver, launched))
    _USERS[0] += 1
    try:
        yield _RUNNING[1]
    finally:
        _USERS[0] -= 1
        if _USERS[0] == 0:
            driver, launched = _RUNNING
            _RUNNING.clear()
            launched.close()
            driver.stop()


@dataclass
class Tab:
    """A browser context and page that records every request URL."""

    context: Any
    page: Any
    requests: list[str] = field(default_factory=list)

    def off_origin(self, origin: str) -> list[str]:
        """The requests that left ``origin``."""
        return [u for u in self.requests if not u.startswith(origin + "/")]


@contextmanager
def tab(b: Any, *, viewport: dict[str, int] = PHONE) -> Iterator[Tab]:
    """A fresh context (no cookies) and page, recording requests."""
    context = b.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    t = Tab(context, context.new_page())
    context.on("request", lambda request: t.requests.append(request.url))
    try:
        yield t
    finally:
        context.close()


def artifacts(factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$ELICENSE_PAGES_ARTIFACTS`` or pytest's temporary folder."""
    chosen = os.environ.get("ELICENSE_PAGES_ARTIFACTS")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return factory.mktemp("pages-artifacts")


def look(page: Any, name: str, folder: Path) -> None:
    """Screenshots at 360×740 and 1280×800; no horizontal scrolling on the phone; no
    critical axe-core violation."""
    from axe_playwright_python.sync_playwright import Axe

    for size, label in ((PHONE, "360x740"), (DESKTOP, "1280x800")):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        if size is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: {width} px wide on a 360 px phone"
    violations = Axe().run(page).response["violations"]
    critical = [v["id"] for v in violations if v.get("impact") == "critical"]
    assert not critical, f"{name}: critical axe violations {critical}"
    page.set_viewport_size(PHONE)


# -- the ledger ----------------------------------------------------------------------------


@dataclass
class Demo:
    """A demo-like ledger: licenses by state, a consented and a refused use."""

    world: ReuseWorld
    licenses: dict[str, str]  # state -> identifier
    consent: str  # holder 1's consent for ``world.user``
    holder: str  # holder 1's code

    def payload(self, state: str, host: str = "127.0.0.1") -> str:
        """The verify-me text of the license in ``state``."""
        w = self.world
        return license_payload(w.ledger, self.licenses[state], w.platform_key, host=host)


def demo(path: Path, alg: str = ECDSA_P256) -> Demo:
    """Licenses 1 (有效), 2 (暂扣), 3 (吊销), 5 (注销), 6 (撤销); holder 1 consents to
    ``user`` using license 1, which ``user`` uses once; a use without consent is refused.
    Every key (platform and seals) is ``alg``."""
    world, _ = reuse_world(path, alg=alg)
    for n in (3, 5, 6):
        world.issue(n)
    licenses = {"valid": world.license_id(1), "suspended": world.license_id(2)}
    world.lifecycle(acts.SuspendLicense, licenses["suspended"])
    for n, reason in ((3, "revoked"), (5, "cancelled"), (6, "withdrawn")):
        licenses[reason] = world.license_id(n)
        world.lifecycle(acts.RevokeLicense, licenses[reason], reason_code=RevocationReason(reason))
    code = world.consent(1, world.user, license=licenses["valid"])
    world.use(world.user, license=licenses["valid"], consent=code)
    world.use(world.user, license=licenses["valid"])  # no consent: recorded as refused
    return Demo(world, licenses, code, world.holder(1).code)


def qr_url(text: str, server_url: str) -> str:
    """Render ``text`` as the QR a license carries, scan it back (zxing-cpp), and point
    the scanned URL at the test server (same path: ``/V/<BASE32>``)."""
    import segno
    from PIL import Image

    out = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(out, kind="png", scale=4, border=4)
    scanned = scan_qr(Image.open(io.BytesIO(out.getvalue())))
    assert scanned == text
    path = re.sub(r"^(?i:https)://[^/]+", "", scanned)
    return server_url + path


def cli_json(*args: str) -> Any:
    """``elicense ARGS --json`` in a subprocess: its one JSON object."""
    import json

    done = subprocess.run(
        [sys.executable, "-m", "elicense", *args, "--json"],
        env=ENV,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


class Env:
    """A demo ledger served by a real ``elicense serve``, a browser, a screenshot folder."""

    def __init__(self, demo: Demo, server: Server, browser: Any, shots: Path) -> None:
        self.demo, self.server, self.browser, self.shots = demo, server, browser, shots


def page_env(factory: pytest.TempPathFactory, name: str) -> Iterator[Env]:
    """The body of a page test module's ``env`` fixture (skips without a browser)."""
    browser_or_skip()
    tmp = factory.mktemp(name)
    d = demo(tmp / "ledger.db")
    with serve(d.world.ledger.dsn, write_key(d.world, tmp), tmp) as server, browser() as b:
        yield Env(d, server, b, artifacts(factory))
