"""A hostile or buggy platform: trust bundles whose inner JSON is mutated, then signed.

The platform's signature makes any content trusted, so there is no accepted
mutant to find here; what must hold is robustness (reliability-findings D7,
D8): ``Verifier.from_bundle`` raises only ``TrustError``, and a bundle it
loads never makes a later verification an exception or a
``verifier.internal_error``. Each case re-signs the mutated inner bundle with
the platform key, loads it, and verifies a signature-path document, a
log-path document and a verify-me text against it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["resigned_bundle_target"]


def resigned_bundle_target(world: Any, target_cls: Any) -> Any:
    """The fuzz target of re-signed bundles (originals: the inner bundle's JSON)."""
    import msgspec

    from elicense.codec import canonical
    from elicense.documents import SignedBundle, decode_document
    from elicense.errors import TrustError
    from elicense.verify.verifier import Verifier
    from elicense.wire import signing_input

    signed = decode_document(world.bundle)
    assert isinstance(signed, SignedBundle)
    key = world.city.platform_key
    o = world.originals
    probes = [
        o["license_json_signature"]["amended"],
        o["license_json_log"]["reinstated"],
        o["payload_text"]["plain"],
    ]

    def run(inner: bytes) -> tuple[bool, list[str]]:
        resigned = msgspec.structs.replace(
            signed, bundle=inner, signature=key.sign(signing_input("trust.bundle", inner))
        )
        loaded = Verifier.from_bundle(canonical(resigned), platform_keys=[world.platform_pem])
        codes = ["bundle.loaded"]  # never "valid": the platform's word is not a mutant
        for probe in probes:
            codes += loaded.verify(probe).codes
        return False, codes

    return target_cls(
        "trust_bundle_resigned", [signed.bundle], run, "json", "bytes", documented=(TrustError,)
    )
