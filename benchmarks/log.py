"""Transparency-log benchmark: log-path verification, appends, proofs, status memory.

Prints one JSON object and writes a PNG of verification cost against log size
(``benchmarks/results/log_verify.png``). Figures that are compared are measured
side by side in one run, because these machines are shared and noisy: every
run of every size takes its turn in each round, times are medians per
document, and ratios are taken within a round, then their median.

1. **Log-path verification** at each ``--sizes`` (default 10k, 100k, 1M leaves):
   real exported license documents (a demo city's) whose newest records sit at
   random leaves of a log of that size, each carrying its inclusion proof,
   checkpoint and status entry; a trust bundle with the checkpoint and status
   lists. Per document:

   - ``log_path_us``: ``Verifier.verify(document bytes)`` — decode, canonical
     check, chain, inclusion, cached checkpoint, status lookup, verdict;
   - ``log_path_cold_us``: the same without the proven-subtree cache;
   - ``by_hand_us``: the bare verification of the same inclusion proof by hand:
     parse the document (generic JSON), base64-decode the newest record and
     the proof, leaf hash, RFC 9162 §2.1.3.2 loop, compare with the
     checkpoint's root — no library, no other check;
   - ``bare_hash_us``: that loop's hashing alone, inputs already decoded.

2. **Append** (SQLite, and PostgreSQL unless ``--no-postgres``): the follower
   over synthetic stored events (real record bytes), ``--page`` notifications
   per transaction: leaves/s end to end (read, hash, write), per tenth of the
   run to show growth; proof generation from the SQL tables at the end.

3. **Status memory**: the IETF list of a ledger of ``--licenses`` licenses
   (6.5% of them with a second event, as in the demo), loaded by a verifier:
   ``sys.getsizeof`` of the inflated list and the tracemalloc peak of loading.

Usage: python benchmarks/log.py [--sizes 10000 100000 1000000] [--docs 300]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "adapters")]

import msgspec  # noqa: E402
from _common import emit, machine  # noqa: E402
from merkle_bench import LevelArrayStore  # noqa: E402

from elicense.codec import canonical, utc_now  # noqa: E402
from elicense.ledger.application import Ledger  # noqa: E402
from elicense.ledger.export import SealCache, license_document, sign_bundle, trust_bundle  # noqa: E402
from elicense.log.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from elicense.log.evidence import LogEvidence, StatusRef  # noqa: E402
from elicense.log.statusdoc import build_status_lists, sign_status_list  # noqa: E402
from elicense.log.statuslist import SlotMap, capacity_for  # noqa: E402
from elicense.merkle import SHA256  # noqa: E402
from elicense.merkle_nodes import Frontier, stored_inclusion_proof  # noqa: E402
from elicense.verify.logpath import LogPath  # noqa: E402
from elicense.verify.verifier import Verifier  # noqa: E402
from elicense_demo.scenario import LICENSE_TYPES, City  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def city_documents(count: int) -> tuple[City, Ledger, list[Any]]:
    """A demo city's ledger (in memory) and the documents of ``count`` licenses."""
    city = City(alg="ecdsa-p256-sha256", seed=9162)
    ledger = Ledger("memory:")
    ledger.establish(origin=city.origin, name="bench", signer=city.platform_key)
    ledger.submit_many(city.founding())
    ids = []
    for start in range(0, count, 100):
        batch = list(city.issuances(min(100, count - start), LICENSE_TYPES, start))
        ledger.submit_many([s for _, _, s in batch])
        ids += [str(city.license_id(spec, n)) for spec, n, _ in batch]
    seals = SealCache(ledger)
    return city, ledger, [license_document(ledger, i, seals) for i in ids]


def prepare(size: int, city: City, ledger: Ledger, docs: list[Any]) -> dict[str, Any]:
    """A log of ``size`` leaves holding ``docs``' newest records; the four runs to time."""
    rng = random.Random(size)
    places = rng.sample(range(size), len(docs))
    by_place = {p: SHA256.leaf(d.events[-1].record) for p, d in zip(places, docs, strict=True)}
    frontier, store = Frontier(), LevelArrayStore()
    chunk = 1 << 16
    for start in range(0, size, chunk):
        hashes = [
            by_place.get(i) or hashlib.sha256(i.to_bytes(8, "big")).digest()
            for i in range(start, min(size, start + chunk))
        ]
        store.add(frontier.extend(hashes))
    now = utc_now()
    cp = Checkpoint(
        origin=city.origin,
        tree_size=size,
        root_hash=frontier.root(),
        timestamp=now,
        hash_alg="sha256",
    )
    signed = sign_checkpoint(cp, city.platform_key)
    slots = SlotMap.draw(capacity_for(size), rng)
    heads = [(p, 0) for p in places] + [(i, 0) for i in range(0, size, 2) if i not in by_place]
    lists = build_status_lists(
        checkpoint=cp, list_id=f"{city.origin}/status/1", slots=slots, heads=heads, issued_at=now
    )
    bundle = msgspec.structs.replace(
        trust_bundle(ledger),
        checkpoint=signed,
        status_lists=tuple(sign_status_list(d, city.platform_key) for d in lists),
    )
    data = sign_bundle(bundle, city.platform_key)
    warm = Verifier.from_bundle(data, platform_keys=[city.platform_key.public_key], workers=1)
    cold = Verifier.from_bundle(data, platform_keys=[city.platform_key.public_key], workers=1)
    cold.__dict__["_log_path"] = LogPath(cold.trust, cache_bits=0)
    exported, cases = [], []
    for place, doc in zip(places, docs, strict=True):
        proof = stored_inclusion_proof(store, place, size)
        ev = LogEvidence(
            leaf_index=place,
            proof=b"".join(proof),
            checkpoint=signed,
            status=StatusRef(list=f"{city.origin}/status/1", index=slots.slot(place)),
        )
        exported.append(canonical(msgspec.structs.replace(doc, log=ev)))
        cases.append((doc.events[-1].record, place, proof))
    root = cp.root_hash
    for d in exported:  # warm the caches; every document must verify on the log path
        v = warm.verify(d, at=now)
        assert v.ok, v.to_dict()
        assert v.evidence.get("path") == "log", v.to_dict()
        assert cold.verify(d, at=now).ok

    def bare() -> int:
        sha = hashlib.sha256
        for record, index, proof in cases:
            h, i, last = sha(b"\x00" + record).digest(), index, size - 1
            for p in proof:
                if i & 1 or i == last:
                    h = sha(b"\x01" + p + h).digest()
                    while not i & 1 and i:
                        i, last = i >> 1, last >> 1
                else:
                    h = sha(b"\x01" + h + p).digest()
                i, last = i >> 1, last >> 1
            assert h == root
        return len(cases)

    def by_hand() -> int:
        sha, dec, b64 = hashlib.sha256, msgspec.json.decode, base64.b64decode
        for d in exported:
            doc = dec(d)
            record = b64(doc["events"][-1]["record"])
            ev = doc["log"]
            raw, index = b64(ev["proof"]), ev["leaf_index"]
            head = dec(b64(ev["checkpoint"]["checkpoint"]))
            n = head["tree_size"]
            h, i, last = sha(b"\x00" + record).digest(), index, n - 1
            for k in range(0, len(raw), 32):
                p = raw[k : k + 32]
                if i & 1 or i == last:
                    h = sha(b"\x01" + p + h).digest()
                    while not i & 1 and i:
                        i, last = i >> 1, last >> 1
                else:
                    h = sha(b"\x01" + h + p).digest()
                i, last = i >> 1, last >> 1
            assert h == b64(head["root_hash"])
        return len(exported)

    def log_path(verifier: Verifier = warm) -> int:
        for d in exported:
            verifier.verify(d, at=now)
        return len(exported)

    return {
        "size": size,
        "runs": {
            "bare_hash": bare,
            "by_hand": by_hand,
            "log_path": log_path,
            "log_path_cold": lambda: log_path(cold),
        },
        "proof_hashes_mean": round(sum(len(c[2]) for c in cases) / len(cases), 1),
        "document_bytes_mean": round(sum(map(len, exported)) / len(exported)),
        "proven_cache": lambda: sum(
            sys.getsizeof(v)
            for t in warm.__dict__["_log_path"]._trees.values()
            for v in t.entries.values()
        ),
    }


def verify_bench(prepared: list[dict[str, Any]], rounds: int) -> list[dict[str, Any]]:
    """Time every run of every size in turn, round after round, so a change of load on
    the shared machine hits all alike; per-document medians, and ratios taken within
    each round (then their median)."""
    times: dict[tuple[int, str], list[float]] = {}
    for _ in range(rounds):
        for p in prepared:
            for name, run in p["runs"].items():
                start = time.perf_counter()
                n = run()
                times.setdefault((p["size"], name), []).append((time.perf_counter() - start) / n)
    out = []
    for p in prepared:
        t = {name: times[(p["size"], name)] for name in p["runs"]}

        def us(name: str, t: dict[str, list[float]] = t) -> float:
            return round(statistics.median(t[name]) * 1e6, 2)

        def best(name: str, t: dict[str, list[float]] = t) -> float:
            return round(min(t[name]) * 1e6, 2)

        def ratio(a: str, b: str, t: dict[str, list[float]] = t) -> float:
            return round(statistics.median(x / y for x, y in zip(t[a], t[b], strict=True)), 2)

        out.append(
            {
                "size": p["size"],
                "proof_hashes_mean": p["proof_hashes_mean"],
                "bare_hash_us": us("bare_hash"),
                "by_hand_us": us("by_hand"),
                "log_path_us": us("log_path"),
                "log_path_cold_us": us("log_path_cold"),
                "best_us": {name: best(name) for name in t},
                "log_path_over_by_hand": ratio("log_path", "by_hand"),
                "log_path_over_bare_hash": ratio("log_path", "bare_hash"),
                "cold_over_by_hand": ratio("log_path_cold", "by_hand"),
                "cold_over_bare_hash": ratio("log_path_cold", "bare_hash"),
                "document_bytes_mean": p["document_bytes_mean"],
                "proven_subtree_cache_kib": round(p["proven_cache"]() / 1024, 1),
            }
        )
    return out


def status_memory(licenses: int) -> dict[str, Any]:
    """The IETF list of ``licenses`` licenses loaded by a verifier: bytes held."""
    from elicense.crypto.keys import generate_key
    from elicense.log.statusdoc import load_status_list

    rng = random.Random(7)
    extra = licenses * 65 // 1000  # lifecycle events, as in the demo
    size = licenses + extra
    heads: dict[int, int] = dict.fromkeys(range(licenses), 0)
    for leaf in range(licenses, size):  # the license's newest record moves to a later leaf
        old = rng.randrange(licenses)
        if old in heads:
            del heads[old]
            heads[leaf] = rng.choice((0, 0, 2, 1))
    key = generate_key("ed25519")
    cp = Checkpoint(
        origin="bench", tree_size=size, root_hash=bytes(32), timestamp=utc_now(), hash_alg="sha256"
    )
    started = time.perf_counter()
    lists = build_status_lists(
        checkpoint=cp,
        list_id="bench/status/1",
        slots=SlotMap.draw(capacity_for(size), rng),
        heads=heads.items(),
        issued_at=cp.timestamp,
    )
    build_s = time.perf_counter() - started
    signed = sign_status_list(lists[0], key)
    keys = {key.public_key.key_id: key.public_key}
    tracemalloc.start()
    loaded = load_status_list(signed, keys.get, cp)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "licenses": licenses,
        "leaves": size,
        "entries": loaded.slots.size,
        "held_bytes_getsizeof": sys.getsizeof(loaded.data),
        "held_kib": round(sys.getsizeof(loaded.data) / 1024, 1),
        "tracemalloc_retained_kib": round(current / 1024, 1),
        "tracemalloc_peak_kib": round(peak / 1024, 1),
        "target_kib": 512,
        "compressed_bytes": {d.kind.value: len(d.lst) for d in lists},
        "build_seconds": round(build_s, 2),
    }


def main() -> None:
    from log_append import append_bench  # the SQL half, beside this file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 31_623, 100_000, 316_228, 1_000_000]
    )
    parser.add_argument("--docs", type=int, default=300, help="documents per size")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--events", type=int, default=200_000, help="events to append (SQL)")
    parser.add_argument("--page", type=int, default=1_000)
    parser.add_argument("--licenses", type=int, default=1_000_000, help="status memory")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--plot", default=str(RESULTS / "log_verify.png"))
    args = parser.parse_args()

    city, ledger, docs = city_documents(args.docs)
    verify = verify_bench([prepare(s, city, ledger, docs) for s in args.sizes], args.rounds)
    records = [d.events[-1].record for d in docs]
    with tempfile.TemporaryDirectory() as tmp:
        append = {
            "sqlite": append_bench(os.path.join(tmp, "bench.db"), records, args.events, args.page)
        }
    if not args.no_postgres:
        dsn = os.environ.get(
            "ELICENSE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
        )
        append["postgresql"] = append_bench(dsn, records, args.events // 2, args.page)
    result = {
        "benchmark": "log",
        "machine": machine(),
        "verify": verify,
        "append": append,
        "status_memory": status_memory(args.licenses),
    }
    result["plot"] = plot(verify, Path(args.plot))
    emit(result)


def plot(verify: list[dict[str, Any]], path: Path) -> str | None:
    """Verification cost against log size, as a PNG (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    sizes = [r["size"] for r in verify]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in (
        ("log_path_us", "log path (Verifier.verify, warm caches)"),
        ("log_path_cold_us", "log path, no proven-subtree cache"),
        ("by_hand_us", "bare proof by hand (parse + hash)"),
        ("bare_hash_us", "bare proof hashing only"),
    ):
        name = key.removesuffix("_us")
        ax.plot(sizes, [r["best_us"][name] for r in verify], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("log size (leaves)")
    ax.set_ylabel("µs per document (best of the rounds)")
    ax.set_title("Verifying one exported license document against log size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)


if __name__ == "__main__":
    main()
