"""Card verbs of the contact list's upkeep: Edit (form, save) and the confirmed Erase.
Registered with @on_verb on the click registry (bot/handlers/clicks.py imports this module)."""

from __future__ import annotations

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.handlers.clicks import Actions, Click, on_verb
from bot.handlers.payload import int_field, required_int, text_field
from bot.handlers.replies import Reply
from bot.services.contact_care import CONTACT_FIELDS
from cards import verbs
from cards.contact_forms import (
    contact_done_card,
    contact_edit_form,
    contact_values,
    erase_confirm_card,
    merge_form,
)
from cards.contacts import contact_list_card


def _contact_id(click: Click) -> int:
    return required_int(click.data, "contact", "This card points at a contact I can't read; please look them up again.")


@on_verb(verbs.CONTACT_EDIT_FORM)
def edit_contact_form(self: Actions, click: Click) -> Reply:
    contact = self.services.get_contact(click.user.tenant_id, _contact_id(click))
    return Reply(card=contact_edit_form(contact.id, contact_values(contact)), outcome="form")


@on_verb(verbs.CONTACT_SAVE)
def save_contact(self: Actions, click: Click) -> Reply:
    contact_id = _contact_id(click)
    values = {name: text_field(click.data, name) for name in CONTACT_FIELDS}
    try:
        contact = self.services.edit_contact(click.user, contact_id, values)
    except Invalid as exc:
        return Reply(card=contact_edit_form(contact_id, values, exc.errors), outcome="invalid")
    return Reply(card=contact_list_card("Contact saved", [contact], "", message=f"{contact.name} saved."))


@on_verb(verbs.CONTACT_ERASE)
def erase_contact(self: Actions, click: Click) -> Reply:
    change = self.services.erase_contact(click.user, _contact_id(click))
    return Reply(card=contact_done_card(change.message), events=change.events)


@on_verb(verbs.CONTACT_ERASE_CONFIRM)
def erase_confirm(self: Actions, click: Click) -> Reply:
    contact = self.services.get_contact(click.user.tenant_id, _contact_id(click))
    refs = [record.ref for record in self.services.records_of_contact(click.user.tenant_id, contact.id)]
    return Reply(card=erase_confirm_card(contact, refs), outcome="form")


@on_verb(verbs.CONTACT_DELETE)
def delete_contact(self: Actions, click: Click) -> Reply:
    contact_id = _contact_id(click)
    try:
        change = self.services.delete_contact(click.user, contact_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        contact = self.services.get_contact(click.user.tenant_id, contact_id)
        return Reply(
            card=contact_edit_form(contact.id, contact_values(contact), message=exc.message), outcome="refused"
        )
    return Reply(card=contact_done_card(change.message))


def _merge_form(self: Actions, click: Click, contact_id: int, errors: dict[str, str] | None = None) -> Reply:
    tenant = click.user.tenant_id
    contact = self.services.get_contact(tenant, contact_id)
    others = [c for c in self.services.search_contacts(tenant, "", 50) if c.id != contact.id]
    return Reply(card=merge_form(contact, others, errors), outcome="form" if errors is None else "invalid")


@on_verb(verbs.CONTACT_MERGE_FORM)
def open_merge_form(self: Actions, click: Click) -> Reply:
    return _merge_form(self, click, _contact_id(click))


@on_verb(verbs.CONTACT_MERGE)
def merge(self: Actions, click: Click) -> Reply:
    contact_id = _contact_id(click)
    if not text_field(click.data, "into"):
        return _merge_form(self, click, contact_id, {"into": "Pick the contact to keep."})
    into = int_field(click.data, "into")
    try:
        change = self.services.merge_contacts(click.user, contact_id, int(into or 0))
    except DomainError as exc:
        if exc.field != "contact" or (isinstance(exc, NotFound) and contact_id == into):
            raise
        return _merge_form(self, click, contact_id, {"into": exc.message})
    kept = [change.contact] if change.contact else []
    return Reply(card=contact_list_card("Contacts merged", kept, "", message=change.message), events=change.events)
