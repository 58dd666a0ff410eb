"""Card verbs of the contact list's upkeep: Edit (form, save) and the confirmed Erase.
Their router is listed in bot/handlers/routing.py."""

from __future__ import annotations

import dataclasses

from bot.domain.edits import CONTACT_KEYS, contact_shown, custom_shown, kept_said
from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.language import _
from bot.handlers.fields import contact_form, contact_form_values, custom_inputs
from bot.handlers.payload import int_field, required_int, shown_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from bot.services.contact_care import CONTACT_FIELDS
from cards import verbs
from cards.contact_forms import (
    contact_done_card,
    erase_confirm_card,
    merge_form,
)
from cards.contacts import contact_list_card

routes = Router()


def form_shown(values: dict[str, str]) -> dict[str, str]:
    """The fingerprints of an Edit contact form showing `values` (its details and its custom fields')."""
    custom = [k for k in values if k.startswith("field_") and "_" not in k[6:]]
    return contact_shown(values) | custom_shown(values, custom)


def _contact_id(ctx: Clicked) -> int:
    return required_int(
        ctx.data, "contact", _("This card points at a contact I can't read; please look them up again.")
    )


@routes.verb(verbs.CONTACT_EDIT_FORM)
def edit_contact_form(ctx: Clicked) -> Reply:
    contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, _contact_id(ctx))
    return contact_form(ctx.services, ctx.user, contact)


@routes.verb(verbs.CONTACT_SAVE)
def save_contact(ctx: Clicked) -> Reply:
    """Only the inputs Teams sent (an input left empty is not sent: unchanged), compared with what the form showed.
    A field someone else changed meanwhile comes back on the form with what this person typed: Save applies it."""
    contact_id, shown = _contact_id(ctx), shown_field(ctx.data, CONTACT_KEYS)
    values = {name: text_field(ctx.data, name) for name in CONTACT_FIELDS if name in ctx.data} | custom_inputs(ctx.data)
    try:
        contact, conflicts = ctx.services.contact_care.edit_contact(ctx.user, contact_id, values, shown)
    except Invalid as exc:
        contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, contact_id)
        return contact_form(ctx.services, ctx.user, contact, values, exc.errors, shown=shown)
    except NotFound:
        raise
    except DomainError as exc:  # a field removed while the form was open: the form again, nothing saved
        contact = ctx.services.contacts.get_contact(ctx.user.tenant_id, contact_id)
        return contact_form(ctx.services, ctx.user, contact, message=exc.message)
    if conflicts:
        message = _(
            "{name} saved, but changed by someone else since your form was shown, so kept: {kept}."
            " Save again to apply yours.",
            name=contact.name,
            kept="; ".join(kept_said(c) for c in conflicts),
        )
        now = contact_form_values(ctx.services, ctx.user, contact)
        again = now | {k: v for c in conflicts for k, v in c.typed.items()}
        form = contact_form(ctx.services, ctx.user, contact, again, message=message, shown=form_shown(now))
        return dataclasses.replace(form, outcome="conflict")
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
        return Reply(card=contact_form(ctx.services, ctx.user, contact, message=exc.message).card, outcome="refused")
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
