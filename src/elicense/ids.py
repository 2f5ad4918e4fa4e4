"""Identifiers: 电子证照标识 (GB/T 36904-2018), USCC (GB 32100-2015), RIC (GB 11643-1999).

- License identifier: ``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>``,
  check = ISO/IEC 7064 MOD 37,36 over type code + issuer code + serial + version.
- 统一社会信用代码 (USCC): 18 characters, MOD 31 check character.
- 公民身份号码 (RIC): 17 digits and an ISO/IEC 7064 MOD 11-2 check character (``X`` = 10).

The check algorithms are python-stdnum's; this module adds precise errors. A
refusal is an :class:`~elicense.errors.IdentifierError`: ``field`` names the
identifier or part (``uscc``, ``ric``, ``birth date``, ``holder code``,
``license id``, ``root``, ``type code``, ``issuer code``, ``serial``,
``version``, ``check``), ``expected`` holds the check character that would fit.

Input is stripped of surrounding whitespace and its ASCII letters upper-cased
(the standards use upper case only); USCC and RIC input also loses the spaces
and hyphens stdnum's ``compact()`` removes. Nothing else is repaired. Unlike
stdnum's ``validate()``, USCC positions 1-2 may be letters, as GB 32100 allows
(``N`` 农业, ``Y`` 其他), and RIC address codes are not looked up in a region
table that could be stale (the check character already catches any one error).

The non-conformant ``1.2.156.3003.2.<type>.<serial>.<version>.<check>`` (no
issuer, check over type + serial + version) exists in the wild.
:func:`parse_license_id` reads it with a :class:`NonConformantIdentifierWarning`
as a :class:`LicenseId` with ``issuer_code=None`` (``conformant`` False). It is
never emitted: ``str()``, ``.key`` and ``.next_version()`` raise until
:meth:`LicenseId.with_issuer` supplies the issuer code.
"""

from __future__ import annotations

import enum
import functools
import string
import warnings
from typing import Final

import msgspec
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.iso7064 import mod_37_36

from elicense.errors import IdentifierError

__all__ = [
    "LICENSE_ID_ROOT",
    "MAX_SERIAL_LENGTH",
    "MIN_SERIAL_LENGTH",
    "HolderCodeKind",
    "LicenseId",
    "NonConformantIdentifierWarning",
    "parse_license_id",
    "validate_holder_code",
    "validate_ric",
    "validate_uscc",
]

LICENSE_ID_ROOT: Final = "1.2.156.3005.2"
"""The root of every conformant license identifier (GB/T 36904)."""
MIN_SERIAL_LENGTH: Final = 7
"""Shortest serial GB/T 36904 allows."""
MAX_SERIAL_LENGTH: Final = 64
"""Longest serial accepted: a sanity bound of this library (seen in the wild: 7-32)."""

_NONCONFORMANT_ROOT: Final = "1.2.156.3003.2"  # parsed, never emitted
_ALNUM: Final = frozenset(string.digits + string.ascii_uppercase)
_DIGITS: Final = frozenset(string.digits)
_USCC_CHARS: Final = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_OTHER_CHARS: Final = _ALNUM | frozenset("()-")
_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_USCC: Final = "USCC (统一社会信用代码)"
_RIC: Final = "RIC (公民身份号码)"


class NonConformantIdentifierWarning(UserWarning):
    """A license identifier in the non-conformant ``1.2.156.3003.2`` form was read."""


class HolderCodeKind(enum.StrEnum):
    """The kind of a holder code (持证主体代码类型)."""

    USCC = "uscc"
    """统一社会信用代码, for organisations."""
    RIC = "ric"
    """公民身份号码, for citizens."""
    OTHER = "other"
    """Anything else (passport, permit numbers): 4-32 of ``0-9A-Z()-``."""


def _found(text: str) -> str:
    # Whole: the wrong part of a 证照标识 (~75 characters) is often its end. Only text far
    # longer than any identifier is cut, so a message stays one readable line.
    return repr(text if len(text) <= 200 else text[:200] + "…")


def _normalise(text: str, separators: str = "") -> str:
    text = text.strip()
    for sep in separators:
        text = text.replace(sep, "")
    return text.translate(_UPPER)


def _error(
    field: str, label: str, expected: str, found: str, check: str | None = None
) -> IdentifierError:
    return IdentifierError(
        f"{label}: expected {expected}, found {found}", field=field, expected=check
    )


def _require_length(text: str, lengths: range, what: str, *, field: str, label: str) -> None:
    if len(text) not in lengths:
        raise _error(field, label, what, f"{len(text)} in {_found(text)}")


def _require_chars(
    text: str, allowed: frozenset[str], what: str, *, field: str, label: str, start: int = 1
) -> None:
    for i, ch in enumerate(text, start):
        if ch not in allowed:
            raise _error(field, label, f"{what} at position {i}", repr(ch))


def _require_check(code: str, expected: str, *, field: str, label: str) -> None:
    if code[-1] != expected:
        raise _error(
            field,
            label,
            f"check character {expected!r}",
            f"{code[-1]!r} in {_found(code)}",
            expected,
        )


@functools.lru_cache(maxsize=4096)  # pure; the same few department codes recur constantly
def _check_uscc(code: str, *, field: str, label: str) -> None:
    _require_length(code, range(18, 19), "18 characters", field=field, label=label)
    letters = "0-9 or A-Z without I, O, S, V, Z"
    _require_chars(code[:2], _USCC_CHARS, letters, field=field, label=label)
    region = "a digit (登记管理机关行政区划码)"
    _require_chars(code[2:8], _DIGITS, region, field=field, label=label, start=3)
    _require_chars(code[8:], _USCC_CHARS, letters, field=field, label=label, start=9)
    _require_check(code, _uscc.calc_check_digit(code[:17]), field=field, label=label)


def validate_uscc(code: str) -> str:
    """Check a 统一社会信用代码 (GB 32100-2015) and return it normalised.

    Args:
        code: the code; spaces, hyphens and lower case are tolerated.

    Returns:
        The 18-character upper-case code.

    Raises:
        IdentifierError: wrong length or character (``field="uscc"``), or a
            check character that does not verify (``expected`` set).
    """
    uscc = _normalise(code, " -")
    _check_uscc(uscc, field="uscc", label=_USCC)
    return uscc


def validate_ric(code: str) -> str:
    """Check a 公民身份号码 (GB 11643-1999) and its birth date; return it normalised.

    Args:
        code: the 18-character number; spaces, hyphens and ``x`` are tolerated.

    Returns:
        The 18-character number, check character ``X`` upper-case.

    Raises:
        IdentifierError: wrong length, character or check character
            (``field="ric"``, ``expected`` set for the check), or an impossible
            birth date in positions 7-14 (``field="birth date"``).
    """
    ric = _normalise(code, " -")
    _require_length(ric, range(18, 19), "18 characters", field="ric", label=_RIC)
    _require_chars(ric[:17], _DIGITS, "a digit", field="ric", label=_RIC)
    _require_chars(ric[17:], _DIGITS | {"X"}, "a digit or X", field="ric", label=_RIC, start=18)
    _require_check(ric, _ric.calc_check_digit(ric), field="ric", label=_RIC)
    try:
        _ric.get_birth_date(ric)
    except _StdnumError:
        date = "a real YYYYMMDD birth date in positions 7-14"
        raise _error("birth date", _RIC, date, repr(ric[6:14])) from None
    return ric


def validate_holder_code(code: str, kind: HolderCodeKind | str) -> str:
    """Check a holder code (持证主体代码) of the given kind; return it normalised.

    Args:
        code: the code.
        kind: a :class:`HolderCodeKind` or its value. ``uscc`` and ``ric`` are
            fully checked; ``other`` (passports, permits) only gets a sanity
            check: 4-32 characters of ``0-9A-Z()-``.

    Returns:
        The normalised code.

    Raises:
        IdentifierError: the code does not check; ``field`` names the part.
        ValueError: ``kind`` is not a holder code kind.
    """
    kind = HolderCodeKind(kind)
    if kind is HolderCodeKind.USCC:
        return validate_uscc(code)
    if kind is HolderCodeKind.RIC:
        return validate_ric(code)
    other, field, label = _normalise(code), "holder code", "holder code (other)"
    _require_length(other, range(4, 33), "4 to 32 characters", field=field, label=label)
    _require_chars(other, _OTHER_CHARS, "one of 0-9A-Z()-", field=field, label=label)
    return other


@functools.lru_cache(maxsize=4096)  # pure; the few type codes recur in every identifier
def _check_type_code(code: str) -> None:
    field = "type code"
    what = "21 characters (defining authority's 18-character USCC + 3-digit type number)"
    _require_length(code, range(21, 22), what, field=field, label=field)
    _check_uscc(code[:18], field=field, label="type code: defining authority's USCC")
    _require_chars(code[18:], _DIGITS, "a digit", field=field, label=field, start=19)


@functools.lru_cache(maxsize=4096)  # pure; the few issuer codes recur in every identifier
def _check_issuer_code(code: str) -> None:
    field = "issuer code"
    if len(code) == 6:
        _require_chars(code, _DIGITS, "a digit (division code)", field=field, label=field)
    else:
        what = "18 characters (USCC) or 6 digits (division code)"
        _require_length(code, range(18, 19), what, field=field, label=field)
        _check_uscc(code, field=field, label="issuer code: issuer's USCC")


def _check_serial(serial: str) -> None:
    lengths = range(MIN_SERIAL_LENGTH, MAX_SERIAL_LENGTH + 1)
    what = f"{MIN_SERIAL_LENGTH} to {MAX_SERIAL_LENGTH} characters"
    _require_length(serial, lengths, what, field="serial", label="serial")
    _require_chars(serial, _ALNUM, "one of 0-9A-Z", field="serial", label="serial")


class LicenseId(msgspec.Struct, frozen=True, kw_only=True):
    """A 电子证照标识 (GB/T 36904-2018), with the check character computed.

    Fields must be canonical (upper case); :meth:`build` normalises input and
    :func:`parse_license_id` reads the text form. Equal identifiers compare
    and hash equal.

    Attributes:
        type_code: 证照类型代码, the defining authority's USCC + 3-digit type number.
        issuer_code: 颁发机构代码, the issuer's USCC or a 6-digit division code;
            ``None`` only for a non-conformant ``1.2.156.3003.2`` identifier.
        serial: issuer-chosen, 7-64 characters of ``0-9A-Z``.
        version: 1-999, printed as 3 digits; grows on 变更 and 延续.
    """

    type_code: str
    issuer_code: str | None
    serial: str
    version: int = 1

    def __post_init__(self) -> None:
        """Refuse a value that is not a canonical, checking identifier."""
        for name in ("type_code", "issuer_code", "serial"):
            value = getattr(self, name)
            if not isinstance(value, str) and not (name == "issuer_code" and value is None):
                raise _error(name.replace("_", " "), name, "a str", type(value).__name__)
        _check_type_code(self.type_code)
        if self.issuer_code is not None:
            _check_issuer_code(self.issuer_code)
        _check_serial(self.serial)
        if type(self.version) is not int or not 1 <= self.version <= 999:
            raise _error("version", "version", "an int from 1 to 999", repr(self.version))

    @classmethod
    def build(cls, *, type_code: str, issuer_code: str, serial: str, version: int = 1) -> LicenseId:
        """Make a conformant identifier from its parts (whitespace stripped, upper-cased).

        Raises:
            IdentifierError: a part is malformed or an embedded USCC does not check;
                ``issuer_code`` is required (``field="issuer code"``).
        """
        if not isinstance(issuer_code, str):  # an identifier without issuer is never built
            raise _error("issuer code", "issuer code", "a USCC or division code", "None")
        return cls(
            type_code=_normalise(type_code),
            issuer_code=_normalise(issuer_code),
            serial=_normalise(serial),
            version=version,
        )

    @property
    def conformant(self) -> bool:
        """False for an identifier read in the non-conformant 3003 form (no issuer)."""
        return self.issuer_code is not None

    @property
    def check(self) -> str:
        """The ISO/IEC 7064 MOD 37,36 check character."""
        body = f"{self.type_code}{self.issuer_code or ''}{self.serial}{self.version:03d}"
        return _mod_37_36(body)

    @property
    def defining_authority(self) -> str:
        """The USCC of the authority that defined the license type (定义机构代码)."""
        return self.type_code[:18]

    @property
    def key(self) -> str:
        """The identifier without version and check: the same for every version.

        Raises:
            IdentifierError: the identifier is non-conformant (no issuer).
        """
        return f"{LICENSE_ID_ROOT}.{self.type_code}.{self._require_issuer()}.{self.serial}"

    def __str__(self) -> str:
        """The text form, ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``.

        Raises:
            IdentifierError: the identifier is non-conformant (no issuer).
        """
        return f"{self.key}.{self.version:03d}.{self.check}"

    def next_version(self) -> LicenseId:
        """The identifier of the next version (变更, 延续).

        Raises:
            IdentifierError: the version is already 999, or the identifier is
                non-conformant.
        """
        self._require_issuer()
        if self.version >= 999:
            raise _error("version", "version", "at most 999 (3 digits)", "a successor of 999")
        return msgspec.structs.replace(self, version=self.version + 1)

    def with_issuer(self, issuer_code: str) -> LicenseId:
        """Make a non-conformant identifier conformant by supplying its issuer code.

        Raises:
            IdentifierError: the identifier already has an issuer, or the code
                does not check.
        """
        if self.issuer_code is not None:
            raise _error("issuer code", "with_issuer", "no issuer code yet", repr(self.issuer_code))
        return msgspec.structs.replace(self, issuer_code=_normalise(issuer_code))

    def _require_issuer(self) -> str:
        if self.issuer_code is None:
            what = "an issuer code before emitting (supply it with with_issuer())"
            raise _error("issuer code", "non-conformant identifier", what, "none")
        return self.issuer_code


@functools.lru_cache(maxsize=8192)  # str() of an identifier recomputes its check character
def _mod_37_36(body: str) -> str:
    return str(mod_37_36.calc_check_digit(body))


def _parse_version(text: str) -> int:
    if len(text) != 3 or not set(text) <= _DIGITS or text == "000":
        raise _error("version", "version", "3 digits from 001 to 999", _found(text))
    return int(text)


def parse_license_id(text: str, *, conformant_only: bool = False) -> LicenseId:
    """Read and check a 电子证照标识 (whitespace stripped, upper-cased).

    The non-conformant form ``1.2.156.3003.2.<type>.<serial>.<version>.<check>``
    is accepted with a :class:`NonConformantIdentifierWarning`; the result has
    ``issuer_code=None`` and cannot be emitted. With ``conformant_only`` it is
    refused instead (what the ledger does: it records only GB/T 36904 ids).

    Raises:
        IdentifierError: ``field`` names the segment (``license id`` for the
            overall shape, ``root``, ``type code``, ``issuer code``, ``serial``,
            ``version``, ``check``); a failed check sets ``expected``.
    """
    s = _normalise(text)
    license_id = _parse(s)
    if license_id.issuer_code is None:
        if conformant_only:
            raise _error(
                "root",
                "root",
                f"{LICENSE_ID_ROOT} with issuer code (GB/T 36904)",
                f"the non-conformant {_NONCONFORMANT_ROOT} form",
            )
        warnings.warn(
            NonConformantIdentifierWarning(
                f"non-conformant license identifier {s!r}: root {_NONCONFORMANT_ROOT} without "
                f"issuer segment (GB/T 36904: {LICENSE_ID_ROOT} with issuer code); read only, "
                "never emitted"
            ),
            stacklevel=2,
        )
    return license_id


@functools.lru_cache(maxsize=8192)  # pure; a license's identifier is read several times per act
def _parse(s: str) -> LicenseId:
    parts = s.split(".")
    root = ".".join(parts[:5])
    if root == _NONCONFORMANT_ROOT and len(parts) == 9:
        type_code, serial, version, check = parts[5:]
        issuer_code: str | None = None
    elif root == LICENSE_ID_ROOT:
        if len(parts) != 10:
            what = "10 dot-separated segments (root, type, issuer, serial, version, check)"
            raise _error("license id", "license id", what, f"{len(parts)} in {_found(s)}")
        type_code, issuer_code, serial, version, check = parts[5:]
    else:
        hint = " (read only without issuer segment)" if root == _NONCONFORMANT_ROOT else ""
        raise _error("root", "root", repr(LICENSE_ID_ROOT), _found(root) + hint)
    # Segments are checked left to right so that the first error reported is the first one.
    _check_type_code(type_code)
    if issuer_code is not None:
        _check_issuer_code(issuer_code)
    _check_serial(serial)
    number = _parse_version(version)
    if len(check) != 1 or check not in _ALNUM:
        raise _error("check", "check", "one character of 0-9A-Z", _found(check))
    license_id = LicenseId(
        type_code=type_code, issuer_code=issuer_code, serial=serial, version=number
    )
    label = "check (ISO/IEC 7064 MOD 37,36)"
    _require_check(s, license_id.check, field="check", label=label)
    return license_id
