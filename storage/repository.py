"""The one door to the database: every query the product makes, each parameterised and scoped by
tenant id, grouped by what it is about (people, records, posts) plus the notification outbox.
SQLite (the default) or PostgreSQL (DATABASE_URL): the same queries, see storage/dialect.py."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from storage.buying import BuyingRoleQueries
from storage.contact_care import ContactCareQueries
from storage.contact_files import ContactFileQueries
from storage.db import transaction
from storage.details import DetailQueries
from storage.extension import ExtensionQueries
from storage.forms import FormQueries
from storage.notices import NoticeQueries
from storage.outbox import OutboxQueries
from storage.people import PeopleQueries
from storage.pipeline import PipelineQueries
from storage.posts import PostQueries
from storage.queries import fts_query
from storage.records import RecordQueries

if TYPE_CHECKING:
    from storage.queries import Database

__all__ = ["Repository", "fts_query"]

T = TypeVar("T")


class Repository(
    PeopleQueries,
    RecordQueries,
    PostQueries,
    BuyingRoleQueries,
    FormQueries,
    DetailQueries,
    ContactCareQueries,
    ExtensionQueries,
    ContactFileQueries,
    PipelineQueries,
):
    """Every method takes the tenant id first."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.outbox = OutboxQueries(db)
        self.notices = NoticeQueries(db)
        self._local = threading.local()  # PostgreSQL runs transactions in several threads at once

    @property
    def transaction_id(self) -> str:
        """Names the open write transaction (outbox rows of one change share it); drawn when first asked for
        (most transactions never ask: a random draw is a system call)."""
        name = str(getattr(self._local, "transaction_id", ""))
        if not name and self.in_transaction():
            name = self._local.transaction_id = secrets.token_hex(16)
        return name

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.in_transaction():
            self._local.transaction_id = ""
        if self.dialect.postgres:
            with self.db.transaction():
                yield
        else:
            with transaction(self.db):
                yield

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Storage work from the event loop: in a worker thread for PostgreSQL, inline for SQLite
        (a local file answers in microseconds; a thread hop would cost more than it saves)."""
        if self.dialect.postgres:
            return await self.db.run(fn, *args)
        return fn(*args)

    def notify(self, payload: str) -> None:
        """Tell every replica's listener (PostgreSQL; SQLite has one process, which calls itself)."""
        if self.dialect.postgres:
            self.db.notify(payload)

    def ping(self) -> bool:
        return self._one("SELECT 1", []) == (1,)
