"""Use cases of the contact list's upkeep: edit (a changed email stays unique in the tenant), merge two
entries for one person, delete (refused while on an open record), and erase on a data-protection
request: name, email, phone and company removed from every table, the records show "erased contact",
and the erasure itself is logged without the personal data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import DomainError, Invalid
from bot.domain.language import _
from bot.domain.models import Contact, Event, EventKind, Record, Role, User
from bot.domain.rules import MAX_NAME, limited, normalise_email
from bot.services.changes import RecordWork
from bot.services.contacts import ContactCases
from bot.services.work import UnitOfWork

CONTACT_FIELDS = ("name", "email", "phone", "company", "job_title")


@dataclass(frozen=True)
class ContactChange:
    """What a change to the contact list did: the contact afterwards, and the events on its records."""

    contact: Contact | None
    events: tuple[Event, ...]
    message: str


class ContactCareCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, contacts: ContactCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.contacts = contacts

    def edit_contact(self, actor: User, contact_id: int, form: dict[str, str]) -> Contact:
        fields, errors = self._contact_fields(form)
        with self.work.writing():
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            email = fields.get("email")
            if (
                email
                and (other := self.repo.contacts.contact_by_email(actor.tenant_id, email))
                and other.id != contact.id
            ):
                errors["email"] = _("{name} already has the email {email}.", name=other.name, email=other.email)
            if errors:
                raise Invalid(errors)
            self.repo.contacts.update_contact(actor.tenant_id, contact.id, fields)
            return self.contacts.get_contact(actor.tenant_id, contact.id)

    def records_of_contact(self, tenant_id: str, contact_id: int) -> list[Record]:
        return [record for record, _ in self.repo.details.records_of_contact(tenant_id, contact_id)]

    def merge_contacts(self, actor: User, from_id: int, into_id: int) -> ContactChange:
        """`into` keeps the roles of both on every record (a Contact stays the Contact); `from` is deleted."""
        tenant = actor.tenant_id
        with self.work.writing():
            gone, kept = self.contacts.get_contact(tenant, from_id), self.contacts.get_contact(tenant, into_id)
            if gone.id == kept.id:
                raise DomainError(_("Those are the same contact."), "contact")
            events = []
            for record, role in self.repo.details.records_of_contact(tenant, gone.id):
                self.repo.records.remove_role(tenant, record.id, gone.id)
                if role == Role.CONTACT or self.repo.records.role_of(tenant, record.id, kept.id) is None:
                    self.repo.records.set_role(tenant, record.id, kept.id, role, actor.id, self.clock())
                events.append(
                    self.changes.event(
                        actor, record, EventKind.CONTACT_MERGED, old=gone.label, new=kept.label, notify=False
                    )
                )
                self.changes.touch(record)
            filled = {f: getattr(kept, f) or getattr(gone, f) for f in CONTACT_FIELDS if f != "email"}
            self.repo.contacts.delete_contact(tenant, gone.id)
            self.repo.contacts.update_contact(tenant, kept.id, {**filled, "email": kept.email or gone.email})
            merged = self.contacts.get_contact(tenant, kept.id)
            message = _(
                "{gone} merged into {kept}; {n} record(s) updated.", gone=gone.label, kept=merged.label, n=len(events)
            )
            return ContactChange(merged, tuple(events), message)

    def delete_contact(self, actor: User, contact_id: int) -> ContactChange:
        with self.work.writing():
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            open_records = self.repo.details.open_records_of_contact(actor.tenant_id, contact.id)
            if open_records:
                refs = ", ".join(r.ref for r in open_records[:10])
                raise DomainError(
                    _(
                        "{name} is on open records ({refs}). Replace them there first (contact ‹ref› ‹someone "
                        "else›, remove participant ‹ref› …), or merge them into another contact: merge contacts "
                        "{who} into ‹email›.",
                        name=contact.name,
                        refs=refs,
                        who=contact.email or contact.name,
                    ),
                    "contact",
                )
            self.repo.contacts.delete_contact(actor.tenant_id, contact.id)
            return ContactChange(None, (), _("{name} deleted.", name=contact.name))

    def erase_contact(self, actor: User, contact_id: int) -> ContactChange:
        tenant = actor.tenant_id
        self.repo.erasures.secure_delete()
        with self.work.writing():
            contact = self.contacts.get_contact(tenant, contact_id)
            needles = [n for n in (contact.label, contact.email, contact.name, contact.phone) if n]
            scrubbed = self.repo.erasures.scrub_text(tenant, needles, "erased contact")
            records = [record for record, _ in self.repo.details.records_of_contact(tenant, contact.id)]
            self.repo.erasures.erase_contact_row(tenant, contact, self.clock())
            events = tuple(self.changes.event(actor, r, EventKind.CONTACT_ERASED, notify=False) for r in records)
            for record in records:
                self.changes.touch(record)
            self.repo.erasures.log_erasure(tenant, contact.id, actor.id, len(records), scrubbed, self.clock())
        self.repo.erasures.checkpoint()
        message = _(
            "Erased. {n} record(s) now show “erased contact”; {texts} text(s) were cleaned.",
            n=len(records),
            texts=scrubbed,
        )
        return ContactChange(None, events, message)

    def _contact_fields(self, form: dict[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
        fields: dict[str, str | None] = {}
        errors: dict[str, str] = {}
        checks = {
            "name": lambda v: limited(v, "name", "A name", MAX_NAME),
            "email": normalise_email,
            "phone": lambda v: limited(v, "phone", "A phone number", 50),
            "company": lambda v: limited(v, "company", "A company name"),
            "job_title": lambda v: limited(v, "job_title", "A job title"),
        }
        for field, check in checks.items():
            try:
                fields[field] = check(form.get(field, ""))
            except DomainError as exc:
                errors[field] = exc.message
        if "name" not in errors and not fields.get("name"):
            errors["name"] = "A contact needs a name."
        return fields, errors
