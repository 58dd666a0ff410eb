"""Use cases of the contact list's upkeep: edit (a changed email stays unique in the tenant), merge two
entries for one person, delete (refused while on an open record), and erase on a data-protection
request: name, email, phone and company removed from every table, the records show "erased contact",
and the erasure itself is logged without the personal data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.edits import contact_fields, contact_shown, fingerprint
from bot.domain.errors import DomainError, Invalid
from bot.domain.fields import encoded
from bot.domain.language import _, translated
from bot.domain.models import Conflict, Contact, Event, EventKind, Record, Role, User
from bot.domain.rules import MAX_NAME, limited, normalise_email
from bot.services.changes import RecordWork
from bot.services.contacts import ERASED, ContactCases
from bot.services.fields import FieldCases, shown_ids
from bot.services.work import UnitOfWork

CONTACT_FIELDS = ("name", "email", "phone", "company", "job_title")


@dataclass(frozen=True)
class ContactChange:
    """What a change to the contact list did: the contact afterwards, and the events on its records."""

    contact: Contact | None
    events: tuple[Event, ...]
    message: str


class ContactCareCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, contacts: ContactCases, custom: FieldCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.contacts = contacts
        self.custom = custom

    def edit_contact(
        self, actor: User, contact_id: int, form: dict[str, str], shown: Mapping[str, str] | None = None
    ) -> tuple[Contact, tuple[Conflict, ...]]:
        """The fields of the form its sender changed, relative to what it showed (`shown`, fingerprints; an
        input absent from `form` is unchanged); a field someone else changed since is kept, as a Conflict. The
        custom fields the form showed (`fields`: their ids) too: only those its sender changed."""
        typed, errors = self._contact_fields(form)
        with self.work.writing():
            self.repo.contacts.lock_contacts(actor.tenant_id, [contact_id])
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            now = contact_fields(contact)
            shown = shown if shown is not None else contact_shown(now)  # a form from before fingerprints
            changes: dict[str, str | None] = {}
            conflicts = []
            for field, value in typed.items():
                if field not in shown:
                    raise DomainError(_("This form is missing information; please open the contact again."))
                if fingerprint(value or "") == shown[field] or (value or "") == now[field]:
                    continue
                if fingerprint(now[field]) != shown[field]:
                    conflicts.append(Conflict(field, now[field] or _("none"), value or _("none"), {field: form[field]}))
                    continue
                changes[field] = value
            on_form = self.custom.on_form(actor.tenant_id, None, shown_ids(form.get("fields")))
            before = self.custom.contact_values(actor.tenant_id, contact.id) if on_form else {}
            currency = self.repo.details.default_currency(actor.tenant_id) if on_form else None
            after = self.custom.read_form(actor, on_form, before, form, currency, errors, shown) if on_form else before
            email = changes.get("email")
            if (
                email
                and (other := self.repo.contacts.contact_by_email(actor.tenant_id, email))
                and other.id != contact.id
            ):
                errors["email"] = _("{name} already has the email {email}.", name=other.name, email=other.email)
            if errors:
                raise Invalid(errors)
            current: dict[str, str | None] = {f: getattr(contact, f) for f in CONTACT_FIELDS}
            if changes and not self.repo.contacts.update_contact(actor.tenant_id, contact.id, current | changes):
                # erased by someone else since this transaction read it
                raise DomainError(translated(ERASED), "contact")
            if after != before:
                self.repo.fields.set_contact_values(actor.tenant_id, contact.id, encoded(after))
            return self.contacts.get_contact(actor.tenant_id, contact.id), tuple(conflicts)

    def records_of_contact(self, user: User, contact_id: int) -> list[Record]:
        """The contact's records the person may see (the erase confirmation names them)."""
        reader = self.changes.reader(user)
        return [record for record, _ in self.repo.details.records_of_contact(user.tenant_id, contact_id, reader)]

    def merge_contacts(self, actor: User, from_id: int, into_id: int) -> ContactChange:
        """`into` keeps the roles of both on every record (a Contact stays the Contact); `from` is deleted."""
        tenant = actor.tenant_id
        with self.work.writing():
            self.repo.contacts.lock_contacts(tenant, sorted({from_id, into_id}))
            gone, kept = self.contacts.get_contact(tenant, from_id), self.contacts.get_contact(tenant, into_id)
            if gone.id == kept.id:
                raise DomainError(_("Those are the same contact."), "contact")
            events = []
            seen = 0  # the records the actor may see: the answer counts no other (nor says one exists)
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
                seen += self.changes.may_see(actor, record)
            filled = {f: getattr(kept, f) or getattr(gone, f) for f in CONTACT_FIELDS if f != "email"}
            self.repo.contacts.remember_merged(tenant, gone, kept.id, self.clock())
            self.repo.contacts.delete_contact(tenant, gone.id)
            self.repo.contacts.update_contact(tenant, kept.id, {**filled, "email": kept.email or gone.email})
            merged = self.contacts.get_contact(tenant, kept.id)
            message = _("{gone} merged into {kept}; {n} record(s) updated.", gone=gone.label, kept=merged.label, n=seen)
            return ContactChange(merged, tuple(events), message)

    def delete_contact(self, actor: User, contact_id: int) -> ContactChange:
        with self.work.writing():
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            open_records = self.repo.details.open_records_of_contact(actor.tenant_id, contact.id)
            if open_records:
                # Named: only the records the person may see (a contact on a private deal stays all the same).
                shown = [r for r in open_records if self.changes.may_see(actor, r)]
                refs = ", ".join(r.ref for r in shown[:10]) or _("records you don't have access to")
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
        """Everywhere, whoever may see the records; the answer counts only the records (and their texts) the
        actor may see, so it says nothing of the others. The erasure's log keeps the whole count."""
        tenant = actor.tenant_id
        self.repo.erasures.secure_delete()
        with self.work.writing():
            self.repo.contacts.lock_contacts(tenant, [contact_id])
            contact = self.contacts.get_contact(tenant, contact_id)
            needles = self._needles(contact)
            scrubbed = self.repo.erasures.scrub_text(tenant, needles, "erased contact")
            withdrawn = self.repo.erasures.withdraw_imports(tenant, needles)
            records = [record for record, _ in self.repo.details.records_of_contact(tenant, contact.id)]
            self.repo.erasures.erase_contact_row(tenant, contact, self.clock())
            self.repo.erasures.scrub_values(tenant, needles, "erased contact")
            events = tuple(self.changes.event(actor, r, EventKind.CONTACT_ERASED, notify=False) for r in records)
            for record in records:
                self.changes.touch(record)
            self.repo.erasures.log_erasure(tenant, contact.id, actor.id, len(records), len(scrubbed), self.clock())
            shown = self._visible_ids(actor, [*scrubbed, *(r.id for r in records)])
            texts = sum(1 for i in scrubbed if i is None or i in shown)
        self.repo.erasures.checkpoint()
        message = _(
            "Erased. {n} record(s) now show “erased contact”; {texts} text(s) were cleaned.",
            n=sum(1 for r in records if r.id in shown),
            texts=texts,
        )
        if withdrawn:
            message += " " + _("{n} import preview(s) that held them were withdrawn.", n=withdrawn)
        return ContactChange(None, events, message)

    def _needles(self, contact: Contact) -> list[str]:
        """What names the person in free text: their label, email, name and phone, and those of every entry
        merged into them."""
        found = [contact.label, contact.email, contact.name, contact.phone]
        for name, email, phone in self.repo.contacts.merged_into(contact.tenant_id, contact.id):
            found += [f"{name} <{email}>" if email else name, email, name, phone]
        return list(dict.fromkeys(n for n in found if n))

    def _visible_ids(self, actor: User, record_ids: list[int | None]) -> set[int]:
        """Which of these records the actor may see (a cleaned text may be on a record the contact left)."""
        found = (self.changes.visible_by_id(actor, i) for i in {i for i in record_ids if i is not None})
        return {r.id for r in found if r is not None}

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
            if field not in form:  # not sent: unchanged
                continue
            try:
                fields[field] = check(form.get(field, ""))
            except DomainError as exc:
                errors[field] = exc.message
        if "name" in form and "name" not in errors and not fields.get("name"):
            errors["name"] = _("A contact needs a name.")
        return fields, errors
