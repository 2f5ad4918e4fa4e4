"""elicense_sql: SQL tables next to the event store — read models, the
transparency log's tables, statistics — for SQLite and PostgreSQL.

The library (``elicense``) never imports this package; the CLI (the
composition root) and applications wire it in. Choosing the event store from
a DSN stays in :mod:`elicense.ledger.storage`; this package re-exports it and
adds a DB-API connection to the same database for its own tables.
"""

from elicense.ledger.storage import describe, settings_for
from elicense_sql.connection import Dialect, SqlStore

__all__ = ["Dialect", "SqlStore", "describe", "settings_for"]
