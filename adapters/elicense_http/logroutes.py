"""The public log: checkpoint (JSON and signed note), proofs, status lists, tiles.

Nothing here carries personal data: sizes, hashes, times, signatures and
status bits. Everything is served from the log's tables in the ledger's
database, so any worker answers alike.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, PathParameter, QueryParameter

from elicense.codec import canonical
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.statusdoc import ListKind, SignedStatusList
from elicense_http.messages import AllProofs, ConsistencyProof, InclusionProof
from elicense_http.note import checkpoint_note, note_supported
from elicense_http.problems import ServiceError
from elicense_http.routes import Svc, problem_responses
from elicense_http.tiles import TILE_PATH, read_tile

__all__ = ["LogController"]

_IMMUTABLE = "public, max-age=31536000, immutable"


def _log(service: Svc) -> Any:
    log = service.log()
    if log is None:
        raise ServiceError(404, "log.unknown", "this ledger keeps no transparency log")
    return log


def _latest(service: Svc) -> Any:
    material = _log(service).trust_material()
    if material is None:
        raise ServiceError(404, "log.checkpoint.unknown", "no checkpoint has been signed yet")
    return material


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _cached(
    request: Request[Any, Any, Any], data: bytes, media_type: str, cache: str
) -> Response[bytes]:
    etag = _etag(data)
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(b"", status_code=304, headers={"ETag": etag, "Cache-Control": cache})
    return Response(data, media_type=media_type, headers={"ETag": etag, "Cache-Control": cache})


class LogController(Controller):
    """RFC 9162 §5 reads and C2SP tlog-tiles over the ledger's log."""

    path = "/v1/log"
    tags = ["transparency log"]

    @get(
        "/checkpoint",
        sync_to_thread=True,
        summary="The newest signed checkpoint",
        responses=problem_responses(404),
    )
    def checkpoint(self, service: Svc) -> Response[SignedCheckpoint]:
        """The platform-signed checkpoint (size, root, time) of the newest tree.
        Mutable: cached a few seconds at most."""
        signed = _latest(service).checkpoint
        return Response(signed, headers={"Cache-Control": "public, max-age=2"})

    @get(
        "/checkpoint.note",
        sync_to_thread=True,
        media_type="text/plain; charset=utf-8",
        summary="The newest checkpoint as a C2SP signed note",
        responses=problem_responses(404),
    )
    def checkpoint_note(self, service: Svc) -> Response[bytes]:
        """``c2sp.org/tlog-checkpoint`` text, signed by the platform key (Ed25519 or
        P-256 platforms with a SHA-256 log; 404 ``log.note.unsupported`` otherwise)."""
        cp = _latest(service).checkpoint.decoded()
        if not note_supported(cp, service.signer.public_key.alg):
            raise ServiceError(
                404, "log.note.unsupported", "no signed-note form for this key or log hash"
            )
        return Response(
            service.cached_note(cp, checkpoint_note),
            media_type="text/plain; charset=utf-8",
            headers={"Cache-Control": "public, max-age=2"},
        )

    @get(
        "/proof/inclusion",
        sync_to_thread=True,
        summary="Inclusion proof by leaf index or leaf hash",
        responses=problem_responses(404),
    )
    def inclusion(
        self,
        service: Svc,
        leaf_index: Annotated[int | None, QueryParameter(ge=0, description="the leaf")] = None,
        leaf_hash: Annotated[
            str | None, QueryParameter(description="hex SHA-256 leaf hash (instead of the index)")
        ] = None,
        tree_size: Annotated[
            int | None, QueryParameter(ge=1, description="default: the newest checkpoint's")
        ] = None,
    ) -> InclusionProof:
        """RFC 9162 get-proof-by-hash: the audit path of one leaf into a tree size."""
        return self._inclusion(service, leaf_index, leaf_hash, tree_size)

    @staticmethod
    def _inclusion(
        service: Svc,
        leaf_index: int | None,
        leaf_hash: str | None,
        tree_size: int | None,
    ) -> InclusionProof:
        log = _log(service)
        size = tree_size or _latest(service).checkpoint.decoded().tree_size
        if (leaf_index is None) == (leaf_hash is None):
            raise ServiceError(400, "request.query.invalid", "give leaf_index or leaf_hash")
        if leaf_hash is not None:
            leaf_index = service.leaf_index(leaf_hash)
        assert leaf_index is not None
        logged = log.store.state()[1]
        if size > logged:
            raise ServiceError(404, "log.tree_size.unknown", f"the log holds {logged} leaves")
        if leaf_index >= size:
            raise ServiceError(
                404, "log.leaf.unknown", f"leaf {leaf_index} is not in a tree of {size}"
            )
        found = log.store.get_nodes([(0, leaf_index)]).get((0, leaf_index), b"")
        return InclusionProof(
            leaf_index=leaf_index,
            tree_size=size,
            leaf_hash=found,
            hashes=log.inclusion_proof(leaf_index, size),
        )

    @get(
        "/proof/consistency",
        sync_to_thread=True,
        summary="Consistency proof between two tree sizes",
        responses=problem_responses(404),
    )
    def consistency(
        self,
        service: Svc,
        first: Annotated[int, QueryParameter(ge=1)],
        second: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> ConsistencyProof:
        """RFC 9162 get-sth-consistency (``second`` default: the newest checkpoint)."""
        log = _log(service)
        size2 = second or _latest(service).checkpoint.decoded().tree_size
        logged = log.store.state()[1]
        if size2 > logged:
            raise ServiceError(404, "log.tree_size.unknown", f"the log holds {logged} leaves")
        if first > size2:
            raise ServiceError(404, "log.tree_size.unknown", f"first {first} > second {size2}")
        return ConsistencyProof(
            first=first, second=size2, hashes=log.consistency_proof(first, size2)
        )

    @get(
        "/proof",
        sync_to_thread=True,
        summary="Inclusion, newest checkpoint and consistency in one call",
        responses=problem_responses(404),
    )
    def all_proofs(
        self,
        service: Svc,
        leaf_index: Annotated[int | None, QueryParameter(ge=0)] = None,
        leaf_hash: Annotated[str | None, QueryParameter(description="hex leaf hash")] = None,
        since: Annotated[
            int | None, QueryParameter(ge=1, description="the tree size of the caller's checkpoint")
        ] = None,
    ) -> AllProofs:
        """RFC 9162 get-all-by-hash: the leaf's inclusion into the newest checkpoint,
        that checkpoint, and consistency from the caller's tree size ``since``."""
        latest = _latest(service).checkpoint
        size = latest.decoded().tree_size
        inclusion = self._inclusion(service, leaf_index, leaf_hash, size)
        consistency = None
        if since is not None:
            if since > size:
                raise ServiceError(404, "log.tree_size.unknown", f"since {since} > {size}")
            consistency = ConsistencyProof(
                first=since, second=size, hashes=_log(service).consistency_proof(since, size)
            )
        return AllProofs(inclusion=inclusion, checkpoint=latest, consistency=consistency)

    @get(
        "/status/{kind:str}",
        sync_to_thread=True,
        media_type="application/json",
        summary="A signed status list",
        responses={
            200: ResponseSpec(
                data_container=SignedStatusList,
                description="the platform-signed list, byte for byte as signed",
                generate_examples=False,
            ),
            **problem_responses(404),
        },
    )
    def status_list(
        self,
        request: Request[Any, Any, Any],
        service: Svc,
        kind: Annotated[
            str,
            PathParameter(description="ietf-token-status-list | w3c-revocation | w3c-suspension"),
        ],
        time: Annotated[
            str | None, QueryParameter(description="unix seconds or RFC 3339: the list then")
        ] = None,
    ) -> Response[bytes]:
        """The platform-signed status list of the newest checkpoint (or of the newest
        checkpoint at ``time``), with ``ETag`` and ``Cache-Control`` matching how
        long it stays current: the checkpoint interval; lists of past checkpoints
        never change."""
        if kind not in {k.value for k in ListKind}:
            raise ServiceError(404, "log.status.kind.unknown", f"no status list {kind[:64]!r}")
        log = _log(service)
        if time is None:
            material = _latest(service)
            lists = material.status_lists
            cache = f"public, max-age={request.app.state.status_max_age}"
        else:
            at = _parse_time(time)
            size = service.checkpoint_at(at)
            if size is None:
                raise ServiceError(404, "log.status.time.unknown", f"no checkpoint at {time}")
            lists = log.status_lists(size)
            cache = _IMMUTABLE
        for sl in lists:
            if _kind_of(sl) == kind:
                return _cached(request, canonical(sl), "application/json", cache)
        raise ServiceError(404, "log.status.kind.unknown", f"no {kind} list at that checkpoint")

    @get(
        TILE_PATH,
        sync_to_thread=True,
        media_type="application/octet-stream",
        summary="A Merkle tile (c2sp.org/tlog-tiles)",
        responses=problem_responses(404),
    )
    def tile(
        self,
        request: Request[Any, Any, Any],
        service: Svc,
        level: FromPath[int],
        rest: FromPath[str],
    ) -> Response[bytes]:
        """Hashes only. Full tiles are immutable; partial ``.p/<W>`` ones too, for W."""
        log = _log(service)
        size = _latest(service).checkpoint.decoded().tree_size
        data = read_tile(log.store, level, rest, size)
        return _cached(request, data, "application/octet-stream", _IMMUTABLE)


def _kind_of(sl: Any) -> str:
    from elicense.codec import decode_canonical
    from elicense.log.statusdoc import StatusListDocument

    doc = decode_canonical(sl.status_list, StatusListDocument, what="status list")
    return str(doc.kind.value)


def _parse_time(text: str) -> datetime:
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ServiceError(
            400, "request.query.invalid", "time: expected unix seconds or RFC 3339"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
