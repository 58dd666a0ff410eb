"""Every query the product makes. Each one is parameterised and scoped by tenant id."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from bot.models import CardPost, Contact, Event, EventKind, Follower, Kind, NotifyChoice, Record, User
from storage.db import transaction
from storage.outbox import OutboxQueries

_WORD = re.compile(r"\w+", re.UNICODE)
_USER_COLUMNS = "id, tenant_id, name, teams_id, aad_object_id, email"
_CONTACT_COLUMNS = "id, tenant_id, name, email, phone, company, job_title"
_RECORD_COLUMNS = (
    "r.id, r.tenant_id, r.kind, r.number, r.title, r.stage, r.owner_id, r.version, r.company, r.value,"
    " r.currency, r.close_date, r.source, r.description, r.created_at, r.updated_at,"
    " (SELECT t.kind || ':' || t.number FROM records t WHERE t.tenant_id = r.tenant_id AND t.id = r.converted_to_id),"
    " (SELECT f.kind || ':' || f.number FROM records f WHERE f.tenant_id = r.tenant_id AND f.id = r.converted_from_id)"
)


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix."""
    words = _WORD.findall(text)[:8]
    if not words:
        return None
    return " ".join('"' + w.replace('"', "") + '"*' for w in words)


def _ref_of(packed: str | None) -> str | None:
    if not packed:
        return None
    kind, number = packed.split(":")
    return f"{Kind(kind).prefix}-{number}"


def _user(row: Any) -> User:
    return User(id=row[0], tenant_id=row[1], name=row[2], teams_id=row[3], aad_object_id=row[4], email=row[5])


def _contact(row: Any) -> Contact:
    return Contact(*row)


def _record(row: Any) -> Record:
    return Record(
        id=row[0], tenant_id=row[1], kind=Kind(row[2]), number=row[3], title=row[4], stage=row[5],
        owner_id=row[6], version=row[7], company=row[8], value=row[9], currency=row[10],
        close_date=row[11], source=row[12], description=row[13], created_at=row[14],
        updated_at=row[15], converted_to=_ref_of(row[16]), converted_from=_ref_of(row[17]),
    )  # fmt: skip


def _event(row: Any) -> Event:
    return Event(
        id=row[0], record_id=row[1], actor_id=row[2], kind=EventKind(row[3]), old=row[4],
        new=row[5], detail=row[6], at=row[7], actor_name=row[8],
    )  # fmt: skip


class Repository:
    """The one door to the database. Every method takes the tenant id first."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.outbox = OutboxQueries(db)
        self.transaction_id = ""  # names the open write transaction (outbox rows of one change share it)

    def _one(self, sql: str, params: list[Any]) -> Any:
        return self.db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: list[Any]) -> list[Any]:
        return self.db.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.db.conn.in_transaction:
            self.transaction_id = uuid.uuid4().hex
        with transaction(self.db):
            yield

    def ping(self) -> bool:
        return self._one("SELECT 1", []) == (1,)

    # --- tenants -------------------------------------------------------------------------------

    def ensure_tenant(self, tenant_id: str, service_url: str | None, now: str) -> None:
        self.db.execute(
            "INSERT INTO tenants (id, service_url, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET service_url = COALESCE(excluded.service_url, service_url)"
            " WHERE service_url IS NOT excluded.service_url",
            [tenant_id, service_url, now],
        )

    def tenant_service_url(self, tenant_id: str) -> str | None:
        row = self._one("SELECT service_url FROM tenants WHERE id = ?", [tenant_id])
        return row[0] if row else None

    # --- users ---------------------------------------------------------------------------------

    def find_user(self, tenant_id: str, teams_id: str | None, aad_object_id: str | None) -> User | None:
        if teams_id:
            row = self._one(
                f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? AND teams_id = ?", [tenant_id, teams_id]
            )
            if row:
                return _user(row)
        if aad_object_id:
            row = self._one(
                f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? AND aad_object_id = ?",
                [tenant_id, aad_object_id],
            )
            if row:
                return _user(row)
        return None

    def upsert_user(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, now: str
    ) -> User:
        """Record a user seen in an activity; fills in ids and names learnt later."""
        existing = self.find_user(tenant_id, teams_id, aad_object_id)
        if existing is None:
            cursor = self.db.execute(
                "INSERT INTO users (tenant_id, teams_id, aad_object_id, name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [tenant_id, teams_id, aad_object_id, name or "", now, now],
            )
            user_id = cursor.lastrowid
        else:
            user_id = existing.id
            self.db.execute(
                "UPDATE users SET teams_id = COALESCE(teams_id, ?), aad_object_id = COALESCE(aad_object_id, ?),"
                " name = CASE WHEN ? <> '' THEN ? ELSE name END, updated_at = ?"
                " WHERE tenant_id = ? AND id = ?"
                " AND (teams_id IS NULL OR aad_object_id IS NULL OR (? <> '' AND name IS NOT ?))",
                [teams_id, aad_object_id, name or "", name or "", now, tenant_id, user_id, name or "", name or ""],
            )
        user = self.get_user(tenant_id, int(user_id or 0))
        assert user is not None
        return user

    def get_user(self, tenant_id: str, user_id: int) -> User | None:
        row = self._one(f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? AND id = ?", [tenant_id, user_id])
        return _user(row) if row else None

    def list_users(self, tenant_id: str, limit: int = 50) -> list[User]:
        rows = self._all(
            f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? ORDER BY name COLLATE NOCASE, id LIMIT ?",
            [tenant_id, limit],
        )
        return [_user(r) for r in rows]

    def profile_checked(self, tenant_id: str, user_id: int) -> bool:
        row = self._one("SELECT profile_checked_at FROM users WHERE tenant_id = ? AND id = ?", [tenant_id, user_id])
        return bool(row and row[0])

    def set_user_profile(
        self, tenant_id: str, user_id: int, email: str | None, upn: str | None, name: str | None, now: str
    ) -> None:
        self.db.execute(
            "UPDATE users SET email = COALESCE(?, email), upn = COALESCE(?, upn),"
            " name = COALESCE(NULLIF(?, ''), name), profile_checked_at = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ?",
            [email, upn, name, now, now, tenant_id, user_id],
        )

    def store_personal_conversation(
        self, tenant_id: str, user_id: int, conversation_id: str, service_url: str, bot_id: str, bot_name: str, now: str
    ) -> None:
        self.db.execute(
            "UPDATE users SET conversation_id = ?, service_url = ?, bot_id = ?, bot_name = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ? AND (conversation_id IS NOT ? OR service_url IS NOT ?)",
            [conversation_id, service_url, bot_id, bot_name, now, tenant_id, user_id, conversation_id, service_url],
        )

    def personal_conversation(self, tenant_id: str, user_id: int) -> dict[str, str] | None:
        row = self._one(
            "SELECT conversation_id, service_url, bot_id, bot_name FROM users"
            " WHERE tenant_id = ? AND id = ? AND conversation_id IS NOT NULL",
            [tenant_id, user_id],
        )
        if not row:
            return None
        return {"conversation_id": row[0], "service_url": row[1], "bot_id": row[2], "bot_name": row[3]}

    # --- contacts ------------------------------------------------------------------------------

    def insert_contact(
        self,
        tenant_id: str,
        name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        job_title: str | None,
        created_by: int | None,
        now: str,
    ) -> Contact:
        cursor = self.db.execute(
            "INSERT INTO contacts (tenant_id, name, email, phone, company, job_title, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [tenant_id, name, email, phone, company, job_title, created_by, now],
        )
        contact = self.get_contact(tenant_id, int(cursor.lastrowid or 0))
        assert contact is not None
        return contact

    def get_contact(self, tenant_id: str, contact_id: int) -> Contact | None:
        row = self._one(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND id = ?", [tenant_id, contact_id]
        )
        return _contact(row) if row else None

    def contact_by_email(self, tenant_id: str, email: str) -> Contact | None:
        row = self._one(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND email = ? COLLATE NOCASE",
            [tenant_id, email],
        )
        return _contact(row) if row else None

    def contacts_named(self, tenant_id: str, name: str, limit: int = 10) -> list[Contact]:
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND name = ? COLLATE NOCASE"
            " ORDER BY id LIMIT ?",
            [tenant_id, name, limit],
        )
        return [_contact(r) for r in rows]

    def search_contacts(self, tenant_id: str, text: str, limit: int = 25, offset: int = 0) -> list[Contact]:
        query = fts_query(text)
        if query is None:
            return self.list_contacts(tenant_id, limit, offset)
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND id IN"
            " (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)"
            " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            [tenant_id, query, limit, offset],
        )
        return [_contact(r) for r in rows]

    def list_contacts(self, tenant_id: str, limit: int = 25, offset: int = 0) -> list[Contact]:
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ?"
            " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            [tenant_id, limit, offset],
        )
        return [_contact(r) for r in rows]

    def count_contacts(self, tenant_id: str) -> int:
        return int(self._one("SELECT count(*) FROM contacts WHERE tenant_id = ?", [tenant_id])[0])

    # --- records -------------------------------------------------------------------------------

    def insert_record(
        self, tenant_id: str, kind: Kind, title: str, stage: str, owner_id: int, now: str, **fields: Any
    ) -> Record:
        number = self._one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM records WHERE tenant_id = ? AND kind = ?", [tenant_id, kind.value]
        )[0]
        cursor = self.db.execute(
            "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, company, value, currency,"
            " close_date, source, description, converted_from_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tenant_id, kind.value, number, title, stage, owner_id, fields.get("company"),
                fields.get("value"), fields.get("currency"), fields.get("close_date"), fields.get("source"),
                fields.get("description"), fields.get("converted_from_id"), now, now,
            ],
        )  # fmt: skip
        record = self.get_record(tenant_id, int(cursor.lastrowid or 0))
        assert record is not None
        return record

    def get_record(self, tenant_id: str, record_id: int) -> Record | None:
        row = self._one(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.id = ?", [tenant_id, record_id]
        )
        return _record(row) if row else None

    def record_by_number(self, tenant_id: str, kind: Kind, number: int) -> Record | None:
        row = self._one(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind = ? AND r.number = ?",
            [tenant_id, kind.value, number],
        )
        return _record(row) if row else None

    def touch_record(self, tenant_id: str, record_id: int, now: str, **changes: Any) -> None:
        """Apply column changes (from a fixed set) and bump the version."""
        allowed = {"stage", "converted_to_id", "title"}
        assert set(changes) <= allowed, changes
        sets = "".join(f"{column} = ?, " for column in changes)
        self.db.execute(
            f"UPDATE records SET {sets}version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [*changes.values(), now, tenant_id, record_id],
        )

    def list_records(self, tenant_id: str, kind: Kind | None, limit: int = 25) -> list[Record]:
        kinds = [kind.value] if kind else [Kind.LEAD.value, Kind.OPPORTUNITY.value]
        marks = ", ".join("?" for _ in kinds)
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind IN ({marks})"
            " ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [tenant_id, *kinds, limit],
        )
        return [_record(r) for r in rows]

    def records_of_user(
        self, tenant_id: str, user_id: int, limit: int = 25, following_only: bool = False
    ) -> list[Record]:
        owned = "" if following_only else "r.owner_id = ? OR "
        params: list[Any] = [tenant_id] + ([] if following_only else [user_id]) + [tenant_id, user_id, limit]
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND ({owned}r.id IN"
            " (SELECT record_id FROM followers WHERE tenant_id = ? AND user_id = ?))"
            " ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            params,
        )
        return [_record(r) for r in rows]

    def search_records(self, tenant_id: str, text: str, limit: int = 25) -> list[Record]:
        query = fts_query(text)
        if query is None:
            return []
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.id IN"
            " (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)"
            " ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [tenant_id, query, limit],
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
            "SELECT c.id, c.tenant_id, c.name, c.email, c.phone, c.company, c.job_title"
            " FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
            " WHERE rc.tenant_id = ? AND rc.record_id = ? AND rc.role = ? ORDER BY rc.added_at, c.id LIMIT ?",
            [tenant_id, record_id, role, limit],
        )
        return [_contact(r) for r in rows]

    def set_role(self, tenant_id: str, record_id: int, contact_id: int, role: str, actor_id: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, contact_id) DO UPDATE SET role = excluded.role",
            [tenant_id, record_id, contact_id, role, actor_id, now],
        )

    def remove_role(self, tenant_id: str, record_id: int, contact_id: int) -> None:
        self.db.execute(
            "DELETE FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND contact_id = ?",
            [tenant_id, record_id, contact_id],
        )

    # --- followers -----------------------------------------------------------------------------

    def followers(self, tenant_id: str, record_id: int) -> list[Follower]:
        rows = self._all(
            "SELECT u.id, u.tenant_id, u.name, u.teams_id, u.aad_object_id, u.email, f.notify"
            " FROM followers f JOIN users u ON u.tenant_id = f.tenant_id AND u.id = f.user_id"
            " WHERE f.tenant_id = ? AND f.record_id = ? ORDER BY f.added_at, u.id",
            [tenant_id, record_id],
        )
        return [Follower(user=_user(r[:6]), notify=NotifyChoice(r[6])) for r in rows]

    def is_follower(self, tenant_id: str, record_id: int, user_id: int) -> bool:
        row = self._one(
            "SELECT 1 FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        )
        return row is not None

    def add_follower(self, tenant_id: str, record_id: int, user_id: int, now: str, notify: str = "all") -> None:
        self.db.execute(
            "INSERT INTO followers (tenant_id, record_id, user_id, notify, added_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, user_id) DO NOTHING",
            [tenant_id, record_id, user_id, notify, now],
        )

    def set_follower_choice(self, tenant_id: str, record_id: int, user_id: int, choice: str) -> bool:
        cursor = self.db.execute(
            "UPDATE followers SET notify = ? WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [choice, tenant_id, record_id, user_id],
        )
        return cursor.rowcount == 1

    def remove_follower(self, tenant_id: str, record_id: int, user_id: int) -> None:
        self.db.execute(
            "DELETE FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        )

    # --- comments and the timeline -------------------------------------------------------------

    def add_comment(self, tenant_id: str, record_id: int, author_id: int, text: str, now: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO comments (tenant_id, record_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
            [tenant_id, record_id, author_id, text, now],
        )
        return int(cursor.lastrowid or 0)

    def comment_count(self, tenant_id: str, record_id: int) -> int:
        row = self._one("SELECT count(*) FROM comments WHERE tenant_id = ? AND record_id = ?", [tenant_id, record_id])
        return int(row[0])

    def add_event(self, tenant_id: str, event: Event) -> Event:
        cursor = self.db.execute(
            "INSERT INTO events (tenant_id, record_id, actor_id, kind, old, new, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
        return Event(**{**event.__dict__, "id": cursor.lastrowid})

    def timeline(self, tenant_id: str, record_id: int, limit: int = 5) -> list[Event]:
        rows = self._all(
            "SELECT e.id, e.record_id, e.actor_id, e.kind, e.old, e.new, e.detail, e.at, u.name"
            " FROM events e LEFT JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.actor_id"
            " WHERE e.tenant_id = ? AND e.record_id = ? ORDER BY e.id DESC LIMIT ?",
            [tenant_id, record_id, limit],
        )
        return [_event(r) for r in rows]

    def copy_history(self, tenant_id: str, from_id: int, to_id: int) -> None:
        """Give a converted opportunity the lead's roles, followers, comments and timeline."""
        for sql in (
            "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, added_by, added_at)"
            " SELECT tenant_id, :to, contact_id, role, added_by, added_at FROM record_contacts"
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

    # --- posted record cards -------------------------------------------------------------------

    def add_card_post(
        self, tenant_id: str, record_id: int, conversation_id: str, activity_id: str, service_url: str,
        shared: bool, viewer_id: int | None, now: str,
    ) -> None:  # fmt: skip
        self.db.execute(
            "INSERT INTO card_posts (tenant_id, record_id, conversation_id, activity_id, service_url, shared,"
            " viewer_id, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, record_id, conversation_id, activity_id, service_url, int(shared), viewer_id, now],
        )

    def forget_card_post(self, tenant_id: str, conversation_id: str, activity_id: str) -> None:
        self.db.execute(
            "DELETE FROM card_posts WHERE tenant_id = ? AND conversation_id = ? AND activity_id = ?",
            [tenant_id, conversation_id, activity_id],
        )

    def card_posts(self, tenant_id: str, record_id: int, limit: int) -> list[CardPost]:
        """The most recent places a record's card was posted, newest first."""
        rows = self._all(
            "SELECT record_id, conversation_id, activity_id, service_url, shared, viewer_id FROM card_posts"
            " WHERE tenant_id = ? AND record_id = ? ORDER BY id DESC LIMIT ?",
            [tenant_id, record_id, limit],
        )
        return [CardPost(tenant_id, r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    # --- email sends ---------------------------------------------------------------------------

    def email_send_status(self, tenant_id: str, send_id: str) -> str | None:
        row = self._one("SELECT status FROM email_sends WHERE tenant_id = ? AND send_id = ?", [tenant_id, send_id])
        return row[0] if row else None

    def set_email_send(
        self, tenant_id: str, send_id: str, record_id: int, sender_id: int, status: str, reason: str | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO email_sends (tenant_id, send_id, record_id, sender_id, status, reason, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, send_id)"
            " DO UPDATE SET status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at",
            [tenant_id, send_id, record_id, sender_id, status, reason, now, now],
        )

    # --- redelivered activities ----------------------------------------------------------------

    def claim_activity(self, tenant_id: str, conversation_id: str, activity_id: str, now: str) -> bool:
        """True the first time an activity is seen; False for a redelivery."""
        cursor = self.db.execute(
            "INSERT INTO processed_activities (tenant_id, conversation_id, activity_id, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, conversation_id, activity_id, now],
        )
        return cursor.rowcount == 1

    def forget_activities_before(self, cutoff: str) -> None:
        self.db.execute("DELETE FROM processed_activities WHERE received_at < ?", [cutoff])
