"""Text commands -> service calls -> replies. No Teams types: the bot layer passes in the user and text."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace

from bot.domain.errors import Ambiguous, DomainError
from bot.domain.hours import WorkingHours
from bot.domain.models import Change, Contact, FollowFor, Kind, Mentioned, Place, RecordView, User
from bot.domain.rules import clean_text
from bot.handlers.commands import COMMANDS, Args, ParsedCommand, TooLong, parse, spec_named
from bot.handlers.contact_files import PERSONAL_ONLY, export_offer
from bot.handlers.email import EmailActions
from bot.handlers.payload import new_form_key
from bot.handlers.pipeline import pipeline_reply
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.handlers.roles import role_command
from bot.services import CrmService
from cards.common import Card
from cards.contact_forms import contact_edit_form, contact_values, erase_confirm_card
from cards.contacts import contact_list_card, new_contact_form
from cards.help import help_card, unknown_card
from cards.notifications import outbox_card
from cards.records import new_record_form, record_list_card, search_results_card
from cards.settings import when_told, working_hours_card

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


def split_value(text: str) -> tuple[str, str | None]:
    """`25000 EUR`, `EUR 25000`, `25,000.50` -> the amount as typed and the currency code, if any."""
    words = text.split()
    if len(words) >= 2 and words[-1].isalpha():
        return " ".join(words[:-1]), words[-1]
    if len(words) >= 2 and words[0].isalpha():
        return " ".join(words[1:]), words[0]
    return text, None


def outbox_status(services: CrmService, user: User, message: str = "") -> Card:
    """The tenant's notification counts and, for the user's own records, failed ones to send again."""
    deliveries = services.deliveries
    return outbox_card(deliveries.counts(user.tenant_id), deliveries.failed_on_my_records(user), message)


Answer = Reply | Change | RecordView  # a Change or a RecordView is answered with the record's card
CommandHandler = Callable[["Conversation", User, ParsedCommand], Answer]
_COMMANDS: dict[str, CommandHandler] = {}


def on_command(*names: str) -> Callable[[CommandHandler], CommandHandler]:
    """Register the decorated function as the handler of these commands (names from the command table)."""

    def register(handler: CommandHandler) -> CommandHandler:
        for name in names:
            spec_named(name)  # a name the table does not have fails at import
            _COMMANDS[name] = handler
        return handler

    return register


def handled_commands() -> frozenset[str]:
    return frozenset(_COMMANDS)


class Conversation:
    """Answers one user's text command."""

    def __init__(self, services: CrmService, email: EmailActions | None = None) -> None:
        self.services = services
        self.email = email or EmailActions(services, None)

    def handle(
        self,
        user: User,
        said: str,
        shared: bool = False,
        mentioned: tuple[Mentioned, ...] = (),
        place: Place | None = None,
    ) -> Reply:
        try:
            command = parse(said)
        except TooLong as exc:
            return Reply(text=str(exc), outcome="too_long")
        if command is None:
            return Reply(card=unknown_card(said, HELP_BUTTONS), outcome="unknown")
        command = replace(command, mentioned=mentioned, place=place)
        missing = self._missing_argument(command)
        if missing:
            return Reply(text=missing, outcome="missing_argument")
        try:
            answer = _COMMANDS[command.name](self, user, command)
        except Ambiguous as exc:
            return Reply(
                card=contact_list_card("Which one?", exc.matches, "", message=exc.message), outcome="ambiguous"
            )
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")
        if isinstance(answer, Change):
            return change_reply(answer, user, shared)
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

    @on_command("help")
    def help(self, user: User, command: ParsedCommand) -> Answer:
        return Reply(card=help_card(HELP_ENTRIES, HELP_BUTTONS))

    @on_command("new lead")
    def new_lead(self, user: User, command: ParsedCommand) -> Answer:
        return self._new_record(user, command, Kind.LEAD)

    @on_command("new opportunity")
    def new_opportunity(self, user: User, command: ParsedCommand) -> Answer:
        return self._new_record(user, command, Kind.OPPORTUNITY)

    def _new_record(self, user: User, command: ParsedCommand, kind: Kind) -> Answer:
        if not command.text:
            return Reply(card=new_record_form(kind, form_key=new_form_key()), outcome="form")
        return self.services.create_record(user, kind, command.text)

    @on_command("new contact")
    def new_contact(self, user: User, command: ParsedCommand) -> Answer:
        if not command.text:
            return Reply(card=new_contact_form(form_key=new_form_key()), outcome="form")
        name, email, company = split_new_contact(command.text)
        contact = self.services.create_contact(user, name, email, company=company)
        return Reply(card=contact_list_card("Contact added", [contact], "", message=f"{contact.name} added."))

    @on_command("contacts")
    def contacts(self, user: User, command: ParsedCommand) -> Answer:
        found = self.services.search_contacts(user.tenant_id, command.text, LIST_SIZE + 1)
        title = f"Contacts matching “{command.text[:40]}”" if command.text else "Contacts"
        empty = "No contact matches." if command.text else "No contacts yet. Add one with: new contact <name> <email>"
        hint = "More match; type contacts <text> to narrow it down." if len(found) > LIST_SIZE else ""
        return Reply(card=contact_list_card(title, found[:LIST_SIZE], empty, more_hint=hint))

    @on_command("leads")
    def leads(self, user: User, command: ParsedCommand) -> Answer:
        return self._list(user, Kind.LEAD)

    @on_command("opportunities")
    def opportunities(self, user: User, command: ParsedCommand) -> Answer:
        return self._list(user, Kind.OPPORTUNITY)

    def _list(self, user: User, kind: Kind) -> Reply:
        records = self.services.list_records(user.tenant_id, kind, LIST_SIZE)
        title = "Latest leads" if kind is Kind.LEAD else "Latest opportunities"
        flagged = self.services.lacking_decision_maker(user.tenant_id, records)
        empty = f"No {kind.value}s yet. Try: new {kind.value} <title>"
        return Reply(card=record_list_card(title, records, empty, flagged=flagged))

    @on_command("my")
    def my(self, user: User, command: ParsedCommand) -> Answer:
        records = self.services.my_records(user, LIST_SIZE)
        flagged = self.services.lacking_decision_maker(user.tenant_id, records)
        empty = "You own and follow nothing yet."
        return Reply(card=record_list_card("Yours: owned or followed", records, empty, flagged=flagged))

    @on_command("following")
    def following(self, user: User, command: ParsedCommand) -> Answer:
        records = self.services.followed_records(user, LIST_SIZE)
        return Reply(card=record_list_card("You follow", records, "You follow nothing yet. Try: follow L-1"))

    @on_command("show")
    def show(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.view(user.tenant_id, command.ref)

    @on_command("find")
    def find(self, user: User, command: ParsedCommand) -> Answer:
        records = self.services.search_records(user.tenant_id, command.text, 10)
        contacts = self.services.search_contacts(user.tenant_id, command.text, 10)
        return Reply(card=search_results_card(command.text, records, contacts))

    @on_command("contact")
    def contact(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.set_contact(user, command.ref, self._contact_id(user, command))

    @on_command("participant")
    def participant(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.add_participant(user, command.ref, self._contact_id(user, command))

    @on_command("remove participant")
    def remove_participant(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.remove_participant(user, command.ref, self._contact_id(user, command))

    def _contact_id(self, user: User, command: ParsedCommand) -> int:
        self.services.get_record(user.tenant_id, command.ref)  # an unknown record is said before an unknown name
        contact: Contact = self.services.resolve_contact(user.tenant_id, command.text)
        return contact.id

    @on_command("role")
    def role(self, user: User, command: ParsedCommand) -> Answer:
        return role_command(self.services, user, command.ref, command.text)

    @on_command("follow")
    def follow(self, user: User, command: ParsedCommand) -> Answer:
        """`follow L-3` (until the deal closes), `follow L-3 for 30 days`, `follow L-3 for 7 days`."""
        follow_for = FollowFor.read(command.text) if command.text else FollowFor.CLOSED
        if follow_for is None:
            ref = command.ref
            return Reply(text=f"For how long? Try: follow {ref}, follow {ref} for 30 days or follow {ref} for 7 days")
        return self.services.follow(user, command.ref, follow_for=follow_for)

    @on_command("unfollow")
    def unfollow(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.unfollow(user, command.ref)

    @on_command("comment")
    def comment(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.comment(user, command.ref, command.text, mentioned=command.mentioned)

    @on_command("stage")
    def stage(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.change_stage(user, command.ref, command.text)

    @on_command("convert")
    def convert(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.convert(user, command.ref)

    @on_command("email")
    def email_compose(self, user: User, command: ParsedCommand) -> Answer:
        return self.email.compose(user, self.services.view(user.tenant_id, command.ref))

    @on_command("notifications")
    def notifications(self, user: User, command: ParsedCommand) -> Answer:
        return Reply(card=outbox_status(self.services, user))

    # --- deal details, owner, archive ------------------------------------------------------------

    @on_command("value")
    def value(self, user: User, command: ParsedCommand) -> Answer:
        amount, currency = split_value(command.text)
        return self.services.set_value(user, command.ref, amount, currency)

    @on_command("close")
    def close(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.set_close_date(user, command.ref, command.text)

    @on_command("rename")
    def rename(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.set_detail(user, command.ref, "title", command.text)

    @on_command("company")
    def company(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.set_detail(user, command.ref, "company", command.text)

    @on_command("next")
    def next_step(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.set_detail(user, command.ref, "next_step", command.text)

    @on_command("currency")
    def currency(self, user: User, command: ParsedCommand) -> Answer:
        if not command.text:
            current = self.services.default_currency(user.tenant_id)
            said = f"Your organisation's default currency is {current}." if current else "No default currency yet."
            return Reply(text=f"{said} Change it with: currency EUR")
        code = self.services.set_default_currency(user, command.text)
        return Reply(text=f"New values without a currency are now in {code}.")

    @on_command("owner")
    def owner(self, user: User, command: ParsedCommand) -> Answer:
        self.services.get_record(user.tenant_id, command.ref)  # an unknown record is said before an unknown name
        colleague = self.services.find_colleague(user, command.text)
        return self.services.hand_over(user, command.ref, colleague)

    @on_command("archive")
    def archive(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.archive(user, command.ref)

    @on_command("restore")
    def restore(self, user: User, command: ParsedCommand) -> Answer:
        return self.services.restore(user, command.ref)

    # --- the contact list's upkeep ---------------------------------------------------------------

    @on_command("edit contact")
    def edit_contact(self, user: User, command: ParsedCommand) -> Answer:
        contact = self.services.resolve_contact(user.tenant_id, command.text)
        return Reply(card=contact_edit_form(contact.id, contact_values(contact)), outcome="form")

    @on_command("merge contacts")
    def merge_contacts(self, user: User, command: ParsedCommand) -> Answer:
        parts = re.split(r"\s+into\s+", command.text, maxsplit=1, flags=re.IGNORECASE)
        if len(parts) != 2 or not all(p.strip() for p in parts):
            return Reply(text="Say which one goes into which: merge contacts old@acme.example into new@acme.example")
        gone = self.services.resolve_contact(user.tenant_id, parts[0])
        kept = self.services.resolve_contact(user.tenant_id, parts[1])
        change = self.services.merge_contacts(user, gone.id, kept.id)
        kept_list = [change.contact] if change.contact else []
        return Reply(
            card=contact_list_card("Contacts merged", kept_list, "", message=change.message), events=change.events
        )

    @on_command("delete contact")
    def delete_contact(self, user: User, command: ParsedCommand) -> Answer:
        contact = self.services.resolve_contact(user.tenant_id, command.text)
        return Reply(text=self.services.delete_contact(user, contact.id).message)

    @on_command("erase contact")
    def erase_contact(self, user: User, command: ParsedCommand) -> Answer:
        if "@" not in command.text:
            return Reply(text="Give the person's email, exactly: erase contact jane@acme.example")
        contact = self.services.resolve_contact(user.tenant_id, command.text)
        refs = [record.ref for record in self.services.records_of_contact(user.tenant_id, contact.id)]
        return Reply(card=erase_confirm_card(contact, refs), outcome="form")

    @on_command("export contacts", "export records")
    def export(self, user: User, command: ParsedCommand) -> Answer:
        if command.place is None or command.place.kind != "personal":
            return Reply(text=PERSONAL_ONLY, outcome="refused")
        return Reply(file=export_offer(self.services, user, command.name.split()[1]), outcome="offer")

    @on_command("working hours")
    def working_hours(self, user: User, command: ParsedCommand) -> Answer:
        return working_hours_reply(self.services, user, command.text)

    @on_command("pipeline")
    def pipeline(self, user: User, command: ParsedCommand) -> Answer:
        return pipeline_reply(self.services, user, command.text, command.place)


ANY_TIME = ("off", "any time", "anytime")


def working_hours_reply(services: CrmService, user: User, said: str) -> Reply:
    """`on` (08:00-18:00, Monday to Friday), `09:00-17:30`, `digest`, `off`, or nothing: the settings card."""
    schedules = services.deliveries.schedules
    wanted = said.strip().casefold()
    current = schedules.of(user.tenant_id, user.id)
    message = ""
    if wanted:
        hours: WorkingHours | None = None
        if wanted in ("on", "digest"):
            hours = current.hours or WorkingHours()
        elif wanted not in ANY_TIME:
            hours = WorkingHours.read(said)
            if hours is None:
                refusal = f"“{clean_text(said)[:40]}” is not a time span. Try: working hours 09:00-17:30."
                return Reply(card=working_hours_card(current, refusal, good=False), outcome="refused")
        schedules.set(user, hours, digest=wanted == "digest")
        current = schedules.of(user.tenant_id, user.id)
        message = f"Notifications now reach you {when_told(current)}."
    return Reply(card=working_hours_card(current, message))
