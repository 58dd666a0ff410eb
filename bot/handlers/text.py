"""The text commands' handlers: one named function per command of the table (bot/handlers/commands.py),
on this module's router. No Teams types: bot/handlers/conversation.py parses the text and calls them."""

from __future__ import annotations

import logging
import re

from bot.domain.language import N_, _, current
from bot.domain.models import Contact, FollowFor, Kind
from bot.handlers.commands import COMMANDS, ParsedCommand, local_name, local_usage, spec_named
from bot.handlers.contact_files import export_offer, personal_only
from bot.handlers.fields import contact_form
from bot.handlers.notice_clicks import outbox_status, working_hours_reply
from bot.handlers.payload import new_form_key, text_field
from bot.handlers.pipeline import pipeline_reply
from bot.handlers.replies import Reply
from bot.handlers.roles import role_command
from bot.handlers.router import Answer, Clicked, Router, Said
from cards import verbs
from cards.contact_forms import erase_confirm_card
from cards.contacts import contact_list_card, new_contact_form
from cards.help import help_card
from cards.records import new_record_form, record_list_card, search_results_card

log = logging.getLogger(__name__)
LIST_SIZE = 25

HELP_ENTRIES = [(c.usage, c.description) for c in COMMANDS]  # the card shows each description translated
# The help card's buttons: a title (translated on the card) and the English command each sends.
BUTTON_TITLES = {
    "new lead": N_("New lead"),
    "new opportunity": N_("New opportunity"),
    "new contact": N_("New contact"),
    "contacts": N_("Contacts"),
    "leads": N_("Leads"),
    "opportunities": N_("Opportunities"),
    "my": N_("My records"),
    "following": N_("Following"),
    "pipeline": N_("Pipeline"),
}
HELP_BUTTONS = [(BUTTON_TITLES.get(c.name, c.name.capitalize()), c.name) for c in COMMANDS if c.button]
# The welcome's few buttons: what a person does first, and the full help.
WELCOME_BUTTONS = [
    (N_("New lead"), "new lead"),
    (N_("New contact"), "new contact"),
    (N_("My records"), "my"),
    (N_("Help"), "help"),
]


def help_entries() -> list[tuple[str, str]]:
    """The commands as the reader types them (`neuer lead ‹Titel›`), each with its description."""
    language = current().language
    return [(local_usage(c, language), c.description) for c in COMMANDS]


def help_buttons(buttons: list[tuple[str, str]] = HELP_BUTTONS) -> list[tuple[str, str]]:
    """The help card's buttons (or the welcome's), each running its command in the reader's words."""
    language = current().language
    return [(title, local_name(spec_named(command), language)) for title, command in buttons]


def welcome_buttons() -> list[tuple[str, str]]:
    return help_buttons(WELCOME_BUTTONS)


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


routes = Router()


# --- the buttons that run a command ----------------------------------------------------------


@routes.verb(verbs.RUN_COMMAND, posts_reply=True)
def run_command(ctx: Clicked) -> Reply:
    """A button of the welcome, help, unknown-text and pipeline cards, or a row of a list: its command runs as
    if the person had typed it (the data is theirs to send, as text would be)."""
    return ctx.command(text_field(ctx.data, "command", required=True))


# --- the commands ------------------------------------------------------------------------------


@routes.command("help")
def show_help(ctx: Said, command: ParsedCommand) -> Answer:
    return Reply(card=help_card(help_entries(), help_buttons()))


@routes.command("new lead")
def new_lead(ctx: Said, command: ParsedCommand) -> Answer:
    return _new_record(ctx, command, Kind.LEAD)


@routes.command("new opportunity")
def new_opportunity(ctx: Said, command: ParsedCommand) -> Answer:
    return _new_record(ctx, command, Kind.OPPORTUNITY)


def _new_record(ctx: Said, command: ParsedCommand, kind: Kind) -> Answer:
    if not command.text:
        return Reply(card=new_record_form(kind, form_key=new_form_key()), outcome="form")
    return ctx.services.records.create_record(ctx.user, kind, command.text)


@routes.command("new contact")
def new_contact(ctx: Said, command: ParsedCommand) -> Answer:
    if not command.text:
        return Reply(card=new_contact_form(form_key=new_form_key()), outcome="form")
    name, email, company = split_new_contact(command.text)
    contact = ctx.services.contacts.create_contact(ctx.user, name, email, company=company)
    added = _("{name} added.", name=contact.name)
    return Reply(card=contact_list_card(_("Contact added"), [contact], "", message=added))


@routes.command("contacts")
def contacts(ctx: Said, command: ParsedCommand) -> Answer:
    found = ctx.services.contacts.search_contacts(ctx.user.tenant_id, command.text, LIST_SIZE + 1)
    title = _("Contacts matching “{text}”", text=command.text[:40]) if command.text else _("Contacts")
    empty = _("No contact matches.") if command.text else _("No contacts yet. Add one with: new contact ‹name› ‹email›")
    hint = _("More match; type contacts ‹text› to narrow it down.") if len(found) > LIST_SIZE else ""
    return Reply(card=contact_list_card(title, found[:LIST_SIZE], empty, more_hint=hint))


@routes.command("leads")
def leads(ctx: Said, command: ParsedCommand) -> Answer:
    return _list(ctx, Kind.LEAD)


@routes.command("opportunities")
def opportunities(ctx: Said, command: ParsedCommand) -> Answer:
    return _list(ctx, Kind.OPPORTUNITY)


def everyone_reads_note(ctx: Said) -> str:
    """A list answered in a channel or group chat shows what everyone there may see; the rest is said in 1:1."""
    return (
        _("Everyone here reads this: records not visible to everyone are listed in our 1:1 chat.") if ctx.shared else ""
    )


def _list(ctx: Said, kind: Kind) -> Reply:
    records = ctx.services.records.list_records(ctx.user, kind, LIST_SIZE, everyone_reads=ctx.shared)
    title = _("Latest leads") if kind is Kind.LEAD else _("Latest opportunities")
    flagged = ctx.services.buying.lacking_decision_maker(ctx.user.tenant_id, records)
    if kind is Kind.LEAD:
        empty = _("No leads yet. Try: new lead ‹title›")
    else:
        empty = _("No opportunities yet. Try: new opportunity ‹title›")
    marks = ctx.services.tasks.marks(ctx.user, records)
    return Reply(card=record_list_card(title, records, empty, everyone_reads_note(ctx), flagged=flagged, marks=marks))


@routes.command("my")
def my(ctx: Said, command: ParsedCommand) -> Answer:
    records = ctx.services.records.my_records(ctx.user, LIST_SIZE, everyone_reads=ctx.shared)
    flagged = ctx.services.buying.lacking_decision_maker(ctx.user.tenant_id, records)
    empty = _("You own and follow nothing yet.")
    note = everyone_reads_note(ctx)
    marks = ctx.services.tasks.marks(ctx.user, records)
    return Reply(
        card=record_list_card(_("Yours: owned or followed"), records, empty, note, flagged=flagged, marks=marks)
    )


@routes.command("following")
def following(ctx: Said, command: ParsedCommand) -> Answer:
    records = ctx.services.records.followed_records(ctx.user, LIST_SIZE, everyone_reads=ctx.shared)
    empty = _("You follow nothing yet. Try: follow L-1")
    return Reply(card=record_list_card(_("You follow"), records, empty, everyone_reads_note(ctx)))


@routes.command("show")
def show(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.view(ctx.user, command.ref)


@routes.command("find")
def find(ctx: Said, command: ParsedCommand) -> Answer:
    records = ctx.services.records.search_records(ctx.user, command.text, 10, everyone_reads=ctx.shared)
    contacts = ctx.services.messages.contacts_for_compose(ctx.user.tenant_id, command.text, 10)  # newest first
    return Reply(card=search_results_card(command.text, records, contacts, everyone_reads_note(ctx)))


@routes.command("contact")
def contact(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.set_contact(ctx.user, command.ref, _contact_id(ctx, command))


@routes.command("participant")
def participant(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.add_participant(ctx.user, command.ref, _contact_id(ctx, command))


@routes.command("remove participant")
def remove_participant(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.remove_participant(ctx.user, command.ref, _contact_id(ctx, command))


def _contact_id(ctx: Said, command: ParsedCommand) -> int:
    ctx.services.records.get_record(ctx.user, command.ref)  # an unknown record is said before an unknown name
    contact: Contact = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, command.text)
    return contact.id


@routes.command("role")
def role(ctx: Said, command: ParsedCommand) -> Answer:
    return role_command(ctx.services, ctx.user, command.ref, command.text)


@routes.command("follow")
def follow(ctx: Said, command: ParsedCommand) -> Answer:
    """`follow L-3` (until the deal closes), `follow L-3 for 30 days`, `follow L-3 for 7 days`."""
    follow_for = FollowFor.read(command.text) if command.text else FollowFor.CLOSED
    if follow_for is None:
        ref = command.ref
        return Reply(
            text=_("For how long? Try: follow {ref}, follow {ref} for 30 days or follow {ref} for 7 days", ref=ref)
        )
    return ctx.services.records.follow(ctx.user, command.ref, follow_for=follow_for)


KEEP_WORDS = {"keep": True, "keep access": True, "leave": False, "lose access": False, "and leave": False}


@routes.command("unfollow")
def unfollow(ctx: Said, command: ParsedCommand) -> Answer:
    """`unfollow L-3`; on a private record they would no longer see: `unfollow L-3 keep access` or `... leave`."""
    said = " ".join(command.text.casefold().split())
    if said and said not in KEEP_WORDS:
        return Reply(
            text=_("Try: unfollow {ref}, unfollow {ref} keep access, or unfollow {ref} leave", ref=command.ref)
        )
    return ctx.services.records.unfollow(ctx.user, command.ref, keep_access=KEEP_WORDS.get(said))


@routes.command("comment")
def comment(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.comment(ctx.user, command.ref, command.text, mentioned=command.mentioned)


@routes.command("stage")
def stage(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.change_stage(ctx.user, command.ref, command.text)


@routes.command("convert")
def convert(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.convert(ctx.user, command.ref)


@routes.command("email")
def email_compose(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.email.compose(ctx.user, ctx.services.records.view(ctx.user, command.ref))


@routes.command("meet")
def meet(ctx: Said, command: ParsedCommand) -> Answer:
    view = ctx.services.records.view(ctx.user, command.ref)
    if not command.text.strip():
        return ctx.meetings.form(ctx.user, view)
    return ctx.meetings.from_command(ctx.user, view, command.text)


@routes.command("notifications")
def notifications(ctx: Said, command: ParsedCommand) -> Answer:
    return Reply(card=outbox_status(ctx.services, ctx.user))


# --- deal details, owner, archive ------------------------------------------------------------


@routes.command("value")
def value(ctx: Said, command: ParsedCommand) -> Answer:
    amount, currency = split_value(command.text)
    return ctx.services.details.set_value(ctx.user, command.ref, amount, currency)


@routes.command("close")
def close(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.details.set_close_date(ctx.user, command.ref, command.text)


@routes.command("rename")
def rename(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.details.set_detail(ctx.user, command.ref, "title", command.text)


@routes.command("company")
def company(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.details.set_detail(ctx.user, command.ref, "company", command.text)


@routes.command("next")
def next_step(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.details.set_detail(ctx.user, command.ref, "next_step", command.text)


@routes.command("currency")
def currency(ctx: Said, command: ParsedCommand) -> Answer:
    if not command.text:
        current = ctx.services.details.default_currency(ctx.user.tenant_id)
        if current:
            return Reply(
                text=_("Your organisation's default currency is {code}. Change it with: currency EUR", code=current)
            )
        return Reply(text=_("No default currency yet. Change it with: currency EUR"))
    code = ctx.services.details.set_default_currency(ctx.user, command.text)
    return Reply(text=_("New values without a currency are now in {code}.", code=code))


@routes.command("owner")
def owner(ctx: Said, command: ParsedCommand) -> Answer:
    ctx.services.records.get_record(ctx.user, command.ref)  # an unknown record is said before an unknown name
    colleague = ctx.services.lifecycle.find_colleague(ctx.user, command.text)
    return ctx.services.lifecycle.hand_over(ctx.user, command.ref, colleague)


@routes.command("archive")
def archive(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.lifecycle.archive(ctx.user, command.ref)


@routes.command("restore")
def restore(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.lifecycle.restore(ctx.user, command.ref)


# --- the contact list's upkeep ---------------------------------------------------------------


@routes.command("edit contact")
def edit_contact(ctx: Said, command: ParsedCommand) -> Answer:
    contact = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, command.text)
    return contact_form(ctx.services, ctx.user, contact)


@routes.command("merge contacts")
def merge_contacts(ctx: Said, command: ParsedCommand) -> Answer:
    parts = re.split(r"\s+into\s+", command.text, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) != 2:  # German `in`, Portuguese `em`
        parts = re.split(r"\s+(?:in|em)\s+", command.text, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        return Reply(text=_("Say which one goes into which: merge contacts old@acme.example into new@acme.example"))
    gone = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, parts[0])
    kept = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, parts[1])
    change = ctx.services.contact_care.merge_contacts(ctx.user, gone.id, kept.id)
    kept_list = [change.contact] if change.contact else []
    merged = contact_list_card(_("Contacts merged"), kept_list, "", message=change.message)
    return Reply(card=merged, events=change.events)


@routes.command("delete contact")
def delete_contact(ctx: Said, command: ParsedCommand) -> Answer:
    contact = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, command.text)
    return Reply(text=ctx.services.contact_care.delete_contact(ctx.user, contact.id).message)


@routes.command("erase contact")
def erase_contact(ctx: Said, command: ParsedCommand) -> Answer:
    if "@" not in command.text:
        return Reply(text=_("Give the person's email, exactly: erase contact jane@acme.example"))
    contact = ctx.services.contacts.resolve_contact(ctx.user.tenant_id, command.text)
    refs = [record.ref for record in ctx.services.contact_care.records_of_contact(ctx.user, contact.id)]
    return Reply(card=erase_confirm_card(contact, refs), outcome="form")


@routes.command("export contacts", "export records")
def export(ctx: Said, command: ParsedCommand) -> Answer:
    if command.place is None or command.place.kind != "personal":
        return Reply(text=personal_only(), outcome="refused")
    return Reply(file=export_offer(ctx.services, ctx.user, command.name.split()[1]), outcome="offer")


@routes.command("working hours")
def working_hours(ctx: Said, command: ParsedCommand) -> Answer:
    return working_hours_reply(ctx.services, ctx.user, command.text)


@routes.command("pipeline")
def pipeline(ctx: Said, command: ParsedCommand) -> Answer:
    return pipeline_reply(ctx.services, ctx.user, command.text, command.place)
