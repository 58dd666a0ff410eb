"""Cards of the message extension: a search result's preview, the contact card a contact result inserts,
and the dialogs of the two message actions (Create lead from message, Add to a record)."""

from __future__ import annotations

import html
from typing import Any

from bot.domain.buying import BuyingRole
from bot.domain.language import _, translated
from bot.domain.models import Contact, Record, Role, stage_label
from bot.domain.rules import MAX_COMMENT, MAX_NAME, MAX_TITLE, quotable_name
from cards import verbs
from cards.common import (
    Card,
    action_set,
    card,
    choice_set,
    clickable_row,
    execute,
    facts,
    heading,
    notice,
    plain,
    section,
    subtle,
    text,
    text_input,
)
from cards.elements import DialogSubmit, Element
from cards.envelopes import Thumbnail

Values = dict[str, str]
Errors = dict[str, str]
PAGE_OF_RECORDS = 10  # records listed on a contact card


def record_preview(record: Record, contact: str | None, fields: str = "") -> Thumbnail:
    """The compact line in the results list: reference · title, then stage · Contact, then the first custom
    fields with a value (HTML escaped: Teams renders a thumbnail card's text as HTML)."""
    shown = (translated(record.kind.label), stage_label(record.stage), contact or _("No Contact yet"), fields)
    details = " · ".join(p for p in shown if p)
    return {"title": html.escape(f"{record.ref} · {record.title}"), "text": html.escape(details)}


def contact_preview(contact: Contact) -> Thumbnail:
    details = " · ".join(p for p in (contact.email, contact.company, contact.job_title) if p)
    return {"title": html.escape(contact.name), "text": html.escape(details)}


def contact_card(contact: Contact, records: list[tuple[Role, Record]], message: str = "") -> Card:
    """A contact as shared into a chat: who they are, the records they are on, and a new lead with them."""
    body: list[Element] = [notice(message)] if message else []
    count = str(len(records)) + ("+" if len(records) >= PAGE_OF_RECORDS else "")
    body += [
        subtle(_("Contact")),
        heading(plain(contact.name)),
        facts(
            [
                (_("Email"), plain(contact.email)),
                (_("Company"), plain(contact.company)),
                (_("Job title"), plain(contact.job_title)),
                (_("Phone"), plain(contact.phone)),
            ]
        ),
        section(_("Records ({n})", n=count)),
    ]
    if not records:
        body.append(subtle(_("Not on any lead or opportunity yet.")))
    for role, record in records[:PAGE_OF_RECORDS]:
        role_name = _("Contact") if role is Role.CONTACT else _("Participant")
        line = f"**{record.ref}** {plain(record.title)}"
        details = " · ".join((translated(record.kind.label), stage_label(record.stage), role_name))
        show = execute(_("Show {ref}", ref=record.ref), verbs.RECORD_SHOW, {"ref": record.ref}, inputs=False)
        body.append(clickable_row(show, [text(line, spacing="Small"), subtle(details)]))
    new_lead = execute(_("New lead with this Contact"), verbs.CONTACT_LEAD_FORM, {"contact": contact.id}, "positive")
    body.append(action_set([new_lead]))
    return card(body)


def contact_lead_form(
    contact: Contact, values: Values | None = None, errors: Errors | None = None, message: str = ""
) -> Card:
    """The new lead's title and company; the contact becomes its Contact (inputs `lead_title`, `lead_company`)."""
    values = values or {"lead_company": contact.company or ""}
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [heading(_("New lead")), text(_("Contact: **{name}**", name=plain(contact.name)))]
    title, company = values.get("lead_title"), values.get("lead_company")
    body += text_input("lead_title", _("Title"), title, max_length=MAX_TITLE, required=True, errors=errors)
    body += text_input("lead_company", _("Company"), company, max_length=200, errors=errors)
    data = {"contact": contact.id}
    create = execute(_("Create lead"), verbs.CONTACT_CREATE_LEAD, data, "positive")
    back = execute(_("Back"), verbs.CONTACT_SHOW, data, inputs=False)
    body.append(action_set([create, back]))
    return card(body)


def _submit(title: str, data: dict[str, Any]) -> DialogSubmit:
    return {"type": "Action.Submit", "title": title, "data": data, "style": "positive"}


def lead_dialog(
    values: Values, contacts: list[tuple[str, str]], data: dict[str, Any], errors: Errors | None = None,
    message: str = "",
) -> Card:  # fmt: skip
    """Create lead from message: prefilled from the message; pick the Contact, or create one here."""
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [text(_from_message(values.get("author")), isSubtle=True, size="Small")]
    body += text_input("title", _("Title"), values.get("title"), max_length=MAX_TITLE, required=True, errors=errors)
    body += text_input("company", _("Company"), values.get("company"), max_length=200, errors=errors)
    body += choice_set(
        "contact", _("Contact"), contacts, value=values.get("contact"), dataset=verbs.CONTACTS_DATASET,
        placeholder=_("Type a name, email or company"), errors=errors,
    )  # fmt: skip
    body.append(text(_("Or a new Contact"), weight="Bolder", spacing="Medium"))
    body += text_input("new_name", _("Name"), values.get("new_name"), max_length=MAX_NAME, errors=errors)
    body += text_input("new_email", _("Email"), values.get("new_email"), max_length=254, style="Email", errors=errors)
    body += text_input("new_company", _("Company"), values.get("new_company"), max_length=200, errors=errors)
    roles = [(translated(role.label), role.value) for role in BuyingRole]
    body += choice_set(
        "buying_role", _("The Contact's buying role"), roles, value=values.get("buying_role"),
        placeholder=_("None yet"), errors=errors,
    )  # fmt: skip
    body += text_input(
        "comment", _("First comment"), values.get("comment"), max_length=MAX_COMMENT, multiline=True, errors=errors
    )
    return card(body, [_submit(_("Create lead"), data)])


def add_to_record_dialog(
    values: Values, records: list[tuple[str, str]], data: dict[str, Any], errors: Errors | None = None,
    message: str = "",
) -> Card:  # fmt: skip
    """Add to a record: pick the record (typeahead over the tenant's records); the message becomes a comment."""
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [text(_from_message(values.get("author")), isSubtle=True, size="Small")]
    body += choice_set(
        "ref", _("Record"), records, value=values.get("ref"), dataset=verbs.RECORDS_DATASET,
        placeholder=_("Type a reference, title, company or Contact"), errors=errors,
    )  # fmt: skip
    body += text_input(
        "comment", _("Comment"), values.get("comment"), max_length=MAX_COMMENT, multiline=True, errors=errors
    )
    return card(body, [_submit(_("Add to record"), data)])


def record_choice(record: Record) -> tuple[str, str]:
    """How a record appears in the record picker, and the value it submits."""
    return f"{record.ref} · {record.title} · {stage_label(record.stage)}", record.ref


def _from_message(author: object) -> str:
    """The message's author as the message showed them (quoted, never vouched for)."""
    name = quotable_name(author if isinstance(author, str) else None)
    if name:
        return _("From a message, sender shown as “{name}”", name=plain(name))
    return _("From a message, sender not shown")
