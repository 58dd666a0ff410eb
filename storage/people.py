"""Queries about the tenants and their users (colleagues): who they are, their profiles and 1:1 chats."""

from __future__ import annotations

from bot.domain.models import User
from storage.queries import _USER_COLUMNS, Queries, _user


class PeopleQueries(Queries):
    """repo.people: tenants and users."""

    # --- tenants -------------------------------------------------------------------------------

    def ensure_tenant(self, tenant_id: str, service_url: str | None, now: str) -> None:
        self.db.execute(
            "INSERT INTO tenants (id, service_url, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET service_url = COALESCE(excluded.service_url, tenants.service_url)"
            " WHERE tenants.service_url IS DISTINCT FROM excluded.service_url",
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
    ) -> tuple[User, str | None, bool, str | None] | None:
        """A user with, in the same read, their tenant's service URL, whether their profile was looked up, and
        their stored locale."""
        columns = (
            "u.id, u.tenant_id, u.name, u.teams_id, u.aad_object_id, u.email, t.service_url, u.profile_checked_at,"
            " u.locale"
        )
        joined = f"SELECT {columns} FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = ?"
        for column, value in (("teams_id", teams_id), ("aad_object_id", aad_object_id)):
            if value:
                row = self._one(f"{joined} AND u.{column} = ?", [tenant_id, value])
                if row:
                    return _user(row), row["service_url"], bool(row["profile_checked_at"]), row["locale"]
        return None

    def first_user_id(self, tenant_id: str) -> int | None:
        """The organisation's first person the bot met (its admin while CRM_ADMINS names nobody)."""
        row = self._one("SELECT min(id) AS first FROM users WHERE tenant_id = ?", [tenant_id])
        return int(row["first"]) if row and row["first"] is not None else None

    def users_by_aad(self, tenant_id: str, aad_object_ids: list[str]) -> list[User]:
        """The tenant's users with these Entra object ids (compared in lower case)."""
        if not aad_object_ids:
            return []
        marks = ", ".join("?" for _ in aad_object_ids)
        rows = self._all(
            f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? AND lower(aad_object_id) IN ({marks})",
            [tenant_id, *[a.lower() for a in aad_object_ids]],
        )
        return [_user(r) for r in rows]

    def upsert_user(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, now: str
    ) -> User:
        """Record a user seen in an activity; fills in ids and names learnt later."""
        self._lock("users", tenant_id)  # two replicas meeting a new user at once insert them once
        existing = self.find_user(tenant_id, teams_id, aad_object_id)
        if existing is None:
            user_id = self._new_id(
                "INSERT INTO users (tenant_id, teams_id, aad_object_id, name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                [tenant_id, teams_id, aad_object_id, name or "", now, now],
            )
        else:
            user_id = existing.id
            self.db.execute(
                "UPDATE users SET teams_id = COALESCE(teams_id, ?), aad_object_id = COALESCE(aad_object_id, ?),"
                " name = CASE WHEN ? <> '' THEN ? ELSE name END, updated_at = ?"
                " WHERE tenant_id = ? AND id = ?"
                " AND (teams_id IS NULL OR aad_object_id IS NULL OR (? <> '' AND name IS DISTINCT FROM ?))",
                [teams_id, aad_object_id, name or "", name or "", now, tenant_id, user_id, name or "", name or ""],
            )
        user = self.get_user(tenant_id, user_id)
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

    def set_locale(self, tenant_id: str, user_id: int, locale: str) -> None:
        """The locale Teams reported on the person's latest activity (one statement, a write only if it changed)."""
        self.db.execute(
            "UPDATE users SET locale = ? WHERE tenant_id = ? AND id = ? AND locale IS DISTINCT FROM ?",
            [locale, tenant_id, user_id, locale],
        )

    def locale_of(self, tenant_id: str, user_id: int) -> str | None:
        row = self._one("SELECT locale FROM users WHERE tenant_id = ? AND id = ?", [tenant_id, user_id])
        return row[0] if row else None

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
            " WHERE tenant_id = ? AND id = ? AND (conversation_id IS DISTINCT FROM ? OR service_url IS DISTINCT FROM ?)",
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
        return {key: row[key] for key in ("conversation_id", "service_url", "bot_id", "bot_name")}
