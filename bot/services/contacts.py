"""Use cases of the tenant's contact list: add, find, resolve a name or an email."""

from __future__ import annotations

from bot.domain.errors import Ambiguous, DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import Contact, User
from bot.domain.quotas import QuotaKind
from bot.domain.rules import MAX_NAME, clean_text, limited, normalise_email
from bot.services.work import UnitOfWork

ERASED = N_(
    "That contact was erased on a data-protection request: their data is gone, and the entry can't be used"
    " or changed again. Nothing was changed."
)


class ContactCases:
    def __init__(self, work: UnitOfWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock

    # --- contacts ------------------------------------------------------------------------------

    def create_contact_once(self, actor: User, form_key: str, **fields: str | None) -> tuple[Contact, bool]:
        """`create_contact` from a form carrying `form_key`: a second submit creates nothing and answers with
        the contact the first one added (and False)."""
        with self.work.writing():
            done = self.repo.forms.form_submit(actor.tenant_id, form_key)
            earlier = self.repo.contacts.get_contact(actor.tenant_id, done[1]) if done and done[1] else None
            if earlier is not None:
                if earlier.erased:
                    raise DomainError(translated(ERASED), "contact")
                return earlier, False
            name = fields.pop("name", None) or ""
            contact = self.create_contact(actor, name, **fields)
            self.repo.forms.add_form_submit(actor.tenant_id, form_key, None, contact.id, self.clock())
            return contact, True

    def create_contact(
        self,
        actor: User,
        name: str,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        job_title: str | None = None,
    ) -> Contact:
        tenant = actor.tenant_id
        clean_name = limited(name, "name", "A name", MAX_NAME)
        if not clean_name:
            raise DomainError(_("A contact needs a name."), "name")
        clean_email = normalise_email(email)
        fields = {
            "phone": limited(phone, "phone", "A phone number", 50),
            "company": limited(company, "company", "A company name"),
            "job_title": limited(job_title, "job_title", "A job title"),
        }
        with self.work.writing():
            self.work.quotas.spend(QuotaKind.CONTACTS, tenant, actor.id)
            if clean_email and (existing := self.repo.contacts.contact_by_email(tenant, clean_email)):
                raise DomainError(
                    _("{name} already has the email {email}.", name=existing.name, email=existing.email), "email"
                )
            return self.repo.contacts.insert_contact(
                tenant, clean_name, clean_email, created_by=actor.id, now=self.clock(), **fields
            )

    def search_contacts(self, tenant_id: str, text: str = "", limit: int = 25, offset: int = 0) -> list[Contact]:
        return self.repo.contacts.search_contacts(tenant_id, clean_text(text)[:200], limit, offset)

    def count_contacts(self, tenant_id: str) -> int:
        return self.repo.contacts.count_contacts(tenant_id)

    def get_contact(self, tenant_id: str, contact_id: int, erased_ok: bool = False) -> Contact:
        """The contact to use; an erased one is refused (its id may come back on a stale form or an old card),
        unless `erased_ok` (taking "erased contact" off a record uses nobody's data)."""
        contact = self.repo.contacts.get_contact(tenant_id, contact_id)
        if contact is None:
            raise NotFound(_("That contact no longer exists."), "contact")
        if contact.erased and not erased_ok:
            raise DomainError(translated(ERASED), "contact")
        return contact

    def resolve_contact(self, tenant_id: str, name_or_email: str) -> Contact:
        """Find one contact by email or by name; several matches or none are explained."""
        text = clean_text(name_or_email)
        if not text:
            raise DomainError(_("Which contact? Give a name or an email."), "contact")
        if "@" in text:
            contact = self.repo.contacts.contact_by_email(tenant_id, text)
            if contact is None:
                raise NotFound(
                    _("No contact has the email {email}. Add one with: new contact ‹name› {email}", email=text[:80]),
                    "contact",
                )
            return contact
        matches = self.repo.contacts.contacts_named(tenant_id, text) or self.repo.contacts.search_contacts(
            tenant_id, text, limit=10
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(
                _("No contact is called “{name}”. Add one with: new contact {name} ‹email›", name=text[:80]), "contact"
            )
        raise Ambiguous(
            _("Several contacts match “{text}”; use their email to pick one.", text=text[:80]), matches, "contact"
        )
