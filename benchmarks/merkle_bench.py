"""Merkle log benchmark: appends, proofs from stored nodes, verification.

Prints one JSON object. Every figure sits beside a bare-hashlib baseline from the
same run (the same number of SHA-256 node hashes in a tight loop), so the ratios
mean something on a noisy shared machine: the runs of one figure group take
turns, and each keeps its best of ``--repeat``.

    python benchmarks/merkle_bench.py [--sizes 10000 100000 1000000] [--samples 2000]

(with elicense installed, or ``PYTHONPATH=src`` from a checkout).

Trees of more than 100,000 leaves are stored in a compact level-array store
(one bytearray per level, 32 bytes a node) instead of the dict store.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence

from elicense.merkle import SHA256, verify_consistency, verify_inclusion
from elicense.merkle_nodes import (
    Frontier,
    MemoryNodeStore,
    NodeId,
    NodeStore,
    stored_consistency_proof,
    stored_inclusion_proof,
    stored_root,
)


class LevelArrayStore:
    """Nodes in one bytearray per level; node (level, i) at bytes [32·i, 32·i + 32)."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = []

    def add(self, rows: Iterable[tuple[int, int, bytes]]) -> None:
        levels = self.levels
        for level, _, h in rows:  # rows arrive in index order within each level
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += h

    def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return {(lv, i): bytes(self.levels[lv][32 * i : 32 * i + 32]) for lv, i in ids}


def race(repeat: int, **runs: Callable[[], object]) -> dict[str, float]:
    """Fastest time of each run, in seconds; runs take turns so noise hits them alike."""
    times: dict[str, float] = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name] = min(times[name], time.perf_counter() - start)
    return times


def bare_node_hashes(count: int) -> None:
    """``count`` SHA-256 node hashes, chained, with nothing else: the floor."""
    sha256, h, sibling = hashlib.sha256, bytes(32), bytes(range(32))
    for _ in range(count):
        h = sha256(b"\x01" + sibling + h).digest()


def bench(size: int, samples: int, repeat: int, rng: random.Random) -> dict[str, object]:
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size)]

    def appends() -> None:
        frontier = Frontier()
        append = frontier.append
        for leaf in leaves:
            append(leaf)

    store: NodeStore
    if size > 100_000:
        compact = LevelArrayStore()
        store_add: Callable[[Iterable[tuple[int, int, bytes]]], None] = compact.add
        store = compact
    else:
        memory = MemoryNodeStore()
        store_add, store = memory.add, memory

    builds = race(
        repeat,
        append=appends,
        extend=lambda: Frontier().extend(leaves),
        bare=lambda: bare_node_hashes(size - 1),  # a tree of n leaves has n - 1 node hashes
    )
    frontier = Frontier()
    start = time.perf_counter()
    store_add(frontier.extend(leaves))
    stored_s = time.perf_counter() - start
    root = frontier.root()
    assert stored_root(store, size) == root

    indices = [rng.randrange(size) for _ in range(samples)]
    proofs = [stored_inclusion_proof(store, i, size) for i in indices]
    cases = list(zip(indices, proofs, strict=True))
    hashes = sum(len(p) for p in proofs)
    size1s = [rng.randrange(1, size) for _ in range(samples)]
    roots1 = {m: stored_root(store, m) for m in size1s}
    consistency = [(m, stored_consistency_proof(store, m, size)) for m in size1s]

    def verify_all() -> None:
        for i, p in cases:
            verify_inclusion(leaves[i], i, size, p, root)

    def verify_all_consistency() -> None:
        for m, p in consistency:
            verify_consistency(m, size, roots1[m], root, p)

    proving = race(
        repeat,
        inclusion=lambda: [stored_inclusion_proof(store, i, size) for i in indices],
        consistency=lambda: [stored_consistency_proof(store, m, size) for m in size1s],
        verify=verify_all,
        bare=lambda: bare_node_hashes(hashes),
        verify_consistency=verify_all_consistency,
    )
    us = 1e6 / samples
    return {
        "size": size,
        "store": type(store).__name__,
        "append_per_s": round(size / builds["append"]),
        "extend_per_s": round(size / builds["extend"]),
        "extend_and_store_per_s": round(size / stored_s),
        "bare_node_hashes_per_s": round((size - 1) / builds["bare"]),
        "append_over_bare": round(builds["append"] / builds["bare"], 2),
        "inclusion_proof_us": round(proving["inclusion"] * us, 2),
        "consistency_proof_us": round(proving["consistency"] * us, 2),
        "verify_inclusion_us": round(proving["verify"] * us, 2),
        "bare_inclusion_hashing_us": round(proving["bare"] * us, 2),
        "verify_inclusion_over_bare": round(proving["verify"] / proving["bare"], 2),
        "proof_hashes_mean": round(hashes / samples, 1),
        "verify_consistency_us": round(proving["verify_consistency"] * us, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=2000, help="proofs per measurement")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; best is kept")
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    results = [bench(size, args.samples, args.repeat, rng) for size in args.sizes]
    print(
        json.dumps(
            {
                "benchmark": "merkle",
                "python": sys.version.split()[0],
                "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                "hash": SHA256.name,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
