"""The transparency log: checkpoints, evidence, status lists and audit (library side).

The log is an RFC 9162 Merkle tree over every recorded event in the ledger's
global order; its leaf is ``H(0x00 ‖ record bytes)`` (docs/wire-format.md).
This package holds what verifiers and auditors need, free of any database:

- :mod:`elicense.log.checkpoint`: signed checkpoints (format, signing, cached verification);
- :mod:`elicense.log.evidence`: what an exported document carries, and the
  :class:`~elicense.log.evidence.LogSource` port a log store implements;
- :mod:`elicense.log.statuslist`: IETF Token Status List and W3C Bitstring
  Status List encodings, slot maps;
- :mod:`elicense.log.statusdoc`: signed status lists tied to a checkpoint;
- :mod:`elicense.log.audit`: recompute leaves from stored events and compare.

The Merkle core is :mod:`elicense.merkle` and :mod:`elicense.merkle_nodes`;
the SQL log store, follower and status projection are in ``elicense_sql``;
the verifier's log path in :mod:`elicense.verify.logpath`. See docs/log.md.
"""
