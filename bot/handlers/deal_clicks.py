"""Card verbs of a deal's details, owner and archive: Edit details, Change owner, Archive / Restore.
Their router is listed in bot/handlers/routing.py."""

from __future__ import annotations

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.language import _
from bot.domain.models import Change, RecordView
from bot.handlers.fields import custom_inputs
from bot.handlers.payload import shown_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from bot.services.details import FORM_FIELDS
from cards import verbs
from cards.detail_forms import archive_confirm_card, details_form, details_values, owner_form
from cards.fields import form_values

routes = Router()


def _details_form(
    ctx: Clicked, values: dict[str, str] | None, errors: dict[str, str] | None, view: RecordView | None = None,
    shown: dict[str, str] | None = None,
) -> Reply:  # fmt: skip
    """Edit details with the record's custom fields (what was typed kept when a value was refused; `shown`:
    what the form first showed)."""
    view = view or ctx.view()
    tenant = ctx.user.tenant_id
    if values is None:
        values = details_values(view, ctx.services.details.default_currency(tenant)) | form_values(view.custom)
    fields = ctx.services.fields.fields_of(tenant, view.record.kind)
    colleagues = ctx.services.people.colleagues(tenant) if any(f.type.value == "colleague" for f in fields) else []
    card = details_form(view, values, errors, fields=fields, colleagues=colleagues, shown=shown)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.DETAILS_FORM)
def open_details_form(ctx: Clicked) -> Reply:
    return _details_form(ctx, None, None)


@routes.verb(verbs.EDIT_DETAILS)
def edit_details(ctx: Clicked) -> Reply:
    """Only the inputs Teams sent (an input left empty is not sent: unchanged), compared with what the form showed."""
    seen, ref, shown = ctx.seen(), ctx.ref(), shown_field(ctx.data)
    values = {name: text_field(ctx.data, name) for name in FORM_FIELDS if name in ctx.data} | custom_inputs(ctx.data)
    try:
        change = ctx.services.details.edit_details(ctx.user, ref, values, seen, shown)
    except Invalid as exc:  # every wrong field at once, each with its message beside it
        return _details_form(ctx, values, exc.errors, shown=shown)
    except NotFound:
        raise
    except DomainError as exc:  # archived, converted, nothing changed: said on the record card
        return ctx.record(ctx.view(), exc.message, good=False)
    return ctx.changed(change)


def _owner_form(ctx: Clicked, errors: dict[str, str] | None = None) -> Reply:
    card = owner_form(ctx.view(), ctx.services.people.colleagues(ctx.user.tenant_id), errors)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.OWNER_FORM)
def open_owner_form(ctx: Clicked) -> Reply:
    return _owner_form(ctx)


@routes.verb(verbs.SET_OWNER, colleague_field="owner")
def set_owner(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    picked = text_field(ctx.data, "owner")
    if not picked:
        return _owner_form(ctx, {"owner": _("Pick a colleague.")})

    def operation() -> Change:
        click = ctx.click
        colleague = ctx.services.lifecycle.picked_colleague(
            ctx.user, picked, click.follower_name, click.follower_teams_id, click.follower_aad_id
        )
        return ctx.services.lifecycle.hand_over(ctx.user, ref, colleague, seen)

    return ctx.attempt(operation, "owner", lambda message: _owner_form(ctx, {"owner": message}))


@routes.verb(verbs.ARCHIVE_CONFIRM)
def archive_confirm(ctx: Clicked) -> Reply:
    view = ctx.view()
    if view.record.archived_at:
        return ctx.record(view, _("{ref} is already archived.", ref=view.record.ref), good=False)
    return Reply(card=archive_confirm_card(view), outcome="form")


@routes.verb(verbs.ARCHIVE)
def archive(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    return ctx.attempt(lambda: ctx.services.lifecycle.archive(ctx.user, ref, seen))


@routes.verb(verbs.RESTORE)
def restore(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    return ctx.attempt(lambda: ctx.services.lifecycle.restore(ctx.user, ref, seen))
