"""The transparency log: ``elicense log follow|checkpoint|prove|audit|export|bundle``.

The SQL log store (``elicense_sql``) is wired in here, lazily: this module is
part of the composition root, the library never imports the adapter.

- ``follow [--once]``: append every recorded event to the log (polls; with
  ``--checkpoint-every S --platform-key F`` also signs checkpoints periodically);
- ``checkpoint --platform-key F [--out FILE]``: catch up, then sign a checkpoint
  and its status lists;
- ``prove ID``: the inclusion proof of a license's newest record (or of
  ``--position N``) against the newest checkpoint; ``--since FILE`` adds the
  consistency proof from an older checkpoint. A proof is printed only once it
  verifies from the stored record to the signed root; otherwise the command
  refuses (``log.unavailable``, ``log.proof.invalid``, ``log.inclusion.invalid``;
  exit 2), as ``export`` does;
- ``audit [--since FILE]``: recompute every leaf from the stored events and
  hold the log against every signed checkpoint (exit 1 on any finding);
- ``export ID``: a license document carrying its log evidence;
- ``bundle --platform-key F --out FILE``: the signed trust bundle with the
  newest checkpoint and its status lists.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elicense.cli._common import (
    EXIT_NO,
    EXIT_OK,
    add_json_flag,
    add_key_flags,
    add_ledger_flag,
    emit,
    fail,
    ledger_dsn,
    progress,
    read_key,
    write_output,
)
from elicense.cli._open import open_ledger

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``log`` command group."""
    group = sub.add_parser("log", help="the transparency log: follow, checkpoint, prove, audit")
    ls = group.add_subparsers(dest="log_command", metavar="ACTION", required=True)

    p = ls.add_parser("follow", help="append recorded events to the log")
    add_ledger_flag(p)
    p.add_argument("--once", action="store_true", help="catch up, then stop")
    p.add_argument("--page", type=int, default=1000, help="events per transaction")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--checkpoint-every", type=float, metavar="S", help="sign every S seconds")
    p.add_argument("--platform-key", metavar="FILE", help="platform key (for --checkpoint-every)")
    p.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding the key's password"
    )
    p.add_argument(
        "--hash",
        choices=["sha256", "sm3"],
        default="sha256",
        help="Merkle hash of a new log (an existing log keeps its own)",
    )
    add_json_flag(p)
    p.set_defaults(func=_follow)

    p = ls.add_parser("checkpoint", help="sign a checkpoint and its status lists")
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument("--out", metavar="FILE", help="also write the signed checkpoint here")
    p.add_argument("--no-follow", action="store_true", help="do not catch up first")
    add_json_flag(p)
    p.set_defaults(func=_checkpoint)

    p = ls.add_parser("prove", help="inclusion (and consistency) proofs")
    add_ledger_flag(p)
    p.add_argument("license", nargs="?", metavar="ID", help="license identifier")
    p.add_argument("--position", type=int, help="prove the event at this position instead")
    p.add_argument("--since", metavar="FILE", help="also prove consistency from this checkpoint")
    add_json_flag(p)
    p.set_defaults(func=_prove)

    p = ls.add_parser("audit", help="recompute the log from the events; check checkpoints")
    add_ledger_flag(p)
    p.add_argument("--since", metavar="FILE", help="an older signed checkpoint kept elsewhere")
    p.add_argument(
        "--platform-pub", action="append", metavar="PEM", help="pin platform key(s) (repeatable)"
    )
    add_json_flag(p)
    p.set_defaults(func=_audit)

    p = ls.add_parser("export", help="export a license document with its log evidence")
    add_ledger_flag(p)
    p.add_argument("license", metavar="ID", help="the license identifier (电子证照标识)")
    p.add_argument("--out", metavar="FILE", help="default: stdout")
    add_json_flag(p)
    p.set_defaults(func=_export)

    p = ls.add_parser("bundle", help="export the trust bundle with checkpoint and status lists")
    add_ledger_flag(p)
    add_key_flags(p, platform=True)
    p.add_argument("--out", metavar="FILE", required=True, help="the bundle file to write")
    p.add_argument(
        "--host",
        default="",
        metavar="HOST",
        help="the platform's public verification host, carried in the bundle (verify-me QR URLs)",
    )
    add_json_flag(p)
    p.set_defaults(func=_bundle)


@contextlib.contextmanager
def _open(
    args: argparse.Namespace, *, published: bool = True, read_only: bool = False
) -> Iterator[tuple[Any, Any, Any]]:
    """The ledger, its log store and (if ``published``: it needs an established ledger's
    origin) its published log, closed afterwards. The adapter is imported here, lazily.
    ``read_only`` commands create nothing: a ledger without a log is refused."""
    from elicense.ledger.storage import describe
    from elicense.merkle import hash_algorithm
    from elicense_sql.log_proofs import SqlLog
    from elicense_sql.log_store import SqlLogStore

    ledger = open_ledger(args, read_only=read_only)
    try:
        if read_only:
            log = SqlLog.existing(ledger_dsn(args), ledger.origin)
            if log is None:
                where = describe(ledger_dsn(args))
                fail(
                    f"ledger {where} has no log yet "
                    "(run `elicense log follow`, then `elicense log checkpoint`)"
                )
            with contextlib.closing(log.store):
                yield ledger, log.store, log
            return
        algorithm = hash_algorithm(getattr(args, "hash", "sha256"))
        with SqlLogStore.open(ledger_dsn(args), algorithm=algorithm) as store:
            yield ledger, store, SqlLog(store, ledger.origin) if published else None
    finally:
        ledger.close()


def _catch_up(follower: Any, args: argparse.Namespace) -> int:
    with progress(None, "logging", args) as bar:
        return int(follower.catch_up(on_page=bar.update))


def _follow(args: argparse.Namespace) -> int:
    from elicense_sql.follower import LogFollower

    signer = read_key(args.platform_key, args) if args.platform_key else None
    with _open(args, published=signer is not None) as (ledger, store, log):
        if args.page < 1:
            fail("--page must be at least 1")
        if args.checkpoint_every is not None and signer is None:
            fail("--checkpoint-every needs --platform-key")
        follower = LogFollower(store, page=args.page)
        if args.once:
            added = _catch_up(follower, args)
            if signer is not None:
                log.checkpoint(signer)
            emit(
                args,
                {"ok": True, "appended": added, "size": follower.size},
                f"appended {added} events; the log holds {follower.size}",
            )
            return EXIT_OK
        print(f"following {ledger.dsn} (Ctrl-C to stop)", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            follower.run(
                interval=args.interval,
                log=log,
                signer=signer,
                checkpoint_every=args.checkpoint_every,
            )
        emit(args, {"ok": True, "size": follower.size}, f"the log holds {follower.size} events")
        return EXIT_OK


def _checkpoint(args: argparse.Namespace) -> int:
    from elicense_sql.follower import LogFollower

    with _open(args) as (_, store, log):
        signer = read_key(args.platform_key, args)
        if not args.no_follow:
            _catch_up(LogFollower(store), args)
        signed = log.checkpoint(signer)
        cp = signed.decoded()
        if args.out:
            from elicense.codec import canonical

            Path(args.out).write_bytes(canonical(signed))
        emit(
            args,
            {"ok": True, "checkpoint": cp.summary(), "file": args.out},
            f"checkpoint of {cp.tree_size} events, root {cp.root_hash.hex()}"
            + (f", written to {args.out}" if args.out else ""),
        )
        return EXIT_OK


def _read_checkpoint(path: str) -> Any:
    from elicense.log.checkpoint import decode_signed_checkpoint

    try:
        return decode_signed_checkpoint(Path(path).read_bytes())
    except OSError as e:
        fail(f"cannot read checkpoint {path}: {e.strerror}")


def _prove(args: argparse.Namespace) -> int:
    with _open(args, read_only=True) as (ledger, store, log):
        if (args.license is None) == (args.position is None):
            fail("give a license ID or --position N")
        from elicense.log.evidence import require_included

        position = args.position
        if position is None:
            from elicense.domain.license import License
            from elicense.ids import parse_license_id

            events = ledger.history(License.id_for(parse_license_id(args.license)))
            if not events:
                fail(f"license {args.license} is not in this ledger")
            position, record = events[-1].position, events[-1].record
        else:
            from elicense_sql.events import EventTable

            found = EventTable(store.sql).select(position, 1)
            if not found or found[0].position != position:
                fail(f"no event at position {position} in this ledger")
            record = found[0].state
        evidence = log.evidence(position)  # its proof checked against the signed root
        if evidence is None:
            fail(f"no checkpoint covers position {position} yet (run `elicense log checkpoint`)")
        require_included(evidence, record, position)  # and against the record as stored
        cp = evidence.checkpoint.decoded()
        out: dict[str, Any] = {
            "ok": True,
            "position": position,
            "leaf_index": evidence.leaf_index,
            "tree_size": cp.tree_size,
            "root_hash": cp.root_hash.hex(),
            "inclusion_proof": [
                evidence.proof[k : k + 32].hex() for k in range(0, len(evidence.proof), 32)
            ],
            "checkpoint": cp.summary(),
        }
        if evidence.status is not None:
            out["status"] = {"list": evidence.status.list, "index": evidence.status.index}
        if args.since:
            old = _read_checkpoint(args.since).decoded()
            proof = log.consistency_proof(old.tree_size, cp.tree_size)
            out["consistency"] = {"from": old.summary(), "proof": [h.hex() for h in proof]}
        lines = [
            f"position {position} is leaf {evidence.leaf_index} of the checkpoint of "
            f"{cp.tree_size} events (root {cp.root_hash.hex()})"
        ]
        lines += [f"  {h}" for h in out["inclusion_proof"]]
        emit(args, out, "\n".join(lines))
        return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from elicense.crypto.keys import load_public_key

    with _open(args, read_only=True) as (ledger, _, log):
        if args.platform_pub:
            keys = {
                k.key_id: k
                for k in (load_public_key(Path(p).read_bytes()) for p in args.platform_pub)
            }
        else:
            keys = {kid: load_public_key(k.spki) for kid, k in ledger.platform.keys.items()}
        since = _read_checkpoint(args.since) if args.since else None
        report = log.audit(keys.get, since=since)
        import msgspec

        obj = msgspec.to_builtins(report)
        lines = [
            f"audited {report.events} events against {report.leaves} logged leaves and "
            f"{len(report.checkpoints)} signed checkpoint(s): "
            + ("no problem found" if report.ok else f"{len(report.findings)} problem(s)")
        ]
        for f in report.findings:
            where = f" [position {f.position}, aggregate {f.aggregate_id}]" if f.position else ""
            lines.append(f"  {f.code}: {f.message}{where}")
        if report.unlogged_tail:
            lines.append(f"  ({report.unlogged_tail} newer events are not logged yet)")
        emit(args, obj, "\n".join(lines))
        return EXIT_OK if report.ok else EXIT_NO


def _export(args: argparse.Namespace) -> int:
    from elicense.ledger.export import export_license

    with _open(args, read_only=True) as (ledger, _, log):
        write_output(args, export_license(ledger, args.license, log=log))
        return EXIT_OK


def _bundle(args: argparse.Namespace) -> int:
    from elicense.ledger.export import export_trust_bundle

    with _open(args) as (ledger, _, log):
        data = export_trust_bundle(ledger, read_key(args.platform_key, args), log, host=args.host)
        Path(args.out).write_bytes(data)
        latest = log.latest()
        size = latest.decoded().tree_size if latest is not None else None
        emit(
            args,
            {"ok": True, "file": args.out, "bytes": len(data), "checkpoint_size": size},
            f"wrote {args.out} ({len(data)} bytes, checkpoint of {size} events)",
        )
        return EXIT_OK
