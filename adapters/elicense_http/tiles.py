"""Merkle tiles as c2sp.org/tlog-tiles, served and written to a folder.

Tile ``<L>/<N>`` holds the hashes of tree level ``8·L``, nodes ``256·N`` to
``256·N + 255``: exactly one stored chunk of the SQL log
(:mod:`elicense_sql.log_store` keeps nodes in chunks of 256 per level), so a
tile is one row read. ``<N>`` is written in groups of three digits, all but
the last prefixed ``x`` (``x001/x234/067``); a partial tile of width ``W``
is ``<N>.p/<W>``. Tiles are immutable; only hashes leave the store. SHA-256
logs only: tlog-tiles fixes the hash. Entry bundles (``tile/entries``) are
not served: records carry personal data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from elicense_http.problems import ServiceError

__all__ = ["TILE_PATH", "read_tile", "tile_path", "write_tiles"]

TILE_PATH = "/tile/{level:int}/{rest:path}"
_W = 32
_H = 8  # tile height


def tile_path(level: int, index: int, width: int = 256) -> str:
    """``<L>/<N>[.p/<W>]`` with ``N`` in three-digit groups."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[k : k + 3] for k in range(0, len(digits), 3)]
    name = "/".join([*("x" + g for g in groups[:-1]), groups[-1]])
    return f"{level}/{name}" + (f".p/{width}" if width < 256 else "")


def _parse(rest: str) -> tuple[int, int]:
    """``(index, width)`` from ``x001/x234/067[.p/W]``."""
    rest = rest.strip("/")
    width = 256
    if ".p/" in rest:
        rest, _, w = rest.partition(".p/")
        if not w.isdigit() or not 1 <= int(w) <= 255 or w != str(int(w)):
            raise ServiceError(404, "log.tile.unknown", "partial width must be 1…255")
        width = int(w)
    parts = rest.split("/")
    ok = all(p[:1] == "x" and len(p) == 4 and p[1:].isdigit() for p in parts[:-1])
    ok = ok and len(parts[-1]) == 3 and parts[-1].isdigit() and len(parts) <= 7
    if not ok:
        raise ServiceError(404, "log.tile.unknown", "expected a tile path like x001/234")
    return int("".join(p.lstrip("x") for p in parts)), width


def _available(level: int, index: int, size: int) -> int:
    """How many hashes tile ``level/index`` holds in a tree of ``size`` leaves."""
    nodes = size >> (_H * level)
    return max(0, min(256, nodes - 256 * index))


def read_tile(store: Any, level: int, rest: str, size: int) -> bytes:
    """The bytes of tile ``<level>/<rest>`` as of a tree of ``size`` leaves.

    Raises:
        ServiceError: 404 ``log.tile.unknown`` for a tile (or width) the tree lacks.
    """
    if store.algorithm.name != "sha256":
        raise ServiceError(404, "log.tile.unsupported", "tlog-tiles needs a SHA-256 log")
    index, width = _parse(rest)
    if level < 0 or level > 7 or _available(level, index, size) < width:
        raise ServiceError(404, "log.tile.unknown", f"tile {level}/{rest} is not in the tree")
    from elicense_sql.log_store import chunk_key

    data = store._stored_chunk(chunk_key(_H * level, index))
    if len(data) < width * _W:
        raise ServiceError(404, "log.tile.unknown", f"tile {level}/{rest} is not stored yet")
    return bytes(data[: width * _W])


def write_tiles(store: Any, size: int, folder: str | os.PathLike[str]) -> int:
    """Write every tile of the tree of ``size`` leaves under ``folder/tile/`` (full tiles,
    and the partial tile at each level's end); return how many files were written.
    Existing files are left alone: a tile never changes."""
    root = Path(folder) / "tile"
    written = 0
    level = 0
    while (size >> (_H * level)) > 0:
        nodes = size >> (_H * level)
        for index in range(-(-nodes // 256)):
            width = _available(level, index, size)
            path = root / tile_path(level, index, width)
            if path.exists():
                continue
            name = tile_path(level, index, width).split("/", 1)[1]
            data = read_tile(store, level, name, size)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            written += 1
        level += 1
    return written
