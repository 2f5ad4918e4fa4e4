"""X.509 names as the certificate checks need them: text, and RFC 5280 §7.1 equality.

A name is kept as its DER bytes as received plus its RDNs as ``(dotted
OID, value)`` pairs. Equality compares the bytes first (equal bytes are
equal names, the common case); when they differ, RDN by RDN as asn1crypto
does (count, attribute types, values after RFC 4518 string preparation).
Printable ASCII values are prepared here (:func:`ascii_prep`, checked
against asn1crypto's preparation by tests/test_x509_names.py); any other
value by asn1crypto's own ``_ldap_string_prep``.
"""

from __future__ import annotations

import re

import msgspec
from asn1crypto import x509 as ax

__all__ = ["Name", "ascii_prep", "names_equal", "prep"]

_SPACES = re.compile(" +")
_PREP = ax.NameTypeAndValue()


class Name(msgspec.Struct, frozen=True):
    """A name's DER bytes and, when its strings decode, its RDNs as (OID, value) pairs."""

    der: bytes
    rdns: tuple[tuple[tuple[str, str], ...], ...] | None
    """``None`` for a name read leniently: comparable by its bytes only."""


def ascii_prep(value: str) -> str:
    """RFC 4518 preparation of a printable ASCII value, exactly as asn1crypto prepares it.

    Printable ASCII maps nothing to nothing, is unchanged by NFKC and holds no
    prohibited or bidirectional character: case folding and insignificant
    spaces are all that remain.
    """
    return " " + _SPACES.sub("  ", value.lower()).strip() + " "


def prep(value: str) -> str:
    """RFC 4518 preparation of ``value`` (asn1crypto's, ASCII fast path).

    Raises:
        ValueError: a prohibited character (as asn1crypto refuses it).
    """
    if value.isascii() and value.isprintable():
        return ascii_prep(value)
    return str(_PREP._ldap_string_prep(value))


def _same(x: str, y: str) -> bool:
    # Equal printable ASCII needs no preparation (it cannot be refused either).
    if x == y and x.isascii() and x.isprintable():
        return True
    return prep(x) == prep(y)


def names_equal(a: Name, b: Name) -> bool:
    """Whether two names are equal (RFC 5280 §7.1); bytes first, then prepared values."""
    if a.der == b.der:
        return True
    if a.rdns is None or b.rdns is None or len(a.rdns) != len(b.rdns):
        return False
    try:
        for x, y in zip(a.rdns, b.rdns, strict=True):
            if len(x) == 1 == len(y):  # the common single-valued RDN
                (tx, vx), (ty, vy) = x[0], y[0]
                if tx != ty or not _same(vx, vy):
                    return False
                continue
            xs, ys = dict(x), dict(y)
            if len(x) != len(y) or xs.keys() != ys.keys():
                return False
            if any(not _same(xs[t], ys[t]) for t in xs):
                return False
    except ValueError:
        return False
    return True
