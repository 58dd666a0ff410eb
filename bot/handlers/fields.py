"""Custom fields through text and clicks: `fields`, the admins' `field add`, `field rename`, `field remove` and
their forms, `set O-3 Region EMEA`, a record's More fields pages, and the custom inputs of Edit details and
Edit contact (read here, checked by the services). Their router is listed in bot/handlers/routing.py."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.fields import applies_to, field_type, type_names
from bot.domain.language import _, ngettext
from bot.domain.models import Contact, User
from bot.handlers.commands import ParsedCommand
from bot.handlers.payload import BadPayload, int_field, shown_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Answer, Clicked, Router, Said
from bot.services import CrmService
from bot.services.fields import shown_ids
from cards import verbs
from cards.contact_forms import contact_edit_form, contact_values
from cards.detail_forms import fields_form
from cards.fields import field_add_form, field_manage_form, field_remove_confirm, fields_card, form_values

routes = Router()
ADD_FIELDS = ("applies_to", "name", "type", "choices")


def custom_inputs(data: dict[str, Any]) -> dict[str, str]:
    """The custom inputs a form carried (`fields`: the ids it showed), as typed; unread, unchecked. An input Teams
    did not send (left empty) is absent: unchanged."""
    values = {"fields": text_field(data, "fields")}
    for field_id in shown_ids(values["fields"]):
        for name in (f"field_{field_id}", f"field_{field_id}_currency"):
            if name in data:
                values[name] = text_field(data, name)
    return values


def contact_form_values(services: CrmService, user: User, contact: Contact) -> dict[str, str]:
    """The Edit contact form's values for the contact as it is: its details and its custom fields'."""
    return contact_values(contact) | form_values(services.fields.contact_shown(user.tenant_id, contact.id))


def contact_form(
    services: CrmService, user: User, contact: Contact, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, message: str = "", shown: dict[str, str] | None = None,
) -> Reply:  # fmt: skip
    """Edit contact, its custom fields included (what was typed kept when a value was refused; `shown`: what
    the form first showed, by default `values`)."""
    fields = services.fields.fields_of(user.tenant_id, None)
    if values is None:
        values = contact_form_values(services, user, contact)
    colleagues = services.people.colleagues(user.tenant_id) if any(f.type.value == "colleague" for f in fields) else []
    card = contact_edit_form(contact.id, values, errors, message, fields, colleagues, shown)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


def _fields_card(ctx: Clicked | Said, message: str = "", good: bool = True) -> Reply:
    fields = ctx.services.fields.fields(ctx.user.tenant_id)
    return Reply(card=fields_card(fields, ctx.services.people.is_admin(ctx.user), message, good))


# --- the commands ----------------------------------------------------------------------------------


@routes.command("fields")
def list_fields(ctx: Said, command: ParsedCommand) -> Answer:
    return _fields_card(ctx)


def split_field_add(text: str) -> tuple[str, str, str, str]:
    """`opportunity Region choice EMEA, APAC` -> (on, name, type, choices): the type is the first type word after
    the name that is a choice, or the last word."""
    words = text.split()
    if len(words) < 3:
        raise DomainError(
            _(
                "Say what the field is on, its name and its type: field add opportunity Region choice EMEA, Americas, APAC (types: {types}).",
                types=type_names(),
            )
        )
    on, rest = words[0], words[1:]
    for index in range(1, len(rest)):
        try:
            kind = field_type(rest[index])
        except DomainError:
            continue
        if kind.value == "choice" or index == len(rest) - 1:
            return on, " ".join(rest[:index]), rest[index], " ".join(rest[index + 1 :])
    raise DomainError(
        _(
            "Say the field's type after its name: field add opportunity Region choice EMEA, Americas, APAC (types: {types}).",
            types=type_names(),
        )
    )


@routes.command("field add")
def add_field(ctx: Said, command: ParsedCommand) -> Answer:
    on, name, kind, choices = split_field_add(command.text)
    applies_to(on)  # said first: what the field is on
    try:
        field = ctx.services.fields.add_field(ctx.user, on, name, kind, choices)
    except Invalid as exc:
        return Reply(text=" ".join(exc.errors.values()), outcome="refused")
    return _fields_card(ctx, _("The field {name} is on {what} now.", name=field.name, what=field.applies_to.label))


@routes.command("field rename")
def rename_field(ctx: Said, command: ParsedCommand) -> Answer:
    text = command.text
    lower = text.lower()
    for between in (" to ", " zu ", " para "):  # English, German, Portuguese
        start = 0
        while (at := lower.find(between, start)) >= 0:
            try:
                field = ctx.services.fields.field_named(ctx.user.tenant_id, text[:at])
            except NotFound:
                start = at + 1
                continue
            renamed, old = ctx.services.fields.rename_field(ctx.user, field.id, text[at + len(between) :])
            return _fields_card(ctx, _("{old} is now called {new}.", old=old, new=renamed.name))
    return Reply(text=_("Say which field and its new name: field rename Region to Sales region"), outcome="refused")


@routes.command("field remove")
def remove_field(ctx: Said, command: ParsedCommand) -> Answer:
    ctx.services.fields.require_admin(ctx.user)
    field = ctx.services.fields.field_named(ctx.user.tenant_id, command.text)
    return Reply(card=field_remove_confirm(field), outcome="form")


@routes.command("set")
def set_field(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.fields.set_value(ctx.user, command.ref, command.text)


# --- the admins' forms -----------------------------------------------------------------------------


@routes.verb(verbs.FIELDS_SHOW)
def show_fields(ctx: Clicked) -> Reply:
    return _fields_card(ctx)


@routes.verb(verbs.FIELD_FORM)
def open_add_form(ctx: Clicked) -> Reply:
    return Reply(card=field_add_form(), outcome="form")


@routes.verb(verbs.FIELD_ADD)
def add_field_click(ctx: Clicked) -> Reply:
    values = {name: text_field(ctx.data, name) for name in ADD_FIELDS}
    try:
        field = ctx.services.fields.add_field(
            ctx.user, values["applies_to"], values["name"], values["type"], values["choices"]
        )
    except Invalid as exc:
        return Reply(card=field_add_form(values, exc.errors), outcome="invalid")
    except DomainError as exc:
        if exc.field in ADD_FIELDS:
            return Reply(card=field_add_form(values, {str(exc.field): exc.message}), outcome="invalid")
        return _fields_card(ctx, exc.message, good=False)
    return _fields_card(ctx, _("The field {name} is on {what} now.", name=field.name, what=field.applies_to.label))


def _picked_field(ctx: Clicked) -> int:
    value = int_field(ctx.data, "field")
    if value is None:
        raise BadPayload(_("Pick a field from the list."))
    return value


@routes.verb(verbs.FIELD_MANAGE_FORM)
def open_manage_form(ctx: Clicked) -> Reply:
    return Reply(card=field_manage_form(ctx.services.fields.fields(ctx.user.tenant_id)), outcome="form")


@routes.verb(verbs.FIELD_RENAME)
def rename_field_click(ctx: Clicked) -> Reply:
    values = {"field": text_field(ctx.data, "field"), "new_name": text_field(ctx.data, "new_name")}
    fields = ctx.services.fields.fields(ctx.user.tenant_id)
    if not values["field"]:
        return Reply(
            card=field_manage_form(fields, values, {"field": _("Pick a field from the list.")}), outcome="invalid"
        )
    try:
        renamed, old = ctx.services.fields.rename_field(ctx.user, _picked_field(ctx), values["new_name"])
    except DomainError as exc:
        if exc.field in ("new_name", "field"):
            return Reply(card=field_manage_form(fields, values, {str(exc.field): exc.message}), outcome="invalid")
        return _fields_card(ctx, exc.message, good=False)
    return _fields_card(ctx, _("{old} is now called {new}.", old=old, new=renamed.name))


@routes.verb(verbs.FIELD_REMOVE_CONFIRM)
def remove_confirm(ctx: Clicked) -> Reply:
    fields = ctx.services.fields.fields(ctx.user.tenant_id)
    if not text_field(ctx.data, "field"):
        values = {"new_name": text_field(ctx.data, "new_name")}
        return Reply(
            card=field_manage_form(fields, values, {"field": _("Pick a field from the list.")}), outcome="invalid"
        )
    picked = _picked_field(ctx)
    field = next((f for f in fields if f.id == picked), None)
    if field is None:
        return _fields_card(
            ctx, _("That field no longer exists (it was removed). Type fields to see them."), good=False
        )
    return Reply(card=field_remove_confirm(field), outcome="form")


@routes.verb(verbs.FIELD_REMOVE)
def remove_field_click(ctx: Clicked) -> Reply:
    try:
        field, held = ctx.services.fields.remove_field(ctx.user, _picked_field(ctx))
    except DomainError as exc:
        return _fields_card(ctx, exc.message, good=False)
    return _fields_card(
        ctx,
        ngettext(
            "The field {name} was removed ({n} record or contact held a value; the timeline keeps it).",
            "The field {name} was removed ({n} records or contacts held a value; the timelines keep them).",
            held,
            name=field.name,
        ),
    )


# --- a record's More fields pages ------------------------------------------------------------------


def _fields_page(
    ctx: Clicked, start: int, values: dict[str, str] | None, errors: dict[str, str] | None, message: str = "",
    marks: dict[str, str] | None = None,
) -> Reply:  # fmt: skip
    view = ctx.view()
    fields = ctx.services.fields.fields_of(ctx.user.tenant_id, view.record.kind)
    if values is None:
        values = form_values(view.custom)
    colleagues = (
        ctx.services.people.colleagues(ctx.user.tenant_id) if any(f.type.value == "colleague" for f in fields) else []
    )
    card = fields_form(view, fields, min(start, len(fields)), values, errors, message, colleagues, marks)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.RECORD_FIELDS_FORM)
def open_fields_page(ctx: Clicked) -> Reply:
    return _fields_page(ctx, int_field(ctx.data, "start", 0) or 0, None, None)


@routes.verb(verbs.SAVE_FIELDS)
def save_fields(ctx: Clicked) -> Reply:
    seen, ref, shown = ctx.seen(), ctx.ref(), shown_field(ctx.data)
    values = custom_inputs(ctx.data)
    start = int_field(ctx.data, "start", 0) or 0
    try:
        change = ctx.services.fields.set_fields(ctx.user, ref, values, shown_ids(values["fields"]), seen, shown)
    except Invalid as exc:
        return _fields_page(ctx, start, values, exc.errors, marks=shown)
    except NotFound:
        raise
    except DomainError as exc:  # a field removed meanwhile, nothing changed, archived: said on the record card
        return ctx.record(ctx.view(), exc.message, good=False)
    return ctx.changed(change)
