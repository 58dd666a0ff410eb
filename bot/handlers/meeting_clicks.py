"""Card verbs of meetings from a record: the form, free times, Send invitations (through Graph) or Open in Teams and
Record on the timeline (without), Reschedule, Cancel meeting, and "How did it go?". The work is in
bot/handlers/meetings.py."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import DomainError
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from cards import verbs

routes = Router()


def _or_card(ctx: Clicked, answer: Callable[[], Reply]) -> Reply:
    """A refusal comes back on the record's latest card, said."""
    try:
        return answer()
    except DomainError as exc:
        return ctx.record(ctx.services.records.view(ctx.user, ctx.ref()), exc.message, good=False)


@routes.verb(verbs.MEETING_FORM)
def meeting_form(ctx: Clicked) -> Reply:
    return ctx.meetings.form(ctx.user, ctx.view(), ctx.data)


@routes.verb(verbs.MEETING_SUGGEST)
async def meeting_suggest(ctx: Clicked) -> Reply:
    return await ctx.meetings.suggest(ctx.user, await ctx.services.run(ctx.view), ctx.data)


@routes.verb(verbs.MEETING_CREATE)
async def meeting_create(ctx: Clicked) -> Reply:  # waits on Graph
    return await ctx.meetings.create(ctx.user, await ctx.services.run(ctx.view), ctx.data, ctx.shared)


@routes.verb(verbs.MEETING_PREPARE)
def meeting_prepare(ctx: Clicked) -> Reply:
    return ctx.meetings.prepare(ctx.user, ctx.view(), ctx.data)


@routes.verb(verbs.MEETING_LOG)
def meeting_log(ctx: Clicked) -> Reply:
    return ctx.meetings.log_planned(ctx.user, ctx.view(), ctx.data, ctx.shared)


@routes.verb(verbs.MEETING_MOVE_FORM)
def meeting_move_form(ctx: Clicked) -> Reply:
    return _or_card(ctx, lambda: ctx.meetings.move_form(ctx.user, ctx.view(), ctx.data))


@routes.verb(verbs.MEETING_MOVE)
async def meeting_move(ctx: Clicked) -> Reply:
    return await ctx.meetings.move(ctx.user, await ctx.services.run(ctx.view), ctx.data, ctx.shared)


@routes.verb(verbs.MEETING_CANCEL)
async def meeting_cancel(ctx: Clicked) -> Reply:
    return await ctx.meetings.cancel(ctx.user, await ctx.services.run(ctx.view), ctx.data, ctx.shared)


@routes.verb(verbs.MEETING_RECAP)
def meeting_recap(ctx: Clicked) -> Reply:
    return _or_card(ctx, lambda: ctx.meetings.recap(ctx.user, ctx.data, ctx.shared))
