"""The processes the reliability program kills with SIGKILL (not a public program).

``ingest DSN CITY.json START`` records batches of signed issuances, serials from
START, and after the ledger returns each batch writes ``ack SUBJECT POSITION``
for each of its records to stdout (before it, ``try FIRST COUNT``): an event is
*acknowledged* once its line is out. ``follow DSN PAGE`` follows the ledger
into its log, PAGE events per transaction, writing ``page N`` after each and
``done`` at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "adapters")]

BATCH = 50


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ingest(dsn: str, city_file: str, start: int) -> None:
    from elicense.ledger.application import Ledger
    from elicense_demo.scenario import LICENSE_TYPES, City

    spec = json.loads(Path(city_file).read_text())
    keys = {k: v.encode() for k, v in spec["keys"].items()}
    city = City(alg=spec["alg"], seed=spec["seed"], origin=spec["origin"], keys=keys)
    ledger = Ledger(dsn)
    _say("ready")
    serial = start
    while True:
        batch = [s for _, _, s in city.issuances(BATCH, LICENSE_TYPES, serial)]
        _say(f"try {serial} {len(batch)}")
        result = ledger.submit_many(batch)
        _say("\n".join(f"ack {r.subject} {r.position}" for r in result.receipts))
        serial += len(batch)


def follow(dsn: str, page: int) -> None:
    from elicense_sql.follower import LogFollower
    from elicense_sql.log_store import SqlLogStore

    follower = LogFollower(SqlLogStore.open(dsn), page=page)
    _say("ready")
    follower.catch_up(lambda n: _say(f"page {n}"))
    _say("done")


if __name__ == "__main__":
    if sys.argv[1] == "ingest":
        ingest(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        follow(sys.argv[2], int(sys.argv[3]))
