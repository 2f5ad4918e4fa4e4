"""Seeded mutators of outside bytes, and what a mutant *means* (for the oracle).

Byte edits (flip, overwrite, insert, delete, duplicate, splice a token,
truncate) work on anything. The structural ones work on what a format holds:
JSON documents are decoded down through every base64 string that holds JSON
(record → statement) and one node is edited there — a key dropped or
duplicated, a list element dropped, repeated or swapped, a number moved, a
string re-cased or padded, a subtree from another original spliced in — then
everything is re-encoded compactly, so most mutants are well-formed documents
that only the authentication can refuse. Payload texts are edited inside their
base32 (the COSE bytes), OFD files inside their zip members.

:func:`meaning` is what the oracle compares: two inputs that decode to the same
content (JSON decoded all the way down through base64; a payload's COSE bytes;
an OFD's zip members; a PDF without its signature's zero padding) say the same
thing, and accepting one of them is not accepting a mutant.
"""

from __future__ import annotations

import base64
import binascii
import copy
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from typing import Any

__all__ = ["MUTATORS", "byte_edit", "meaning", "strip_log"]

TOKENS = [b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"\\u0000", b"1e999", b"-0", b"\xff"]
_B64 = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")
_NUMBERS = [0, -1, -5, 1, 2**63, 2**64, 10**30, 0.5]


def byte_edit(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to four random byte-level edits."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out)) if out else 0
        op = rng.randrange(7)
        if op == 0 and out:
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1 and out:
            out[i] = rng.randrange(256)
        elif op == 2:
            out[i:i] = rng.randbytes(rng.randint(1, 8))
        elif op == 3:
            del out[i : i + rng.randint(1, 16)]
        elif op == 4:
            n = rng.randint(1, 32)
            out[i:i] = out[i : i + n]
        elif op == 5:
            out[i:i] = rng.choice(TOKENS)
        else:
            del out[rng.randrange(len(out) + 1) :]
    return bytes(out)


# -- JSON, all the way down ---------------------------------------------------------------------


class _Inner:
    """A base64 string that holds JSON, decoded for editing."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree


def _walk(value: Any, leaf: Any) -> Any:
    """``value`` with ``leaf`` applied to everything that is not a dict or a list."""
    if isinstance(value, dict):
        return {k: _walk(v, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, leaf) for v in value]
    return leaf(value)


def _decode_deep(value: Any) -> Any:
    """``value`` with every base64 string that holds JSON decoded, as an :class:`_Inner`."""
    return _walk(value, _decode_leaf)


def _decode_leaf(value: Any) -> Any:
    if isinstance(value, str) and _B64.match(value):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
        if raw[:1] == b"{":
            try:
                return _Inner(_decode_deep(json.loads(raw)))
            except ValueError:
                return value
    return value


def _encode_deep(value: Any) -> Any:
    """The inverse of :func:`_decode_deep`."""
    return _walk(value, _encode_leaf)


def _encode_leaf(value: Any) -> Any:
    if isinstance(value, _Inner):
        return base64.b64encode(_dumps(_encode_deep(value.tree))).decode()
    return value


def _dumps(tree: Any) -> bytes:
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()


def _containers(value: Any, out: list[Any]) -> list[Any]:
    """Every dict and list in ``value`` (inner JSON included)."""
    if isinstance(value, _Inner):
        _containers(value.tree, out)
    elif isinstance(value, dict):
        out.append(value)
        for v in value.values():
            _containers(v, out)
    elif isinstance(value, list):
        out.append(value)
        for v in value:
            _containers(v, out)
    return out


def _edit_value(v: Any, rng: random.Random, donors: list[Any]) -> Any:
    if rng.random() < 0.25 and donors:
        return copy.deepcopy(rng.choice(donors))  # a copy: a second edit must not make a cycle
    if isinstance(v, bool) or v is None:
        return rng.choice([True, False, None, 0, ""])
    if isinstance(v, int | float):
        return rng.choice([v + 1, v - 1, *_NUMBERS, str(v)])
    if isinstance(v, str):
        choices = [v.lower(), v.upper(), f" {v}", f"{v} ", v[:-1], v + v[-1:], v.swapcase(), ""]
        return rng.choice(choices)
    return rng.choice([None, {}, [], "", 0])


def _edit_node(node: Any, rng: random.Random, donors: list[Any]) -> bool:
    """Change ``node`` (a dict or list) in place; ``False`` when nothing applied."""
    if isinstance(node, dict):
        if not node:
            return False
        key = rng.choice(list(node))
        op = rng.randrange(4)
        if op == 0:
            del node[key]
        elif op == 1:
            node[key + rng.choice(["", "_", "x"]) or key] = copy.deepcopy(node[key])  # extra key
        elif op == 2 and len(node) > 1:
            items = list(node.items())
            rng.shuffle(items)
            node.clear()
            node.update(items)
        else:
            v = node[key]
            node[key] = v if isinstance(v, dict | list | _Inner) else _edit_value(v, rng, donors)
        return True
    if not node:
        node.extend(copy.deepcopy(rng.sample(donors, 1)) if donors else [None])
        return True
    i = rng.randrange(len(node))
    op = rng.randrange(5)
    if op == 0:
        del node[i]
    elif op == 1:
        node.insert(i, copy.deepcopy(node[i]))  # listed twice
    elif op == 2:
        del node[i:]  # a prefix
    elif op == 3 and len(node) > 1:
        j = rng.randrange(len(node))
        node[i], node[j] = node[j], node[i]
    else:
        v = node[i]
        node[i] = v if isinstance(v, dict | list | _Inner) else _edit_value(v, rng, donors)
    return True


def json_edit(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """``data`` (a JSON document) with one or two structural edits, re-encoded compactly."""
    try:
        tree = _decode_deep(json.loads(data))
    except ValueError:
        return byte_edit(data, rng)
    donor_tree = _decode_deep(json.loads(rng.choice(others))) if others else tree
    donors = [
        v
        for c in _containers(donor_tree, [])
        for v in (c.values() if isinstance(c, dict) else c)
        if not isinstance(v, _Inner)
    ]
    for _ in range(rng.randint(1, 2)):
        nodes = _containers(tree, [])
        _edit_node(rng.choice(nodes), rng, donors)
    return _dumps(_encode_deep(tree))


def payload_edit(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """A verify-me text with its COSE bytes edited (re-encoded base32), or its text edited."""
    text = data.decode()
    head, _, b32 = text.rpartition("/")
    if rng.random() < 0.3:
        return byte_edit(data, rng)
    raw = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    edited = base64.b32encode(byte_edit(raw, rng)).decode().rstrip("=")
    return f"{head}/{edited}".encode()


def zip_edit(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """An OFD file rebuilt with one member's bytes edited, dropped or duplicated."""
    if rng.random() < 0.3:
        return byte_edit(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    k = rng.randrange(len(members))
    op = rng.randrange(6)
    if op == 0:
        del members[k]
    elif op == 1:
        members.insert(k, members[k])
    else:
        name, body = members[k]
        members[k] = (name, byte_edit(body, rng))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members:
            z.writestr(name, body)
    return out.getvalue()


def _byte_mutator(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    return byte_edit(data, rng)


def _half(structural: Callable[[bytes, random.Random, list[bytes]], bytes]) -> Any:
    def mutate(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
        if rng.random() < 0.5:
            return byte_edit(data, rng)
        return structural(data, rng, others)

    return mutate


MUTATORS: dict[str, Callable[[bytes, random.Random, list[bytes]], bytes]] = {
    "json": _half(json_edit),
    "payload": payload_edit,
    "zip": zip_edit,
    "bytes": _byte_mutator,
}


# -- meaning ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A decoded tree with its base64 made readable (JSON inside, else hex)."""
    return _walk(value, _plain_leaf)


def _plain_leaf(value: Any) -> Any:
    if isinstance(value, _Inner):
        return {"<json in base64>": _plain(value.tree)}
    if isinstance(value, str) and _B64.match(value):
        try:
            return {"<base64>": base64.b64decode(value, validate=True).hex()}
        except (binascii.Error, ValueError):
            return value
    return value


def _json_meaning(data: bytes) -> object:
    tree = json.loads(data.decode("utf-8"))  # strict: not UTF-8 is not the same document
    return json.dumps(_plain(_decode_deep(tree)), sort_keys=True, ensure_ascii=False)


def strip_log(data: bytes) -> bytes:
    """A log-path document without its ``log`` section: the signature-path document it
    also is (well-formed, not a mutant)."""
    tree = json.loads(data)
    tree.pop("log", None)
    return _dumps(tree)


def _unused_log_meaning(data: bytes) -> object:
    """A document verified on the signature path: its ``log`` section took no part."""
    return _json_meaning(strip_log(data))


def _log_path_meaning(data: bytes) -> object:
    """A document verified on the log path, without what that path documents as the
    platform's unauthenticated claim (src/elicense/verify/logpath.py, point 3 and 5):
    the records' positions (only the newest record's leaf index is proven, and the
    verdict never repeats a position) and the status reference (recomputed from the
    leaf index)."""
    tree = json.loads(data.decode("utf-8"))
    for event in tree.get("events", []):
        event.pop("position", None)
    tree.get("log", {}).pop("status", None)
    return _json_meaning(_dumps(tree))


def _payload_meaning(data: bytes) -> object:
    from elicense.payload import read_payload_text

    return read_payload_text(data.decode("ascii").strip())


def _zip_meaning(data: bytes) -> object:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return tuple(sorted((i.filename, z.read(i)) for i in z.infolist()))


_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _pdf_meaning(data: bytes) -> object:
    """The file with its ``/Contents`` hex string read as PDF reads it (case and white
    space are no part of a hex string) and cut to the CMS it holds: the zero padding
    after it is neither signed nor content."""
    m = _RANGE.search(data)
    if m is None:
        return data
    a, b, c, _ = (int(x) for x in m.groups())
    if not a <= a + b <= c <= len(data):
        return data
    text = data[a + b : c].strip()
    if not (text.startswith(b"<") and text.endswith(b">")):
        return data
    try:
        digits = b"".join(text[1:-1].split()).decode("ascii")
        raw = bytes.fromhex(digits + "0" * (len(digits) % 2))  # odd: a final 0 (ISO 32000)
    except ValueError:
        return data
    size = _der_size(raw)
    if size is not None and not raw[size:].strip(b"\x00"):
        raw = raw[:size]
    return (data[: a + b], raw, data[c:])


def _der_size(raw: bytes) -> int | None:
    """Header and content length of the DER value ``raw`` starts with."""
    if len(raw) < 2:
        return None
    if raw[1] < 0x80:
        return 2 + raw[1]
    n = raw[1] & 0x7F
    if n == 0 or len(raw) < 2 + n:
        return None
    return 2 + n + int.from_bytes(raw[2 : 2 + n], "big")


def meaning(kind: str, data: bytes) -> object:
    """What ``data`` says, to compare with the originals; ``None`` when it cannot be read
    (a mutant that cannot be read and is accepted differs from every original)."""
    fn: Callable[[bytes], object] = {
        "json": _json_meaning,
        "json-signature-path": _unused_log_meaning,
        "json-log-path": _log_path_meaning,
        "payload": _payload_meaning,
        "zip": _zip_meaning,
        "pdf": _pdf_meaning,
    }.get(kind, bytes)
    try:
        return fn(data)
    except Exception:  # unreadable: means nothing any original means
        return None


def _flat(value: Any, path: str, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(v, f"{path}.{k}", out)
    elif isinstance(value, list):
        out[f"{path}#len"] = len(value)
        for i, v in enumerate(value):
            _flat(v, f"{path}[{i}]", out)
    else:
        out[path] = value
    return out


def describe(kind: str, mutant: bytes, originals: list[bytes]) -> str:
    """Where a JSON mutant differs from its nearest original (for the report)."""
    if kind != "json":
        return ""
    try:
        got = _flat(_plain(_decode_deep(json.loads(mutant))), "", {})
    except ValueError:
        return "not JSON"
    best: list[str] | None = None
    for o in originals:
        want = _flat(_plain(_decode_deep(json.loads(o))), "", {})
        diff = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        if best is None or len(diff) < len(best):
            best = diff
    return ", ".join((best or [])[:4]).replace("<json in base64>.", "")
