"""The one door to the database: every query the product makes, each parameterised and scoped by
tenant id, grouped by what it is about (people, records, posts) plus the notification outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

from storage.db import transaction
from storage.notices import NoticeQueries
from storage.outbox import OutboxQueries
from storage.people import PeopleQueries
from storage.posts import PostQueries
from storage.queries import fts_query
from storage.records import RecordQueries

__all__ = ["Repository", "fts_query"]


class Repository(PeopleQueries, RecordQueries, PostQueries):
    """Every method takes the tenant id first."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        super().__init__(db)
        self.outbox = OutboxQueries(db)
        self.notices = NoticeQueries(db)
        self.transaction_id = ""  # names the open write transaction (outbox rows of one change share it)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.db.conn.in_transaction:
            self.transaction_id = uuid.uuid4().hex
        with transaction(self.db):
            yield

    def in_transaction(self) -> bool:
        return self.db.conn.in_transaction

    def ping(self) -> bool:
        return self._one("SELECT 1", []) == (1,)
