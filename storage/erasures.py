"""Queries for erasure on a data-protection request: the person's data scrubbed from every table that can
hold it, the full-text indexes included, and the erasure logged."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.models import Contact, ImportStatus
from storage.queries import Queries, stored

ERASED_NAME = "erased contact"
# Free text that may carry a person's name or email: (table, id column, its record's column, text columns).
_FREE_TEXT = (
    ("events", "id", "record_id", ("old", "new", "detail")),
    ("comments", "id", "record_id", ("text",)),
    ("tasks", "id", "record_id", ("text", "note")),
    ("records", "id", "id", ("title", "description", "next_step", "lost_note", "custom_text")),
    ("email_sends", "send_id", "record_id", ("reason",)),
    ("notifications", "id", "record_id", ("last_error",)),
    ("contact_imports", "id", "NULL", ("file_name",)),
    # attendees: JSON, its strings replaced
    ("meetings", "id", "record_id", ("subject", "agenda", "attendees", "reason")),
)


class ErasureQueries(Queries):
    """repo.erasures"""

    def scrub_text(self, tenant_id: str, needles: list[str], replacement: str) -> list[int | None]:
        """Replace every occurrence of the needles (case-insensitive) in the tenant's free text: for each row
        changed, the id of the record it belongs to (None for a row of no record)."""
        changed: list[int | None] = []
        for table, key, record, columns in _FREE_TEXT:
            hits = " OR ".join(
                f"lower({c}) LIKE '%' || lower(:n{i}) || '%'" for c in columns for i in range(len(needles))
            )
            params: dict[str, Any] = {"t": tenant_id, **{f"n{i}": n for i, n in enumerate(needles)}}
            rows = self._all(
                f"SELECT {key}, {record} AS of_record, {', '.join(columns)} FROM {table} WHERE tenant_id = :t"
                f" AND ({hits})",
                params,
            )
            for row in rows:
                values = [_replace_all(row[c], needles, replacement) for c in columns]
                sets = ", ".join(f"{c} = ?" for c in columns)
                self.db.execute(
                    f"UPDATE {table} SET {sets} WHERE tenant_id = ? AND {key} = ?", [*values, tenant_id, row[key]]
                )
                changed.append(None if row["of_record"] is None else int(row["of_record"]))
        return changed

    def withdraw_imports(self, tenant_id: str, needles: list[str]) -> int:
        """Every pending import preview of the tenant with a row naming the person (any field holding a needle,
        case-insensitive) is withdrawn: its rows go, and its Import says why. The previews withdrawn."""
        wanted = [n.casefold() for n in needles]
        rows = self._all(
            "SELECT i.id, i.rows_json FROM contact_imports i WHERE i.tenant_id = ? AND i.status = ?"
            + self._for_update("i"),
            [tenant_id, stored(ImportStatus, ImportStatus.PENDING)],
        )
        withdrawn = 0
        for row in rows:
            cells = [str(cell).casefold() for values in json.loads(row["rows_json"]) for cell in values if cell]
            if any(needle in cell for cell in cells for needle in wanted):
                self.db.execute(
                    "UPDATE contact_imports SET status = ?, rows_json = '[]' WHERE tenant_id = ? AND id = ?",
                    [stored(ImportStatus, ImportStatus.WITHDRAWN), tenant_id, row["id"]],
                )
                withdrawn += 1
        return withdrawn

    def scrub_values(self, tenant_id: str, needles: list[str], replacement: str) -> int:
        """Custom fields' text values (JSON beside each record) that name the person: the needles replaced inside
        each value, read and written back as JSON (a LIKE finds the rows; JSON escapes are undone first)."""
        changed = 0
        hits = " OR ".join(f"lower(custom) LIKE '%' || lower(:n{i}) || '%'" for i in range(len(needles)))
        params: dict[str, Any] = {"t": tenant_id, **{f"n{i}": n for i, n in enumerate(needles)}}
        for row in self._all(f"SELECT id, custom FROM records WHERE tenant_id = :t AND ({hits})", params):
            try:
                values = json.loads(row["custom"])
            except ValueError:
                continue
            scrubbed = {
                k: _replace_all(v, needles, replacement) if isinstance(v, str) else v for k, v in values.items()
            }
            if scrubbed != values:
                self.db.execute(
                    "UPDATE records SET custom = ? WHERE tenant_id = ? AND id = ?",
                    [
                        json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
                        tenant_id,
                        row["id"],
                    ],
                )
                changed += 1
        return changed

    def erase_contact_row(self, tenant_id: str, contact: Contact, now: str) -> None:
        """The row stays (the records keep a role, shown as "erased contact"); its data goes, from the
        full-text indexes too (their triggers), whose segments are then merged so no old term survives in the file."""
        self.db.execute(
            "UPDATE contacts SET name = ?, email = NULL, phone = NULL, company = NULL, job_title = NULL, custom = NULL,"
            " erased_at = ? WHERE tenant_id = ? AND id = ?",
            [ERASED_NAME, now, tenant_id, contact.id],
        )
        self.db.execute("DELETE FROM merged_contacts WHERE tenant_id = ? AND contact_id = ?", [tenant_id, contact.id])
        if self.dialect.postgres:  # the generated search column followed the row
            return
        # The triggers of migration 21 took the erased row out of contacts_fts and contact_search.
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
