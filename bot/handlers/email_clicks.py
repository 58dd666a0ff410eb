"""Card verbs of email from a record: the compose card, Send (through Graph), Prepare in Outlook and Log as
sent. The work is in bot/handlers/email.py; registered with @on_verb on the click registry."""

from __future__ import annotations

from bot.handlers.clicks import Actions, Click, on_verb
from bot.handlers.replies import Reply
from cards import verbs


@on_verb(verbs.EMAIL_FORM)
def email_form(self: Actions, click: Click) -> Reply:
    return self.email.compose(click.user, self._view(click))


@on_verb(verbs.PREPARE_EMAIL)
def prepare_email(self: Actions, click: Click) -> Reply:
    return self.email.prepare(click.user, self._view(click), click.data)


@on_verb(verbs.LOG_EMAIL)
def log_email(self: Actions, click: Click) -> Reply:
    return self.email.log_sent(click.user, self._view(click), click.data, click.shared)


@on_verb(verbs.SEND_EMAIL)
async def send_email(self: Actions, click: Click) -> Reply:  # the one action that waits on another service
    return await self.email.send(click.user, await self.services.run(self._view, click), click.data, click.shared)
