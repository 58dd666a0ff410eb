"""The record card's verbs -> service calls -> the card that replaces the clicked one: showing, the forms
its buttons open, the changes they make, and the create forms of the text commands. Card data is never
trusted: every field is checked here.

A change answers with the record (and a note); a refused value comes back on the same form with what
was typed kept and a message beside the field; any other refusal comes back on the record card."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import DomainError, NotFound
from bot.domain.language import _
from bot.domain.models import Change, Kind
from bot.handlers.payload import BadPayload, follow_for_field, form_key_field, int_field, text_field
from bot.handlers.pipelines import stage_form_reply
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from cards import verbs
from cards.contacts import contact_list_card, new_contact_form
from cards.forms import (
    comment_form,
    contact_picker_form,
    convert_confirm_card,
    follower_form,
    remove_participant_form,
)
from cards.records import new_record_form, people_card
from cards.visibility import keep_access_card

PICKER_SIZE = 50  # contacts listed in a picker before typeahead takes over

routes = Router()


# --- showing ------------------------------------------------------------------------------


@routes.verb(verbs.RECORD_SHOW)
def show(ctx: Clicked) -> Reply:
    return ctx.record(ctx.view())


@routes.verb(verbs.RECORD_PEOPLE)
def people(ctx: Clicked) -> Reply:
    role = text_field(ctx.data, "role", required=True)
    if role not in ("participants", "followers"):
        raise BadPayload(_("This card asks for a list I don't know."))
    start = int_field(ctx.data, "start")  # cards posted before paging by size carried a page of 100
    start = (int_field(ctx.data, "page", 0) or 0) * 100 if start is None else start
    ctx.seen()
    view = ctx.services.records.view(ctx.user, ctx.ref(), every_follower=role == "followers")
    return Reply(card=people_card(view, role, start))


# --- forms ----------------------------------------------------------------------------------


def _picker(
    ctx: Clicked, as_contact: bool, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Reply:
    tenant = ctx.user.tenant_id
    contacts = ctx.services.contacts.search_contacts(tenant, "", PICKER_SIZE)
    total = ctx.services.contacts.count_contacts(tenant)
    card = contact_picker_form(ctx.view(), as_contact, contacts, total, values, errors, viewer_id=ctx.user.id)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.CONTACT_FORM)
def contact_form(ctx: Clicked) -> Reply:
    return _picker(ctx, as_contact=True)


@routes.verb(verbs.PARTICIPANT_FORM)
def participant_form(ctx: Clicked) -> Reply:
    return _picker(ctx, as_contact=False)


@routes.verb(verbs.REMOVE_PARTICIPANT_FORM)
def open_remove_participant_form(ctx: Clicked) -> Reply:
    return Reply(card=remove_participant_form(ctx.view()))


def _follower_form(ctx: Clicked, errors: dict[str, str] | None = None) -> Reply:
    colleagues = ctx.services.people.colleagues(ctx.user.tenant_id)
    card = follower_form(ctx.view(), colleagues, errors)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.FOLLOWER_FORM)
def open_follower_form(ctx: Clicked) -> Reply:
    return _follower_form(ctx)


@routes.verb(verbs.COMMENT_FORM)
def open_comment_form(ctx: Clicked) -> Reply:
    return Reply(card=comment_form(ctx.view(), viewer_id=ctx.user.id))


@routes.verb(verbs.STAGE_FORM)
def open_stage_form(ctx: Clicked) -> Reply:
    return stage_form_reply(ctx)


@routes.verb(verbs.CONVERT_CONFIRM)
def convert_confirm(ctx: Clicked) -> Reply:
    view = ctx.view()
    if view.record.converted_to or view.record.kind is not Kind.LEAD:
        return ctx.record(view, _("Only a lead that was not converted yet can be converted."), False)
    return Reply(card=convert_confirm_card(view, viewer_id=ctx.user.id), outcome="form")


# --- changes --------------------------------------------------------------------------------


def _picked(ctx: Clicked, as_contact: bool, error: str) -> int | Reply:
    """The picked contact's id, or the picker again with a message beside it."""
    if not text_field(ctx.data, "contact"):
        return _picker(ctx, as_contact, errors={"contact": error})
    return int(int_field(ctx.data, "contact") or 0)


def _role_change(ctx: Clicked, as_contact: bool, operation: Callable[[int], Change]) -> Reply:
    picked = _picked(ctx, as_contact, _("Pick someone from the list, or add someone new below."))
    if isinstance(picked, Reply):
        return picked
    values = {"contact": text_field(ctx.data, "contact")}
    return ctx.attempt(
        lambda: operation(picked),
        "contact",
        lambda message: _picker(ctx, as_contact, values, {"contact": message}),
    )


@routes.verb(verbs.SET_CONTACT)
def set_contact(ctx: Clicked) -> Reply:
    shown = text_field(ctx.data, "seen_contact") if "seen_contact" in ctx.data else None
    seen = ctx.seen(contact_id=shown)
    ref = ctx.ref()
    return _role_change(ctx, True, lambda picked: ctx.services.records.set_contact(ctx.user, ref, picked, seen))


@routes.verb(verbs.ADD_PARTICIPANT)
def add_participant(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    return _role_change(ctx, False, lambda picked: ctx.services.records.add_participant(ctx.user, ref, picked, seen))


def _create_contact_as(ctx: Clicked, as_contact: bool) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    values = {name: text_field(ctx.data, name) for name in ("new_name", "new_email", "new_company")}

    def operation() -> Change:
        return ctx.services.records.create_contact_as(
            ctx.user, ref, as_contact, values["new_name"], values["new_email"], values["new_company"], seen
        )

    try:
        change = operation()
    except DomainError as exc:
        if exc.field is None:
            if isinstance(exc, NotFound):
                raise
            return ctx.record(ctx.view(), exc.message, good=False)
        field = {"name": "new_name", "email": "new_email", "company": "new_company"}.get(exc.field, "new_name")
        return _picker(ctx, as_contact, values, {field: exc.message})
    return ctx.changed(change)


@routes.verb(verbs.SET_NEW_CONTACT)
def set_new_contact(ctx: Clicked) -> Reply:
    return _create_contact_as(ctx, as_contact=True)


@routes.verb(verbs.ADD_NEW_PARTICIPANT)
def add_new_participant(ctx: Clicked) -> Reply:
    return _create_contact_as(ctx, as_contact=False)


@routes.verb(verbs.REMOVE_PARTICIPANT)
def remove_participant(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    if not text_field(ctx.data, "contact"):
        return Reply(card=remove_participant_form(ctx.view(), {"contact": _("Pick the participant to remove.")}))
    contact_id = int(int_field(ctx.data, "contact") or 0)

    def again(message: str) -> Reply:
        return Reply(card=remove_participant_form(ctx.view(), {"contact": message}), outcome="invalid")

    return ctx.attempt(
        lambda: ctx.services.records.remove_participant(ctx.user, ref, contact_id, seen), "contact", again
    )


@routes.verb(verbs.RECORD_FOLLOW)
def follow(ctx: Clicked) -> Reply:
    seen, ref, follow_for = ctx.seen(), ctx.ref(), follow_for_field(ctx.data)
    try:
        change = ctx.services.records.follow(ctx.user, ref, seen=seen, follow_for=follow_for)
    except DomainError as exc:  # a shared card shows Follow to everyone who has no own view yet
        if exc.field != "follower":
            raise
        return ctx.record(ctx.view(), exc.message)
    return ctx.changed(change)


@routes.verb(verbs.RECORD_UNFOLLOW)
def unfollow(ctx: Clicked) -> Reply:
    """Unfollow; on a private record the person would no longer see, first the question (keep: yes / no)."""
    seen, ref = ctx.seen(), ctx.ref()
    keep = {"yes": True, "no": False}.get(text_field(ctx.data, "keep"))

    def asked(message: str) -> Reply:
        return Reply(card=keep_access_card(ctx.view(), message), outcome="asked")

    return ctx.attempt(
        lambda: ctx.services.records.unfollow(ctx.user, ref, seen=seen, keep_access=keep), "keep_access", asked
    )


@routes.verb(verbs.ADD_FOLLOWER, colleague_field="follower")
def add_follower(ctx: Clicked) -> Reply:
    seen, ref, follow_for = ctx.seen(), ctx.ref(), follow_for_field(ctx.data)
    picked = text_field(ctx.data, "follower")
    if not picked:
        return _follower_form(ctx, {"follower": _("Pick a colleague.")})

    def operation() -> Change:
        click = ctx.click
        colleague = ctx.services.people.colleague(
            ctx.user, picked, click.follower_name, click.follower_teams_id, click.follower_aad_id
        )
        return ctx.services.records.follow(ctx.user, ref, follower=colleague, seen=seen, follow_for=follow_for)

    return ctx.attempt(operation, "follower", lambda message: _follower_form(ctx, {"follower": message}))


@routes.verb(verbs.COMMENT)
def comment(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    text = text_field(ctx.data, "comment")

    def again(message: str) -> Reply:
        card = comment_form(ctx.view(), {"comment": text}, {"comment": message}, viewer_id=ctx.user.id)
        return Reply(card=card, outcome="invalid")

    return ctx.attempt(lambda: ctx.services.records.comment(ctx.user, ref, text, seen), "comment", again)


@routes.verb(verbs.CHANGE_STAGE)
def change_stage(ctx: Clicked) -> Reply:
    seen = ctx.seen(stage=text_field(ctx.data, "seen_stage") or None)
    ref, stage = ctx.ref(), text_field(ctx.data, "stage")
    reason, note = text_field(ctx.data, "lost_reason"), text_field(ctx.data, "lost_note")
    try:
        change = ctx.services.records.change_stage(ctx.user, ref, stage, seen, reason or None, note or None)
    except DomainError as exc:
        if exc.field in ("stage", "lost_reason"):
            return stage_form_reply(ctx, {str(exc.field): exc.message})
        if isinstance(exc, NotFound) and exc.field is None:
            raise
        return ctx.record(ctx.view(), exc.message, good=False)
    return ctx.changed(change)


@routes.verb(verbs.CONVERT)
def convert(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    return ctx.attempt(lambda: ctx.services.records.convert(ctx.user, ref, seen))


# --- the forms from the text commands -------------------------------------------------------


@routes.verb(verbs.RECORD_CREATE, creates_record=True)
def create_record(ctx: Clicked) -> Reply:
    kind_name = text_field(ctx.data, "kind", required=True)
    if kind_name not in (Kind.LEAD.value, Kind.OPPORTUNITY.value):
        raise BadPayload(_("This card asks for a kind of record I don't know."))
    kind = Kind(kind_name)
    values = {name: text_field(ctx.data, name) for name in ("title", "company")}
    key = form_key_field(ctx.data)
    try:
        change = ctx.services.records.create_record(ctx.user, kind, values["title"], values["company"], key)
    except DomainError as exc:
        if exc.field is None:
            raise
        card = new_record_form(kind, values, {exc.field: exc.message}, form_key=key or "")
        return Reply(card=card, outcome="invalid")
    return ctx.changed(change)


@routes.verb(verbs.CONTACT_CREATE)
def create_contact(ctx: Clicked) -> Reply:
    values = {name: text_field(ctx.data, name) for name in ("name", "email", "company", "job_title", "phone")}
    key, added = form_key_field(ctx.data), True
    try:
        if key:
            contact, added = ctx.services.contacts.create_contact_once(ctx.user, key, **values)
        else:
            contact = ctx.services.contacts.create_contact(
                ctx.user, values["name"], values["email"], values["phone"], values["company"], values["job_title"]
            )
    except DomainError as exc:
        if exc.field is None:
            raise
        return Reply(card=new_contact_form(values, {exc.field: exc.message}, key or ""), outcome="invalid")
    if added:
        message = _("{name} added.", name=contact.name)
    else:
        message = _("{name} was already added from this form.", name=contact.name)
    return Reply(card=contact_list_card(_("Contact added"), [contact], "", message=message))
