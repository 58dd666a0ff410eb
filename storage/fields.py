"""Queries of custom fields: the organisation's field definitions (a removed one keeps its row), and the
values of records and contacts, kept as JSON beside them (migration 27)."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.fields import AppliesTo, CustomField, FieldType
from storage.queries import Queries, by_value, stored

_FIELD_COLUMNS = "id, tenant_id, applies_to, name, type, choices, removed_at"
_APPLIES = by_value(AppliesTo)
_TYPES = by_value(FieldType)


def _field(row: Any) -> CustomField:
    choices = tuple(json.loads(row["choices"])) if row["choices"] else ()
    return CustomField(
        id=int(row["id"]), tenant_id=row["tenant_id"], applies_to=_APPLIES[row["applies_to"]], name=row["name"],
        type=_TYPES[row["type"]], choices=choices, removed_at=row["removed_at"],
    )  # fmt: skip


class FieldQueries(Queries):
    """repo.fields"""

    # --- definitions ---------------------------------------------------------------------------

    def definitions(self, tenant_id: str) -> list[CustomField]:
        """The organisation's fields (not removed), in the order they were added."""
        rows = self._all(
            f"SELECT {_FIELD_COLUMNS} FROM custom_fields WHERE tenant_id = ? AND removed_at IS NULL ORDER BY id",
            [tenant_id],
        )
        return [_field(r) for r in rows]

    def field(self, tenant_id: str, field_id: int) -> CustomField | None:
        """A field by id, removed or not (a form may still carry a removed one)."""
        row = self._one(
            f"SELECT {_FIELD_COLUMNS} FROM custom_fields WHERE tenant_id = ? AND id = ?", [tenant_id, field_id]
        )
        return _field(row) if row else None

    def fields_by_ids(self, tenant_id: str, field_ids: list[int]) -> list[CustomField]:
        if not field_ids:
            return []
        marks = ", ".join("?" for _ in field_ids)
        rows = self._all(
            f"SELECT {_FIELD_COLUMNS} FROM custom_fields WHERE tenant_id = ? AND id IN ({marks})",
            [tenant_id, *field_ids],
        )
        return [_field(r) for r in rows]

    def lock_definitions(self, tenant_id: str) -> None:
        """Two admins adding fields at once count and name them one after the other (PostgreSQL)."""
        self._lock("custom fields", tenant_id)

    def add_field(
        self, tenant_id: str, applies_to: AppliesTo, name: str, kind: FieldType, choices: tuple[str, ...],
        actor_id: int, now: str,
    ) -> CustomField:  # fmt: skip
        field_id = self._new_id(
            "INSERT INTO custom_fields (tenant_id, applies_to, name, type, choices, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                tenant_id, stored(AppliesTo, applies_to), name, stored(FieldType, kind),
                json.dumps(list(choices), ensure_ascii=False) if choices else None, actor_id, now,
            ],
        )  # fmt: skip
        return CustomField(field_id, tenant_id, applies_to, name, kind, choices)

    def rename_field(self, tenant_id: str, field_id: int, name: str) -> None:
        self.db.execute("UPDATE custom_fields SET name = ? WHERE tenant_id = ? AND id = ?", [name, tenant_id, field_id])

    def remove_field(self, tenant_id: str, field_id: int, now: str) -> None:
        self.db.execute(
            "UPDATE custom_fields SET removed_at = ? WHERE tenant_id = ? AND id = ? AND removed_at IS NULL",
            [now, tenant_id, field_id],
        )

    # --- values --------------------------------------------------------------------------------

    def records_holding(self, tenant_id: str, field_id: int) -> list[tuple[int, str]]:
        """(id, custom) of the records with a value for the field (its key in their JSON)."""
        rows = self._all(
            "SELECT id, custom FROM records WHERE tenant_id = ? AND custom LIKE ? ORDER BY id",
            [tenant_id, f'%"{int(field_id)}":%'],
        )
        return [(int(r["id"]), r["custom"]) for r in rows]

    def set_search_text(self, tenant_id: str, record_id: int, text: str | None) -> None:
        self.db.execute(
            "UPDATE records SET custom_text = ? WHERE tenant_id = ? AND id = ?", [text, tenant_id, record_id]
        )

    def contact_values(self, tenant_id: str, contact_id: int) -> str | None:
        row = self._one("SELECT custom FROM contacts WHERE tenant_id = ? AND id = ?", [tenant_id, contact_id])
        return row["custom"] if row else None

    def contacts_values(self, tenant_id: str) -> dict[int, str]:
        """Every contact's values that has any (an export reads them once)."""
        rows = self._all(
            "SELECT id, custom FROM contacts WHERE tenant_id = ? AND custom IS NOT NULL AND erased_at IS NULL",
            [tenant_id],
        )
        return {int(r["id"]): r["custom"] for r in rows}

    def set_contact_values(self, tenant_id: str, contact_id: int, custom: str | None) -> None:
        self.db.execute(
            "UPDATE contacts SET custom = ? WHERE tenant_id = ? AND id = ?", [custom, tenant_id, contact_id]
        )

    def user_names(self, tenant_id: str, user_ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """Colleagues' names and Entra object ids by user id (a colleague field's values)."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = self._all(
            f"SELECT id, name, aad_object_id FROM users WHERE tenant_id = ? AND id IN ({marks})", [tenant_id, *user_ids]
        )
        return {int(r["id"]): (r["name"] or "", r["aad_object_id"]) for r in rows}

    def contacts_holding(self, tenant_id: str, field_id: int) -> list[tuple[int, str]]:
        """(id, custom) of the contacts with a value for the field."""
        rows = self._all(
            "SELECT id, custom FROM contacts WHERE tenant_id = ? AND custom LIKE ? ORDER BY id",
            [tenant_id, f'%"{int(field_id)}":%'],
        )
        return [(int(r["id"]), r["custom"]) for r in rows]

    def set_record_values(self, tenant_id: str, record_id: int, custom: str | None, text: str | None) -> None:
        """A record's values rewritten without bumping its version (a removed field taken out of them)."""
        self.db.execute(
            "UPDATE records SET custom = ?, custom_text = ? WHERE tenant_id = ? AND id = ?",
            [custom, text, tenant_id, record_id],
        )
