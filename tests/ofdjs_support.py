"""Rendering an OFD with ofd.js, an OFD renderer that is not elicense's code, in headless
Chromium: a tiny page, ofd.js's prebuilt bundle and the file, served over a local HTTP
server on a free port.

ofd.js is DLTech21's pure-JavaScript renderer (Apache-2.0), pinned by
``tests/ofdjs/package-lock.json`` (``npm ci --prefix tests/ofdjs``; ``.ci/run`` does it).
It draws the page's text and paths as SVG, and a signature's seal picture (``png``,
``jpg``, ``gif`` or an ``ofd`` picture) as an ``svg[name=seal_img_div]`` at the
signature's ``StampAnnot``, having checked the SES signature with its own SM2 code
(``data-signed-info``'s ``VerifyRet``).

Without ofd.js or chromium the tests skip with the reason; with ``CI=true`` they fail."""

from __future__ import annotations

import http.server
import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

OFDJS = Path(__file__).parent / "ofdjs" / "node_modules" / "ofd.js" / "lib" / "ofd.umd.min.js"
PAGE_PX = 794
"""The width ofd.js is asked to render the page at (A4 at 96 dpi)."""

_HTML = b"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>ofd.js</title>
<script src="/ofd.js"></script></head>
<body style="margin:0;background:#ddd"><div id="out"></div>
<script>
window.renderState = "loading";
ofd.parseOfdDocument({
  ofd: "/license.ofd",
  success: function (res) {
    try {
      ofd.renderOfd(PAGE_PX, res[0]).forEach(function (d) {
        document.getElementById("out").appendChild(d);
      });
      window.renderState = "done";
    } catch (e) { window.renderState = "error: " + e; }
  },
  fail: function (e) { window.renderState = "fail: " + e; }
});
</script></body></html>
""".replace(b"PAGE_PX", str(PAGE_PX).encode())


def ofdjs_or_skip() -> Path:
    """ofd.js's bundle, or skip (fail with ``CI=true``) when ``npm ci`` has not run."""
    if not OFDJS.exists():
        reason = f"no ofd.js at {OFDJS} (npm ci --prefix tests/ofdjs)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the OFD render check must run, but {reason}")
        pytest.skip(reason)
    return OFDJS


@contextmanager
def serve(files: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    """A local HTTP server for ``files`` (path → (bytes, content type)); yields its origin."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = files.get(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            body, kind = found
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass(frozen=True)
class Rendered:
    """What ofd.js made of a file's first page."""

    text: str
    """The page's text, whitespace removed (ofd.js sets each glyph on its own)."""
    seals: list[dict[str, Any]]
    """Each signature seal picture drawn: its box in px (x, y, width, height) and signed info."""
    png: bytes
    """A screenshot of the page."""
    px_per_mm: float

    def red_share(self, box_mm: tuple[float, float, float, float]) -> float:
        """The share of the pixels in ``box_mm`` (x, y, w, h in mm) that are seal red."""
        from PIL import Image

        img = Image.open(io.BytesIO(self.png)).convert("RGB")
        k = self.px_per_mm
        x, y, w, h = (round(v * k) for v in box_mm)
        crop = img.crop((x, y, x + w, y + h))
        raw = crop.tobytes()
        red = sum(
            1 for i in range(0, len(raw), 3) if raw[i] > 170 and raw[i + 1] < 90 and raw[i + 2] < 90
        )
        return red / max(w * h, 1)


def render(browser: Any, data: bytes, screenshot: Path) -> Rendered:
    """Render ``data`` (an OFD file) with ofd.js; write the page's screenshot to ``screenshot``."""
    files = {
        "/index.html": (_HTML, "text/html; charset=utf-8"),
        "/ofd.js": (ofdjs_or_skip().read_bytes(), "text/javascript"),
        "/license.ofd": (data, "application/ofd"),
    }
    with serve(files) as origin:
        context = browser.new_context(viewport={"width": 900, "height": 1200}, locale="zh-CN")
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(origin + "/index.html")
            page.wait_for_function("window.renderState !== 'loading'", timeout=60_000)
            state = page.evaluate("window.renderState")
            assert state == "done", f"ofd.js did not render the file: {state} {errors}"
            sheet = page.locator("#out > div").first
            box = sheet.bounding_box()
            assert box, "ofd.js rendered no page"
            assert box["width"] > 0, "ofd.js rendered an empty page"
            sheet.screenshot(path=str(screenshot))
            seals = page.evaluate(
                """() => [...document.querySelectorAll('#out svg[name=seal_img_div]')].map(e => {
                    const r = e.getBoundingClientRect();
                    const p = e.parentElement.getBoundingClientRect();
                    return {box: [r.x - p.x, r.y - p.y, r.width, r.height],
                            signed_info: e.dataset.signedInfo};
                })"""
            )
            text = "".join(page.evaluate("document.getElementById('out').innerText").split())
        finally:
            context.close()
    for seal in seals:
        seal["signed_info"] = json.loads(seal["signed_info"] or "{}")
    return Rendered(
        text=text, seals=seals, png=screenshot.read_bytes(), px_per_mm=box["width"] / 210.0
    )
