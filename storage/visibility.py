"""Queries about who may see a record (`repo.visibility`): a record's visibility and its access list, the
organisation's default, and the Microsoft Teams teams the bot is installed in with their rosters. The
filter every list and search of records adds (`visible_clause`) is here too, beside the one check of a
single record (`may_see`)."""

from __future__ import annotations

from typing import Any

from bot.domain.models import User, Visibility
from bot.domain.visibility import Reader
from storage.queries import _USER_COLUMNS, Queries, _user, stored


def _visible_sql(alias: str, me: str) -> str:
    """A restricted record's followers are on its access list (migration 26's trigger, and `set_visibility`),
    so a row not everyone's costs one primary-key lookup there, and a team record's one more in the roster."""
    a = alias
    return (
        f" AND ({a}.visibility = 'everyone' OR {a}.owner_id = {me}"
        f" OR EXISTS (SELECT 1 FROM record_access va WHERE va.record_id = {a}.id AND va.user_id = {me})"
        f" OR ({a}.visibility = 'team' AND EXISTS (SELECT 1 FROM team_members vm"
        f" WHERE vm.team_id = {a}.team_id AND vm.user_id = {me})))"
    )


def visible_clause(reader: Reader, alias: str = "r") -> tuple[str, list[Any]]:
    """` AND (...)` keeping the rows of `alias` (records) the reader may see, with its parameters (`?`): nothing
    for an admin; everyone's records only for a post everyone in a chat sees. A restricted row costs a
    primary-key lookup or two (its access list, its team's roster); an everyone's row none."""
    if reader.sees_all:
        return "", []
    if reader.user_id is None:
        return f" AND {alias}.visibility = 'everyone'", []
    return _visible_sql(alias, "?"), [reader.user_id] * 3


def visible_named(reader: Reader, alias: str = "r") -> tuple[str, dict[str, Any]]:
    """`visible_clause` for a statement with named parameters (`:reader`)."""
    if reader.sees_all:
        return "", {}
    if reader.user_id is None:
        return f" AND {alias}.visibility = 'everyone'", {}
    return _visible_sql(alias, ":reader"), {"reader": reader.user_id}


class VisibilityQueries(Queries):
    """repo.visibility"""

    # --- one record ------------------------------------------------------------------------------

    def may_see(self, tenant_id: str, record_id: int, team_id: int | None, user_id: int) -> bool:
        """Someone other than the owner on a restricted record: on its access list, a follower, or on its team."""
        row = self._one(
            "SELECT 1 AS yes WHERE EXISTS (SELECT 1 FROM record_access WHERE tenant_id = ? AND record_id = ? AND user_id = ?)"
            " OR EXISTS (SELECT 1 FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?)"
            " OR EXISTS (SELECT 1 FROM team_members WHERE tenant_id = ? AND team_id = ? AND user_id = ?)",
            [tenant_id, record_id, user_id, tenant_id, record_id, user_id, tenant_id, team_id or 0, user_id],
        )
        return row is not None

    def set_visibility(
        self, tenant_id: str, record_id: int, visibility: Visibility, team_id: int | None, now: str
    ) -> None:
        """The record's visibility (its version bumped). Restricted: its owner and followers are on its access
        list from now on; everyone's: the list is emptied (making it private again starts from its followers)."""
        if visibility is not Visibility.EVERYONE:  # the list first: the search index's tokens are made once, below
            for source in (
                "SELECT tenant_id, record_id, user_id, ? FROM followers WHERE tenant_id = ? AND record_id = ?",
                "SELECT tenant_id, id, owner_id, ? FROM records WHERE tenant_id = ? AND id = ?",
            ):
                self.db.execute(
                    f"INSERT INTO record_access (tenant_id, record_id, user_id, granted_at) {source}"
                    " ON CONFLICT (record_id, user_id) DO NOTHING",
                    [now, tenant_id, record_id],
                )
        self.db.execute(
            "UPDATE records SET visibility = ?, team_id = ?, version = version + 1, updated_at = ?"
            " WHERE tenant_id = ? AND id = ?",
            [stored(Visibility, visibility), team_id, now, tenant_id, record_id],
        )
        if visibility is Visibility.EVERYONE:
            self.db.execute("DELETE FROM record_access WHERE tenant_id = ? AND record_id = ?", [tenant_id, record_id])

    def grant(self, tenant_id: str, record_id: int, user_id: int, granted_by: int, now: str) -> bool:
        """On the access list (False: they were already)."""
        cursor = self.db.execute(
            "INSERT INTO record_access (tenant_id, record_id, user_id, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, user_id) DO NOTHING",
            [tenant_id, record_id, user_id, granted_by, now],
        )
        return cursor.rowcount == 1

    def revoke(self, tenant_id: str, record_id: int, user_id: int) -> bool:
        cursor = self.db.execute(
            "DELETE FROM record_access WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        )
        return cursor.rowcount > 0

    def copy_access(self, tenant_id: str, from_id: int, to_id: int) -> None:
        """A converted lead's access list goes to its opportunity."""
        self.db.execute(
            "INSERT INTO record_access (tenant_id, record_id, user_id, granted_by, granted_at)"
            " SELECT tenant_id, ?, user_id, granted_by, granted_at FROM record_access WHERE tenant_id = ? AND record_id = ?"
            " ON CONFLICT (record_id, user_id) DO NOTHING",
            [to_id, tenant_id, from_id],
        )

    def readers(self, tenant_id: str, record_id: int, team_id: int | None, limit: int) -> list[User]:
        """People who may see a restricted record, for its card's per-viewer refresh: its access list first
        (shares and followers), then its team's members; only those whose Teams id is known."""
        rows = self._all(
            f"SELECT {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))}, min(k.rank) AS first_rank"
            " FROM (SELECT user_id, 0 AS rank FROM record_access WHERE tenant_id = ? AND record_id = ?"
            " UNION ALL SELECT user_id, 1 AS rank FROM team_members WHERE tenant_id = ? AND team_id = ?) k"
            " JOIN users u ON u.tenant_id = ? AND u.id = k.user_id WHERE u.teams_id IS NOT NULL"
            " GROUP BY u.id, u.tenant_id, u.name, u.teams_id, u.aad_object_id, u.email ORDER BY first_rank, u.id LIMIT ?",
            [tenant_id, record_id, tenant_id, team_id or 0, tenant_id, limit],
        )
        return [_user(r) for r in rows]

    # --- the organisation's default ----------------------------------------------------------------

    def default_visibility(self, tenant_id: str) -> Visibility:
        row = self._one("SELECT default_visibility FROM tenants WHERE id = ?", [tenant_id])
        found = row[0] if row else None
        return Visibility(found) if found else Visibility.EVERYONE

    def set_default_visibility(self, tenant_id: str, visibility: Visibility) -> None:
        self.db.execute(
            "UPDATE tenants SET default_visibility = ? WHERE id = ?", [stored(Visibility, visibility), tenant_id]
        )

    # --- teams and their rosters ---------------------------------------------------------------------

    def learn_team(self, tenant_id: str, team_key: str, name: str | None, service_url: str | None, now: str) -> int:
        """The team (Teams' id `team_key`) as installed, its name and service URL kept up to date; its row id."""
        self._lock("teams", tenant_id)
        return self._new_id(
            "INSERT INTO teams (tenant_id, team_key, name, service_url, installed, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (tenant_id, team_key) DO UPDATE SET"
            " name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE teams.name END,"
            " service_url = COALESCE(excluded.service_url, teams.service_url), installed = 1 RETURNING id",
            [tenant_id, team_key, name or "", service_url, now],
        )

    def team(self, tenant_id: str, team_key: str) -> tuple[int, str, str | None, bool] | None:
        """id, name, when its roster was last read, installed."""
        row = self._one(
            "SELECT id, name, roster_at, installed FROM teams WHERE tenant_id = ? AND team_key = ?",
            [tenant_id, team_key],
        )
        return (int(row["id"]), row["name"], row["roster_at"], bool(row["installed"])) if row else None

    def team_name(self, tenant_id: str, team_id: int) -> str | None:
        row = self._one("SELECT name FROM teams WHERE tenant_id = ? AND id = ?", [tenant_id, team_id])
        return row[0] if row else None

    def teams(self, tenant_id: str, limit: int = 100) -> list[tuple[int, str]]:
        """The teams the bot is installed in, by name: (id, name)."""
        rows = self._all(
            "SELECT id, name FROM teams WHERE tenant_id = ? AND installed = 1 AND name <> ''"
            " ORDER BY name COLLATE NOCASE, id LIMIT ?",
            [tenant_id, limit],
        )
        return [(int(r["id"]), r["name"]) for r in rows]

    def set_roster(self, tenant_id: str, team_id: int, user_ids: list[int], now: str) -> None:
        """The team's members are exactly these (a full read of its roster)."""
        self.db.execute("DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?", [tenant_id, team_id])
        if user_ids:
            for start in range(0, len(user_ids), 500):
                chunk = user_ids[start : start + 500]
                values = ", ".join("(?, ?, ?)" for _ in chunk)
                self.db.execute(
                    f"INSERT INTO team_members (tenant_id, team_id, user_id) VALUES {values}"
                    " ON CONFLICT (team_id, user_id) DO NOTHING",
                    [v for user_id in chunk for v in (tenant_id, team_id, user_id)],
                )
        self.db.execute("UPDATE teams SET roster_at = ? WHERE tenant_id = ? AND id = ?", [now, tenant_id, team_id])

    def add_member(self, tenant_id: str, team_id: int, user_id: int) -> None:
        self.db.execute(
            "INSERT INTO team_members (tenant_id, team_id, user_id) VALUES (?, ?, ?)"
            " ON CONFLICT (team_id, user_id) DO NOTHING",
            [tenant_id, team_id, user_id],
        )

    def remove_member(self, tenant_id: str, team_id: int, user_id: int) -> None:
        self.db.execute(
            "DELETE FROM team_members WHERE tenant_id = ? AND team_id = ? AND user_id = ?",
            [tenant_id, team_id, user_id],
        )

    def is_member(self, tenant_id: str, team_id: int, user_id: int) -> bool:
        row = self._one(
            "SELECT 1 FROM team_members WHERE tenant_id = ? AND team_id = ? AND user_id = ?",
            [tenant_id, team_id, user_id],
        )
        return row is not None

    def team_removed(self, tenant_id: str, team_id: int) -> None:
        """The bot left the team: its roster can no longer be kept, so nobody sees a record through it."""
        self.db.execute("DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?", [tenant_id, team_id])
        self.db.execute(
            "UPDATE teams SET installed = 0, roster_at = NULL WHERE tenant_id = ? AND id = ?", [tenant_id, team_id]
        )
