"""What every group of queries shares: the one connection (statements whose rows are read by column name,
the locks, the transaction state), fetch helpers, and rows -> models."""

from __future__ import annotations

import enum
import re
import sqlite3
from typing import TYPE_CHECKING, Any, TypeVar

from bot.domain.models import Contact, Event, EventKind, Kind, Record, User, Visibility
from storage.dialect import SQLITE

if TYPE_CHECKING:
    import sqlite_utils

    from storage.postgres import PostgresDatabase

_USER_COLUMNS = "id, tenant_id, name, teams_id, aad_object_id, email"
_CONTACT_COLUMNS = "id, tenant_id, name, email, phone, company, job_title, erased_at"
_RECORD_COLUMNS = (
    "r.id, r.tenant_id, r.kind, r.number, r.title, r.stage, r.owner_id, r.version, r.company, r.value,"
    " r.currency, r.close_date, r.source, r.description, r.created_at, r.updated_at,"
    " (SELECT t.kind || ':' || t.number FROM records t WHERE t.tenant_id = r.tenant_id AND t.id = r.converted_to_id)"
    " AS converted_to,"
    " (SELECT f.kind || ':' || f.number FROM records f WHERE f.tenant_id = r.tenant_id AND f.id = r.converted_from_id)"
    " AS converted_from,"
    " r.next_step, r.archived_at, r.pipeline_id,"
    " (SELECT p.name FROM pipelines p WHERE p.tenant_id = r.tenant_id AND p.id = r.pipeline_id) AS pipeline_name,"
    " r.custom, r.lost_reason, r.lost_note, r.visibility, r.team_id"
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


def stored(members: type[enum.StrEnum], value: object) -> str:
    """The value to write in an enum-like column, checked here (the tables hold no CHECK lists, so a new kind
    needs no table rebuild): anything the domain's enum does not name is refused before it is written."""
    if isinstance(value, members):
        return value.value
    if isinstance(value, str) and value in members._value2member_map_:
        return value
    raise ValueError(f"not a {members.__name__}: {value!r}")


_KINDS = by_value(Kind)
_EVENT_KINDS = by_value(EventKind)
_VISIBILITIES = by_value(Visibility)


def _ref_of(packed: str | None) -> str | None:
    if not packed:
        return None
    kind, number = packed.split(":")
    return f"{_KINDS[kind].prefix}-{number}"


def _user(row: Any) -> User:
    return User(
        id=row["id"], tenant_id=row["tenant_id"], name=row["name"], teams_id=row["teams_id"],
        aad_object_id=row["aad_object_id"], email=row["email"],
    )  # fmt: skip


def _contact(row: Any) -> Contact:
    return Contact(
        id=row["id"], tenant_id=row["tenant_id"], name=row["name"], email=row["email"], phone=row["phone"],
        company=row["company"], job_title=row["job_title"], erased=row["erased_at"] is not None,
    )  # fmt: skip


def _record(row: Any) -> Record:
    return Record(
        id=row["id"], tenant_id=row["tenant_id"], kind=_KINDS[row["kind"]], number=row["number"],
        title=row["title"], stage=row["stage"], owner_id=row["owner_id"], version=row["version"],
        company=row["company"], value=row["value"], currency=row["currency"], close_date=row["close_date"],
        source=row["source"], description=row["description"], created_at=row["created_at"],
        updated_at=row["updated_at"], converted_to=_ref_of(row["converted_to"]),
        converted_from=_ref_of(row["converted_from"]), next_step=row["next_step"], archived_at=row["archived_at"],
        pipeline_id=row["pipeline_id"], pipeline_name=row["pipeline_name"], custom=row["custom"],
        lost_reason=row["lost_reason"], lost_note=row["lost_note"],
        visibility=_VISIBILITIES[row["visibility"]], team_id=row["team_id"],
    )  # fmt: skip


def _event(row: Any) -> Event:
    return Event(
        id=row["id"], record_id=row["record_id"], actor_id=row["actor_id"], kind=_EVENT_KINDS[row["kind"]],
        old=row["old"], new=row["new"], detail=row["detail"], at=row["at"], actor_name=row["actor_name"],
    )  # fmt: skip


class Connection:
    """The one connection every group of queries shares. `execute` runs a statement written once for both
    engines; its rows are read by column name (`row["title"]`) or by position (`row[0]`): sqlite3.Row on
    SQLite, storage.postgres.NamedRow on PostgreSQL."""

    def __init__(self, db: sqlite_utils.Database | PostgresDatabase) -> None:
        self.db: Any = db
        self.dialect = getattr(db, "dialect", SQLITE)
        if self.dialect.postgres:
            self.execute = db.execute  # type: ignore[method-assign]  # PostgresDatabase's rows have names
        else:
            self._conn: sqlite3.Connection = db.conn  # type: ignore[union-attr]

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        cursor = self._conn.cursor()
        cursor.row_factory = sqlite3.Row  # per cursor: the raw connection (repo.db) keeps plain tuples
        return cursor.execute(sql, parameters)

    def in_transaction(self) -> bool:
        return bool(self.db.in_transaction if self.dialect.row_locks else self._conn.in_transaction)

    def lock(self, *key: object) -> None:
        """Serialise the transactions that decide a write on the same key (SQLite serialises every writer)."""
        if self.dialect.row_locks:
            self.db.lock(*key)

    def notify(self, payload: str) -> None:
        """Tell every replica's listener (PostgreSQL; SQLite has one process, which calls itself)."""
        if self.dialect.postgres:
            self.db.notify(payload)


class Queries:
    """A group of parameterised queries on the shared connection; each method takes the tenant id first."""

    def __init__(self, connection: Connection) -> None:
        self.db = connection
        self.dialect = connection.dialect

    def in_transaction(self) -> bool:
        return self.db.in_transaction()

    def _lock(self, *key: object) -> None:
        self.db.lock(*key)

    def _for_update(self, alias: str) -> str:
        """A read that decides a write locks its row until the transaction ends (PostgreSQL)."""
        return self.dialect.for_update(alias) if self.dialect.row_locks and self.in_transaction() else ""

    def _one(self, sql: str, params: list[Any] | dict[str, Any]) -> Any:
        return self.db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: list[Any] | dict[str, Any]) -> list[Any]:
        return self.db.execute(sql, params).fetchall()

    def _new_id(self, sql: str, params: list[Any] | dict[str, Any]) -> int:
        """The id an `INSERT ... RETURNING id` generated (read whole: the statement is finished)."""
        return int(self.db.execute(sql, params).fetchall()[0]["id"])


if TYPE_CHECKING:
    Database = sqlite_utils.Database | PostgresDatabase | Connection
