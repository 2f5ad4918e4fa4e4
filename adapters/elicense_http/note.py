"""The checkpoint as a C2SP signed note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

Note text: ``<origin>\\n<tree size>\\n<base64 root hash>\\n``, a blank line, then
``— <key name> base64(key ID ‖ signature)``. The key name is the ledger's
origin. Where the algorithm allows:

- Ed25519, type ``0x01``: key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ raw key)[:4],
  the signature over the note text (RFC 8032);
- ECDSA P-256, type ``0x02`` (as transparency-dev/witness): key ID =
  SHA-256(DER SPKI)[:4], an ASN.1 DER signature over the note text with SHA-256.

SM2 has no assigned type (``0xff`` is for private ones) and an SM3 log cannot
claim tlog-checkpoint (its hash is fixed to SHA-256): those ledgers publish the
elicense JSON checkpoint only.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from elicense.log.checkpoint import Checkpoint

__all__ = ["checkpoint_note", "note_supported"]


def note_supported(checkpoint: Checkpoint, alg: str) -> bool:
    """Whether a checkpoint of this hash, signed with ``alg``, can be a signed note."""
    return checkpoint.hash_alg == "sha256" and alg in ("ed25519", "ecdsa-p256-sha256")


def _key_id(name: str, alg: str, spki: bytes) -> bytes:
    if alg == "ed25519":
        return hashlib.sha256(name.encode() + b"\n\x01" + spki[-32:]).digest()[:4]
    return hashlib.sha256(spki).digest()[:4]


def checkpoint_note(checkpoint: Checkpoint, signer: Any) -> bytes:
    """The signed note of ``checkpoint``, signed by ``signer`` (the platform key).

    Raises:
        ValueError: the hash or the key's algorithm has no signed-note form.
    """
    key = signer.public_key
    if not note_supported(checkpoint, key.alg):
        raise ValueError(
            f"no signed note for a {checkpoint.hash_alg} log signed with {key.alg}: "
            "expected sha256 with ed25519 or ecdsa-p256-sha256"
        )
    name = checkpoint.origin
    text = (
        f"{name}\n{checkpoint.tree_size}\n{base64.b64encode(checkpoint.root_hash).decode()}\n"
    ).encode()
    sig = signer.sign(text)
    line = base64.b64encode(_key_id(name, key.alg, key.spki) + sig).decode()
    return text + f"\n\u2014 {name} {line}\n".encode()
