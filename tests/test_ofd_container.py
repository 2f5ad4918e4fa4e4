"""Reading OFD containers safely: limits refused before inflating, XML without DTDs, and
garbage or mutated containers answered with coded verdicts only."""

from __future__ import annotations

import io
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.crypto.ses.codes import FINDING_CODES as SES_CODES
from elicense.errors import OfdFormatError
from elicense.ofd import OfdVerifier, is_ofd, verify_ofd
from elicense.ofd.codes import FINDING_CODES
from elicense.ofd.container import Container, Limits
from elicense.ofd.safexml import parse_xml
from elicense.verdict import Outcome
from ofd_support import SIGN_DIR, entry, rezip
from sm2_support import require_sm2

require_sm2()

KNOWN = FINDING_CODES | SES_CODES


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def _read_all(data: bytes, limits: Limits) -> None:
    c = Container(data, limits)
    for name in c.files:
        c.read(name)


def _code(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(OfdFormatError) as e:
        _read_all(data, limits or Limits())
    return e.value.code


@pytest.fixture(scope="module")
def allprotected(testdata: Path) -> bytes:
    """allprotected.ofd."""
    return (testdata / "ofd" / "allprotected.ofd").read_bytes()


def test_zip_bomb_refused_before_inflating() -> None:
    """16 MiB of zeros in 16 KB is refused from the central directory, in bounded memory."""
    bomb = _zip({"OFD.xml": b"<a/>", "Doc_0/bomb.xml": bytes(16 << 20)})
    limits = Limits(max_ratio=100, ratio_floor=1 << 20)
    tracemalloc.start()
    try:
        v = OfdVerifier(limits=limits).verify(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert v.codes == ["ofd.container.ratio"]
    assert peak < 4 * len(bomb) + (1 << 20)


def test_ratio_below_floor_is_accepted() -> None:
    """The twin: the same ratio on a small entry is not a bomb."""
    c = Container(_zip({"OFD.xml": bytes(1000)}), Limits(max_ratio=2, ratio_floor=1 << 20))
    assert c.read("OFD.xml") == bytes(1000)


def test_declared_size_that_lies_is_corrupt() -> None:
    """An entry inflating to more than its directory declares is refused, not inflated on."""
    data = bytearray(_zip({"OFD.xml": bytes(100_000)}))
    cd = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 100)  # uncompressed size in the central directory
    assert _code(bytes(data)) == "ofd.container.corrupt"


def _stored_and_deflated() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Doc_0/Document.xml", b"<doc/>" * 500, zipfile.ZIP_DEFLATED)
        z.writestr("OFD.xml", b"<ofd/>" * 50, zipfile.ZIP_STORED)
    return out.getvalue()


def test_entries_read_as_zipfile_reads_them() -> None:
    """The twin of the damaged headers below: stored and deflated entries come out as
    zipfile inflates them."""
    data = _stored_and_deflated()
    c = Container(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {n: c.read(n) for n in c.files} == {n: z.read(n) for n in z.namelist()}


def _damage(data: bytes, what: str) -> bytes:
    b = bytearray(data)
    # the second entry, OFD.xml (stored): its local header and its central directory record
    local = b.index(b"PK\x03\x04", 1)
    cd = b.index(b"PK\x01\x02", b.index(b"PK\x01\x02") + 1)
    if what == "payload":  # one byte of the stored bytes: the CRC no longer matches
        b[local + 30 + len("OFD.xml") + 3] ^= 0x01
    elif what == "local_name":  # the local header names another entry
        b[local + 30] = ord("X")
    elif what == "local_magic":
        b[local + 1] = ord("Q")
    elif what == "offset":  # the central directory points past the end
        struct.pack_into("<I", b, cd + 42, len(b) + 10)
    elif what == "compressed_size":  # the entry's data runs past the end of the file
        struct.pack_into("<I", b, cd + 20, len(b))
    return bytes(b)


@pytest.mark.parametrize(
    "what", ["payload", "local_name", "local_magic", "offset", "compressed_size"]
)
def test_damaged_entry_is_corrupt(what: str) -> None:
    """Whatever the local header or the entry's bytes lie about, the entry is refused as
    ``ofd.container.corrupt``, never read; the other entry still reads."""
    damaged = _damage(_stored_and_deflated(), what)
    assert damaged != _stored_and_deflated()
    c = Container(damaged)
    with pytest.raises(OfdFormatError) as e:
        c.read("OFD.xml")
    assert e.value.code == "ofd.container.corrupt"
    assert c.read("Doc_0/Document.xml") == b"<doc/>" * 500  # the other entry is intact


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/passwd", "Doc_0/../../x", "a\\b.xml", "C:/x.xml", "./OFD.xml"]
)
def test_unsafe_paths_refused(name: str) -> None:
    """Entry names that leave or confuse the container are ofd.container.path."""
    assert _code(_zip({"OFD.xml": b"<a/>", name: b"x"})) == "ofd.container.path"


def _unsafe(name: str) -> bool:
    """The rule _check_name implements, spelled out part by part."""
    return (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or (len(name) > 1 and name[0].isascii() and name[0].isalpha() and name[1] == ":")
        or any(part in ("..", ".") for part in name.split("/"))
    )


@settings(max_examples=2000)
@given(st.text(st.sampled_from([*"/\\.\x00aZ:\né"]), max_size=10))
def test_name_rule(name: str) -> None:
    """The one-pass check refuses exactly the names the rule refuses (empty, absolute,
    a drive letter, a backslash or NUL, a ``.`` or ``..`` segment)."""
    from elicense.ofd.container import _check_name

    if _unsafe(name):
        with pytest.raises(OfdFormatError) as e:
            _check_name(name)
        assert e.value.code == "ofd.container.path"
    else:
        _check_name(name)


def test_duplicate_names_refused() -> None:
    """Two entries with one name (readers would disagree which counts) are refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
        data = _dup()
    assert _code(data) == "ofd.container.duplicate"


def _dup() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("OFD.xml", b"<a/>")
        z.writestr("OFD.xml", b"<b/>")
    return out.getvalue()


def test_limits_on_entries_and_sizes() -> None:
    """Too many entries, an entry too large, a file too large: each refused with its code."""
    many = _zip({f"f{i}": b"" for i in range(5)})
    assert _code(many, Limits(max_entries=4)) == "ofd.container.too_many_entries"
    big = _zip({"OFD.xml": bytes(1000)}, zipfile.ZIP_STORED)
    assert _code(big, Limits(max_entry=999)) == "ofd.container.too_large"
    assert _code(big, Limits(max_bytes=100)) == "ofd.container.too_large"
    assert Container(big, Limits(max_entry=1000)).read("OFD.xml") == bytes(1000)


def test_other_compression_refused() -> None:
    """Methods other than stored and deflated (here bzip2) are refused."""
    assert _code(_zip({"OFD.xml": b"<a/>"}, zipfile.ZIP_BZIP2)) == "ofd.container.compression"


def test_dtd_and_entities_refused() -> None:
    """A DTD (billion laughs) is refused without expansion; an undeclared entity is malformed."""
    laughs = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l "lol"><!ENTITY m "&l;&l;">]><a>&m;</a>'
    with pytest.raises(OfdFormatError) as e:
        parse_xml(laughs, "OFD.xml")
    assert e.value.code == "ofd.xml.dtd"
    with pytest.raises(OfdFormatError) as e:
        parse_xml(b"<a>&xxe;</a>", "OFD.xml")
    assert e.value.code == "ofd.xml.malformed"


def test_depth_bounded() -> None:
    """Nesting beyond the bound is ofd.xml.too_deep; at the bound it parses."""
    assert parse_xml(b"<a>" * 64 + b"</a>" * 64, "x").tag == "a"
    with pytest.raises(OfdFormatError) as e:
        parse_xml(b"<a>" * 65 + b"</a>" * 65, "x")
    assert e.value.code == "ofd.xml.too_deep"


def test_dtd_in_a_signature_file_is_a_coded_verdict(allprotected: bytes) -> None:
    """A DTD planted in Signature.xml is a finding of that signature, not an exception."""
    xml = entry(allprotected, SIGN_DIR + "Signature.xml").replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1
    )
    v = verify_ofd(rezip(allprotected, {SIGN_DIR + "Signature.xml": xml}))
    assert v.outcome is Outcome.INVALID
    assert "ofd.xml.dtd" in v.signatures[0].findings[0].code


def test_detection() -> None:
    """is_ofd wants a zip naming OFD.xml; a plain zip or JSON is not one."""
    assert is_ofd(_zip({"OFD.xml": b"<a/>"}))
    assert not is_ofd(_zip({"other.xml": b"<a/>"}))
    assert not is_ofd(b'{"format": "x"}')


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_garbage_gives_coded_verdicts(data: bytes) -> None:
    """Any bytes give a verdict whose codes are all documented; never valid."""
    v = verify_ofd(b"PK\x03\x04" + data)
    assert v.outcome is not Outcome.VALID
    assert set(v.codes) <= KNOWN


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "truncate"]),
        st.integers(0, 1 << 30),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)
"""Edits as small values (positions taken modulo the length), so examples print briefly."""


def _apply(original: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    data = bytearray(original)
    for op, pos, blob in edits:
        i = pos % max(len(data), 1)
        if op == "flip" and data:
            data[i] ^= blob[0] or 1
        elif op == "insert":
            data[i:i] = blob
        elif op == "delete":
            del data[i : i + len(blob)]
        else:
            del data[i:]
    return bytes(data)


@settings(max_examples=60)
@given(EDITS)
def test_mutated_containers_give_coded_verdicts(
    allprotected: bytes, edits: list[tuple[str, int, bytes]]
) -> None:
    """Edits anywhere in a real signed container (zip structure included) give coded
    verdicts, never valid ones."""
    mutated = _apply(allprotected, edits)
    v = verify_ofd(mutated)
    assert set(v.codes) <= KNOWN
    assert "ofd.internal_error" not in v.codes, v.findings[0].message
    if mutated != allprotected:
        assert v.outcome is not Outcome.VALID


XML_PARTS = [
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/Signs/Signatures.xml",
    SIGN_DIR + "Signature.xml",
]


@settings(max_examples=100)
@given(st.sampled_from(XML_PARTS), EDITS)
def test_mutated_xml_gives_coded_verdicts(
    allprotected: bytes, part: str, edits: list[tuple[str, int, bytes]]
) -> None:
    """Edited XML in each structural file gives coded verdicts only, invalid when changed."""
    xml = entry(allprotected, part)
    new = _apply(xml, edits)
    v = verify_ofd(rezip(allprotected, {part: new}))
    assert set(v.codes) <= KNOWN
    assert "ofd.internal_error" not in v.codes, v.findings[0].message
    if new != xml:
        assert v.outcome is Outcome.INVALID


def test_unknown_xml_encoding_is_malformed(allprotected: bytes) -> None:
    """An XML declaration naming an unknown encoding (Hypothesis found 'TTF-8') is a coded
    ofd.xml.malformed, not an internal error."""
    xml = entry(allprotected, "OFD.xml").replace(b"UTF-8", b"TTF-8", 1)
    assert xml != entry(allprotected, "OFD.xml")
    v = verify_ofd(rezip(allprotected, {"OFD.xml": xml}))
    assert "ofd.xml.malformed" in v.codes
    assert "ofd.internal_error" not in v.codes


def _resolve_by_normpath(c: Container, location: str, *bases: str) -> str | None:
    """Container.resolve spelled out: every candidate normalised; None for a refusal."""
    import posixpath

    text = location.strip().replace("\\", "/")
    if not text or "\x00" in text:
        return None
    cands = [text[1:]] if text.startswith("/") else [posixpath.join(b, text) for b in bases]
    norms = [posixpath.normpath(x) for x in cands or [text]]
    for norm in norms:
        if norm.startswith(("../", "/")) or norm in ("..", "."):
            return None
        if norm in c:
            return norm
    return norms[0]


_SEG = st.sampled_from(["a", "b", ".", "..", "", ".x", "a.", "\\", " "])
_PATH = st.lists(_SEG, min_size=1, max_size=4).map("/".join)


@settings(max_examples=1000)
@given(st.lists(_PATH, max_size=5), _PATH, st.lists(st.sampled_from(["", "a", "a/b", "b/.."])))
def test_resolve_is_normpath(names: list[str], location: str, bases: list[str]) -> None:
    """Names already normal are taken as they are: what normalising every candidate gives."""
    c = Container.of_files(dict.fromkeys(names, b""))
    expected = _resolve_by_normpath(c, location, *bases)
    if expected is None:
        with pytest.raises(OfdFormatError):
            c.resolve(location, *bases)
    else:
        assert c.resolve(location, *bases) == expected
