"""The buying-role buttons (their router is listed in bot/handlers/routing.py) and the `role` command's parsing.
Card data is never trusted: the people a form showed and the roles it sends are checked here."""

from __future__ import annotations

from typing import Any

from bot.domain.buying import BuyingRole, parse_role, role_list, split_role
from bot.domain.errors import DomainError
from bot.domain.language import _, translated
from bot.domain.models import Change, User
from bot.handlers.payload import BadPayload, int_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from bot.services import CrmService
from cards import verbs
from cards.roles import NO_ROLE, ROLES_PAGE, page_of, role_input, roles_form

routes = Router()


@routes.verb(verbs.ROLES_FORM)
def show_form(ctx: Clicked) -> Reply:
    """The roles form, at the page of the person whose "Set role" was clicked."""
    view = ctx.view()
    person = int_field(ctx.data, "person")
    page = page_of(view, person) if person is not None else int_field(ctx.data, "page", 0) or 0
    return Reply(card=roles_form(view, page), outcome="form")


def _shown(data: dict[str, Any]) -> dict[int, BuyingRole | None]:
    """The roles the form showed, by person: what a picker left alone is not a change."""
    shown = data.get("shown")
    if not isinstance(shown, dict) or not 0 < len(shown) <= ROLES_PAGE:
        raise BadPayload(_("This card is out of date; please open the record again."))
    found: dict[int, BuyingRole | None] = {}
    for key, value in shown.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) < 10 and isinstance(value, str)):
            raise BadPayload(_("This card sent something I can't read; please open the record again."))
        found[int(key)] = _role_value(value)
    return found


def _role_value(value: str) -> BuyingRole | None:
    if value in ("", NO_ROLE):
        return None
    try:
        return BuyingRole(value)
    except ValueError:
        # Only a tampered card sends this: its text is not echoed onto the card.
        raise DomainError(_("That is not a buying role. Choose one of: {roles}.", roles=role_list()), "role") from None


@routes.verb(verbs.SET_ROLES)
def save(ctx: Clicked) -> Reply:
    """Save the pickers that were changed; a refused value comes back on the form, nothing stored."""
    seen, ref = ctx.seen(), ctx.ref()
    page = int_field(ctx.data, "page", 0) or 0
    shown = _shown(ctx.data)

    def again(message: str) -> Reply:
        return Reply(card=roles_form(ctx.view(), page, message=message), outcome="invalid")

    wanted: dict[int, BuyingRole | None] = {}
    try:
        for person, before in shown.items():
            picked = text_field(ctx.data, role_input(person))
            role = _role_value(picked) if picked else before
            if role != before:
                wanted[person] = role
    except DomainError as exc:
        return again(exc.message)
    if not wanted:
        return ctx.record(ctx.view(), _("No role changed."))

    def operation() -> Change:
        return ctx.services.buying.set_buying_roles(ctx.user, ref, wanted, seen)

    return ctx.attempt(operation, "role", again)


def role_command(services: CrmService, user: User, ref: str, text: str) -> Change:
    """`role O-1 jane@acme.example decision maker`: the person, then the role (`none` clears it)."""
    services.records.get_record(user, ref)  # an unknown record is said before an unknown name or role
    split = split_role(text)
    if split is None:
        words = text.split()
        if len(words) < 2:
            raise DomainError(
                _(
                    "Which role? Try: role {ref} ‹name or email› Decision maker. Roles: {roles}.",
                    ref=ref,
                    roles=role_list(),
                )
            )
        parse_role(words[-1])  # explains the unknown role
        raise DomainError(_("Which role? Roles: {roles}.", roles=role_list()))
    who, role = split
    if not who.strip():
        example = translated(role.label) if role else _("none")
        raise DomainError(_("Whose role? Try: role {ref} ‹name or email› {role}.", ref=ref, role=example))
    contact = services.contacts.resolve_contact(user.tenant_id, who)
    return services.buying.set_buying_role(user, ref, contact.id, role)
