"""Use cases of the message extension: searching records from any chat, turning a chat message into a
lead or into a comment on a record. A dialog's submit carries a key: a repeated submit changes nothing
twice, and answers with the record the first one changed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.buying import BuyingRole
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import Change, Contact, Event, EventKind, Kind, Record, Role, User, stages_for
from bot.domain.quotas import QuotaKind
from bot.domain.rules import MAX_TITLE, clean_text, limited, parse_ref, sender_shown
from bot.services.changes import RecordWork
from bot.services.contacts import ContactCases
from bot.services.records import RecordCases
from bot.services.work import UnitOfWork

SUBMIT_KEY = re.compile(r"[0-9a-f]{32}")
MAX_LINK = 1000


@dataclass(frozen=True)
class ChatMessage:
    """The message an action was started on: its text (HTML already stripped), author (as the client named
    them) and link."""

    text: str
    author: str = ""
    link: str | None = None

    @property
    def origin(self) -> str:
        """Where it came from, for the timeline: `a Teams message, sender shown as “Jane Doe”: https://...`. The
        author's name is the client's word (the message payload, carried through the dialog), so it is quoted as
        the message showed it, never given as who wrote it."""
        link = self.link if self.link and len(self.link) <= MAX_LINK and _HTTPS.fullmatch(self.link) else None
        return f"a Teams message, {sender_shown(self.author)}" + (f": {link}" if link else "")


_HTTPS = re.compile(r"https://[^\s<>\"']+")


@dataclass(frozen=True)
class NewContact:
    name: str
    email: str | None = None
    company: str | None = None


class MessageCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, contacts: ContactCases, records: RecordCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.contacts = contacts
        self.records = records

    # --- searching from the compose box ----------------------------------------------------------

    def records_for_compose(self, user: User, text: str, limit: int, offset: int = 0) -> list[Record]:
        """Empty text: the person's own and followed records, newest first; a reference: that record;
        otherwise records by title, company or Contact (name, email, company), newest first. Archived records
        never, as `find` hides them (the Records search, the Add to a record picker and its typeahead)."""
        wanted = clean_text(text)[:200]
        if not wanted:  # what they own or follow: all theirs to see
            return self.repo.extension.records_around(user.tenant_id, user.id, limit, offset)
        try:
            kind, number = parse_ref(wanted)
        except NotFound:
            return self.repo.extension.find_records(self.changes.reader(user), wanted, limit, offset)
        record = self.repo.records.record_by_number(user.tenant_id, kind, number)
        seen = record is not None and not record.archived_at and offset == 0 and self.changes.may_see(user, record)
        return [record] if record is not None and seen else []

    def contacts_for_compose(self, tenant_id: str, text: str, limit: int, offset: int = 0) -> list[Contact]:
        """Empty text: the tenant's contacts by name (as the pickers list them); otherwise contacts by name,
        email or company, newest first (the walk stops at the page however many contacts match)."""
        wanted = clean_text(text)[:200]
        if not wanted:
            return self.repo.contacts.list_contacts(tenant_id, limit, offset)
        return self.repo.extension.find_contacts(tenant_id, wanted, limit, offset)

    def contact_names(self, tenant_id: str, records: list[Record]) -> dict[int, str]:
        """Each record's Contact's name (for the search results' previews), in one query."""
        return self.repo.extension.contact_names(tenant_id, [r.id for r in records])

    def recent_records_of_contact(
        self, user: User, contact_id: int, limit: int = 10, everyone_reads: bool = False
    ) -> list[tuple[Role, Record]]:
        """The contact's records the person may see (a contact card lists them; one inserted in a chat, where
        everyone reads it, lists everyone's records only)."""
        reader = self.changes.reader(user, everyone_reads)
        return self.repo.extension.recent_records_of_contact(reader, contact_id, limit)

    # --- turning a message into a lead or a comment ----------------------------------------------

    def lead_from_message(
        self, actor: User, submit_key: str, title: str, company: str | None, message: ChatMessage,
        contact_id: int | None = None, new_contact: NewContact | None = None, role: BuyingRole | None = None,
    ) -> Change:  # fmt: skip
        """A lead from a chat message, in one transaction: the lead (the actor owns and follows it), its
        Contact (picked or created), the message's text as the first comment, its origin on the timeline."""
        key = self._submit_key(submit_key)
        with self.work.writing():
            done = self.repo.extension.submitted_record(actor.tenant_id, key)
            if done is not None:
                return self._already(actor, done, N_("This message was already turned into {ref}."))
            record, created = self._new_lead(actor, title, company, message)
            events: list[Event] = [created]
            change = None
            if new_contact is not None:
                contact = self.contacts.create_contact(
                    actor, new_contact.name, new_contact.email, company=new_contact.company
                )
                contact_id = contact.id
            if contact_id is not None:
                change = self.records.set_contact(actor, record.ref, contact_id)
                events += change.events
                if role is not None:  # the Contact's buying role, picked in the same dialog
                    self.repo.buying.set_buying_role(actor.tenant_id, record.id, contact_id, role)
                    who = self.contacts.get_contact(actor.tenant_id, contact_id).label
                    events.append(self.changes.event(actor, record, EventKind.BUYING_ROLE_SET, None, role.label, who))
            if clean_text(message.text):
                change = self.records.comment(actor, record.ref, message.text)
                events += change.events
            self.repo.extension.save_submit(actor.tenant_id, key, record.id, actor.id, self.clock())
            final = change.record if change else record
            view = change.view if change and role is None else self.changes.view_of(final)
            return Change(final, tuple(events), _("{ref} created from the message.", ref=record.ref), view)

    def message_to_record(self, actor: User, submit_key: str, ref: str, message: ChatMessage) -> Change:
        """The message as a comment on a record, with where it came from; the followers hear of it."""
        key = self._submit_key(submit_key)
        body = clean_text(message.text)
        if not body:
            raise DomainError(_("This message has no text to add as a comment."), "comment")
        with self.work.writing():
            done = self.repo.extension.submitted_record(actor.tenant_id, key)
            if done is not None:
                return self._already(actor, done, N_("This message was already added to {ref}."))
            change = self.records.comment(actor, ref, f"{body}\n\n(from {message.origin})")
            self.repo.extension.save_submit(actor.tenant_id, key, change.record.id, actor.id, self.clock())
            return change

    def lead_for_contact(self, actor: User, contact_id: int, title: str, company: str | None) -> Change:
        """A new lead with this contact as its Contact: both or neither."""
        with self.work.writing():
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            created = self.records.create_record(actor, Kind.LEAD, title, company)
            change = self.records.set_contact(actor, created.record.ref, contact.id)
            message = _("{ref} created with {name} as its Contact.", ref=created.record.ref, name=contact.name)
            return Change(change.record, created.events + change.events, message, change.view)

    # --- helpers -------------------------------------------------------------------------------

    def _new_lead(self, actor: User, title: str, company: str | None, message: ChatMessage) -> tuple[Record, Event]:
        clean_title = limited(title, "title", "A title", MAX_TITLE)
        if not clean_title:
            raise DomainError(_("A lead needs a title."), "title")
        clean_company = limited(company, "company", "A company name")
        self.work.quotas.spend(QuotaKind.RECORDS, actor.tenant_id, actor.id)
        now = self.clock()
        record = self.repo.records.insert_record(
            actor.tenant_id, Kind.LEAD, clean_title, stages_for(Kind.LEAD)[0], actor.id, now,
            company=clean_company, source="Teams message",
        )  # fmt: skip
        self.repo.follows.add_follower(actor.tenant_id, record.id, actor.id, now)
        event = self.changes.event(actor, record, EventKind.CREATED, new=clean_title, detail=f"from {message.origin}")
        return record, event

    @staticmethod
    def _submit_key(submit_key: str) -> str:
        if not SUBMIT_KEY.fullmatch(submit_key or ""):
            raise DomainError(_("This dialog is out of date; please start again from the message."))
        return submit_key

    def _already(self, actor: User, record_id: int, message: str) -> Change:
        record = self.changes.visible_by_id(actor, record_id)
        if record is None:
            raise NotFound(_("The record this dialog made no longer exists."))
        return Change(record, (), translated(message, ref=record.ref), self.changes.view_of(record))
