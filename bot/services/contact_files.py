"""Use cases of contacts in and out as files: preview a CSV file (parsed once, kept server-side for its
sender until confirmed, cancelled or an hour has passed), import it in one transaction, and build the
tenant's contacts or records as a CSV file."""

from __future__ import annotations

import json
import uuid

from bot.domain.clock import shifted
from bot.domain.contact_csv import FIELDS, ImportPreview, ImportResult, ImportRow, Offered, parse
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import FileOfferStatus, Kind, User
from bot.domain.money import as_decimal
from bot.domain.quotas import QuotaKind
from bot.domain.spreadsheet import csv_file
from bot.services.work import UnitOfWork

IMPORT_MINUTES = 60  # how long a previewed import waits for its Import click
FIRST_ROWS = 5  # rows a preview shows
GONE = N_("This import no longer exists (it expired, or it is not yours). Send the file again.")
OFFER_DAYS = 7  # answered or not, an offer is forgotten this long after it was made (when another is made)
OFFER_GONE = N_("That file offer is out of date; ask again.")
_ANSWERED = {
    FileOfferStatus.SENDING: N_("{what}.csv is being sent; say export {what} for a new one."),
    FileOfferStatus.SENT: N_("{what}.csv was already sent; say export {what} for a new one."),
    FileOfferStatus.FAILED: N_("{what}.csv was already tried, and its upload failed; say export {what} for a new one."),
    FileOfferStatus.DECLINED: N_("{what}.csv was declined; say export {what} for a new one."),
}
_ANSWERED_ELSE = N_("{what}.csv was already answered; say export {what} for a new one.")
CONTACT_HEADER = ("Name", "Email", "Company", "Phone", "Job title")
RECORD_HEADER = ("Ref", "Kind", "Title", "Stage", "Company", "Value", "Currency", "Close date", "Next step",
                 "Owner", "Contact", "Contact email", "Created", "Updated", "Archived")  # fmt: skip


def _row_json(row: ImportRow) -> list[object]:
    return [row.line, row.name, row.email, row.company, row.phone, row.job_title]


def _row_of(values: list[object]) -> ImportRow:
    line, name, email, company, phone, job_title = values
    return ImportRow(int(str(line)), str(name), *(str(v) if v is not None else None for v in (email, company, phone,
                                                                                            job_title)))  # fmt: skip


class ContactFileCases:
    def __init__(self, work: UnitOfWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock

    def preview_import(self, actor: User, file_name: str, data: bytes) -> ImportPreview:
        """Read the file (NotReadable says why not) and keep what it would import for the Import click."""
        parsed = parse(data)
        emails = [row.email for row in parsed.rows if row.email]
        matching = len(self.repo.contact_files.contacts_by_emails(actor.tenant_id, emails)) if emails else 0
        import_id = None
        if parsed.rows:
            import_id = uuid.uuid4().hex
            now = self.clock()
            rows_json = json.dumps([_row_json(row) for row in parsed.rows], ensure_ascii=False)
            with self.work.writing():
                self.repo.contact_files.save_import(
                    import_id, actor.tenant_id, actor.id, file_name[:200], rows_json, now,
                    shifted(now, IMPORT_MINUTES * 60),
                )  # fmt: skip
        return ImportPreview(
            import_id, file_name, len(parsed.rows) - matching, matching, parsed.refused,
            tuple(parsed.rows[:FIRST_ROWS]),
        )  # fmt: skip

    def confirm_import(self, actor: User, import_id: str, update_matching: bool) -> ImportResult:
        """Import the sender's pending rows, all or nothing; a second confirm changes nothing."""
        tenant = actor.tenant_id
        with self.work.writing():
            found = self.repo.contact_files.pending_import(tenant, actor.id, import_id)
            if found is None or (found[0] == "pending" and found[1] < self.clock()):
                raise NotFound(translated(GONE), "import")
            if found[0] != "pending":
                raise DomainError(_already(found[0]), "import")
            rows = [_row_of(values) for values in json.loads(found[2])]
            self.work.quotas.spend(QuotaKind.CONTACTS, tenant, actor.id)
            existing = self.repo.contact_files.contacts_by_emails(tenant, [r.email for r in rows if r.email])
            new, updated = [], 0
            for row in rows:
                contact = existing.get(row.email.casefold()) if row.email else None
                values = {f: getattr(row, f) for f in FIELDS}
                if contact is None:
                    new.append(values)
                elif update_matching:
                    kept = {f: values[f] or getattr(contact, f) for f in FIELDS}
                    self.repo.contacts.update_contact(tenant, contact.id, kept | {"email": contact.email})
                    updated += 1
            self.repo.contact_files.add_contacts(tenant, new, actor.id, self.clock())
            self.repo.contact_files.set_import_status(tenant, import_id, "imported")
        return ImportResult(len(new), updated, len(rows) - len(new) - updated)

    def cancel_import(self, actor: User, import_id: str) -> None:
        with self.work.writing():
            found = self.repo.contact_files.pending_import(actor.tenant_id, actor.id, import_id)
            if found is None:
                raise NotFound(translated(GONE), "import")
            if found[0] != "pending":
                raise DomainError(_already(found[0]), "import")
            self.repo.contact_files.set_import_status(actor.tenant_id, import_id, "cancelled")

    # --- exports ---------------------------------------------------------------------------------

    def offer_export(self, actor: User, what: str) -> str:
        """A file offered to the person: the id its consent card carries (an answer names one of these)."""
        offer_id, now = uuid.uuid4().hex, self.clock()
        with self.work.writing():
            self.repo.contact_files.save_offer(
                offer_id, actor.tenant_id, actor.id, what, now, shifted(now, -OFFER_DAYS * 86400)
            )
        return offer_id

    def offer_posted(self, actor: User, offer_id: str, conversation_id: str, message_id: str) -> None:
        """Where the offer's consent card was posted, so that it can be replaced once answered (one statement)."""
        self.repo.contact_files.set_offer_message(actor.tenant_id, offer_id, conversation_id, message_id)

    def answer_offer(self, actor: User, offer_id: str, accepted: bool) -> Offered:
        """The person's answer to one of their own offers, taken once: an accept starts sending it, a decline
        closes it. An offer never made, or made to someone else, is NotFound; one already answered says how."""
        with self.work.writing():
            found = self.repo.contact_files.offer(actor.tenant_id, actor.id, offer_id)
            if found is None:
                raise NotFound(translated(OFFER_GONE), "offer")
            if found.status != FileOfferStatus.OFFERED:
                answered = _ANSWERED.get(FileOfferStatus(found.status), _ANSWERED_ELSE)
                raise DomainError(translated(answered, what=found.what), "offer")
            status = FileOfferStatus.SENDING if accepted else FileOfferStatus.DECLINED
            self.repo.contact_files.set_offer_status(actor.tenant_id, offer_id, status, self.clock())
            return found

    def offer_sent(self, actor: User, offer_id: str, sent: bool) -> None:
        status = FileOfferStatus.SENT if sent else FileOfferStatus.FAILED
        with self.work.writing():
            self.repo.contact_files.set_offer_status(actor.tenant_id, offer_id, status, self.clock())

    def contacts_file(self, tenant_id: str) -> bytes:
        contacts = self.repo.contact_files.every_contact(tenant_id)
        return csv_file(CONTACT_HEADER, ((c.name, c.email, c.company, c.phone, c.job_title) for c in contacts))

    def records_file(self, tenant_id: str) -> bytes:
        rows = []
        for (kind, number, title, stage, company, value, currency, close, next_step, created, updated, archived,
             owner, contact, email) in self.repo.contact_files.every_record_row(tenant_id):  # fmt: skip
            amount = str(as_decimal(int(value), currency)) if value is not None and currency else value
            ref = f"{Kind(kind).prefix}-{number}"
            rows.append((ref, Kind(kind).value, title, stage, company, amount, currency, close, next_step, owner,
                         contact, email, created, updated, archived))  # fmt: skip
        return csv_file(RECORD_HEADER, rows)


def _already(status: str) -> str:
    if status == "imported":
        return _("This file was already imported; nothing changed.")
    return _("This file was already cancelled; nothing changed.")
