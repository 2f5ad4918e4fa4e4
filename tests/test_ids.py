"""Identifiers: USCC, RIC and GB/T 36904 license identifiers, confirmed and attacked."""

from __future__ import annotations

import contextlib
import string

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_37_36

from elicense.codec import canonical, decode
from elicense.errors import EncodingError, IdentifierError
from elicense.ids import (
    LICENSE_ID_ROOT,
    HolderCodeKind,
    LicenseId,
    NonConformantIdentifierWarning,
    parse_license_id,
    validate_holder_code,
    validate_ric,
    validate_uscc,
)

SAMPLES = [
    "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
]
# Seen in the wild with a 6-digit division code as issuer code (Hefei); its check verifies.
DIVISION_SAMPLE = "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9"
USCC = "91110000600037341L"
RIC = "11010519491231002X"
ALNUM = string.digits + string.ascii_uppercase
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PARSERS = [
    parse_license_id,
    validate_uscc,
    validate_ric,
    *(lambda s, k=k: validate_holder_code(s, k) for k in HolderCodeKind),
]


def variant_3003(type_code: str, serial: str, version: str) -> str:
    """The non-conformant form as the implementations in the wild compute it."""
    check = mod_37_36.calc_check_digit(type_code + serial + version)
    return f"1.2.156.3003.2.{type_code}.{serial}.{version}.{check}"


VARIANT = variant_3003("11100000000013338W032", "2430599", "001")


@pytest.mark.parametrize("text", [*SAMPLES, DIVISION_SAMPLE])
def test_real_samples_parse_and_print_back(text: str) -> None:
    """The real identifiers parse, are conformant and print back unchanged."""
    license_id = parse_license_id(text)
    assert license_id.conformant
    assert str(license_id) == text
    assert license_id.check == text[-1]


def test_sample_parts_are_decoded() -> None:
    """The segments of a sample land in the right fields and their USCCs verify with stdnum."""
    license_id = parse_license_id(SAMPLES[0])
    assert license_id == LicenseId(
        type_code="11100000000013338W032",
        issuer_code="11220000013544541J",
        serial="2430599",
        version=1,
    )
    assert license_id.defining_authority == "11100000000013338W"
    assert stdnum_uscc.is_valid(license_id.defining_authority)
    assert license_id.issuer_code is not None
    assert stdnum_uscc.is_valid(license_id.issuer_code)
    assert license_id.key == SAMPLES[0].rsplit(".", 2)[0]


@pytest.mark.parametrize("text", SAMPLES)
def test_every_single_character_change_is_refused(text: str) -> None:
    """Every substitution of one character by another of 0-9A-Z or '.' is refused."""
    accepted, misnamed = [], []
    check_pos = len(text) - 1
    for pos, original in enumerate(text):
        for ch in ALNUM + ".":
            if ch == original:
                continue
            mutated = text[:pos] + ch + text[pos + 1 :]
            try:
                parse_license_id(mutated)
            except IdentifierError as e:
                named = (e.field, e.expected) == ("check", original)
                if pos == check_pos and ch != "." and not named:
                    misnamed.append(mutated)
            else:
                accepted.append(mutated)
    assert (accepted, misnamed) == ([], [])


def test_wrong_check_character_message_names_expected_and_found() -> None:
    """The message says which check character was expected and which one stands there."""
    text = SAMPLES[0]
    wrong = "0" if text[-1] != "0" else "1"
    with pytest.raises(IdentifierError) as info:
        parse_license_id(text[:-1] + wrong)
    assert f"expected check character {text[-1]!r}, found {wrong!r} in " in str(info.value)


@pytest.mark.parametrize(
    ("field", "offset", "segment"),
    [("type code", 17, 5), ("issuer code", 17, 6)],
)
def test_wrong_embedded_uscc_check_is_refused_naming_the_part(
    field: str, offset: int, segment: int
) -> None:
    """A USCC check character wrong inside the identifier is named, even if the outer check fits."""
    parts = SAMPLES[0].split(".")
    good = parts[segment][offset]
    parts[segment] = parts[segment][:offset] + ("0" if good != "0" else "1") + parts[segment][18:]
    parts[-1] = mod_37_36.calc_check_digit("".join(parts[5:9]))
    with pytest.raises(IdentifierError) as info:
        parse_license_id(".".join(parts))
    assert (info.value.field, info.value.expected) == (field, good)
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "root"),
        ("1.2.156.3005.1.11100000000013338W032.11220000013544541J.2430599.001.F", "root"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001", "license id"),
        ("1.2.156.3005.2.11100000000013338W03.11220000013544541J.2430599.001.F", "type code"),
        ("1.2.156.3005.2.11100000000013338W03X.11220000013544541J.2430599.001.F", "type code"),
        ("1.2.156.3005.2.11100000000013338W032.1122000001354454J.2430599.001.F", "issuer code"),
        ("1.2.156.3005.2.11100000000013338W032.34010A.2430599.001.F", "issuer code"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.243059.001.F", "serial"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.243059_.001.F", "serial"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.000.F", "version"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.0001.F", "version"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.FF", "check"),
        ("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.", "check"),
    ],
)
def test_malformed_segment_is_named(text: str, field: str) -> None:
    """A malformed segment is refused with an error naming that segment."""
    with pytest.raises(IdentifierError) as info:
        parse_license_id(text)
    assert info.value.field == field
    assert "expected" in str(info.value)


def test_too_long_serial_is_refused_with_lengths() -> None:
    """A serial beyond the sanity bound is refused stating expected and found lengths."""
    with pytest.raises(IdentifierError, match="expected 7 to 64 characters, found 65"):
        LicenseId.build(type_code=SAMPLES[0][15:36], issuer_code=USCC, serial="1" * 65)


def test_input_is_stripped_and_upper_cased() -> None:
    """Surrounding whitespace and lower-case letters are normalised, in parse and build."""
    assert parse_license_id(f"  {SAMPLES[0].lower()}\n") == parse_license_id(SAMPLES[0])
    built = LicenseId.build(
        type_code=" 11100000000013338w032", issuer_code="11220000013544541j ", serial="2430599"
    )
    assert str(built) == SAMPLES[0]


def test_round_trip_build_str_parse() -> None:
    """A built identifier prints to text that parses back to an equal value."""
    built = LicenseId.build(
        type_code="11100000000013338W011", issuer_code=USCC, serial="AB12CD34EF", version=42
    )
    assert parse_license_id(str(built)) == built
    assert str(built).split(".")[-2] == "042"


def test_next_version_keeps_key_and_changes_check() -> None:
    """The next version keeps the key, adds one to the version and gets its own check."""
    first = parse_license_id(SAMPLES[0])
    second = first.next_version()
    assert (second.version, second.key) == (2, first.key)
    assert parse_license_id(str(second)) == second
    assert str(second) != str(first)


def test_next_version_is_refused_beyond_999() -> None:
    """Version 999 has no successor that fits in three digits."""
    last = msgspec.structs.replace(parse_license_id(SAMPLES[0]), version=999)
    with pytest.raises(IdentifierError) as info:
        last.next_version()
    assert info.value.field == "version"


@pytest.mark.parametrize("version", [0, 1000, -1, True])
def test_out_of_range_version_is_refused(version: int) -> None:
    """A version outside 1..999 (or a bool) cannot be constructed."""
    with pytest.raises(IdentifierError):
        LicenseId.build(
            type_code="11100000000013338W011", issuer_code=USCC, serial="1234567", version=version
        )


def test_direct_construction_requires_canonical_parts() -> None:
    """Constructing the Struct directly validates: lower case is refused there."""
    with pytest.raises(IdentifierError) as info:
        LicenseId(type_code="11100000000013338w011", issuer_code=USCC, serial="1234567")
    assert info.value.field == "type code"


def test_canonical_encoding_round_trips_and_decoding_rechecks() -> None:
    """A LicenseId survives canonical JSON; decoded JSON with a bad embedded USCC is refused."""
    license_id = parse_license_id(SAMPLES[0])
    data = canonical(license_id)
    assert decode(data, LicenseId, what="license id") == license_id
    with pytest.raises(EncodingError, match="issuer code"):
        decode(data.replace(b"41J", b"41K"), LicenseId, what="license id")


def test_uscc_example_validates_and_normalises() -> None:
    """The GB 32100 example validates; spaces, hyphens and lower case are compacted away."""
    assert validate_uscc(USCC) == USCC
    assert validate_uscc(" 9111 0000-6000 37341l ") == USCC
    assert validate_holder_code(USCC, HolderCodeKind.USCC) == USCC


def test_uscc_single_changes_are_refused_with_the_right_expected() -> None:
    """Each substitution within the USCC alphabet is refused; `.expected` repairs it."""
    for pos in range(18):
        alphabet = string.digits if 2 <= pos < 8 else USCC_ALPHABET
        for ch in alphabet.replace(USCC[pos], ""):
            mutated = USCC[:pos] + ch + USCC[pos + 1 :]
            with pytest.raises(IdentifierError) as info:
                validate_uscc(mutated)
            assert info.value.field == "uscc"
            assert info.value.expected == stdnum_uscc.calc_check_digit(mutated[:17])
            assert info.value.expected in str(info.value)
            assert validate_uscc(mutated[:17] + info.value.expected)


@pytest.mark.parametrize(
    ("code", "match"),
    [
        (USCC[:17], "expected 18 characters, found 17"),
        (USCC + "0", "expected 18 characters, found 19"),
        ("91110000600037341I", "position 18, found 'I'"),
        ("911A0000600037341L", "expected a digit .* position 4, found 'A'"),
    ],
)
def test_uscc_shape_errors_state_expected_and_found(code: str, match: str) -> None:
    """Wrong length or character is refused saying what was expected and found."""
    with pytest.raises(IdentifierError, match=match):
        validate_uscc(code)


def test_uscc_letters_in_the_first_two_positions_are_accepted() -> None:
    """GB 32100 allows letters in positions 1-2 (N 农业), which stdnum's validate refuses."""
    body = "N2110105MA0000001"
    code = body + stdnum_uscc.calc_check_digit(body)
    assert validate_uscc(code) == code
    assert not stdnum_uscc.is_valid(code)


def test_ric_example_validates_and_normalises() -> None:
    """The GB 11643 example validates; a lower-case x is upper-cased."""
    assert validate_ric(RIC.lower()) == RIC
    assert validate_holder_code(RIC, "ric") == RIC


def test_ric_single_changes_are_refused_with_the_right_expected() -> None:
    """Each digit substitution is refused with the check character that would fit."""
    for pos in range(18):
        for ch in (string.digits + "X" * (pos == 17)).replace(RIC[pos], ""):
            mutated = RIC[:pos] + ch + RIC[pos + 1 :]
            with pytest.raises(IdentifierError) as info:
                validate_ric(mutated)
            assert info.value.field == "ric"
            assert info.value.expected == stdnum_ric.calc_check_digit(mutated)
            assert info.value.expected != mutated[17]


def test_ric_impossible_birth_date_is_named() -> None:
    """A RIC whose check fits but whose birth date cannot exist names the birth date."""
    body = "11010519491331002"
    code = body + stdnum_ric.calc_check_digit(body + "0")
    with pytest.raises(IdentifierError, match="19491331") as info:
        validate_ric(code)
    assert info.value.field == "birth date"


@pytest.mark.parametrize(
    ("code", "expected"), [("e12345678", "E12345678"), (" A123456(7) ", "A123456(7)")]
)
def test_other_holder_code_gets_a_sanity_check(code: str, expected: str) -> None:
    """Other holder codes (passports, permits) are normalised and pass a sanity check."""
    assert validate_holder_code(code, HolderCodeKind.OTHER) == expected


@pytest.mark.parametrize("code", ["E12", "E" * 33, "E1234 5678", "护照12345"])
def test_other_holder_code_refuses_wrong_length_or_charset(code: str) -> None:
    """A too short, too long or odd-charset other holder code is refused."""
    with pytest.raises(IdentifierError) as info:
        validate_holder_code(code, HolderCodeKind.OTHER)
    assert info.value.field == "holder code"


def test_3003_variant_parses_with_warning_and_no_issuer() -> None:
    """The 1.2.156.3003.2 form is read with a warning as a non-conformant id without issuer."""
    with pytest.warns(NonConformantIdentifierWarning):
        license_id = parse_license_id(VARIANT)
    assert not license_id.conformant
    assert license_id.issuer_code is None
    assert license_id.check == VARIANT[-1]


def test_3003_variant_is_never_emitted() -> None:
    """str, key and next_version refuse a non-conformant id; with_issuer makes it conformant."""
    with pytest.warns(NonConformantIdentifierWarning):
        license_id = parse_license_id(VARIANT)
    for emit in (str, lambda i: i.key, lambda i: i.next_version()):
        with pytest.raises(IdentifierError) as info:
            emit(license_id)
        assert info.value.field == "issuer code"
    fixed = license_id.with_issuer("11220000013544541j")
    assert str(fixed) == SAMPLES[0]
    with pytest.raises(IdentifierError):
        fixed.with_issuer(USCC)
    with pytest.raises(IdentifierError):
        LicenseId.build(type_code=fixed.type_code, issuer_code=None, serial="2430599")  # type: ignore[arg-type]


def test_3003_variant_with_wrong_check_or_issuer_is_refused_without_warning() -> None:
    """Leniency covers only root and missing issuer: a bad check or an issuer segment is refused."""
    with pytest.raises(IdentifierError) as info:
        parse_license_id(VARIANT[:-1] + ("0" if VARIANT[-1] != "0" else "1"))
    assert (info.value.field, info.value.expected) == ("check", VARIANT[-1])
    with pytest.raises(IdentifierError) as info:
        parse_license_id(SAMPLES[0].replace(LICENSE_ID_ROOT, "1.2.156.3003.2"))
    assert info.value.field == "root"


fuzz_text = st.one_of(
    st.text(),
    st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.lists(st.sampled_from([*ALNUM, ".", "a", " ", "1.2.156.3005.2", "1.2.156.3003.2"])).map(
        "".join
    ),
)


@given(text=fuzz_text)
def test_parsers_raise_nothing_but_identifier_error(text: str) -> None:
    """Arbitrary text fed to every parser either parses or raises IdentifierError."""
    for parse in PARSERS:
        with contextlib.suppress(IdentifierError):
            parse(text)


def uscc_strategy() -> st.SearchStrategy[str]:
    """Valid USCCs: random body, check character computed by stdnum."""
    alnum = st.sampled_from(USCC_ALPHABET)
    digits = st.text(string.digits, min_size=6, max_size=6)
    body = st.tuples(
        st.text(alnum, min_size=2, max_size=2), digits, st.text(alnum, min_size=9, max_size=9)
    ).map("".join)
    return body.map(lambda b: b + stdnum_uscc.calc_check_digit(b))


@given(
    authority=uscc_strategy(),
    type_number=st.text(string.digits, min_size=3, max_size=3),
    issuer=st.one_of(uscc_strategy(), st.text(string.digits, min_size=6, max_size=6)),
    serial=st.text(ALNUM, min_size=7, max_size=64),
    version=st.integers(1, 999),
)
def test_build_str_parse_round_trip(
    authority: str, type_number: str, issuer: str, serial: str, version: int
) -> None:
    """For any valid parts, parse(str(build(...))) equals build(...) and verifies with stdnum."""
    built = LicenseId.build(
        type_code=authority + type_number, issuer_code=issuer, serial=serial, version=version
    )
    text = str(built)
    assert parse_license_id(text) == built
    assert mod_37_36.is_valid(text.removeprefix(LICENSE_ID_ROOT).replace(".", ""))
