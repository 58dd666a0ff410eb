"""Queries for a deal's details, its owner and archive, the tenant's default currency, and the contact
list's upkeep: edit, merge, and erasure on a data-protection request. Each takes the tenant id first."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Record, User
from bot.domain.visibility import Reader
from storage.queries import _RECORD_COLUMNS, _USER_COLUMNS, Queries, _record, _user
from storage.visibility import visible_clause

# The record columns a detail change may set: they go into the SQL text, so only these, never a caller's.
DETAIL_COLUMNS = frozenset(
    {
        "title",
        "company",
        "value",
        "currency",
        "close_date",
        "next_step",
        "description",
        "owner_id",
        "archived_at",
        "custom",
        "custom_text",
    }
)


class DetailQueries(Queries):
    """repo.details"""

    # --- a record's details ----------------------------------------------------------------------

    def update_record_fields(self, tenant_id: str, record_id: int, now: str, **changes: Any) -> None:
        unknown = set(changes) - DETAIL_COLUMNS
        if unknown:
            raise ValueError(f"update_record_fields cannot change {sorted(unknown)}")
        sets = "".join(f"{column} = ?, " for column in changes)
        self.db.execute(
            f"UPDATE records SET {sets}version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [*changes.values(), now, tenant_id, record_id],
        )

    def default_currency(self, tenant_id: str) -> str | None:
        row = self._one("SELECT default_currency FROM tenants WHERE id = ?", [tenant_id])
        return row[0] if row else None

    def set_default_currency(self, tenant_id: str, code: str) -> None:
        self.db.execute("UPDATE tenants SET default_currency = ? WHERE id = ?", [code, tenant_id])

    def users_matching(self, tenant_id: str, text: str, limit: int = 10) -> list[User]:
        """Colleagues by email or UPN (exact), else by name (exact, then starting with the text)."""
        for where, value in (
            ("(email = ? COLLATE NOCASE OR upn = ? COLLATE NOCASE)", [text, text]),
            ("name = ? COLLATE NOCASE", [text]),
            (
                "lower(name) LIKE lower(?) ESCAPE '\\'",
                [text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
            ),
        ):
            rows = self._all(
                f"SELECT {_USER_COLUMNS} FROM users WHERE tenant_id = ? AND {where} ORDER BY name, id LIMIT ?",
                [tenant_id, *value, limit],
            )
            if rows:
                return [_user(r) for r in rows]
        return []

    def open_records_of_contact(self, tenant_id: str, contact_id: int, reader: Reader | None = None) -> list[Record]:
        """The open records a contact is on (those `reader` may see, when given)."""
        visible, seen_by = visible_clause(reader) if reader is not None else ("", [])
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r JOIN record_contacts rc"
            " ON rc.tenant_id = r.tenant_id AND rc.record_id = r.id"
            " WHERE rc.tenant_id = ? AND rc.contact_id = ? AND r.archived_at IS NULL"
            f" AND r.stage NOT IN ('Won', 'Lost', 'Disqualified', 'Converted'){visible} ORDER BY r.kind, r.number",
            [tenant_id, contact_id, *seen_by],
        )
        return [_record(r) for r in rows]

    def records_of_contact(
        self, tenant_id: str, contact_id: int, reader: Reader | None = None
    ) -> list[tuple[Record, str]]:
        """Every record the contact is on, with their role there (those `reader` may see, when given)."""
        visible, seen_by = visible_clause(reader) if reader is not None else ("", [])
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS}, rc.role FROM records r JOIN record_contacts rc"
            " ON rc.tenant_id = r.tenant_id AND rc.record_id = r.id"
            f" WHERE rc.tenant_id = ? AND rc.contact_id = ?{visible} ORDER BY r.kind, r.number",
            [tenant_id, contact_id, *seen_by],
        )
        return [(_record(r), r["role"]) for r in rows]
