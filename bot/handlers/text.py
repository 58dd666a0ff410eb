"""Text commands -> service calls -> replies. No Teams types: the bot layer passes in the user and text."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.errors import Ambiguous, DomainError
from bot.domain.models import Change, Contact, Kind, RecordView, User
from bot.handlers.commands import COMMANDS, Args, ParsedCommand, TooLong, parse
from bot.handlers.email import EmailActions
from bot.handlers.replies import Reply, record_reply
from bot.services import CrmService
from cards.contacts import contact_list_card, new_contact_form
from cards.help import help_card, unknown_card
from cards.notifications import outbox_card
from cards.records import new_record_form, record_list_card, search_results_card

log = logging.getLogger(__name__)
LIST_SIZE = 25

HELP_ENTRIES = [(c.usage, c.description) for c in COMMANDS]
HELP_BUTTONS = [(c.name.capitalize(), c.name) for c in COMMANDS if c.button]


def split_new_contact(text: str) -> tuple[str, str | None, str | None]:
    """`Jane Doe jane@acme.com Acme Ltd` -> name, email, company (the word with @ is the email)."""
    words = text.split()
    at = next((i for i, w in enumerate(words) if "@" in w), None)
    if at is None:
        return text.strip(), None, None
    name = " ".join(words[:at]).strip(" ,;")
    email = words[at].strip(" ,;<>")
    company = " ".join(words[at + 1 :]).strip(" ,;") or None
    return name, email, company


def outbox_status(services: CrmService, user: User, message: str = "") -> dict:
    """The tenant's notification counts and, for the user's own records, failed ones to send again."""
    deliveries = services.deliveries
    return outbox_card(deliveries.counts(user.tenant_id), deliveries.failed_on_my_records(user), message)


class Conversation:
    """Answers one user's text command."""

    def __init__(self, services: CrmService, email: EmailActions | None = None) -> None:
        self.services = services
        self.email = email or EmailActions(services, None)
        # A handler answers with a Reply, or with the Change / RecordView that `handle` turns into a record card.
        self._handlers: dict[str, Callable[[User, ParsedCommand], Reply | Change | RecordView]] = {
            "help": lambda u, c: Reply(card=help_card(HELP_ENTRIES, HELP_BUTTONS)),
            "new lead": lambda u, c: self._new_record(u, c, Kind.LEAD),
            "new opportunity": lambda u, c: self._new_record(u, c, Kind.OPPORTUNITY),
            "new contact": self._new_contact,
            "contacts": self._contacts,
            "leads": lambda u, c: self._list(u, Kind.LEAD),
            "opportunities": lambda u, c: self._list(u, Kind.OPPORTUNITY),
            "my": self._my,
            "following": self._following,
            "show": lambda u, c: self.services.view(u.tenant_id, c.ref),
            "find": self._find,
            "contact": lambda u, c: self._role(u, c, self.services.set_contact),
            "participant": lambda u, c: self._role(u, c, self.services.add_participant),
            "remove participant": lambda u, c: self._role(u, c, self.services.remove_participant),
            "follow": lambda u, c: self.services.follow(u, c.ref),
            "unfollow": lambda u, c: self.services.unfollow(u, c.ref),
            "comment": lambda u, c: self.services.comment(u, c.ref, c.text),
            "stage": lambda u, c: self.services.change_stage(u, c.ref, c.text),
            "convert": lambda u, c: self.services.convert(u, c.ref),
            "email": lambda u, c: self.email.compose(u, self.services.view(u.tenant_id, c.ref)),
            "notifications": lambda u, c: Reply(card=outbox_status(self.services, u)),
        }

    def handle(self, user: User, said: str, shared: bool = False) -> Reply:
        try:
            command = parse(said)
        except TooLong as exc:
            return Reply(text=str(exc), outcome="too_long")
        if command is None:
            return Reply(card=unknown_card(said, HELP_BUTTONS), outcome="unknown")
        missing = self._missing_argument(command)
        if missing:
            return Reply(text=missing, outcome="missing_argument")
        try:
            answer = self._handlers[command.name](user, command)
        except Ambiguous as exc:
            return Reply(
                card=contact_list_card("Which one?", exc.matches, "", message=exc.message), outcome="ambiguous"
            )
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")
        if isinstance(answer, Change):
            view = self.services.view_of(answer.record)
            return record_reply(view, user, shared, answer.message, change=answer)
        if isinstance(answer, RecordView):
            return record_reply(answer, user, shared)
        return answer

    @staticmethod
    def _missing_argument(command: ParsedCommand) -> str | None:
        spec = command.spec
        if spec.args in (Args.REF, Args.REF_TEXT) and not command.ref:
            return f"Which record? Try: {spec.usage.replace('<ref>', 'L-1')}"
        if spec.args is Args.REF_TEXT and not command.text:
            return f"Something is missing. Try: {spec.usage.replace('<ref>', command.ref)}"
        if spec.name == "find" and not command.text:
            return "What should I look for? Try: find acme"
        return None

    # --- handlers ------------------------------------------------------------------------------

    def _new_record(self, user: User, command: ParsedCommand, kind: Kind) -> Reply | Change:
        if not command.text:
            return Reply(card=new_record_form(kind), outcome="form")
        return self.services.create_record(user, kind, command.text)

    def _new_contact(self, user: User, command: ParsedCommand) -> Reply:
        if not command.text:
            return Reply(card=new_contact_form(), outcome="form")
        name, email, company = split_new_contact(command.text)
        contact = self.services.create_contact(user, name, email, company=company)
        return Reply(card=contact_list_card("Contact added", [contact], "", message=f"{contact.name} added."))

    def _contacts(self, user: User, command: ParsedCommand) -> Reply:
        found = self.services.search_contacts(user.tenant_id, command.text, LIST_SIZE + 1)
        title = f"Contacts matching “{command.text[:40]}”" if command.text else "Contacts"
        empty = "No contact matches." if command.text else "No contacts yet. Add one with: new contact <name> <email>"
        hint = "More match; type contacts <text> to narrow it down." if len(found) > LIST_SIZE else ""
        return Reply(card=contact_list_card(title, found[:LIST_SIZE], empty, more_hint=hint))

    def _list(self, user: User, kind: Kind) -> Reply:
        records = self.services.list_records(user.tenant_id, kind, LIST_SIZE)
        title = "Latest leads" if kind is Kind.LEAD else "Latest opportunities"
        return Reply(card=record_list_card(title, records, f"No {kind.value}s yet. Try: new {kind.value} <title>"))

    def _my(self, user: User, command: ParsedCommand) -> Reply:
        records = self.services.my_records(user, LIST_SIZE)
        return Reply(card=record_list_card("Yours: owned or followed", records, "You own and follow nothing yet."))

    def _following(self, user: User, command: ParsedCommand) -> Reply:
        records = self.services.followed_records(user, LIST_SIZE)
        return Reply(card=record_list_card("You follow", records, "You follow nothing yet. Try: follow L-1"))

    def _find(self, user: User, command: ParsedCommand) -> Reply:
        records = self.services.search_records(user.tenant_id, command.text, 10)
        contacts = self.services.search_contacts(user.tenant_id, command.text, 10)
        return Reply(card=search_results_card(command.text, records, contacts))

    def _role(self, user: User, command: ParsedCommand, operation: Callable[[User, str, int], Change]) -> Change:
        record = self.services.get_record(user.tenant_id, command.ref)
        contact: Contact = self.services.resolve_contact(user.tenant_id, command.text)
        return operation(user, record.ref, contact.id)
