"""Contact cards: the contact list and search results, the new-contact form."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.models import Contact
from cards import verbs
from cards.common import Card, action_set, card, execute, heading, notice, plain, subtle, text, text_input
from cards.elements import Element


def contact_line(contact: Contact) -> str:
    """A contact for a TextBlock: the name in bold, every field as literal text."""
    extra = " · ".join(plain(p) for p in (contact.email, contact.job_title, contact.company, contact.phone) if p)
    return f"**{plain(contact.name)}**" + (f" · {extra}" if extra else "")


def contact_list_card(title: str, contacts: list[Contact], empty: str, message: str = "", more_hint: str = "") -> Card:
    body: list[Element] = []
    if message:
        body.append(notice(message))
    body.append(heading(plain(title)))  # it may quote what was typed
    if not contacts:
        body.append(text(empty))
    for contact in contacts:
        body.append(text(contact_line(contact), separator=True))
        edit = execute(_("Edit"), verbs.CONTACT_EDIT_FORM, {"contact": str(contact.id)}, inputs=False)
        body.append(action_set([edit]))
    if more_hint:
        body.append(subtle(more_hint))
    return card(body)


def new_contact_form(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, form_key: str = ""
) -> Card:
    """The create form; `form_key` (the form's idempotency key) makes a second submit add nobody."""
    values = values or {}
    body: list[Element] = [heading(_("New contact"))]
    body += text_input("name", _("Name"), values.get("name"), max_length=200, required=True, errors=errors)
    body += text_input("email", _("Email"), values.get("email"), max_length=254, style="Email", errors=errors)
    body += text_input("company", _("Company"), values.get("company"), max_length=200, errors=errors)
    body += text_input("job_title", _("Job title"), values.get("job_title"), max_length=200, errors=errors)
    body += text_input("phone", _("Phone"), values.get("phone"), max_length=50, style="Tel", errors=errors)
    data = {"form_key": form_key} if form_key else None
    body.append(action_set([execute(_("Add contact"), verbs.CONTACT_CREATE, data, style="positive")]))
    return card(body)
