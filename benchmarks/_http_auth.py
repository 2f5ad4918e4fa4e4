"""The authenticated use of benchmarks/http.py: POST /v1/uses signed per request (RFC 9421,
a P-256 seal) under wrk, side by side with the echo route on the same bodies and the
in-process ``ReuseService.use`` of the same kind of use.

Every request is distinct (the replay table refuses a second presentation) and signed
just before the run (the window is 120 s), so the run is short and bounded.
"""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec

from elicense.acts import decode_statement
from elicense.codec import utc_now
from elicense.ledger.application import Ledger
from elicense.reuse.service import ReuseService
from elicense_demo.reuse_scenario import SHARING, ReuseCity
from elicense_demo.scenario import City
from elicense_http.httpsig import sign_request

_LUA = """
local reqs, n = {}, 0
for line in io.lines("%s") do
  n = n + 1
  local d, i, s, b = line:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  reqs[n] = {d, i, s, b}
end
local k = 0
request = function()
  k = k %% n + 1
  local r = reqs[k]
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json",
    ["Content-Digest"] = r[1], ["Signature-Input"] = r[2], ["Signature"] = r[3]}, r[4])
end
"""


def prepare(tmp: Path, base: int = 500) -> dict[str, Any]:
    """A ledger with shared types, licenses and consents; the in-process use rate."""
    dsn = str(tmp / "auth.db")
    city = City(alg="ecdsa-p256-sha256")
    reuse = ReuseCity(city)
    ledger = Ledger(dsn)
    ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
    ledger.submit_many(city.founding())
    ledger.submit_many(list(reuse.sharing_statements()))
    entry = SHARING[0]
    spec = reuse.specs[entry.number]
    until = utc_now() + timedelta(days=30)
    targets = []
    batch = []
    for n in range(base):
        issued = city.issuance(spec, n)
        code = f"CN{n:08d}"
        holder = decode_statement(issued.statement).holder.code  # type: ignore[attr-defined]
        batch += [
            issued,
            reuse.consent(code, holder=holder, number=spec.number, entry=entry, valid_until=until),
        ]
        targets.append((decode_statement(issued.statement).subject, code))
    for k in range(0, len(batch), 100):
        ledger.submit_many(batch[k : k + 100])
    service = ReuseService(ledger, city.platform_key)
    count = [0]

    def use() -> Any:
        count[0] += 1
        lid, code = targets[count[0] % len(targets)]
        return reuse.use(count[0], entry=entry, consent=code, license=lid)

    for _ in range(50):  # warm
        assert service.use(use()).used
    work = [use() for _ in range(300)]
    t = time.perf_counter()
    for signed in work:
        service.use(signed)
    inproc = len(work) / (time.perf_counter() - t)
    # the same uses recorded four at a time (what the service's group commit does under
    # load): reported beside the floor's in-process figure, which records one at a time
    fours = [use() for _ in range(300)]
    t = time.perf_counter()
    for k in range(0, len(fours), 4):
        service.use_many(fours[k : k + 4], partial=True)
    inproc_fours = len(fours) / (time.perf_counter() - t)
    ledger.close()
    dept = city.departments[entry.user]
    return {
        "dsn": dsn,
        "city": city,
        "next_use": use,
        "dept": dept,
        "inprocess_use_per_s": inproc,
        "inprocess_use_many_4_per_s": inproc_fours,
    }


def write_requests(setup: dict[str, Any], url: str, path: Path, n: int) -> None:
    """``n`` distinct signed use requests, one tab-separated line each."""
    dept = setup["dept"]
    now = int(time.time())
    with path.open("w") as f:
        for _ in range(n):
            body = msgspec.json.encode({"statement": setup["next_use"]()})
            h = sign_request(
                dept.key, method="POST", url=url, body=body, keyid=dept.seal_code, created=now
            )
            f.write(
                "\t".join([h["Content-Digest"], h["Signature-Input"], h["Signature"]])
                + "\t"
                + body.decode()
                + "\n"
            )


def run_wrk(url: str, path: str, lines: Path, seconds: int, connections: int) -> str:
    """wrk's output for the requests in ``lines``."""
    script = lines.with_suffix(".lua")
    script.write_text(_LUA % (lines, path))
    return subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
