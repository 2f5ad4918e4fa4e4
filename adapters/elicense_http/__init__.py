"""elicense_http: the elicense HTTP service (ASGI, Litestar, msgspec).

``create_app(ledger, platform_key)`` returns a plain ASGI application;
``elicense serve`` runs it on uvicorn. Install with ``pip install 'elicense[http]'``.
The library never imports this package; the CLI (the composition root) does,
lazily. Endpoints, the error table and deployment: docs/http.md.
"""

from elicense_http.app import create_app

__all__ = ["create_app"]
