"""A write transaction on an SQLite connection opened in autocommit mode
(``isolation_level=None``), shared by the archive's state database and its search index."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The write lock is taken at the start (``BEGIN IMMEDIATE``), so two writers wait for
    each other instead of failing when they upgrade a read lock. Any exception (Ctrl-C
    included) rolls the transaction back before it propagates."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
