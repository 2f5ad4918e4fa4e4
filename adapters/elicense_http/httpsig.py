"""RFC 9421 HTTP Message Signatures with RFC 9530 ``Content-Digest``: the parts a
server needs, and a signer for the tests, the benchmark and the docs' example.

What a department (or the platform's front end) sends::

    Content-Digest: sha-256=:<base64 SHA-256 of the body>:
    Signature-Input: el=("@method" "@target-uri" "content-digest");created=1767225600;\
        keyid="SEAL-2";alg="ecdsa-p256-sha256"
    Signature: el=:<base64 signature over the signature base>:

The signature base (RFC 9421 §2.5) is one line per covered component, then the
``@signature-params`` line, joined by ``\\n`` with no trailing newline::

    "@method": POST
    "@target-uri": http://127.0.0.1:8000/v1/uses
    "content-digest": sha-256=:…:
    "@signature-params": ("@method" "@target-uri" "content-digest");created=…;keyid="SEAL-2";alg="…"

Algorithms (``alg`` may be omitted: the seal's key decides):

=====================  ============================================================
``alg``                signature bytes
=====================  ============================================================
``ecdsa-p256-sha256``  RFC 9421 §3.3.4: ``r ‖ s``, 32 bytes each, SHA-256
``ed25519``            RFC 9421 §3.3.6: 64 bytes (RFC 8032)
``sm2-sm3``            elicense's private name (no IANA entry): SM2 with SM3 and the
                       default user ID ``1234567812345678`` (GB/T 32918.2), ``r ‖ s``,
                       32 bytes each, like ``ecdsa-p256-sha256``
=====================  ============================================================

This module parses and checks bytes; it holds no key, no clock and no store
(:mod:`elicense_http.auth` decides who the signer is and whether it may sign).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any, Final

import http_sf

__all__ = [
    "REQUIRED",
    "AuthError",
    "SignatureInput",
    "content_digest",
    "der_signature",
    "parse_signature",
    "raw_signature",
    "sign_request",
    "signature_base",
    "verify_content_digest",
]

REQUIRED: Final = ("@method", "@target-uri", "content-digest")
"""Components every accepted signature covers (``created`` is a required parameter)."""

_DERIVED: Final = frozenset({"@method", "@target-uri", "@authority", "@path", "@query", "@scheme"})
_DIGESTS: Final = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_RAW_ECDSA: Final = frozenset({"ecdsa-p256-sha256", "sm2-sm3"})
_MAX_HEADER: Final = 8192


class AuthError(Exception):
    """An authentication failure: 401 (or 403) with a stable ``auth.*`` code.

    Attributes:
        status: the HTTP status.
        code: the stable code (docs/http.md, Authentication).
        keyid: the ``keyid`` the request named, when it got that far.
    """

    def __init__(self, code: str, detail: str, *, status: int = 401, keyid: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.status = status
        self.keyid = keyid


class SignatureInput:
    """One parsed signature: its label, covered components, parameters and bytes.

    Attributes:
        label: the dictionary key (``el`` in the docs; any label is accepted).
        components: the covered component identifiers, in order (lowercase).
        params: the signature parameters (``created``, ``keyid``, ``alg`` …).
        params_text: the serialised ``@signature-params`` value.
        signature: the signature bytes.
    """

    __slots__ = ("components", "label", "params", "params_text", "signature")

    def __init__(
        self,
        label: str,
        components: tuple[str, ...],
        params: dict[str, Any],
        params_text: str,
        signature: bytes,
    ) -> None:
        self.label = label
        self.components = components
        self.params = params
        self.params_text = params_text
        self.signature = signature

    @property
    def keyid(self) -> str:
        """The ``keyid`` parameter (the seal code, or ``platform``)."""
        return str(self.params["keyid"])

    @property
    def created(self) -> int:
        """The ``created`` parameter (unix seconds)."""
        return int(self.params["created"])


def content_digest(body: bytes, alg: str = "sha-256") -> str:
    """The ``Content-Digest`` field value of ``body`` (RFC 9530)."""
    digest = base64.b64encode(_DIGESTS[alg](body).digest()).decode()
    return f"{alg}=:{digest}:"


def verify_content_digest(value: str | None, body: bytes) -> None:
    """Check a ``Content-Digest`` field against the body received.

    Every member of a known algorithm must match; at least one must be known.

    Raises:
        AuthError: ``auth.digest.missing``, ``auth.digest.malformed``,
            ``auth.digest.unsupported``, ``auth.digest.mismatch``.
    """
    if not value:
        raise AuthError("auth.digest.missing", "expected a Content-Digest field (RFC 9530)")
    try:
        members = _parse(value, "dictionary")
    except AuthError:
        raise AuthError("auth.digest.malformed", "Content-Digest: not a dictionary") from None
    known = 0
    for alg, (digest, _params) in members.items():
        if alg not in _DIGESTS:
            continue
        if not isinstance(digest, bytes):
            raise AuthError("auth.digest.malformed", f"Content-Digest {alg}: expected bytes")
        known += 1
        if not hmac.compare_digest(digest, _DIGESTS[alg](body).digest()):
            raise AuthError("auth.digest.mismatch", f"Content-Digest {alg} does not match the body")
    if not known:
        raise AuthError("auth.digest.unsupported", "Content-Digest: expected sha-256 or sha-512")


def _parse(value: str, kind: str) -> Any:
    if len(value) > _MAX_HEADER:
        raise AuthError("auth.signature.malformed", "header field too long")
    try:
        return http_sf.parse(value.encode("ascii"), tltype=kind)
    except Exception:  # http_sf raises ValueError and friends for bad input
        raise AuthError("auth.signature.malformed", f"not a structured {kind}") from None


def parse_signature(signature_input: str | None, signature: str | None) -> SignatureInput:
    """The one signature of a request (``Signature-Input`` and ``Signature`` fields).

    Raises:
        AuthError: ``auth.signature.missing``, ``auth.signature.malformed``,
            ``auth.components.missing`` (does not cover :data:`REQUIRED` or
            lacks ``created``/``keyid``).
    """
    if not signature_input or not signature:
        raise AuthError(
            "auth.signature.missing", "expected Signature-Input and Signature fields (RFC 9421)"
        )
    inputs = _parse(signature_input, "dictionary")
    sigs = _parse(signature, "dictionary")
    if len(inputs) != 1:
        raise AuthError("auth.signature.malformed", f"expected one signature, found {len(inputs)}")
    label, (members, params) = next(iter(inputs.items()))
    found = sigs.get(label)
    if found is None or not isinstance(found[0], bytes) or not found[0]:
        raise AuthError("auth.signature.malformed", f"no Signature member {label!r}")
    if not isinstance(members, list):
        raise AuthError("auth.signature.malformed", "Signature-Input: expected an inner list")
    components: list[str] = []
    for item, item_params in members:
        if not isinstance(item, str) or item_params or item != item.lower():
            raise AuthError(
                "auth.signature.malformed", "components: expected lowercase strings, no parameters"
            )
        if item.startswith("@") and item not in _DERIVED:
            raise AuthError("auth.signature.malformed", f"unsupported component {item!r}")
        if item in components:
            raise AuthError("auth.signature.malformed", f"component {item!r} twice")
        components.append(item)
    missing = [c for c in REQUIRED if c not in components]
    if missing:
        raise AuthError("auth.components.missing", f"the signature must cover {missing}")
    for name, kind in (("created", int), ("keyid", str)):
        if not isinstance(params.get(name), kind) or isinstance(params.get(name), bool):
            raise AuthError("auth.components.missing", f"expected the {name!r} parameter")
    for name, kind in (("expires", int), ("alg", str), ("nonce", str), ("tag", str)):
        if name in params and not isinstance(params[name], kind):
            raise AuthError("auth.signature.malformed", f"parameter {name!r}: wrong type")
    text = _ser_params(members, params)
    return SignatureInput(label, tuple(components), dict(params), text, found[0])


def _ser_params(members: list[Any], params: Mapping[str, Any]) -> str:
    inner = " ".join(http_sf.ser(m) for m, _ in members)
    out = f"({inner})"
    for name, value in params.items():
        out += f";{name}" if value is True else f";{name}={http_sf.ser(value)}"
    return out


def signature_base(sig: SignatureInput, values: Mapping[str, str]) -> bytes:
    """The RFC 9421 §2.5 signature base of ``sig`` over the component ``values``.

    Args:
        values: component id → its value in this request (``@method``, ``@target-uri``,
            lowercase field names with their combined values).

    Raises:
        AuthError: ``auth.components.missing`` (a covered field is absent) or
            ``auth.signature.malformed`` (a value that cannot be in a base).
    """
    lines = []
    for c in sig.components:
        value = values.get(c)
        if value is None:
            raise AuthError("auth.components.missing", f"covered component {c!r} is absent")
        if "\n" in value or "\r" in value or not value.isascii():
            raise AuthError("auth.signature.malformed", f"component {c!r}: not a plain value")
        lines.append(f'"{c}": {value}')
    lines.append(f'"@signature-params": {sig.params_text}')
    return "\n".join(lines).encode("ascii")


def der_signature(alg: str, raw: bytes) -> bytes:
    """The DER ``SEQUENCE {r, s}`` the suites verify, from RFC 9421's ``r ‖ s`` (ECDSA and
    SM2); other algorithms' bytes unchanged.

    Raises:
        AuthError: ``auth.signature.invalid`` (wrong length).
    """
    if alg not in _RAW_ECDSA:
        return raw
    if len(raw) != 64:
        raise AuthError("auth.signature.invalid", f"{alg}: expected 64 bytes r‖s, got {len(raw)}")
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def raw_signature(alg: str, der: bytes) -> bytes:
    """RFC 9421's ``r ‖ s`` from a suite's DER signature (ECDSA and SM2)."""
    if alg not in _RAW_ECDSA:
        return der
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign_request(
    signer: Any,
    *,
    method: str,
    url: str,
    body: bytes,
    keyid: str,
    created: int,
    label: str = "el",
    headers: Sequence[tuple[str, str]] = (),
    nonce: str | None = None,
) -> dict[str, str]:
    """The ``Content-Digest``, ``Signature-Input`` and ``Signature`` fields of a request
    signed by ``signer`` (a :class:`~elicense.crypto.keys.Signer`).

    ``headers`` are further fields to cover (name, value), sent by the caller too.
    """
    digest = content_digest(body)
    values = {"@method": method.upper(), "@target-uri": url, "content-digest": digest}
    components = list(REQUIRED)
    for name, value in headers:
        values[name.lower()] = value
        components.append(name.lower())
    params: dict[str, Any] = {"created": created, "keyid": keyid, "alg": signer.alg}
    if nonce is not None:
        params["nonce"] = nonce
    text = _ser_params([(c, {}) for c in components], params)
    sig = SignatureInput(label, tuple(components), params, text, b"")
    raw = raw_signature(signer.alg, signer.sign(signature_base(sig, values)))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{label}={text}",
        "Signature": f"{label}=:{base64.b64encode(raw).decode()}:",
    }
