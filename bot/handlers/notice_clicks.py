"""Card verbs of notification settings: what a follower hears about on a record (and where), sending a failed
notification again, and when notifications reach a person. Registered with @on_verb on the click registry
(bot/handlers/clicks.py imports this module)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain.models import NotifyChoice
from bot.handlers.clicks import Actions, Click, on_verb
from bot.handlers.payload import BadPayload, int_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.text import outbox_status, working_hours_reply
from cards import verbs
from cards.notifications import notification_card


def _notification_id(data: dict[str, Any], required: bool) -> int | None:
    value = int_field(data, "notification")
    if value is None and required:
        raise BadPayload("This card points at a notification I can't read; please open it again.")
    return value


@on_verb(verbs.RECORD_NOTIFY)
def notify_choice(self: Actions, click: Click) -> Reply:
    """Saved from the notification card (which then stays one) or from the record card."""
    user, data = click.user, click.data
    notification_id = _notification_id(data, required=False)
    wanted = text_field(data, "choice", required=True)
    if "deliver_to" in data:  # offered only with the activity feed; both checked before either is saved
        where = text_field(data, "deliver_to", required=True)
        record = self.services.set_notify_settings(user, self._ref(click), wanted, where)
    else:
        record = self.services.set_notify_choice(user, self._ref(click), wanted)
    view = self.services.view_of(record)
    choice = view.choice_of(user.id) or NotifyChoice(text_field(data, "choice", required=True))
    message = f"Notifications for {record.ref}: {choice.label.lower()}."
    if notification_id is not None:
        shown = self.services.deliveries.for_recipient(user, notification_id)
        if shown is not None:
            return Reply(card=notification_card(replace(shown, choice=choice), message))
    return self._record(click, view, message)


@on_verb(verbs.NOTIFICATION_RETRY)
def retry_notification(self: Actions, click: Click) -> Reply:
    notification_id = _notification_id(click.data, required=True)
    if notification_id is None:
        raise BadPayload("This card points at a notification I can't read; please open it again.")
    found = self.services.deliveries.retry(click.user, notification_id)
    message = f"The notification to {found.recipient_name} about {found.record_ref} will be sent again."
    return Reply(card=outbox_status(self.services, click.user, message))


@on_verb(verbs.WORKING_HOURS)
def working_hours(self: Actions, click: Click) -> Reply:
    wanted = text_field(click.data, "hours", required=True)
    if wanted not in ("on", "off", "digest"):
        raise BadPayload("This card asks for a setting I don't know.")
    return working_hours_reply(self.services, click.user, wanted)
