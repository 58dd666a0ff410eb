"""What every group of queries shares: the connection, fetch helpers, and rows -> models."""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Any, TypeVar

from bot.domain.models import Contact, Event, EventKind, Kind, Record, User
from storage.dialect import SQLITE

if TYPE_CHECKING:
    import sqlite_utils

    from storage.postgres import PostgresDatabase

    Database = sqlite_utils.Database | PostgresDatabase

_USER_COLUMNS = "id, tenant_id, name, teams_id, aad_object_id, email"
_CONTACT_COLUMNS = "id, tenant_id, name, email, phone, company, job_title"
_RECORD_COLUMNS = (
    "r.id, r.tenant_id, r.kind, r.number, r.title, r.stage, r.owner_id, r.version, r.company, r.value,"
    " r.currency, r.close_date, r.source, r.description, r.created_at, r.updated_at,"
    " (SELECT t.kind || ':' || t.number FROM records t WHERE t.tenant_id = r.tenant_id AND t.id = r.converted_to_id),"
    " (SELECT f.kind || ':' || f.number FROM records f WHERE f.tenant_id = r.tenant_id AND f.id = r.converted_from_id),"
    " r.next_step, r.archived_at"
)
# The same columns in an UPDATE's RETURNING, which names the updated table itself (SQLite takes no alias there).
_RETURNED_RECORD_COLUMNS = re.sub(r"\br\.", "records.", _RECORD_COLUMNS)


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix."""
    return SQLITE.fts_query(text)


M = TypeVar("M", bound=enum.Enum)


def by_value(members: type[M]) -> dict[Any, M]:
    """Enum members by stored value: a dict lookup, several times cheaper than calling the Enum (rows by the
    dozen a turn)."""
    return {member.value: member for member in members}


_KINDS = by_value(Kind)
_EVENT_KINDS = by_value(EventKind)


def _ref_of(packed: str | None) -> str | None:
    if not packed:
        return None
    kind, number = packed.split(":")
    return f"{_KINDS[kind].prefix}-{number}"


def _user(row: Any) -> User:
    return User(id=row[0], tenant_id=row[1], name=row[2], teams_id=row[3], aad_object_id=row[4], email=row[5])


def _contact(row: Any) -> Contact:
    return Contact(*row)


def _record(row: Any) -> Record:
    return Record(
        id=row[0], tenant_id=row[1], kind=_KINDS[row[2]], number=row[3], title=row[4], stage=row[5],
        owner_id=row[6], version=row[7], company=row[8], value=row[9], currency=row[10],
        close_date=row[11], source=row[12], description=row[13], created_at=row[14],
        updated_at=row[15], converted_to=_ref_of(row[16]), converted_from=_ref_of(row[17]),
        next_step=row[18], archived_at=row[19],
    )  # fmt: skip


def _event(row: Any) -> Event:
    return Event(
        id=row[0], record_id=row[1], actor_id=row[2], kind=_EVENT_KINDS[row[3]], old=row[4],
        new=row[5], detail=row[6], at=row[7], actor_name=row[8],
    )  # fmt: skip


class Queries:
    """A group of parameterised queries on one connection; each method takes the tenant id first."""

    def __init__(self, db: Database) -> None:
        # sqlite_utils.Database or PostgresDatabase: the same execute(); the rest asks `dialect` first
        self.db: Any = db
        self.dialect = getattr(db, "dialect", SQLITE)

    def in_transaction(self) -> bool:
        return bool(self.db.in_transaction if self.dialect.row_locks else self.db.conn.in_transaction)

    def _lock(self, *key: object) -> None:
        """Serialise the transactions that decide a write on the same key (SQLite serialises every writer)."""
        if self.dialect.row_locks:
            self.db.lock(*key)

    def _for_update(self, alias: str) -> str:
        """A read that decides a write locks its row until the transaction ends (PostgreSQL)."""
        return f" FOR UPDATE OF {alias}" if self.dialect.row_locks and self.in_transaction() else ""

    def _one(self, sql: str, params: list[Any] | dict[str, Any]) -> Any:
        return self.db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: list[Any] | dict[str, Any]) -> list[Any]:
        return self.db.execute(sql, params).fetchall()
