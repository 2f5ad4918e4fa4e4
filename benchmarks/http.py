"""The HTTP service under a real load generator (wrk), one uvicorn worker, side by side
with the in-process figures of the same work, in one run.

- ``echo``: the framework's own route POSTing the same document body (its floor);
- ``verify_log_path``: POST /v1/verify of a document carrying its inclusion proof;
- ``verify_signature_path``: the same document without log evidence (P-256 signatures);
- ``submit_batches``: POST /v1/statements of distinct pre-signed batches of 100;
- ``inprocess_*``: the service's own verify and ``ledger_only_presigned`` (no HTTP);
- ``authenticated_use``: POST /v1/uses, each request signed (RFC 9421, P-256 seal) and
  distinct, beside ``echo`` of the same bodies and the in-process ``ReuseService.use``
  (benchmarks/_http_auth.py); ``use_many_4``: the same uses recorded four at a time in
  process, as the service's group commit records them under load (context, no floor).

Floors (issue 13): each verify route ≥ 0.85 × 1 / (echo time + in-process verify
time); batched submission ≥ 0.7 × the in-process presigned rate; (issue 14) the
authenticated use ≥ 0.85 × 1 / (echo time + in-process use time). Prints JSON.

Usage: python benchmarks/http.py [--seconds 5] [--connections 4] [--only-auth]
       [--alg sm2-sm3]  (needs `wrk`)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is named http.py: its folder must not shadow the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "adapters")]


def _load_common() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_common", ROOT / "benchmarks" / "_common.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_common = _load_common()
emit, machine = _common.emit, _common.machine

from elicense.acts import decode_statement  # noqa: E402 - after the path fix above
from elicense.codec import canonical  # noqa: E402 - after the path fix above
from elicense.ledger.application import Ledger  # noqa: E402 - after the path fix above
from elicense.ledger.export import export_license  # noqa: E402 - after the path fix above
from elicense_demo.scenario import LICENSE_TYPES, City  # noqa: E402 - after the path fix above

BATCH = 100
_LUA = """
local bodies, n = {}, 0
for line in io.lines("%s") do n = n + 1; bodies[n] = line end
local i = 0
request = function()
  i = i %% n + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk(url: str, path: str, bodies: Path, seconds: int, connections: int) -> dict[str, float]:
    script = bodies.with_suffix(".lua")
    script.write_text(_LUA % (bodies, path))
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse(out)


def _parse(out: str) -> dict[str, float]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "per_s": rate,
        "p99_ms": float(p99.group(1)) * scale,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def _per_s(fn: Any, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--licenses", type=int, default=2000)
    parser.add_argument("--only-auth", action="store_true", help="only the authenticated use")
    parser.add_argument(
        "--alg",
        default="ecdsa-p256-sha256",
        help="the city's signing suite (floors are for P-256; sm2-sm3 is reported, no floor)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk (apt-get install wrk)")
    auth = _authenticated_use(args.seconds, args.connections)
    if args.only_auth:
        emit({"machine": machine(), **auth})
        return
    from elicense_http.service import Service
    from elicense_sql.follower import LogFollower
    from elicense_sql.log_proofs import SqlLog
    from elicense_sql.log_store import SqlLogStore

    tmp = Path(tempfile.mkdtemp())
    dsn = str(tmp / "bench.db")
    city = City(alg=args.alg)
    ledger = Ledger(dsn)
    ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
    ledger.submit_many(city.founding())
    issued = [city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i) for i in range(args.licenses)]
    for b in range(0, len(issued), BATCH):
        ledger.submit_many(issued[b : b + BATCH])
    with SqlLogStore.open(dsn) as store:
        LogFollower(store).catch_up()
        log = SqlLog(store, city.origin)
        log.checkpoint(city.platform_key)
        subject = decode_statement(issued[7].statement).subject
        log_doc = export_license(ledger, subject, log=log)
    sig_doc = export_license(ledger, subject)
    # distinct pre-signed batches for the HTTP run and for the in-process rate
    n_http = 400 * BATCH
    start = 1_000_000
    lines = [
        canonical(city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i))
        for i in range(start, start + n_http)
    ]
    payloads = [
        b'{"statements":[' + b",".join(lines[k : k + BATCH]) + b"]}"
        for k in range(0, n_http, BATCH)
    ]
    inproc_batches = [
        [
            canonical(city.issuance(LICENSE_TYPES[i % len(LICENSE_TYPES)], i))
            for i in range(b, b + BATCH)
        ]
        for b in range(5_000_000, 5_000_000 + 40 * BATCH, BATCH)
    ]
    service = Service(ledger, city.platform_key)
    service.verify(log_doc)
    inproc = {
        "verify_log_path_per_s": _per_s(lambda: service.verify(log_doc), 300),
        "verify_signature_path_per_s": _per_s(lambda: service.verify(sig_doc), 300),
    }
    t = time.perf_counter()
    for batch in inproc_batches:
        ledger.submit_many(batch)
    inproc["ledger_only_presigned_per_s"] = len(inproc_batches) * BATCH / (time.perf_counter() - t)
    service.forget_thread_state()
    ledger.close()
    key = tmp / "platform.pem"
    key.write_bytes(city.platform_key.to_pem())
    for name, data in (("log", [log_doc]), ("sig", [sig_doc]), ("submit", payloads)):
        (tmp / f"{name}.txt").write_bytes(b"\n".join(data) + b"\n")
    server, url = _serve(dsn, key)
    try:
        s, c = args.seconds, args.connections
        http = {
            "echo": _wrk(url, "/echo", tmp / "log.txt", s, c),
            "verify_log_path": _wrk(url, "/v1/verify", tmp / "log.txt", s, c),
            "verify_signature_path": _wrk(url, "/v1/verify", tmp / "sig.txt", s, c),
            "submit_batches": _wrk(url, "/v1/statements", tmp / "submit.txt", s, 2),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    echo_t = 1 / http["echo"]["per_s"]
    floors = {}
    for route in ("verify_log_path", "verify_signature_path"):
        bound = 1 / (echo_t + 1 / inproc[f"{route}_per_s"])
        floors[route] = {"ratio_to_bound": http[route]["per_s"] / bound, "floor": 0.85}
    submitted = http["submit_batches"]["per_s"] * BATCH
    floors["submit_batches"] = {
        "statements_per_s": submitted,
        "ratio_to_inprocess": submitted / inproc["ledger_only_presigned_per_s"],
        "floor": 0.7,
    }
    http["authenticated_use"] = auth["http"]["authenticated_use"]
    http["echo_use_bodies"] = auth["http"]["echo_use_bodies"]
    inproc.update(auth["inprocess"])
    floors.update(auth["floors"])
    emit({"machine": machine(), "http": http, "inprocess": inproc, "floors": floors})


def _serve(dsn: str, key: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = _port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "adapters")]))
    server = subprocess.Popen(
        [sys.executable, "-m", "elicense", "serve", "--ledger", dsn, "--platform-key", str(key),
         "--port", str(port), "--workers", "1", "--echo", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, url


def _authenticated_use(seconds: int, connections: int) -> dict[str, Any]:
    """POST /v1/uses signed per request vs echo of the same bodies and the in-process use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_http_auth", ROOT / "benchmarks" / "_http_auth.py"
    )
    assert spec is not None
    assert spec.loader is not None
    auth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(auth)
    tmp = Path(tempfile.mkdtemp())
    try:
        setup = auth.prepare(tmp)
        key = tmp / "platform.pem"
        key.write_bytes(setup["city"].platform_key.to_pem())
        server, url = _serve(setup["dsn"], key)
        try:
            lines = tmp / "uses.txt"
            # distinct requests for the whole run (a replay is refused): generously many
            auth.write_requests(setup, url + "/v1/uses", lines, 1500 * seconds)
            echo = _parse(auth.run_wrk(url, "/echo", lines, seconds, connections))
            used = _parse(auth.run_wrk(url, "/v1/uses", lines, seconds, connections))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    inproc = setup["inprocess_use_per_s"]
    bound = 1 / (1 / echo["per_s"] + 1 / inproc)
    return {
        "http": {"authenticated_use": used, "echo_use_bodies": echo},
        "inprocess": {
            "use_per_s": inproc,
            "use_many_4_per_s": setup["inprocess_use_many_4_per_s"],
        },
        "floors": {"authenticated_use": {"ratio_to_bound": used["per_s"] / bound, "floor": 0.85}},
    }


if __name__ == "__main__":
    main()
