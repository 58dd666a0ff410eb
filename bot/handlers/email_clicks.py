"""Card verbs of email from a record: the compose card, Send (through Graph), Prepare in Outlook and Log as
sent, and CC by buying role. The work is in bot/handlers/email.py."""

from __future__ import annotations

from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from cards import verbs

routes = Router()


@routes.verb(verbs.EMAIL_FORM)
def email_form(ctx: Clicked) -> Reply:
    return ctx.email.compose(ctx.user, ctx.view())


@routes.verb(verbs.PREPARE_EMAIL)
def prepare_email(ctx: Clicked) -> Reply:
    return ctx.email.prepare(ctx.user, ctx.view(), ctx.data)


@routes.verb(verbs.LOG_EMAIL)
def log_email(ctx: Clicked) -> Reply:
    return ctx.email.log_sent(ctx.user, ctx.view(), ctx.data, ctx.shared)


@routes.verb(verbs.SEND_EMAIL)
async def send_email(ctx: Clicked) -> Reply:  # the one action that waits on another service
    return await ctx.email.send(ctx.user, await ctx.services.run(ctx.view), ctx.data, ctx.shared)


@routes.verb(verbs.EMAIL_CC_ROLE)
def email_cc_role(ctx: Clicked) -> Reply:
    return ctx.email.cc_by_role(ctx.user, ctx.view(), ctx.data)
