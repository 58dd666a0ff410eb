"""The message extension: searches from any chat's compose box (Records, Contacts), the two actions on a
message (Create lead from message, Add to a record) with their dialogs, and the contact card's buttons.
No botbuilder: the Teams layer hands in the invoke's value and sends back the body built here.

Everything Teams sends is untrusted: a refused value comes back in the dialog beside its field, anything
else as a short message; nothing is half-written (each submit is one transaction, once per dialog)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bot.domain.buying import parse_role
from bot.domain.errors import DomainError
from bot.domain.language import N_, _, translated
from bot.domain.models import Change, RecordView, User
from bot.domain.rules import MAX_COMMENT, MAX_TITLE, clean_text, quotable_name
from bot.handlers.message_html import first_line, message_text
from bot.handlers.payload import BadPayload, int_field, required_int, text_field
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.handlers.router import Clicked, Router
from bot.services import CrmService
from bot.services.messages import ChatMessage, NewContact
from cards import verbs
from cards.common import Card
from cards.envelopes import (
    ComposeResponse,
    DialogResponse,
    PreviewResponse,
    bot_message_preview,
    compose_message,
    compose_picks,
    compose_results,
    dialog_response,
    task_message,
)
from cards.extension import (
    add_to_record_dialog,
    contact_card,
    contact_lead_form,
    contact_preview,
    lead_dialog,
    record_choice,
    record_preview,
)
from cards.fields import field_summary
from cards.forms import contact_choice

RECORDS = "searchRecords"
CONTACTS = "searchContacts"
LEAD_FROM_MESSAGE = "leadFromMessage"
ADD_TO_RECORD = "addToRecord"
QUERY_PARAMETER = "query"


@dataclass(frozen=True)
class ExtensionCommand:
    """One command of the message extension, as the manifest declares it (manifest/build.py reads these)."""

    id: str
    kind: str  # "query": a search from the compose box; "action": on a message, with a dialog
    title: str  # at most 32 characters
    description: str  # at most 128
    parameter: str  # the search box's placeholder (an action's dialog comes from fetchTask)


EXTENSION_COMMANDS = (
    ExtensionCommand(RECORDS, "query", N_("Records"), N_("Find a lead or opportunity and share its live card."),
                     N_("Reference, title, company or Contact")),
    ExtensionCommand(CONTACTS, "query", N_("Contacts"), N_("Find a contact and share their card with their records."),
                     N_("Name, email or company")),
    ExtensionCommand(LEAD_FROM_MESSAGE, "action", N_("Create lead from message"),
                     N_("Turn this message into a lead: title, Contact and the text as its first comment."),
                     N_("Title")),
    ExtensionCommand(ADD_TO_RECORD, "action", N_("Add to a record"),
                     N_("Add this message as a comment on a lead or opportunity, with a link back."), N_("Record")),
)  # fmt: skip

UNAVAILABLE = N_("This action is not available any more: update the CRM app.")
MAX_QUERY = 100  # characters a search may have; longer is answered with a message
PAGE = 25  # results Teams asks for at once; never more
PICKER_SIZE = 50  # contacts or records listed in a dialog's picker before typeahead takes over
TYPEAHEAD = 15
FIELDS = {"name": "new_name", "email": "new_email", "company": "company"}

Answer = ComposeResponse | DialogResponse | PreviewResponse


@dataclass(frozen=True)
class Submitted:
    """What a dialog submit answers with (None: nothing, the dialog closes), what changed (so posted cards are
    brought up to date), and the record card the bot posts in the conversation itself (a preview sent)."""

    body: Answer | None
    reply: Reply | None = None
    post: Reply | None = None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any, low: int, high: int, default: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok else default


class Extension:
    def __init__(self, services: CrmService) -> None:
        self.services = services

    # --- search commands (composeExtension/query) ------------------------------------------------

    def query(self, user: User, value: Any) -> ComposeResponse:
        value = _dict(value)
        parameters = {p.get("name"): p.get("value") for p in value.get("parameters") or [] if isinstance(p, dict)}
        options = _dict(value.get("queryOptions"))
        skip, count = _int(options.get("skip"), 0, 10_000, 0), _int(options.get("count"), 1, PAGE, PAGE)
        said = "" if parameters.get("initialRun") == "true" else parameters.get(QUERY_PARAMETER)
        said = said if isinstance(said, str) else ""
        if len(said) > MAX_QUERY:
            return compose_message(
                _("Search with at most {n} characters: a reference, a title or a name.", n=MAX_QUERY)
            )
        command = value.get("commandId")
        if command == RECORDS:
            records = self.services.messages.records_for_compose(user, said, count, skip)
            names = self.services.messages.contact_names(user.tenant_id, records)  # one query for the page
            fields = self.services.fields.summaries(user.tenant_id, records)  # none unless a record holds values
            return compose_picks(
                [(record_preview(r, names.get(r.id), fields.get(r.id, "")), {"record": r.id}) for r in records]
            )
        if command == CONTACTS:
            contacts = self.services.messages.contacts_for_compose(user.tenant_id, said, count, skip)
            return compose_picks([(contact_preview(c), {"contact": c.id}) for c in contacts])
        return compose_message(_("This search is not available any more: update the CRM app."))

    def select_item(self, user: User, value: Any) -> ComposeResponse:
        """The result a person picked (`composeExtension/selectItem`, with its preview's tap value): the live
        record card (buttons, per-viewer refresh, version) or the contact's card, to insert. The value comes
        back from the client, so it is checked like any card data: this tenant's rows only."""
        value = _dict(value)
        record_id, contact_id = value.get("record"), value.get("contact")
        if _int(record_id, 1, 2**63 - 1, 0):
            record = self.services.records.visible_by_id(user, record_id)  # one they may not see: as if gone
            if record is not None:
                view = self.services.records.view_of(record)
                card = self._inserted(user, view)
                preview = record_preview(
                    record, view.contact.name if view.contact else None, field_summary(view.custom)
                )
                return compose_results([(card, preview)])
            return compose_message(_("That record no longer exists: search again."))
        if _int(contact_id, 1, 2**63 - 1, 0):
            try:
                contact = self.services.contacts.get_contact(user.tenant_id, contact_id)
            except DomainError as exc:
                return compose_message(_("{why} Search again.", why=exc.message))
            return compose_results([(self._contact_card(user, contact.id), contact_preview(contact))])
        return compose_message(_("This result is out of date: search again."))

    def _inserted(self, user: User, view: RecordView, change: Change | None = None) -> Card:
        """A record card a person inserts in a chat, where everyone in it sees it: a private or team record shows
        them its reference and title only, and each one who may see it (at most 60) their own card."""
        readers = self.services.visibility.readers(view) if view.record.restricted else []
        if change is not None:
            reply = change_reply(change, user, shared=True, everyone_reads=True, readers=readers)
        else:
            reply = record_reply(view, user, shared=True, everyone_reads=True, readers=readers)
        assert reply.card is not None
        return reply.card

    def _contact_card(self, user: User, contact_id: int, message: str = "") -> Card:
        contact = self.services.contacts.get_contact(user.tenant_id, contact_id)
        return contact_card(
            contact, self.services.messages.recent_records_of_contact(user, contact_id, everyone_reads=True), message
        )

    def search_records(self, user: User, query: Any) -> list[tuple[str, str]]:
        """Typeahead in the record picker (`application/search` with our records dataset)."""
        said = query[:MAX_QUERY] if isinstance(query, str) else ""
        return [record_choice(r) for r in self.services.messages.records_for_compose(user, said, TYPEAHEAD)]

    # --- action commands on a message (composeExtension/fetchTask, submitAction) -----------------

    def fetch_task(self, user: User, value: Any) -> Answer:
        """The dialog, prefilled from the message the action was started on."""
        value = _dict(value)
        payload = _dict(value.get("messagePayload"))
        body = _dict(payload.get("body"))
        content = body.get("content")
        content = content if isinstance(content, str) else ""
        said = message_text(content, "text" if body.get("contentType") == "text" else "html")
        author = _dict(_dict(payload.get("from")).get("user")).get("displayName")
        link = payload.get("linkToMessage")
        data = {
            "key": uuid.uuid4().hex,
            "author": quotable_name(author if isinstance(author, str) else ""),
            "link": link if isinstance(link, str) and len(link) <= 1000 else "",
        }
        values = {"comment": said[:MAX_COMMENT], "author": data["author"], "title": first_line(said, MAX_TITLE)}
        cut = ""
        if len(said) > MAX_COMMENT:
            cut = _("The message was longer than a comment can be: its end was left out.")
        return self._dialog(user, value.get("commandId"), values, data, message=cut)

    def _dialog(
        self, user: User, command: Any, values: dict[str, str], data: dict[str, Any],
        errors: dict[str, str] | None = None, message: str = "",
    ) -> Answer:  # fmt: skip
        if command == LEAD_FROM_MESSAGE:
            contacts = [
                contact_choice(c) for c in self.services.contacts.search_contacts(user.tenant_id, "", PICKER_SIZE)
            ]
            card = lead_dialog(values, contacts, data, errors, message)
            return dialog_response(_("Create lead from message"), card)
        if command == ADD_TO_RECORD:
            records = [record_choice(r) for r in self.services.messages.records_for_compose(user, "", PICKER_SIZE)]
            card = add_to_record_dialog(values, records, data, errors, message)
            return dialog_response(_("Add to a record"), card)
        return task_message(translated(UNAVAILABLE))

    def submit_action(self, user: User, value: Any, shared: bool = True) -> Submitted:
        value = _dict(value)
        command, data = value.get("commandId"), _dict(value.get("data"))
        previewed = value.get("botMessagePreviewAction")
        if previewed == "send":
            return self._send_preview(user, value, shared)
        if previewed == "edit":
            return Submitted(task_message(self._edit_preview(user, value)))
        try:
            names = (
                "title",
                "company",
                "contact",
                "new_name",
                "new_email",
                "new_company",
                "buying_role",
                "comment",
                "ref",
            )
            values = {name: text_field(data, name) for name in names}
            values["author"] = quotable_name(text_field(data, "author"))
            carried = {"key": text_field(data, "key"), "author": values["author"], "link": text_field(data, "link")}
        except BadPayload as exc:
            return Submitted(task_message(exc.message))
        message = ChatMessage(values["comment"], values["author"], carried["link"] or None)
        try:
            if command == LEAD_FROM_MESSAGE:
                change = self._lead(user, carried["key"], values, message, data)
            elif command == ADD_TO_RECORD:
                if not values["ref"]:
                    raise DomainError(_("Pick a record."), "ref")
                change = self.services.messages.message_to_record(user, carried["key"], values["ref"], message)
            else:
                return Submitted(task_message(translated(UNAVAILABLE)))
        except DomainError as exc:
            field = FIELDS.get(exc.field or "", exc.field) if command == LEAD_FROM_MESSAGE else exc.field
            errors = {field: exc.message} if field and field in values else None
            return Submitted(self._dialog(user, command, values, carried, errors, "" if errors else exc.message))
        reply = change_reply(change, user, shared=True)  # the view the change built: no second read
        assert reply.card is not None and change.view is not None
        if command == LEAD_FROM_MESSAGE:  # previewed (to its sender alone), then posted by the bot itself
            return Submitted(bot_message_preview(reply.card), reply)
        # The comment's record card is inserted by the person: their message, which the bot can never update;
        # the card's refresh gives each listed viewer the truth when they look (a private record: only them).
        contact = change.view.contact.name if change.view.contact else None
        card = self._inserted(user, change.view, change)
        return Submitted(compose_results([(card, record_preview(change.record, contact))]), reply)

    # --- the lead's preview: Send posts it, Edit reopens nothing (the lead exists) ----------------------

    @staticmethod
    def _previewed_ref(value: dict[str, Any]) -> str:
        """The record of the previewed card Teams sends back (`botActivityPreview`, untrusted like any card
        data): its refresh action names it."""
        previews = value.get("botActivityPreview")
        first = _dict(previews[0]) if isinstance(previews, list) and previews else {}
        attachments = first.get("attachments")
        content = _dict(_dict(attachments[0]).get("content")) if isinstance(attachments, list) and attachments else {}
        ref = _dict(_dict(_dict(content.get("refresh")).get("action")).get("data")).get("ref")
        return ref if isinstance(ref, str) and len(ref) <= 20 else ""

    def _previewed(self, user: User, value: dict[str, Any]) -> RecordView | None:
        ref = self._previewed_ref(value)
        try:
            return self.services.records.view(user, ref) if ref else None
        except DomainError:
            return None

    def _send_preview(self, user: User, value: dict[str, Any], shared: bool) -> Submitted:
        """Send on the preview: the bot posts the record card, freshly built, in the conversation."""
        view = self._previewed(user, value)
        if view is None:
            return Submitted(task_message("This preview is out of date: start again from the message."))
        readers = self.services.visibility.readers(view) if shared and view.record.restricted else []
        return Submitted(None, post=record_reply(view, user, shared, everyone_reads=shared, readers=readers))

    def _edit_preview(self, user: User, value: dict[str, Any]) -> str:
        """Edit on the preview: the lead was created on the first submit (and said so on the card), so the
        dialog does not come back to create a second one; its card's buttons change it."""
        view = self._previewed(user, value)
        what = view.record.ref if view is not None else "The lead"
        return (
            f"{what} was already created from this message. Send the preview to share its card here, then "
            "change the lead with the card's buttons."
        )

    def _lead(self, user: User, key: str, values: dict[str, str], message: ChatMessage, data: dict[str, Any]) -> Change:
        new = None
        if values["new_name"] or values["new_email"] or values["new_company"]:
            if values["contact"]:
                raise DomainError(_("Pick a Contact or create a new one, not both."), "contact")
            if not clean_text(values["new_name"]):
                raise DomainError(_("A new Contact needs a name."), "new_name")
            new = NewContact(values["new_name"], values["new_email"] or None, values["new_company"] or None)
        contact_id = int_field(data, "contact") if values["contact"] else None
        role = parse_role(values["buying_role"], "buying_role")
        if role is not None and contact_id is None and new is None:
            raise DomainError(_("Pick or create the Contact to give them a buying role."), "buying_role")
        return self.services.messages.lead_from_message(
            user, key, values["title"], values["company"], message, contact_id, new, role
        )


# --- the contact card's buttons (Action.Execute, on this module's router) ----------------------------

routes = Router()


def _contact_id(ctx: Clicked) -> int:
    missing = _("This card is missing information; please search for the contact again.")
    return required_int(ctx.data, "contact", missing)


@routes.verb(verbs.CONTACT_SHOW)
def show_contact(ctx: Clicked) -> Reply:
    tenant, contact_id = ctx.user.tenant_id, _contact_id(ctx)
    contact = ctx.services.contacts.get_contact(tenant, contact_id)
    return Reply(card=contact_card(contact, ctx.services.messages.recent_records_of_contact(ctx.user, contact_id)))


@routes.verb(verbs.CONTACT_LEAD_FORM)
def contact_lead(ctx: Clicked) -> Reply:
    contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, _contact_id(ctx))
    return Reply(card=contact_lead_form(contact), outcome="form")


@routes.verb(verbs.CONTACT_CREATE_LEAD)
def create_contact_lead(ctx: Clicked) -> Reply:
    contact_id = _contact_id(ctx)
    values = {name: text_field(ctx.data, name) for name in ("lead_title", "lead_company")}
    try:
        change = ctx.services.messages.lead_for_contact(
            ctx.user, contact_id, values["lead_title"], values["lead_company"]
        )
    except DomainError as exc:
        if exc.field not in ("title", "company"):
            raise
        contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, contact_id)
        errors = {f"lead_{exc.field}": exc.message}
        return Reply(card=contact_lead_form(contact, values, errors), outcome="invalid")
    return ctx.changed(change)
