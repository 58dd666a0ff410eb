"""Queries for erasure on a data-protection request: the person's data scrubbed from every table that can
hold it, the full-text indexes included, and the erasure logged."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Contact
from storage.extension import SPAN
from storage.queries import Queries

ERASED_NAME = "erased contact"
# Free text that may carry a person's name or email: (table, id column, text columns).
_FREE_TEXT = (
    ("events", "id", ("old", "new", "detail")),
    ("comments", "id", ("text",)),
    ("records", "id", ("title", "description", "next_step")),
    ("email_sends", "send_id", ("reason",)),
    ("notifications", "id", ("last_error",)),
    ("meetings", "id", ("subject", "agenda", "attendees", "reason")),  # attendees: JSON, its strings replaced
)


class ErasureQueries(Queries):
    """repo.erasures"""

    def scrub_text(self, tenant_id: str, needles: list[str], replacement: str) -> int:
        """Replace every occurrence of the needles (case-insensitive) in the tenant's free text; rows changed."""
        changed = 0
        for table, key, columns in _FREE_TEXT:
            hits = " OR ".join(
                f"lower({c}) LIKE '%' || lower(:n{i}) || '%'" for c in columns for i in range(len(needles))
            )
            params: dict[str, Any] = {"t": tenant_id, **{f"n{i}": n for i, n in enumerate(needles)}}
            rows = self._all(
                f"SELECT {key}, {', '.join(columns)} FROM {table} WHERE tenant_id = :t AND ({hits})", params
            )
            for row in rows:
                values = [_replace_all(row[c], needles, replacement) for c in columns]
                sets = ", ".join(f"{c} = ?" for c in columns)
                self.db.execute(
                    f"UPDATE {table} SET {sets} WHERE tenant_id = ? AND {key} = ?", [*values, tenant_id, row[key]]
                )
                changed += 1
        return changed

    def erase_contact_row(self, tenant_id: str, contact: Contact, now: str) -> None:
        """The row stays (the records keep a role, shown as "erased contact"); its data goes, from the
        full-text index too, whose segments are then merged so no old term survives in the file."""
        self.db.execute(
            "UPDATE contacts SET name = ?, email = NULL, phone = NULL, company = NULL, job_title = NULL,"
            " erased_at = ? WHERE tenant_id = ? AND id = ?",
            [ERASED_NAME, now, tenant_id, contact.id],
        )
        if self.dialect.postgres:  # the generated search column followed the row
            return
        self.db.execute(
            "INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company) VALUES ('delete', ?, ?, NULL, NULL)",
            [contact.id, ERASED_NAME],
        )
        self.db.execute(
            "DELETE FROM contact_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = ?) * ? - ?",
            [tenant_id, SPAN, contact.id],
        )
        for index in ("contacts_fts", "records_fts", "contact_search", "record_search"):
            self.db.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")

    def log_erasure(self, tenant_id: str, contact_id: int, actor_id: int, records: int, events: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO erasures (tenant_id, contact_id, actor_id, records, events, at) VALUES (?, ?, ?, ?, ?, ?)",
            [tenant_id, contact_id, actor_id, records, events, now],
        )

    def secure_delete(self) -> None:
        """SQLite: deleted and overwritten content is zeroed in the file (this connection, from now on).
        PostgreSQL keeps dead row versions until VACUUM reclaims them (autovacuum, or run it after an erasure)."""
        if not self.dialect.postgres:
            self.db.execute("PRAGMA secure_delete = ON")

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database and empty it, so no old page lingers there."""
        if not self.dialect.postgres:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _replace_all(value: str | None, needles: list[str], replacement: str) -> str | None:
    if value is None:
        return None
    lowered = value
    for needle in sorted(needles, key=len, reverse=True):
        start = lowered.lower().find(needle.lower())
        while start >= 0:
            lowered = lowered[:start] + replacement + lowered[start + len(needle) :]
            start = lowered.lower().find(needle.lower(), start + len(replacement))
    return lowered
