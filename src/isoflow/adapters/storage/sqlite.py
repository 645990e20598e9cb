"""One way to open the service's SQLite database: WAL, ``synchronous=FULL``, foreign keys.

Every store of :mod:`isoflow.adapters.storage` opens its connections here, so the durability
settings have one home.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another writer's lock before ``database is locked``."""


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with the service's settings.

    ``journal_mode=WAL`` lets readers run beside one writer; ``synchronous=FULL`` makes every
    committed transaction survive a power cut; autocommit is off (``isolation_level=None``
    and explicit ``BEGIN IMMEDIATE`` in the stores) so a transaction is all or nothing.
    """
    con = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return con


@contextmanager
def write(con: sqlite3.Connection, lock: threading.Lock) -> Iterator[sqlite3.Connection]:
    """One write transaction under ``lock``: ``BEGIN IMMEDIATE`` ... ``COMMIT``.

    ``BEGIN IMMEDIATE`` takes the database's write lock at once (writers queue up for
    :data:`BUSY_TIMEOUT_MS` instead of failing on upgrade); any exception rolls back.
    """
    with lock:
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
