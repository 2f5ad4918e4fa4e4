"""X.509 name equality: DER bytes first, then RFC 4518 preparation as asn1crypto does it."""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import x509 as ax
from hypothesis import given
from hypothesis import strategies as st

from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519
from elicense.crypto.x509 import certificate_info, claims_issuer
from elicense.crypto.x509issue import issue_certificate
from elicense.crypto.x509names import Name, ascii_prep, names_equal, prep

_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@given(_ASCII)
def test_ascii_prep_is_asn1cryptos_preparation(value: str) -> None:
    """For printable ASCII the fast path prepares exactly as asn1crypto does."""
    assert ascii_prep(value) == ax.NameTypeAndValue()._ldap_string_prep(value)


@given(st.text(max_size=12))
def test_prep_agrees_with_asn1crypto_or_both_refuse(value: str) -> None:
    """Any text: the same prepared value as asn1crypto, or the same refusal."""
    try:
        expected = ax.NameTypeAndValue()._ldap_string_prep(value)
    except ValueError:
        try:
            prep(value)
        except ValueError:
            return
        raise AssertionError("prep accepted what asn1crypto refuses") from None
    assert prep(value) == expected


def _name(**attrs: str) -> Name:
    an = ax.Name.build(attrs)
    rdns = tuple(
        tuple((atv["type"].dotted, str(atv["value"].native)) for atv in rdn) for rdn in an.chosen
    )
    return Name(an.dump(), rdns)


@given(_ASCII, _ASCII)
def test_names_equal_is_asn1cryptos_equality(a: str, b: str) -> None:
    """Two names compare equal here exactly when asn1crypto's RFC 5280 equality says so."""
    x = ax.Name.build({"country_name": "CN", "common_name": a or "x"})
    y = ax.Name.build({"country_name": "CN", "common_name": b or "x"})
    mine = names_equal(
        _name(country_name="CN", common_name=a or "x"),
        _name(country_name="CN", common_name=b or "x"),
    )
    assert mine == (x == y)


def test_case_and_spaces_do_not_matter_but_letters_do() -> None:
    """'Test  CA' equals ' test ca' (different bytes); 'Test CB' does not."""
    a, b = _name(common_name="Test  CA"), _name(common_name=" test ca")
    assert a.der != b.der
    assert names_equal(a, b)
    assert not names_equal(a, _name(common_name="Test CB"))
    assert not names_equal(a, _name(common_name="Test CA", country_name="CN"))


def test_chinese_names_compare_through_asn1cryptos_preparation() -> None:
    """Non-ASCII values take asn1crypto's path: full-width letters fold (NFKC)."""
    assert names_equal(_name(common_name="测试ＣＡ"), _name(common_name="测试ca"))
    assert not names_equal(_name(common_name="测试甲"), _name(common_name="测试乙"))


def test_issuer_claim_is_found_by_name_and_refused_for_others() -> None:
    """A certificate issued under a CA's name claims it; under another name it does not."""
    ca_key, key = generate_key(ED25519), generate_key(ED25519)
    when = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    ca = issue_certificate(
        subject={"CN": "Root CA"},
        public_key=ca_key.public_key,
        issuer_key=ca_key,
        not_before=when[0],
        not_after=when[1],
        ca=True,
    )
    leaf = issue_certificate(
        subject={"CN": "leaf"},
        public_key=key.public_key,
        issuer_key=ca_key,
        issuer_cert=ca,
        not_before=when[0],
        not_after=when[1],
    )
    assert certificate_info(ca).self_issued
    assert not certificate_info(leaf).self_issued
    other = issue_certificate(
        subject={"CN": "Root CB"},
        public_key=ca_key.public_key,
        issuer_key=ca_key,
        not_before=when[0],
        not_after=when[1],
        ca=True,
    )
    assert claims_issuer(leaf, ca)
    assert not claims_issuer(leaf, other)
