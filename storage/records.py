"""Queries about records: leads and opportunities, their Contact and participants, comments and the
timeline."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Contact, Event, Kind, Record, Role, Visibility
from bot.domain.visibility import Reader, reader_of
from storage.queries import (
    _RECORD_COLUMNS,
    _RETURNED_RECORD_COLUMNS,
    Queries,
    _contact,
    _event,
    _record,
    stored,
)
from storage.visibility import visible_clause

# A record's events with their actors' names: the timeline and the notifications read them alike.
_EVENTS_OF_RECORD = (
    "SELECT e.id, e.record_id, e.actor_id, e.kind, e.old, e.new, e.detail, e.at, u.name AS actor_name"
    " FROM events e LEFT JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.actor_id"
    " WHERE e.tenant_id = ? AND e.record_id = ?"
)


class RecordQueries(Queries):
    """repo.records"""

    # --- records -------------------------------------------------------------------------------

    def insert_record(
        self, tenant_id: str, kind: Kind, title: str, stage: str, owner_id: int, now: str, **fields: Any
    ) -> Record:
        self._lock("records", tenant_id, stored(Kind, kind))  # the next number is read, then taken
        number = self._one(
            "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM records WHERE tenant_id = ? AND kind = ?",
            [tenant_id, kind.value],
        )["next"]
        # Who may see it: as asked (a converted lead's), else the organisation's default (everyone unless set).
        visibility = fields.get("visibility")
        record_id = self._new_id(
            "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, company, value, currency,"
            " close_date, source, description, converted_from_id, custom, custom_text, created_at, updated_at,"
            " visibility, team_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " COALESCE(?, (SELECT default_visibility FROM tenants WHERE id = ?), 'everyone'), ?) RETURNING id",
            [
                tenant_id, kind.value, number, title, stage, owner_id, fields.get("company"),
                fields.get("value"), fields.get("currency"), fields.get("close_date"), fields.get("source"),
                fields.get("description"), fields.get("converted_from_id"), fields.get("custom"),
                fields.get("custom_text"), now, now,
                stored(Visibility, visibility) if visibility else None, tenant_id, fields.get("team_id"),
            ],
        )  # fmt: skip
        record = self.get_record(tenant_id, record_id)
        assert record is not None
        return record

    def get_record(self, tenant_id: str, record_id: int) -> Record | None:
        row = self._one(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.id = ?{self._for_update('r')}",
            [tenant_id, record_id],
        )
        return _record(row) if row else None

    def record_by_number(self, tenant_id: str, kind: Kind, number: int) -> Record | None:
        row = self._one(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind = ? AND r.number = ?"
            + self._for_update("r"),
            [tenant_id, kind.value, number],
        )
        return _record(row) if row else None

    def bump_record(self, tenant_id: str, kind: Kind, number: int, now: str) -> Record | None:
        """A change is being made to the record: its version bumped and the record as it now is, in one
        statement (reading it, then bumping it, took two); None when there is no such record."""
        row = self._one(
            "UPDATE records SET version = version + 1, updated_at = ?"
            f" WHERE tenant_id = ? AND kind = ? AND number = ? RETURNING {_RETURNED_RECORD_COLUMNS}",
            [now, tenant_id, kind.value, number],
        )
        return _record(row) if row else None

    def touch_record(self, tenant_id: str, record_id: int, now: str, **changes: Any) -> None:
        """Apply column changes (from a fixed set) and bump the version."""
        unknown = set(changes) - {"stage", "converted_to_id", "title", "pipeline_id", "lost_reason", "lost_note"}
        if unknown:  # the column names go into the SQL text: only these few, never what a caller made up
            raise ValueError(f"touch_record cannot change {sorted(unknown)}")
        sets = "".join(f"{column} = ?, " for column in changes)
        self.db.execute(
            f"UPDATE records SET {sets}version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [*changes.values(), now, tenant_id, record_id],
        )

    def list_records(self, who: Reader | str, kind: Kind | None, limit: int = 25) -> list[Record]:
        """The newest records the reader may see (a tenant id: all of them, the organisation's own read)."""
        reader = reader_of(who)
        kinds = [kind.value] if kind else [Kind.LEAD.value, Kind.OPPORTUNITY.value]
        marks = ", ".join("?" for _ in kinds)
        visible, seen_by = visible_clause(reader)
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind IN ({marks})"
            f" AND r.archived_at IS NULL{visible} ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [reader.tenant_id, *kinds, *seen_by, limit],
        )
        return [_record(r) for r in rows]

    def records_of_user(
        self, tenant_id: str, user_id: int, limit: int = 25, following_only: bool = False, everyones: bool = False
    ) -> list[Record]:
        """What a person owns or follows (all of which they may see); `everyones`: only everyone's records, for a
        list posted where everyone in a chat reads it."""
        owned = "" if following_only else "r.owner_id = ? OR "
        params: list[Any] = [tenant_id] + ([] if following_only else [user_id]) + [tenant_id, user_id, limit]
        only = " AND r.visibility = 'everyone'" if everyones else ""
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND ({owned}r.id IN"
            f" (SELECT record_id FROM followers WHERE tenant_id = ? AND user_id = ?)) AND r.archived_at IS NULL{only}"
            " ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            params,
        )
        return [_record(r) for r in rows]

    def search_records(self, who: Reader | str, text: str, limit: int = 25) -> list[Record]:
        query = self.dialect.fts_query(text)
        if query is None:
            return []
        reader = reader_of(who)
        visible, seen_by = visible_clause(reader)
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.id IN ({self.dialect.matching('records')})"
            f" AND r.archived_at IS NULL{visible}"
            " ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [reader.tenant_id, query, *seen_by, limit],
        )
        return [_record(r) for r in rows]

    # --- roles: Contact and Other participants --------------------------------------------------

    def role_of(self, tenant_id: str, record_id: int, contact_id: int) -> str | None:
        row = self._one(
            "SELECT role FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND contact_id = ?",
            [tenant_id, record_id, contact_id],
        )
        return row[0] if row else None

    def record_contacts(self, tenant_id: str, record_id: int, role: str, limit: int = 1000) -> list[Contact]:
        rows = self._all(
            "SELECT c.id, c.tenant_id, c.name, c.email, c.phone, c.company, c.job_title,"
            " c.erased_at"
            " FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
            " WHERE rc.tenant_id = ? AND rc.record_id = ? AND rc.role = ? ORDER BY rc.added_at, c.id LIMIT ?",
            [tenant_id, record_id, role, limit],
        )
        return [_contact(r) for r in rows]

    def record_people(self, tenant_id: str, record_id: int) -> list[tuple[str, Contact]]:
        """The Contact and the Other participants of a record, with their role, in the order they came."""
        rows = self._all(
            "SELECT rc.role, c.id, c.tenant_id, c.name, c.email, c.phone, c.company, c.job_title,"
            " c.erased_at"
            " FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
            " WHERE rc.tenant_id = ? AND rc.record_id = ? ORDER BY rc.added_at, c.id",
            [tenant_id, record_id],
        )
        return [(r["role"], _contact(r)) for r in rows]

    def count_role(self, tenant_id: str, record_id: int, role: str) -> int:
        row = self._one(
            "SELECT count(*) AS n FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND role = ?",
            [tenant_id, record_id, role],
        )
        return int(row["n"]) if row else 0

    def set_role(self, tenant_id: str, record_id: int, contact_id: int, role: str, actor_id: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, contact_id) DO UPDATE SET role = excluded.role",
            [tenant_id, record_id, contact_id, stored(Role, role), actor_id, now],
        )

    def remove_role(self, tenant_id: str, record_id: int, contact_id: int) -> None:
        self.db.execute(
            "DELETE FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND contact_id = ?",
            [tenant_id, record_id, contact_id],
        )

    # --- comments and the timeline -------------------------------------------------------------

    def add_comment(self, tenant_id: str, record_id: int, author_id: int, text: str, now: str) -> int:
        return self._new_id(
            "INSERT INTO comments (tenant_id, record_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)"
            " RETURNING id",
            [tenant_id, record_id, author_id, text, now],
        )

    def add_event(self, tenant_id: str, event: Event) -> Event:
        event_id = self._new_id(
            "INSERT INTO events (tenant_id, record_id, actor_id, kind, old, new, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                tenant_id,
                event.record_id,
                event.actor_id,
                event.kind.value,
                event.old,
                event.new,
                event.detail,
                event.at,
            ],
        )
        return Event(
            record_id=event.record_id, actor_id=event.actor_id, kind=event.kind, at=event.at, old=event.old,
            new=event.new, detail=event.detail, actor_name=event.actor_name, id=event_id,
        )  # fmt: skip

    def timeline(self, tenant_id: str, record_id: int, limit: int = 5) -> list[Event]:
        """The record's latest events, newest first."""
        rows = self._all(f"{_EVENTS_OF_RECORD} ORDER BY e.id DESC LIMIT ?", [tenant_id, record_id, limit])
        return [_event(r) for r in rows]

    def events(self, tenant_id: str, record_id: int, event_ids: tuple[int, ...]) -> list[Event]:
        """Some of the record's events (a notification's), oldest first."""
        marks = ", ".join("?" for _ in event_ids) or "NULL"
        rows = self._all(f"{_EVENTS_OF_RECORD} AND e.id IN ({marks}) ORDER BY e.id", [tenant_id, record_id, *event_ids])
        return [_event(r) for r in rows]

    def copy_history(self, tenant_id: str, from_id: int, to_id: int) -> None:
        """Give a converted opportunity the lead's roles, followers, comments and timeline."""
        for sql in (
            "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, buying_role, added_by, added_at)"
            " SELECT tenant_id, :to, contact_id, role, buying_role, added_by, added_at FROM record_contacts"
            " WHERE tenant_id = :t AND record_id = :from",
            "INSERT INTO followers (tenant_id, record_id, user_id, notify, added_at)"
            " SELECT tenant_id, :to, user_id, notify, added_at FROM followers WHERE tenant_id = :t AND record_id = :from"
            " ON CONFLICT (record_id, user_id) DO NOTHING",
            "INSERT INTO comments (tenant_id, record_id, author_id, text, created_at)"
            " SELECT tenant_id, :to, author_id, text, created_at FROM comments"
            " WHERE tenant_id = :t AND record_id = :from ORDER BY id",
            "INSERT INTO events (tenant_id, record_id, actor_id, kind, old, new, detail, at)"
            " SELECT tenant_id, :to, actor_id, kind, old, new, detail, at FROM events"
            " WHERE tenant_id = :t AND record_id = :from ORDER BY id",
        ):
            self.db.execute(sql, {"t": tenant_id, "from": from_id, "to": to_id})
