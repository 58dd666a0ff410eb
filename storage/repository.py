"""The one door to the database: every query the product makes, each parameterised and scoped by
tenant id, in groups named for what they hold (`repo.records`, `repo.contacts`, `repo.outbox`, ...), all on
one shared connection; the transaction machinery is the Repository's own. SQLite (the default) or
PostgreSQL (DATABASE_URL): the same queries, see storage/dialect.py."""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from storage.activities import ActivityQueries
from storage.buying import BuyingRoleQueries
from storage.coming import ComingQueries
from storage.contact_files import ContactFileQueries
from storage.contacts import ContactQueries
from storage.db import transaction
from storage.details import DetailQueries
from storage.erasures import ErasureQueries
from storage.extension import ExtensionQueries
from storage.fields import FieldQueries
from storage.follows import FollowQueries
from storage.forms import FormQueries
from storage.meetings import MeetingQueries
from storage.notices import NoticeQueries
from storage.outbox import OutboxQueries
from storage.people import PeopleQueries
from storage.pipeline import PipelineQueries
from storage.pipelines import PipelineDefinitionQueries
from storage.posts import PostQueries
from storage.queries import Connection, fts_query
from storage.quotas import QuotaQueries
from storage.records import RecordQueries
from storage.tasks import TaskQueries
from storage.visibility import VisibilityQueries

if TYPE_CHECKING:
    import sqlite_utils

    from storage.postgres import PostgresDatabase

__all__ = ["Repository", "fts_query"]

T = TypeVar("T")


# The open write transaction's name, by repository (Repository.transaction_id).
_TRANSACTION: contextvars.ContextVar[tuple[Repository, str] | None] = contextvars.ContextVar(
    "crm_transaction_id", default=None
)


class Repository:
    """The groups of queries, each method of which takes the tenant id first, and the transactions they run in."""

    def __init__(self, db: sqlite_utils.Database | PostgresDatabase) -> None:
        self.db: Any = db  # the raw database (tests and benches read it directly; its rows are plain tuples)
        self.connection = Connection(db)
        self.dialect = self.connection.dialect
        self.people = PeopleQueries(self.connection)  # tenants and users
        self.contacts = ContactQueries(self.connection)
        self.records = RecordQueries(self.connection)  # records, their people, comments and the timeline
        self.follows = FollowQueries(self.connection)
        self.buying = BuyingRoleQueries(self.connection)
        self.details = DetailQueries(self.connection)
        self.erasures = ErasureQueries(self.connection)
        self.contact_files = ContactFileQueries(self.connection)
        self.extension = ExtensionQueries(self.connection)
        self.forms = FormQueries(self.connection)
        self.posts = PostQueries(self.connection)  # posted record cards and email sends
        self.pipeline = PipelineQueries(self.connection)
        self.pipelines = PipelineDefinitionQueries(self.connection)  # the organisation's pipelines, lost reasons
        self.fields = FieldQueries(self.connection)  # custom fields and their values
        self.activities = ActivityQueries(self.connection)  # claims of delivered activities, housekeeping
        self.outbox = OutboxQueries(self.connection)
        self.notices = NoticeQueries(self.connection)
        self.visibility = VisibilityQueries(self.connection)  # who may see a record; teams and their rosters
        self.quotas = QuotaQueries(self.connection)  # the write quotas' counters, shared by every replica
        self.tasks = TaskQueries(self.connection)  # next steps on records (their reminders: repo.outbox)
        self.meetings = MeetingQueries(self.connection)  # meetings set up from a record, and their outbox rows
        self.coming = ComingQueries(self.connection)  # a card's next step, next meeting and quiet limit, at once

    def in_transaction(self) -> bool:
        return self.connection.in_transaction()

    @property
    def transaction_id(self) -> str:
        """Names the open write transaction (outbox rows of one change share it); drawn when first asked for
        (most transactions never ask: a random draw is a system call)."""
        held = _TRANSACTION.get()
        if held is None or held[0] is not self or not self.in_transaction():
            return ""
        if not held[1]:
            held = (self, secrets.token_hex(16))
            _TRANSACTION.set(held)
        return held[1]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # A turn's own (PostgreSQL runs several turns' transactions at once: in threads, or on the event loop).
        token = None if self.in_transaction() else _TRANSACTION.set((self, ""))
        try:
            if self.dialect.postgres:
                with self.db.transaction():
                    yield
            else:
                with transaction(self.db):
                    yield
        finally:
            if token is not None:
                _TRANSACTION.reset(token)

    def together(self, *calls: Callable[[], Any]) -> tuple[Any, ...]:
        """Reads (or writes whose answer nobody waits for) that do not depend on each other, each call's result
        in order: on PostgreSQL, in a transaction, their statements share round trips; on SQLite one by one."""
        if self.dialect.postgres:
            return tuple(self.db.together(*calls))
        return tuple(call() for call in calls)

    def ahead(self, call: Callable[[], Any]) -> None:
        """A check on one statement's answer that may come a statement later (its refusal rolls the
        transaction back either way): on PostgreSQL, in a transaction, its statement goes in the round trip
        of the transaction's next one (or before the commit); on SQLite it runs now."""
        if self.dialect.postgres:
            self.db.ahead(call)
        else:
            call()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Storage work from the event loop: inline for SQLite (a local file answers in microseconds); for
        PostgreSQL on the loop's thread too, each wait for the database handed to the loop (PostgresDatabase.run)."""
        if self.dialect.postgres:
            return await self.db.run(fn, *args)
        return fn(*args)

    def notify(self, payload: str) -> None:
        """Tell every replica's listener (PostgreSQL; SQLite has one process, which calls itself)."""
        self.connection.notify(payload)

    def ping(self) -> bool:
        return tuple(self.connection.execute("SELECT 1", []).fetchone()) == (1,)
