"""``elicense demo`` ends with a scan-to-verify URL: served by a real ``elicense serve`` on
the demo's ledger, it opens in chromium to the license's status; one changed character
of it opens to an error state with its code. The QR printed on the license's PDF
(``elicense pdf make``), rendered with pdftoppm and scanned with zxing-cpp, opens the
same page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from http_support import ENV, serve
from pages_support import browser, browser_or_skip, tab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """The demo's folder, ledger, platform key and the printed page path."""
    browser_or_skip()
    folder = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "elicense", "demo", "--licenses", "60", "--uses", "5", "--no-log"],
        env=ENV,
        cwd=folder,
        capture_output=True,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    (folder / "demo-output.txt").write_text(out)
    serve_line = re.search(r"serve: +elicense serve --ledger (\S+) --platform-key (\S+)", out)
    page_line = re.search(r"scan page: +http://127\.0\.0\.1:\d+(/V/[A-Z2-7]+)$", out, re.M)
    assert serve_line is not None, out
    assert page_line is not None, out
    return folder, serve_line.group(1), serve_line.group(2), page_line.group(1)


def test_the_demos_scan_url_opens_to_the_licenses_status(
    printed: tuple[Path, str, str, str],
) -> None:
    """The printed URL, on a served copy of the demo, says the license's status by word."""
    folder, ledger, key, path = printed
    with serve(ledger, folder / key, folder) as server, browser() as b, tab(b) as tb:
        tb.page.goto(server.url + path)
        tb.page.wait_for_selector("#offline-result[data-runs='1']")
        state = tb.page.locator("#status").get_attribute("data-state")
        assert state in {"valid", "suspended", "revoked", "cancelled", "withdrawn", "expired"}
        assert tb.page.locator("#offline-result").get_attribute("data-state") != "error"
        assert tb.off_origin(server.url) == []


def _sample_pdf_qr(folder: Path, ledger: str, out: str) -> str:
    """``elicense pdf make`` for the demo's sample license (its issuer's seal key), the
    first page rendered (pdftoppm) and its QR code scanned (zxing-cpp)."""
    from PIL import Image

    from elicense.ledger.application import Ledger
    from support import scan_qr

    sample = re.search(r"try: +elicense verify --ledger \S+ (\S+)", out)
    assert sample is not None, out
    keys = folder / "elicense-demo" / "keys"
    book = Ledger(str(folder / ledger), verify_threads=1)
    try:
        lic = book.get_license(sample.group(1))
        seal_key = next(
            k.with_suffix("")
            for k in sorted(keys.glob("*.pem.seal"))
            if book.get_seal(k.read_text().strip()).department == lic.issuer
        )
        identifier = lic.identifier
    finally:
        book.close()
    run = [sys.executable, "-m", "elicense"]
    pdf_key, pdf = folder / "pdf-p256.pem", folder / "license.pdf"
    subprocess.run([*run, "keygen", "--out", str(pdf_key)], env=ENV, check=True, cwd=folder)
    made = subprocess.run(
        [
            *run,
            "pdf",
            "make",
            identifier,
            "--out",
            str(pdf),
            "--key",
            str(seal_key),
            "--platform-key",
            str(keys / "platform.pem"),
            "--host",
            "zwfw.example.gov.cn",
            "--pdf-key",
            str(pdf_key),
            "--ledger",
            ledger,
        ],
        env=ENV,
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr.decode()
    page = folder / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(page)], check=True
    )
    return scan_qr(Image.open(folder / "page.png"))


def test_the_qr_on_the_demo_licenses_pdf_opens_its_page(
    printed: tuple[Path, str, str, str],
) -> None:
    """The QR printed on the PDF (``HTTPS://ZWFW.EXAMPLE.GOV.CN/V/…``), pointed at the
    test server, opens to the same status the demo's printed URL shows."""
    folder, ledger, key, path = printed
    text = _sample_pdf_qr(folder, ledger, printed_output(folder))
    assert text.startswith("HTTPS://ZWFW.EXAMPLE.GOV.CN/V/")
    with serve(ledger, folder / key, folder) as server, browser() as b:
        states = []
        for url in (server.url + "/V/" + text.split("/V/")[1], server.url + path):
            with tab(b) as tb:
                tb.page.goto(url)
                tb.page.wait_for_selector("#offline-result[data-runs='1']")
                states.append(tb.page.locator("#status").get_attribute("data-state"))
                assert tb.off_origin(server.url) == []
    assert states[0] == states[1] != "error"


def test_one_changed_character_of_the_demos_url_is_an_error(
    printed: tuple[Path, str, str, str],
) -> None:
    """Tamper twin: change one base32 character of the signature part → 无法核验 + code."""
    folder, ledger, key, path = printed
    i = len(path) - 20
    forged = path[:i] + ("A" if path[i] != "A" else "B") + path[i + 1 :]
    with serve(ledger, folder / key, folder) as server, browser() as b, tab(b) as tb:
        tb.page.goto(server.url + forged)
        tb.page.wait_for_selector("#offline-result[data-runs='1']")
        assert tb.page.locator("#status").get_attribute("data-state") == "error"
        assert tb.page.locator("#reason-code").inner_text().startswith("payload.")
        assert tb.page.locator("#offline-result").get_attribute("data-state") == "error"


def printed_output(folder: Path) -> str:
    """What the demo printed (kept beside its folder by the fixture)."""
    return (folder / "demo-output.txt").read_text()
