"""Use cases of contacts in and out as files: preview a CSV file (parsed once, kept server-side for its
sender until confirmed, cancelled or an hour has passed; withdrawn if it holds a contact erased meanwhile),
import it in one transaction, and build the tenant's contacts or records as a CSV file."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.domain.clock import shifted
from bot.domain.contact_csv import BAD_VALUE, FIELDS, ImportPreview, ImportResult, ImportRow, Offered, ParsedFile, parse
from bot.domain.errors import DomainError, NotFound
from bot.domain.fields import CustomField, FieldType, covering, encoded, read_value, typed, values_of
from bot.domain.language import N_, _, translated
from bot.domain.lost import lost_line
from bot.domain.models import FileOfferStatus, ImportStatus, Kind, User
from bot.domain.money import as_decimal
from bot.domain.pipeline import DEFAULT_NAME
from bot.domain.quotas import QuotaKind
from bot.domain.spreadsheet import csv_file
from bot.domain.visibility import Reader
from bot.services.fields import FieldCases
from bot.services.work import UnitOfWork

IMPORT_MINUTES = 60  # how long a previewed import waits for its Import click
FIRST_ROWS = 5  # rows a preview shows
GONE = N_("This import no longer exists (it expired, or it is not yours). Send the file again.")
WITHDRAWN = N_(
    "This preview held a contact whose data was erased on a data-protection request since, so it was withdrawn:"
    " nothing was imported. Send the file again (without them) to import the others."
)
OFFER_DAYS = 7  # answered or not, an offer is forgotten this long after it was made (when another is made)
OFFER_GONE = N_("That file offer is out of date; ask again.")
_ANSWERED = {
    FileOfferStatus.SENDING: N_("{what}.csv is being sent; say export {what} for a new one."),
    FileOfferStatus.SENT: N_("{what}.csv was already sent; say export {what} for a new one."),
    FileOfferStatus.FAILED: N_("{what}.csv was already tried, and its upload failed; say export {what} for a new one."),
    FileOfferStatus.DECLINED: N_("{what}.csv was declined; say export {what} for a new one."),
}
_ANSWERED_ELSE = N_("{what}.csv was already answered; say export {what} for a new one.")
# The columns, named in the reader's language (the import reads them back in any of the three).
CONTACT_HEADER = (N_("Name"), N_("Email"), N_("Company"), N_("Phone"), N_("Job title"))
RECORD_HEADER = (N_("Ref"), N_("Kind"), N_("Title"), N_("Stage"), N_("Company"), N_("Value"), N_("Currency"),
                 N_("Close date"), N_("Next step"), N_("Owner"), N_("Contact"), N_("Contact email"), N_("Created"),
                 N_("Updated"), N_("Archived"))  # fmt: skip


def _header(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(translated(column) for column in columns)


FIELDS_CHANGED = N_(
    "The custom fields changed since this file was previewed: send the file again. Nothing was imported."
)


def _row_json(row: ImportRow) -> list[object]:
    return [row.line, row.name, row.email, row.company, row.phone, row.job_title, [list(c) for c in row.custom]]


def _row_of(values: list[object]) -> ImportRow:
    line, name, email, company, phone, job_title, *rest = values
    cells = rest[0] if rest and isinstance(rest[0], list) else []
    custom = tuple((str(pair[0]), str(pair[1])) for pair in cells if isinstance(pair, list) and len(pair) == 2)
    optional = [str(v) if v is not None else None for v in (email, company, phone, job_title)]
    return ImportRow(int(str(line)), str(name), optional[0], optional[1], optional[2], optional[3], custom)


class ContactFileCases:
    def __init__(self, work: UnitOfWork, custom: FieldCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.custom = custom

    def _read_custom(self, actor: User, fields: dict[str, CustomField], row: ImportRow) -> dict[str, Any]:
        """A row's custom cells as values (DomainError for one that does not fit its field)."""
        values: dict[str, Any] = {}
        currency = self.repo.details.default_currency(actor.tenant_id) if row.custom else None
        for field_id, raw in row.custom:
            field = fields.get(field_id)
            if field is None:
                continue
            if field.type is FieldType.COLLEAGUE:
                found = self.repo.details.users_matching(actor.tenant_id, raw, 2)
                if len(found) != 1:
                    raise DomainError(translated(BAD_VALUE))
                values[field.key] = found[0].id
            else:
                values[field.key] = read_value(field, raw, self.custom.today(), currency)
        return values

    def _checked(self, actor: User, parsed: ParsedFile, fields: dict[str, CustomField]) -> ParsedFile:
        """The rows whose custom cells fit their fields; the others refused, with why."""
        kept = ParsedFile(refused=dict(parsed.refused))
        for row in parsed.rows:
            try:
                self._read_custom(actor, fields, row)
            except DomainError:
                kept.refuse(BAD_VALUE, row.line)
                continue
            kept.rows.append(row)
        for lines in kept.refused.values():
            lines.sort()
        return kept

    def preview_import(self, actor: User, file_name: str, data: bytes) -> ImportPreview:
        """Read the file (NotReadable says why not) and keep what it would import for the Import click."""
        fields = {f.key: f for f in self.custom.fields_of(actor.tenant_id, None)}
        parsed = parse(data, {f.name: f.key for f in fields.values()})
        if fields:
            parsed = self._checked(actor, parsed, fields)
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
            if found[0] == ImportStatus.WITHDRAWN:
                raise DomainError(translated(WITHDRAWN), "import")
            if found[0] != "pending":
                raise DomainError(_already(found[0]), "import")
            rows = [_row_of(values) for values in json.loads(found[2])]
            existing = self.repo.contact_files.contacts_by_emails(tenant, [r.email for r in rows if r.email])
            fields = {f.key: f for f in self.custom.fields_of(tenant, None)}
            new, updates = [], []
            for row in rows:
                contact = existing.get(row.email.casefold()) if row.email else None
                values: dict[str, Any] = {f: getattr(row, f) for f in FIELDS}
                try:
                    custom = self._read_custom(actor, fields, row)
                except DomainError:
                    raise DomainError(translated(FIELDS_CHANGED), "import") from None
                if contact is None:
                    new.append(values | {"custom": encoded(custom)})
                elif update_matching:
                    kept = {f: values[f] or getattr(contact, f) for f in FIELDS}
                    updates.append((contact.id, kept | {"email": contact.email}, custom))
            # Every contact added or updated counts, against the import budget (an hour's), before anything is written.
            self.work.quotas.spend(QuotaKind.IMPORT_ROWS, tenant, actor.id, len(new) + len(updates))
            for contact_id, kept, custom in updates:
                self.repo.contacts.update_contact(tenant, contact_id, kept)
                if custom:
                    merged = values_of(self.repo.fields.contact_values(tenant, contact_id)) | custom
                    self.repo.fields.set_contact_values(tenant, contact_id, encoded(merged))
            updated = len(updates)
            self.repo.contact_files.add_contacts(tenant, new, actor.id, self.clock())
            self.repo.contact_files.set_import_status(tenant, import_id, "imported")
        return ImportResult(len(new), updated, len(rows) - len(new) - updated)

    def cancel_import(self, actor: User, import_id: str) -> None:
        with self.work.writing():
            found = self.repo.contact_files.pending_import(actor.tenant_id, actor.id, import_id)
            if found is None:
                raise NotFound(translated(GONE), "import")
            if found[0] == ImportStatus.WITHDRAWN:
                raise DomainError(translated(WITHDRAWN), "import")
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

    def _cells(self, tenant_id: str, fields: list[CustomField], raw: str | None) -> list[str]:
        """One cell per field, as its form would hold it (what an import reads back)."""
        values = values_of(raw)
        if not values:
            return [""] * len(fields)
        shown = self.custom.values_shown(tenant_id, fields, values)
        return [typed(shown[f.key]) if f.key in shown else "" for f in fields]

    def contacts_file(self, tenant_id: str) -> bytes:
        contacts = self.repo.contact_files.every_contact(tenant_id)
        fields = self.custom.fields_of(tenant_id, None)
        values = self.repo.fields.contacts_values(tenant_id) if fields else {}
        header = (*_header(CONTACT_HEADER), *(f.name for f in fields))
        return csv_file(
            header,
            ((c.name, c.email, c.company, c.phone, c.job_title, *self._cells(tenant_id, fields, values.get(c.id)))
             for c in contacts),
        )  # fmt: skip

    def records_file(self, reader: Reader) -> bytes:
        """The records the reader may see (an admin: all of them), and one column per custom field of leads and
        opportunities (named with its kind when a lead's field and an opportunity's share a name)."""
        fields = [f for f in self.custom.fields(reader.tenant_id) if f.applies_to.value != "contact"]
        names = [f.name for f in fields]
        header = (*_header(RECORD_HEADER), _("Pipeline"), _("Lost reason"),
                  *(f"{f.name} ({f.applies_to.value})" if names.count(f.name) > 1 else f.name for f in fields))  # fmt: skip
        rows = []
        for (kind, number, title, stage, company, value, currency, close, next_step, created, updated, archived,
             owner, contact, email, pipeline, reason, note, custom) in self.repo.contact_files.every_record_row(reader):  # fmt: skip
            amount = str(as_decimal(int(value), currency)) if value is not None and currency else value
            ref = f"{Kind(kind).prefix}-{number}"
            on = covering(fields, Kind(kind))
            cells = dict(zip((f.key for f in on), self._cells(reader.tenant_id, on, custom), strict=True))
            where = pipeline or (DEFAULT_NAME if kind == Kind.OPPORTUNITY.value else "")
            rows.append((ref, Kind(kind).value, title, stage, company, amount, currency, close, next_step, owner,
                         contact, email, created, updated, archived, where, lost_line(reason, note),
                         *(cells.get(f.key, "") for f in fields)))  # fmt: skip
        return csv_file(header, rows)


def _already(status: str) -> str:
    if status == "imported":
        return _("This file was already imported; nothing changed.")
    return _("This file was already cancelled; nothing changed.")
