"""The demo's last lines when the ``http`` extra is installed: how to serve the demo ledger
and the scan-to-verify page of one of its licenses (the URL its QR code carries, pointed
at the local server)."""

from __future__ import annotations

from typing import Any

__all__ = ["scan_hint"]

PORT = 8080


def scan_hint(report: Any) -> list[str]:
    """Lines for ``elicense demo``'s text: ``elicense serve …`` and one license's page URL.

    ``report`` is the demo's report (``ledger``, ``sample`` and ``files["platform key"]``);
    nothing is printed when the demo made no sample license.
    """
    from pathlib import Path

    from elicense.crypto.keys import read_key_file
    from elicense.ledger.application import Ledger
    from elicense.ledger.payloads import license_payload

    key_file = report.files.get("platform key")
    if not report.sample or not key_file:
        return []
    ledger = Ledger(report.ledger, verify_threads=1)
    try:
        current = ledger.get_license(report.sample).identifier  # after 变更: the newest
        text = license_payload(
            ledger, current, read_key_file(Path(key_file)), host=f"127.0.0.1:{PORT}"
        )
    finally:
        ledger.close()
    return [
        f"serve:      elicense serve --ledger {report.ledger} --platform-key {key_file} "
        f"--port {PORT}",
        f"scan page:  http://127.0.0.1:{PORT}/V/{text.split('/V/', 1)[1]}",
    ]
