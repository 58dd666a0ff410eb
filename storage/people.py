"""Queries about people: tenants, users (colleagues), contacts (customers), and redelivered activities."""

from __future__ import annotations

from bot.domain.models import Contact, User
from storage.queries import _CONTACT_COLUMNS, _USER_COLUMNS, Queries, _contact, _user

FEW_MATCHES = 2000  # up to this many full-text matches (all tenants), a contact search sorts them


class PeopleQueries(Queries):
    # --- tenants -------------------------------------------------------------------------------

    def ensure_tenant(self, tenant_id: str, service_url: str | None, now: str) -> None:
        self.db.execute(
            "INSERT INTO tenants (id, service_url, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET service_url = COALESCE(excluded.service_url, tenants.service_url)"
            " WHERE tenants.service_url IS NOT excluded.service_url",
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

    def find_member(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None
    ) -> tuple[User, str | None, bool] | None:
        """A user with, in the same read, their tenant's service URL and whether their profile was looked up."""
        columns = "u.id, u.tenant_id, u.name, u.teams_id, u.aad_object_id, u.email, t.service_url, u.profile_checked_at"
        joined = f"SELECT {columns} FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = ?"
        for column, value in (("teams_id", teams_id), ("aad_object_id", aad_object_id)):
            if value:
                row = self._one(f"{joined} AND u.{column} = ?", [tenant_id, value])
                if row:
                    return _user(row[:6]), row[6], bool(row[7])
        return None

    def upsert_user(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, now: str
    ) -> User:
        """Record a user seen in an activity; fills in ids and names learnt later."""
        self._lock("users", tenant_id)  # two replicas meeting a new user at once insert them once
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
        if self.in_transaction():  # the answer decides whether a contact with this email may be added
            self._lock("contact email", tenant_id, email.lower())
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
        query = self.dialect.fts_query(text)
        if query is None:
            return self.list_contacts(tenant_id, limit, offset)
        matching = self.dialect.matching("contacts")
        # SQLite's full-text index spans tenants (rows are filtered by tenant below); this count of its
        # matches returns one boolean, never a row, and picks the plan. Few matches: sort them (walking the
        # tenant's name index would visit every contact of the tenant). Many: walk the name index, which
        # meets the first page of matches early, instead of sorting them all. PostgreSQL's planner decides.
        few = (
            not self.dialect.postgres
            and self._one(f"SELECT count(*) < ? FROM ({matching} LIMIT ?)", [FEW_MATCHES, query, FEW_MATCHES])[0]
        )
        columns = ", ".join(f"c.{column.strip()}" for column in _CONTACT_COLUMNS.split(","))
        rows = self._all(
            (
                f"SELECT {columns} FROM contacts_fts f CROSS JOIN contacts c ON c.id = f.rowid"
                " WHERE contacts_fts MATCH :query AND c.tenant_id = :tenant"
                if few
                else f"SELECT {columns} FROM contacts c WHERE c.tenant_id = :tenant AND c.id IN"
                f" ({matching.replace('?', ':query')})"
            )
            + " ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit OFFSET :offset",
            {"tenant": tenant_id, "query": query, "limit": limit, "offset": offset},
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

    # --- redelivered activities ----------------------------------------------------------------

    def claim_activity(self, tenant_id: str, conversation_id: str, activity_id: str, now: str) -> bool:
        """True the first time an activity is seen; False for a redelivery."""
        cursor = self.db.execute(
            "INSERT INTO processed_activities (tenant_id, conversation_id, activity_id, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, conversation_id, activity_id, now],
        )
        return cursor.rowcount == 1

    def activity_claimed(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        row = self._one(
            "SELECT 1 FROM processed_activities WHERE tenant_id = ? AND conversation_id = ? AND activity_id = ?",
            [tenant_id, conversation_id, activity_id],
        )
        return row is not None

    def forget_activities_before(self, cutoff: str) -> None:
        self.db.execute("DELETE FROM processed_activities WHERE received_at < ?", [cutoff])
