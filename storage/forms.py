"""Queries about create forms already submitted (the idempotency key a create form carries)."""

from __future__ import annotations

from storage.queries import Queries


class FormQueries(Queries):
    """repo.forms"""

    def form_submit(self, tenant_id: str, form_key: str) -> tuple[int | None, int | None] | None:
        """What the form with this key created: (record id, contact id), or None when it was never submitted."""
        self._lock("form_submit", tenant_id, form_key)  # two submits at once: the second waits, then reads
        row = self._one(
            "SELECT record_id, contact_id FROM form_submits WHERE tenant_id = ? AND form_key = ?", [tenant_id, form_key]
        )
        return (row["record_id"], row["contact_id"]) if row else None

    def add_form_submit(
        self, tenant_id: str, form_key: str, record_id: int | None, contact_id: int | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT INTO form_submits (tenant_id, form_key, record_id, contact_id, created_at) VALUES (?, ?, ?, ?, ?)",
            [tenant_id, form_key, record_id, contact_id, now],
        )
