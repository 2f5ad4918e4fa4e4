"""Checkpoints: canonical format, platform signature, verification once then cached."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.codec import canonical
from elicense.crypto.keys import generate_key
from elicense.errors import EncodingError, TrustError
from elicense.log.checkpoint import (
    Checkpoint,
    CheckpointVerifier,
    decode_signed_checkpoint,
    sign_checkpoint,
)
from elicense.wire import signing_input
from support import edited

T = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
ORIGIN = "elicense:test.city"


class _Counting:
    """A public key that counts its verifications."""

    def __init__(self, key: Any) -> None:
        self.key, self.alg, self.calls = key, key.alg, 0

    def verify(self, signature: bytes, data: bytes) -> bool:
        self.calls += 1
        return bool(self.key.verify(signature, data))


@pytest.fixture(scope="module")
def platform() -> Any:
    return generate_key("ed25519")


def _checkpoint(size: int = 5, origin: str = ORIGIN) -> Checkpoint:
    return Checkpoint(
        origin=origin, tree_size=size, root_hash=bytes(range(32)), timestamp=T, hash_alg="sha256"
    )


def test_format_is_canonical_json_with_fields_in_order() -> None:
    """A checkpoint's bytes are its fields in the documented order, tagged by format."""
    assert canonical(_checkpoint()) == (
        b'{"format":"elicense/checkpoint/v2","origin":"elicense:test.city","tree_size":5,'
        b'"root_hash":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",'
        b'"timestamp":"2026-11-22T08:30:00Z","hash_alg":"sha256"}'
    )


def test_signature_covers_the_tagged_signing_input(platform: Any) -> None:
    """The platform signs ``elicense/v2/log.checkpoint NUL`` followed by the checkpoint bytes."""
    signed = sign_checkpoint(_checkpoint(), platform)
    assert platform.public_key.verify(
        signed.signature, signing_input("log.checkpoint", signed.checkpoint)
    )
    assert signed.key_id == platform.public_key.key_id
    assert decode_signed_checkpoint(canonical(signed)) == signed


def test_verified_once_then_answered_from_the_cache(platform: Any) -> None:
    """Ten verifications of one signed checkpoint make one public-key operation."""
    key = _Counting(platform.public_key)
    verifier = CheckpointVerifier({platform.public_key.key_id: key}.get, ORIGIN)
    signed = sign_checkpoint(_checkpoint(), platform)
    for _ in range(10):
        again = decode_signed_checkpoint(canonical(signed))  # equal, not the same object
        assert verifier.verify(again) == _checkpoint()
    assert key.calls == 1


def test_forged_checkpoint_is_refused(platform: Any) -> None:
    """Changing the size under a genuine signature breaks the signature."""
    signed = sign_checkpoint(_checkpoint(), platform)
    forged = msgspec.structs.replace(signed, checkpoint=canonical(_checkpoint(size=6)))
    verifier = CheckpointVerifier({platform.public_key.key_id: platform.public_key}.get, ORIGIN)
    verifier.verify(signed)  # the genuine one is cached; the forgery must not ride on it
    with pytest.raises(TrustError) as e:
        verifier.verify(forged)
    assert e.value.code == "log.checkpoint.signature.invalid"


def test_checkpoint_of_another_key_or_ledger_is_refused(platform: Any) -> None:
    """A key the platform does not hold, or another ledger's origin, is refused with its code."""
    other = generate_key("ed25519")
    keys = {platform.public_key.key_id: platform.public_key}.get
    with pytest.raises(TrustError) as e:
        CheckpointVerifier(keys, ORIGIN).verify(sign_checkpoint(_checkpoint(), other))
    assert e.value.code == "log.checkpoint.key.unknown"
    with pytest.raises(TrustError) as e:
        CheckpointVerifier(keys, ORIGIN).verify(
            sign_checkpoint(_checkpoint(origin="elicense:other"), platform)
        )
    assert e.value.code == "log.checkpoint.origin.mismatch"


def test_checkpoint_invariants() -> None:
    """A root of the wrong length, an unknown hash or a local time do not make a checkpoint."""
    with pytest.raises(ValueError, match="32 bytes"):
        Checkpoint(origin=ORIGIN, tree_size=1, root_hash=b"x", timestamp=T, hash_alg="sha256")
    with pytest.raises(ValueError, match="sha256"):
        Checkpoint(origin=ORIGIN, tree_size=1, root_hash=bytes(32), timestamp=T, hash_alg="md5")
    data = canonical(_checkpoint()).replace(b"08:30:00Z", b"08:30:00+08:00")
    with pytest.raises(EncodingError):
        decode_signed_checkpoint(
            canonical(sign_checkpoint(_checkpoint(), generate_key("ed25519"))).replace(
                b'"format":"elicense/signed-checkpoint/v2"', b'"format":"nope"'
            )
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(data, type=Checkpoint)


@given(st.data())
@settings(max_examples=200)
def test_any_edit_of_a_signed_checkpoint_is_refused(platform: Any, data: st.DataObject) -> None:
    """Hypothesis: a signed checkpoint file with a span replaced, inserted or cut either
    fails to decode (EncodingError) or fails verification (TrustError) — never another
    exception, never a checkpoint that verifies."""
    good = canonical(sign_checkpoint(_checkpoint(), platform))
    changed = data.draw(edited(good))
    if changed == good:
        return
    verifier = CheckpointVerifier({platform.public_key.key_id: platform.public_key}.get, ORIGIN)
    with pytest.raises((EncodingError, TrustError)):
        verifier.verify(decode_signed_checkpoint(changed))
