"""The scan-to-verify page (``/V/<BASE32>``, the URL a license's QR code carries).

Without login it shows only what the payload carries and the ledger confirms: the
status word (有效 / 暂扣 / 注销 / 撤销 / 吊销 / 失效), license type, issuing department,
validity, when the status was confirmed, and a coded reason when it is not valid —
never the holder, the license number or a field.

The service verifies the payload (:meth:`~elicense_http.service.Service.verify`, the
ledger's own replay) and, for a payload that verifies, reads the license's exact
status from the ledger. The page also carries what ``static/verify.js`` needs to
verify again without the service: the platform's public keys and the license status
list (the per-slot list the trust bundle carries, computed the same way) as of the
ledger's newest event, with the time it was made. WebCrypto has no SM2, so for an SM2
platform key the page also loads the vendored ``sm-crypto`` SM2 verifier (pinned, served
from this origin). See docs/pages.md.
"""

from __future__ import annotations

import base64
import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from elicense.codec import utc_now
from elicense.verdict import Verdict
from elicense_http.pagehtml import STATUS_WORDS, china_time, data_block, esc, page
from elicense_http.pagemodel import PageModel

__all__ = ["B32", "OfflineData", "scan_page", "scan_view"]

B32 = re.compile(r"[A-Z2-7]{1,3300}")
"""The path segment after ``/V/``: a payload's base32 (the payload module checks the rest)."""

_CHINA = timezone(timedelta(hours=8))
_MESSAGES = {
    "valid": "证照有效。",
    "suspended": "证照已暂扣，暂不能作为有效证照使用。",
    "invalid": "此二维码对应的证照版本已失效。",
    "error": "无法核验此二维码：它不是本平台签发的有效二维码，或已被改动。",
}


def scan_view(service: Any, model: PageModel, b32: str) -> dict[str, Any]:
    """What the page shows for payload ``b32`` (JSON-able; nothing personal).

    ``state`` is a key of :data:`~elicense_http.pagehtml.STATUS_WORDS`; ``code`` the
    reason code when not valid ("" when valid).
    """
    verdict: Verdict = service.verify(f"HTTPS://VERIFY/V/{b32}")
    ev = verdict.evidence
    view: dict[str, Any] = {
        "state": "error",
        "code": "",
        "national_code": "",
        "license_type": ev.get("license_type", ""),
        "license_type_name": "",
        "issuer": ev.get("issuer", ""),
        "issuer_name": "",
        "valid_until": _iso(ev.get("valid_until")),
        "confirmed_at": _iso(verdict.judged_at),
        "form": ev.get("form", ""),
    }
    errors = [f.code for f in verdict.findings]
    signed = any(s.outcome.value == "valid" for s in verdict.signatures)
    if not signed or verdict.status is None:
        view["code"] = errors[0] if errors else "payload.unverified"
        return view
    model.catch_up()
    view["license_type_name"] = model.type_name(view["license_type"])
    view["issuer_name"] = model.department_name(view["issuer"])
    state, code, national = _ledger_status(service, ev.get("status_slot"), verdict.status)
    if errors and state == "valid":  # expired payload, another ledger's …: not valid
        state, code = "error", errors[0]
    view.update(state=state, code=code or (errors[0] if errors else ""), national_code=national)
    return view


def _ledger_status(service: Any, slot: Any, listed: str) -> tuple[str, str, str]:
    """(state, code, national status code) of the license holding ``slot``, from the ledger."""
    from elicense.ledger.payloads import license_slots

    ledger = service.ledger
    if not isinstance(slot, int):
        return listed, "", ""
    identifier = license_slots(ledger).identifier_of(slot)
    if identifier is None:
        return "error", "payload.status.unknown", ""
    lic = ledger.get_license(identifier)
    if lic.identifier != identifier:  # amended or renewed: this version's QR is void
        return "invalid", "license.superseded", ""
    status = lic.status_on(datetime.now(_CHINA).date())
    return status.value, status.finding, status.code


def _iso(value: Any) -> str:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else ""


# -- what the page carries for checking offline ------------------------------------------------


class OfflineData:
    """The platform keys and the license status list as of the ledger's newest event,
    made again only when the ledger moved on (cheap: the slots are followed incrementally,
    :func:`~elicense.ledger.payloads.license_slots`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[int, dict[str, Any]] | None = None

    def get(self, service: Any) -> dict[str, Any]:
        """``{"origin", "keys": [{"alg", "spki"}], "list": {"size", "lst", "issued_at"}}``."""
        from elicense.ledger.payloads import license_slots

        ledger = service.ledger
        keys = [
            {"alg": k.alg, "spki": base64.b64encode(k.spki).decode()}
            for k in ledger.platform.keys.values()
        ]
        with self._lock:
            position = ledger.max_position()
            if self._cached is None or self._cached[0] != position:
                lst = license_slots(ledger).status_list()
                made = {
                    "size": lst.size,
                    "lst": base64.b64encode(lst.lst).decode(),
                    "issued_at": utc_now().isoformat(),
                    "as_of": position,
                }
                self._cached = (position, made)
            listed = self._cached[1]
        return {"origin": ledger.origin, "keys": keys, "list": listed}


# -- HTML --------------------------------------------------------------------------------------


def scan_page(view: dict[str, Any], offline: dict[str, Any]) -> str:
    """The page: the service's answer, then the in-page check (``verify.js``; with an
    SM2 platform key also the vendored ``sm-crypto-sm2.js``, loaded before it — both
    ``defer``, so in order)."""
    word, cls = STATUS_WORDS.get(view["state"], STATUS_WORDS["error"])
    message = _MESSAGES.get(view["state"], _MESSAGES["invalid"])
    code = view["code"]
    reason = (
        f'<p class="reason">原因代码 <code id="reason-code">{esc(code)}</code>'
        + (f"（状态代码 {esc(view['national_code'])}）" if view["national_code"] else "")
        + "</p>"
        if code
        else ""
    )
    facts = ""
    if view["state"] != "error":
        until = view["valid_until"]
        shown_until = _until(until, view["form"])
        rows = [
            ("证照类型", _named(view["license_type_name"], view["license_type"])),
            ("发证部门", _named(view["issuer_name"], view["issuer"])),
            ("有效期至", shown_until),
            ("状态确认于", china_time(datetime.fromisoformat(view["confirmed_at"]))),
        ]
        facts = '<dl class="facts">' + "".join(
            f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows
        )
        facts += "</dl>"
    served = utc_now().isoformat()
    body = (
        f'<section id="online" aria-labelledby="online-h"><h2 id="online-h">平台核验结果</h2>'
        f'<p id="status" class="status {cls}" data-state="{esc(view["state"])}">{esc(word)}</p>'
        f"<p>{esc(message)}</p>{reason}{facts}"
        '<p id="service-note" class="note" hidden></p>'
        '<p class="note">本页只显示二维码所载信息和平台账本确认的状态，不显示持证人姓名、'
        "证号或证照内容。</p></section>"
        '<section id="offline" aria-labelledby="offline-h" aria-live="polite">'
        '<h2 id="offline-h">本机核验</h2>'
        '<p id="offline-result" class="status pending" data-state="pending">核验中…</p>'
        '<p id="offline-detail"></p>'
        '<button type="button" id="recheck">重新核验</button></section>'
        + data_block("offline-data", {**offline, "served_at": served, "view": view})
    )
    sm2 = any(k["alg"] == "sm2-sm3" for k in offline["keys"])
    scripts = ("sm-crypto-sm2.js", "verify.js") if sm2 else ("verify.js",)
    return page("电子证照核验", body, scripts=scripts)


def _until(until: str, form: str) -> str:
    """The validity end as people read it: the last valid day (China time) of a license;
    the exact time of a short-lived (亮证) payload."""
    if not until:
        return "长期有效"
    end = datetime.fromisoformat(until)
    if form == "short-lived":
        return china_time(end)
    return f"{(end - timedelta(seconds=1)).astimezone(_CHINA):%Y-%m-%d}（含当日）"


def _named(name: str, code: str) -> str:
    return f"{name}（{code}）" if name else code
