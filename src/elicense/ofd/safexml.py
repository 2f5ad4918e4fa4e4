"""XML from OFD containers, parsed with no DTD, no entities and bounded depth.

OFD files never need a document type declaration, so any ``<!DOCTYPE`` is
refused outright (``ofd.xml.dtd``): that closes entity expansion (billion
laughs), external entities and DTD retrieval at once. Undeclared entity
references are then syntax errors. Depth and element count are bounded.
The stdlib ``expat`` parser is driven directly (no ``defusedxml`` needed for
this narrow use); the tree is an :mod:`xml.etree.ElementTree` element with
``{namespace}local`` tags.

Files that cannot hold a declaration at all (no ``<!`` anywhere, and no NUL
byte, so an ASCII-compatible encoding) are parsed by the same expat through
ElementTree's C tree builder instead, three times faster; their depth and
element count are checked on the tree, and anything refused there is parsed
again the careful way, which says why.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.parsers import expat

from elicense.errors import OfdFormatError

__all__ = ["MAX_DEPTH", "MAX_ELEMENTS", "child", "children", "local", "parse_xml", "text_of"]

MAX_DEPTH = 64
MAX_ELEMENTS = 500_000


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_xml(
    data: bytes, path: str, *, max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS
) -> ET.Element:
    """The root element of the XML ``data`` (the container file ``path``).

    Raises:
        OfdFormatError: ``ofd.xml.dtd``, ``ofd.xml.too_deep``,
            ``ofd.xml.too_many_elements`` or ``ofd.xml.malformed``.
    """
    if len(data) <= _FAST_MAX and b"<!" not in data and b"\x00" not in data:
        root = _parse_plain(data, max_depth, max_elements)
        if root is not None:
            return root
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    depth = 0
    count = 0

    def name(raw: str) -> str:
        return "{" + raw if "}" in raw else raw

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > max_depth:
            raise _Refused("too_deep", f"elements nest deeper than {max_depth}")
        if count > max_elements:
            raise _Refused("too_many_elements", f"more than {max_elements} elements")
        builder.start(name(tag), {name(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(name(tag))

    def doctype(*_: object) -> None:
        raise _Refused("dtd", "a document type declaration (DTD) is not accepted in OFD XML")

    def entity(*_: object) -> None:
        raise _Refused("dtd", "entity declarations are not accepted in OFD XML")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = entity  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
        root = builder.close()
    except _Refused as e:
        raise OfdFormatError(f"{path}: {e}", code=f"ofd.xml.{e.code}", subject=path) from None
    except (  # LookupError: an XML declaration naming an encoding Python does not know
        expat.ExpatError,
        ValueError,
        LookupError,
        AssertionError,
        IndexError,
        RecursionError,
    ) as e:
        raise OfdFormatError(
            f"{path}: not well-formed XML: {e}", code="ofd.xml.malformed", subject=path
        ) from None
    return root


_FAST_MAX = 1 << 20  # bytes: bounds what the C builder holds before the limits are checked


def _parse_plain(data: bytes, max_depth: int, max_elements: int) -> ET.Element | None:
    """The tree of XML that holds no declaration, or ``None`` if it is refused for any reason."""
    try:
        root = ET.fromstring(data)
    except Exception:
        return None
    count = sum(1 for _ in root.iter())
    if count > max_elements or (count > max_depth and _depth(root) > max_depth):
        return None
    return root


def _depth(root: ET.Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in el)
    return deepest


def local(tag: str) -> str:
    """The local part of a ``{namespace}local`` tag (vendors differ on prefixes, not names)."""
    return tag.rpartition("}")[2]


def children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    """The child elements of ``el`` with local name ``name``."""
    return (c for c in el if local(c.tag) == name)


def child(el: ET.Element | None, name: str) -> ET.Element | None:
    """The first child of ``el`` with local name ``name``, if any."""
    if el is None:
        return None
    return next(children(el, name), None)


def text_of(el: ET.Element | None, name: str) -> str | None:
    """The stripped text of the first child ``name`` of ``el``, if any."""
    c = child(el, name)
    return (c.text or "").strip() if c is not None else None
