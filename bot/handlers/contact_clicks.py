"""Card verbs of the contact list's upkeep: Edit (form, save) and the confirmed Erase.
Their router is listed in bot/handlers/routing.py."""

from __future__ import annotations

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.language import _
from bot.handlers.payload import int_field, required_int, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
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

routes = Router()


def _contact_id(ctx: Clicked) -> int:
    return required_int(
        ctx.data, "contact", _("This card points at a contact I can't read; please look them up again.")
    )


@routes.verb(verbs.CONTACT_EDIT_FORM)
def edit_contact_form(ctx: Clicked) -> Reply:
    contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, _contact_id(ctx))
    return Reply(card=contact_edit_form(contact.id, contact_values(contact)), outcome="form")


@routes.verb(verbs.CONTACT_SAVE)
def save_contact(ctx: Clicked) -> Reply:
    contact_id = _contact_id(ctx)
    values = {name: text_field(ctx.data, name) for name in CONTACT_FIELDS}
    try:
        contact = ctx.services.contact_care.edit_contact(ctx.user, contact_id, values)
    except Invalid as exc:
        return Reply(card=contact_edit_form(contact_id, values, exc.errors), outcome="invalid")
    saved = _("{name} saved.", name=contact.name)
    return Reply(card=contact_list_card(_("Contact saved"), [contact], "", message=saved))


@routes.verb(verbs.CONTACT_ERASE)
def erase_contact(ctx: Clicked) -> Reply:
    change = ctx.services.contact_care.erase_contact(ctx.user, _contact_id(ctx))
    return Reply(card=contact_done_card(change.message), events=change.events)


@routes.verb(verbs.CONTACT_ERASE_CONFIRM)
def erase_confirm(ctx: Clicked) -> Reply:
    contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, _contact_id(ctx))
    refs = [record.ref for record in ctx.services.contact_care.records_of_contact(ctx.user, contact.id)]
    return Reply(card=erase_confirm_card(contact, refs), outcome="form")


@routes.verb(verbs.CONTACT_DELETE)
def delete_contact(ctx: Clicked) -> Reply:
    contact_id = _contact_id(ctx)
    try:
        change = ctx.services.contact_care.delete_contact(ctx.user, contact_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, contact_id)
        return Reply(
            card=contact_edit_form(contact.id, contact_values(contact), message=exc.message), outcome="refused"
        )
    return Reply(card=contact_done_card(change.message))


def _merge_form(ctx: Clicked, contact_id: int, errors: dict[str, str] | None = None) -> Reply:
    tenant = ctx.user.tenant_id
    contact = ctx.services.contacts.get_contact(tenant, contact_id)
    others = [c for c in ctx.services.contacts.search_contacts(tenant, "", 50) if c.id != contact.id]
    return Reply(card=merge_form(contact, others, errors), outcome="form" if errors is None else "invalid")


@routes.verb(verbs.CONTACT_MERGE_FORM)
def open_merge_form(ctx: Clicked) -> Reply:
    return _merge_form(ctx, _contact_id(ctx))


@routes.verb(verbs.CONTACT_MERGE)
def merge(ctx: Clicked) -> Reply:
    contact_id = _contact_id(ctx)
    if not text_field(ctx.data, "into"):
        return _merge_form(ctx, contact_id, {"into": _("Pick the contact to keep.")})
    into = int_field(ctx.data, "into")
    try:
        change = ctx.services.contact_care.merge_contacts(ctx.user, contact_id, int(into or 0))
    except DomainError as exc:
        if exc.field != "contact" or (isinstance(exc, NotFound) and contact_id == into):
            raise
        return _merge_form(ctx, contact_id, {"into": exc.message})
    kept = [change.contact] if change.contact else []
    merged = contact_list_card(_("Contacts merged"), kept, "", message=change.message)
    return Reply(card=merged, events=change.events)
