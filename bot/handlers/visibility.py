"""Who may see a record: `visibility`, `share`, `unshare` and `admins`, the Visibility form's verbs, "Share with
them" under a comment that @mentioned colleagues who may not see the record, and Open on the card a private
record's post shows everyone in a chat. No Teams types."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import DomainError, NotFound
from bot.domain.language import _
from bot.domain.models import Change, User, Visibility
from bot.domain.rules import parse_ref
from bot.domain.visibility import read_visibility, visibility_label
from bot.handlers.commands import ParsedCommand
from bot.handlers.payload import int_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Answer, Clicked, Router, Said
from bot.services import CrmService
from bot.services.records import KeepAccess
from cards import verbs
from cards.visibility import keep_access_card, visibility_form

MAX_SHARED_AT_ONCE = 20  # colleagues one "Share with them" gives access to (a comment tells at most 20)

routes = Router()


def keep_access_reply(services: CrmService, user: User, asked: KeepAccess, shared: bool = False) -> Reply:
    """The question before an unfollow ends someone's access: on a card in 1:1, in words where others read."""
    if shared:
        said = _(
            "{question} Say: unfollow {ref} keep access, or unfollow {ref} leave.",
            question=asked.message,
            ref=asked.ref,
        )
        return Reply(text=said, outcome="asked")
    return Reply(card=keep_access_card(services.records.view(user, asked.ref), asked.message), outcome="asked")


# --- the commands ------------------------------------------------------------------------------


@routes.command("visibility")
def visibility(ctx: Said, command: ParsedCommand) -> Answer:
    """`visibility` (the default), `visibility default private` (admins), `visibility L-3` (the form),
    `visibility L-3 everyone | private | team <team name>`."""
    words = command.text.split(None, 1)
    if not words:
        label = visibility_label(ctx.services.visibility.default_visibility(ctx.user.tenant_id))
        return Reply(
            text=_(
                "New records are visible to: {label}. Change a record's with: visibility L-1 everyone, visibility L-1"
                " private or visibility L-1 team <team name>; admins set the default with: visibility default private",
                label=label,
            )
        )
    first, rest = words[0], (words[1] if len(words) > 1 else "")
    if first.casefold() == "default":
        if not rest:
            return Reply(text=_("Which default? Try: visibility default private, or visibility default everyone"))
        chosen = ctx.services.visibility.set_default_visibility(ctx.user, read_visibility(rest))
        return Reply(text=_("New records are now visible to: {label}.", label=visibility_label(chosen)))
    if not rest:
        view = ctx.services.records.view(ctx.user, first)
        if ctx.shared:  # the form names the record and its teams: it is for the person alone
            return Reply(
                text=_(
                    "Change who can see {ref} in our 1:1 chat, or with its card's Visibility button.",
                    ref=view.record.ref,
                )
            )
        teams = ctx.services.visibility.teams(ctx.user.tenant_id)
        colleagues = ctx.services.people.colleagues(ctx.user.tenant_id)
        return Reply(card=visibility_form(view, teams, colleagues=colleagues), outcome="form")
    said = rest.split(None, 1)
    chosen = read_visibility(said[0])
    team = said[1] if len(said) > 1 else None
    if chosen is not Visibility.TEAM and team:
        raise DomainError(_("Only a team has a name: visibility {ref} {said}", ref=first, said=said[0]))
    return ctx.services.visibility.set_visibility(ctx.user, first, chosen, team_name=team)


@routes.command("share")
def share(ctx: Said, command: ParsedCommand) -> Answer:
    ctx.services.records.get_record(ctx.user, command.ref)  # an unknown record is said before an unknown name
    colleague = ctx.services.lifecycle.find_colleague(ctx.user, command.text)
    return ctx.services.visibility.share(ctx.user, command.ref, colleague)


@routes.command("unshare")
def unshare(ctx: Said, command: ParsedCommand) -> Answer:
    ctx.services.records.get_record(ctx.user, command.ref)
    colleague = ctx.services.lifecycle.find_colleague(ctx.user, command.text)
    return ctx.services.visibility.unshare(ctx.user, command.ref, colleague)


# --- the Visibility form, Share, Open ----------------------------------------------------------------


def _form(ctx: Clicked, errors: dict[str, str] | None = None, message: str = "") -> Reply:
    teams = ctx.services.visibility.teams(ctx.user.tenant_id)
    colleagues = ctx.services.people.colleagues(ctx.user.tenant_id)
    card = visibility_form(ctx.view(), teams, errors, message, colleagues)
    return Reply(card=card, outcome="invalid" if errors else "form")


@routes.verb(verbs.VISIBILITY_FORM)
def show_visibility_form(ctx: Clicked) -> Reply:
    return _form(ctx)


@routes.verb(verbs.SET_VISIBILITY)
def set_visibility(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    said = text_field(ctx.data, "visibility")
    team_id = int_field(ctx.data, "team") if text_field(ctx.data, "team") else None

    def operation() -> Change:
        chosen = read_visibility(said)
        picked = team_id if chosen is Visibility.TEAM else None
        if chosen is Visibility.TEAM and picked is None:
            raise DomainError(_("Pick the team."), "team")
        return ctx.services.visibility.set_visibility(ctx.user, ref, chosen, team_id=picked, seen=seen)

    return _attempt(ctx, operation)


@routes.verb(verbs.SHARE, colleague_field="colleague")
def share_clicked(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    picked = text_field(ctx.data, "colleague")
    if not picked:
        return _form(ctx, {"colleague": _("Pick a colleague.")})

    def operation() -> Change:
        colleague = ctx.services.people.colleague(
            ctx.user, picked, ctx.click.follower_name, ctx.click.follower_teams_id
        )
        return ctx.services.visibility.share(ctx.user, ref, colleague, seen)

    return _attempt(ctx, operation)


def _attempt(ctx: Clicked, operation: Callable[[], Change]) -> Reply:
    """A refusal about a field of the form comes back on it; any other, on the record card."""
    try:
        change = operation()
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.field is None:
            raise
        if exc.field in ("visibility", "team", "colleague", "follower"):
            return _form(ctx, {"colleague" if exc.field == "follower" else exc.field: exc.message})
        return ctx.record(ctx.view(), exc.message, good=False)
    return ctx.changed(change)


@routes.verb(verbs.SHARE_MENTIONED)
def share_mentioned(ctx: Clicked) -> Reply:
    """The owner shares the record with the colleagues a comment @mentioned who could not see it."""
    seen, ref = ctx.seen(), ctx.ref()
    record = ctx.services.records.get_record(ctx.user, ref)
    ids = [part for part in text_field(ctx.data, "people").split(",") if part.strip()][:MAX_SHARED_AT_ONCE]
    people = []
    for part in ids:
        said = part.strip()
        user = (
            ctx.services.people.user_by_id(ctx.user.tenant_id, int(said)) if said.isdigit() and len(said) < 19 else None
        )
        if user is None:  # card data is never trusted: another organisation's id is nobody here
            return ctx.record(
                ctx.view(),
                _("This card names someone I can't find; share with: share {ref} <colleague>", ref=record.ref),
                good=False,
            )
        people.append(user)
    if not people:
        return ctx.record(ctx.view(), _("Nobody to share with."), good=False)
    change: Change | None = None
    refused: list[str] = []
    for person in people:
        try:
            if change is None:
                change = ctx.services.visibility.share(ctx.user, ref, person, seen)
            else:
                change = ctx.services.visibility.share(ctx.user, ref, person)
        except DomainError as exc:
            if isinstance(exc, NotFound) and exc.field is None:
                raise
            refused.append(exc.message)
    if change is None:
        return ctx.record(ctx.view(), " ".join(refused), good=False)
    if refused:
        change = Change(change.record, change.events, " ".join([change.message, *refused]), change.view)
    return ctx.changed(change)


@routes.verb(verbs.RECORD_OPEN)
def open_record(ctx: Clicked) -> Reply:
    """Open on a private record's post: the full card for whoever may see it (theirs alone); anyone else is told
    they have no access, in the same words whether or not the record exists."""
    said = text_field(ctx.data, "ref", required=True)
    try:
        kind, number = parse_ref(said)
    except NotFound as exc:
        return Reply(text=exc.message, outcome="not_found")
    ref = f"{kind.prefix}-{number}"
    try:
        view = ctx.services.records.view(ctx.user, ref)
    except NotFound:
        return Reply(text=_("You don't have access to {ref}.", ref=ref), outcome="not_found")
    return ctx.record(view)
