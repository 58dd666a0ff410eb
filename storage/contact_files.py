"""Queries for contacts in and out as files: the pending imports (tenant and sender scoped, expiring), the
contacts a file's emails match, and the tenant's contacts and records read whole for an export."""

from __future__ import annotations

from typing import Any

from bot.domain.contact_csv import Offered
from bot.domain.models import Contact, FileOfferStatus, ImportStatus
from bot.domain.visibility import Reader
from storage.queries import _CONTACT_COLUMNS, Queries, _contact, stored
from storage.visibility import visible_clause

EMAILS_PER_QUERY = 500  # one statement shape (the last chunk is padded), so the PostgreSQL spelling is cached


class ContactFileQueries(Queries):
    """repo.contact_files"""

    # --- pending imports -------------------------------------------------------------------------

    def save_import(
        self, import_id: str, tenant_id: str, user_id: int, file_name: str, rows_json: str, now: str, until: str
    ) -> None:
        self.db.execute("DELETE FROM contact_imports WHERE tenant_id = ? AND expires_at < ?", [tenant_id, now])
        self.db.execute(
            "INSERT INTO contact_imports (id, tenant_id, user_id, file_name, rows_json, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [import_id, tenant_id, user_id, file_name, rows_json, now, until],
        )

    def pending_import(self, tenant_id: str, user_id: int, import_id: str) -> tuple[str, str, str] | None:
        """(status, expires_at, rows_json) of the sender's own import; locked until the transaction ends."""
        row = self._one(
            "SELECT i.status, i.expires_at, i.rows_json FROM contact_imports i"
            " WHERE i.tenant_id = ? AND i.user_id = ? AND i.id = ?" + self._for_update("i"),
            [tenant_id, user_id, import_id],
        )
        return (row["status"], row["expires_at"], row["rows_json"]) if row else None

    def set_import_status(self, tenant_id: str, import_id: str, status: str) -> None:
        self.db.execute(
            "UPDATE contact_imports SET status = ?, rows_json = '[]' WHERE tenant_id = ? AND id = ?",
            [stored(ImportStatus, status), tenant_id, import_id],
        )

    # --- files offered through a consent card ----------------------------------------------------

    def save_offer(self, offer_id: str, tenant_id: str, user_id: int, what: str, now: str, forget_before: str) -> None:
        self.db.execute("DELETE FROM file_offers WHERE tenant_id = ? AND created_at < ?", [tenant_id, forget_before])
        self.db.execute(
            "INSERT INTO file_offers (id, tenant_id, user_id, what, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [offer_id, tenant_id, user_id, what, stored(FileOfferStatus, FileOfferStatus.OFFERED), now],
        )

    def set_offer_message(self, tenant_id: str, offer_id: str, conversation_id: str, message_id: str) -> None:
        self.db.execute(
            "UPDATE file_offers SET conversation_id = ?, message_id = ? WHERE tenant_id = ? AND id = ?",
            [conversation_id, message_id, tenant_id, offer_id],
        )

    def offer(self, tenant_id: str, user_id: int, offer_id: str) -> Offered | None:
        """The person's own offer; locked until the transaction ends."""
        row = self._one(
            "SELECT o.id, o.what, o.status, o.conversation_id, o.message_id FROM file_offers o"
            " WHERE o.tenant_id = ? AND o.user_id = ? AND o.id = ?" + self._for_update("o"),
            [tenant_id, user_id, offer_id],
        )
        if row is None:
            return None
        return Offered(row["id"], row["what"], row["status"], row["conversation_id"], row["message_id"])

    def set_offer_status(self, tenant_id: str, offer_id: str, status: str, now: str) -> None:
        self.db.execute(
            "UPDATE file_offers SET status = ?, answered_at = ? WHERE tenant_id = ? AND id = ?",
            [stored(FileOfferStatus, status), now, tenant_id, offer_id],
        )

    # --- contacts, many at once ------------------------------------------------------------------

    def contacts_by_emails(self, tenant_id: str, emails: list[str]) -> dict[str, Contact]:
        """The tenant's contacts with any of these emails, by casefolded email."""
        found: dict[str, Contact] = {}
        if self.in_transaction():
            for email in sorted({e.lower() for e in emails}):  # the same order in every transaction
                self._lock("contact email", tenant_id, email)
        for start in range(0, len(emails), EMAILS_PER_QUERY):
            chunk = emails[start : start + EMAILS_PER_QUERY]
            chunk += [chunk[-1]] * (EMAILS_PER_QUERY - len(chunk))
            marks = ", ".join("?" * EMAILS_PER_QUERY)
            rows = self._all(
                f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND email COLLATE NOCASE IN ({marks})",
                [tenant_id, *chunk],
            )
            found |= {str(c.email).casefold(): c for c in map(_contact, rows)}
        return found

    def add_contacts(self, tenant_id: str, rows: list[dict[str, Any]], created_by: int, now: str) -> None:
        for row in rows:
            self.db.execute(
                "INSERT INTO contacts (tenant_id, name, email, phone, company, job_title, custom, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tenant_id, row["name"], row["email"], row["phone"], row["company"], row["job_title"],
                 row.get("custom"), created_by, now],
            )  # fmt: skip

    # --- exports ---------------------------------------------------------------------------------

    def every_contact(self, tenant_id: str) -> list[Contact]:
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND erased_at IS NULL"
            " ORDER BY name COLLATE NOCASE, id",
            [tenant_id],
        )
        return [_contact(r) for r in rows]

    def every_record_row(self, reader: Reader) -> list[tuple[Any, ...]]:
        """kind, number, title, stage, company, value (minor units), currency, close date, next step, created,
        updated, archived, owner's name, Contact's name and email, pipeline's name, lost reason and note, custom
        values (JSON): the tenant's records the reader may see, oldest first."""
        visible, seen_by = visible_clause(reader)
        return [
            tuple(row)
            for row in self._all(
                "SELECT r.kind, r.number, r.title, r.stage, r.company, r.value, r.currency, r.close_date,"
                " r.next_step, r.created_at, r.updated_at, r.archived_at, u.name, c.name, c.email, p.name,"
                " r.lost_reason, r.lost_note, r.custom"
                " FROM records r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.owner_id"
                " LEFT JOIN pipelines p ON p.tenant_id = r.tenant_id AND p.id = r.pipeline_id"
                " LEFT JOIN record_contacts rc ON rc.tenant_id = r.tenant_id AND rc.record_id = r.id"
                " AND rc.role = 'contact'"
                " LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
                f" WHERE r.tenant_id = ?{visible} ORDER BY r.kind, r.number",
                [reader.tenant_id, *seen_by],
            )
        ]
