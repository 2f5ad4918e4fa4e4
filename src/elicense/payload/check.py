"""Verifying a payload's text into a verdict."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from elicense.codec import require_utc, utc_now
from elicense.crypto.suites import PublicKey
from elicense.errors import PayloadError
from elicense.payload._base import CLOCK_SKEW, DEFAULT_MAX_STATUS_AGE
from elicense.payload.cose import PlatformKeys, open_payload, read_payload_text
from elicense.verdict import (
    Finding,
    Outcome,
    Severity,
    SignatureResult,
    TimeSource,
    Verdict,
    VerdictBuilder,
)

# -- verdict --------------------------------------------------------------------------------

StatusOf = Callable[[int], "tuple[str, datetime] | None"]
"""``status_of(slot) -> (status, list_issued_at) | None``: the signed status list's answer."""

_STATUS_CODES = {"valid", "suspended", "invalid"}


def verify_payload(
    text: str,
    *,
    platform_keys: PlatformKeys | Iterable[PublicKey],
    origin: str,
    status_of: StatusOf,
    at: datetime | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
) -> Verdict:
    """Verify a payload's text: signature, origin, validity and status — never raises for input.

    Args:
        text: the QR text.
        platform_keys: the platform's public keys (from the trust bundle).
        origin: this ledger's origin; a payload of another ledger is refused.
        status_of: the status list's answer for a slot (see :data:`StatusOf`).
        at: the time to judge at (UTC); the verifier's clock when omitted.
        max_status_age: oldest status list accepted for a reversible status.

    Returns:
        The verdict; ``evidence`` holds the type, issuer, validity, slot and the
        status list's age.
    """
    b = VerdictBuilder()
    if at is None:
        b.judged_at, b.time_source = utc_now(), TimeSource.CLOCK
    else:
        require_utc(at, "at")
        b.judged_at, b.time_source = at, TimeSource.CALLER
    judged_at = b.judged_at
    try:
        opened = open_payload(read_payload_text(text), platform_keys)
    except PayloadError as e:
        return _refused(b, e)
    claims = opened.claims
    b.subject = claims.sub
    b.signatures.append(
        SignatureResult(
            kind="cose", signer=opened.signer, outcome=Outcome.VALID, checked=("payload.signature",)
        )
    )
    b.passed("payload.signature")
    ev = b.evidence
    ev["origin"] = claims.iss
    ev["license_type"] = claims.lt
    ev["issuer"] = claims.iu
    ev["issued_at"] = datetime.fromtimestamp(claims.iat, UTC)
    ev["valid_until"] = None if claims.exp is None else datetime.fromtimestamp(claims.exp, UTC)
    ev["form"] = "short-lived" if claims.cti is not None else "static"
    ev["status_slot"] = claims.slot
    ev["record_hash_prefix"] = claims.eh.hex()

    if claims.iss != origin:
        b.error(
            "payload.origin.mismatch",
            f"the payload is of ledger {claims.iss!r}, this verifier trusts {origin!r}",
        )
    else:
        b.passed("payload.origin")
    now = judged_at.timestamp()
    if claims.exp is not None and now >= claims.exp:
        b.error("payload.expired", f"the payload was valid until {ev['valid_until'].isoformat()}")
    elif claims.iat > now + CLOCK_SKEW:
        b.indeterminate(
            "payload.issued.future",
            f"the payload was made at {ev['issued_at'].isoformat()}, after the time judged at",
        )
    else:
        b.passed("payload.validity")
    _judge_status(b, status_of(claims.slot), claims.slot, judged_at, max_status_age)
    return b.build()


def _judge_status(
    b: VerdictBuilder,
    answer: tuple[str, datetime] | None,
    slot: int,
    at: datetime,
    max_age: timedelta,
) -> None:
    if answer is None:
        b.indeterminate("payload.status.unknown", f"the status list has no slot {slot}")
        return
    status, issued = answer
    age = at - issued
    b.evidence["status_list_issued_at"] = issued
    b.evidence["status_list_age_seconds"] = round(age.total_seconds(), 3)
    if status not in _STATUS_CODES:
        b.indeterminate(
            "payload.status.unknown",
            f"the status list says {status!r} for slot {slot}; expected one of "
            f"{sorted(_STATUS_CODES)}",
        )
        return
    b.status = status
    if status == "invalid":  # permanent: an old list still says so rightly
        b.error(
            "payload.status.invalid",
            f"the status list marks slot {slot} invalid (revoked, superseded or ended)",
        )
        return
    if age > max_age:  # a reversible status from an old list: it may have changed since
        b.indeterminate(
            "payload.status.stale",
            f"the status list is {age} old, older than the accepted {max_age}",
        )
    else:
        b.passed("payload.status.fresh")
    if status == "suspended":
        b.error("license.suspended", "the license is suspended (02 暂扣)")
    else:
        b.passed("payload.status")


def _refused(b: VerdictBuilder, e: PayloadError) -> Verdict:
    # An unknown kid may be a key newer than the trust bundle: not established, not forged.
    unknown_key = e.code == "payload.key.unknown"
    finding = Finding(
        code=e.code,
        severity=Severity.INDETERMINATE if unknown_key else Severity.ERROR,
        message=str(e),
    )
    b.extend((finding,))
    if e.code == "payload.claims.invalid":  # the signature held; what it signed did not
        b.signatures.append(
            SignatureResult(
                kind="cose", signer=e.signer, outcome=Outcome.VALID, checked=("payload.signature",)
            )
        )
        b.passed("payload.signature")
    elif e.code != "payload.malformed":  # there was a signature, and it did not hold
        b.signatures.append(
            SignatureResult(
                kind="cose",
                signer=e.signer,
                outcome=Outcome.INDETERMINATE if unknown_key else Outcome.INVALID,
                findings=(finding,),
            )
        )
    return b.build()
