"""Card verbs of notification settings: what a follower hears about on a record (and where), sending a failed
notification again, and when notifications reach a person; with what the `notifications` and `working hours`
commands answer (bot/handlers/text.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain.hours import WorkingHours
from bot.domain.language import _, current
from bot.domain.models import NotifyChoice, User
from bot.domain.rules import clean_text
from bot.handlers.payload import BadPayload, int_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from bot.services import CrmService
from cards import verbs
from cards.common import Card
from cards.notifications import notification_card, outbox_card
from cards.settings import when_told, working_hours_card

routes = Router()


def outbox_status(services: CrmService, user: User, message: str = "") -> Card:
    """The tenant's notification counts and, for the user's own records (and the channels whose weekly post they
    set up), failed ones to send again."""
    deliveries = services.deliveries
    return outbox_card(deliveries.counts(user.tenant_id), deliveries.failed_on_my_records(user), message)


ANY_TIME = ("off", "any time", "anytime", "aus", "jederzeit", "desligado", "a qualquer hora")
# The settings' words in German and Portuguese -> the English ones (English always works).
_WORDS = {"an": "on", "ein": "on", "ligado": "on", "zusammenfassung": "digest", "resumo": "digest"}


def working_hours_reply(services: CrmService, user: User, said: str) -> Reply:
    """`on` (08:00-18:00, Monday to Friday), `09:00-17:30`, `digest`, `off`, or nothing: the settings card."""
    schedules = services.deliveries.schedules
    wanted = said.strip().casefold()
    wanted = _WORDS.get(wanted, wanted)
    current = schedules.of(user.tenant_id, user.id)
    message = ""
    if wanted:
        hours: WorkingHours | None = None
        if wanted in ("on", "digest"):
            hours = current.hours or WorkingHours()
        elif wanted not in ANY_TIME:
            hours = WorkingHours.read(said)
            if hours is None:
                shown = clean_text(said)[:40]
                if any(c.isdigit() and not c.isascii() for c in said):
                    refusal = _(
                        "“{said}” is not a time span (with the digits 0-9). Try: working hours 09:00-17:30.", said=shown
                    )
                else:
                    refusal = _("“{said}” is not a time span. Try: working hours 09:00-17:30.", said=shown)
                return Reply(card=working_hours_card(current, refusal, good=False), outcome="refused")
        schedules.set(user, hours, digest=wanted == "digest")
        current = schedules.of(user.tenant_id, user.id)
        message = _("Notifications now reach you {when}.", when=when_told(current))
    return Reply(card=working_hours_card(current, message))


def _notification_id(data: dict[str, Any], required: bool) -> int | None:
    value = int_field(data, "notification")
    if value is None and required:
        raise BadPayload(_("This card points at a notification I can't read; please open it again."))
    return value


@routes.verb(verbs.RECORD_NOTIFY)
def notify_choice(ctx: Clicked) -> Reply:
    """Saved from the notification card (which then stays one) or from the record card."""
    user, data = ctx.user, ctx.data
    notification_id = _notification_id(data, required=False)
    wanted = text_field(data, "choice", required=True)
    if "deliver_to" in data:  # offered only with the activity feed; both checked before either is saved
        where = text_field(data, "deliver_to", required=True)
        record = ctx.services.records.set_notify_settings(user, ctx.ref(), wanted, where)
    else:
        record = ctx.services.records.set_notify_choice(user, ctx.ref(), wanted)
    view = ctx.services.records.view_of(record)
    choice = view.choice_of(user.id) or NotifyChoice(text_field(data, "choice", required=True))
    said = choice.label.lower() if current().language == "en" else choice.label  # German nouns keep their capital
    message = _("Notifications for {ref}: {choice}.", ref=record.ref, choice=said)
    if notification_id is not None:
        shown = ctx.services.deliveries.for_recipient(user, notification_id)
        if shown is not None:
            return Reply(card=notification_card(replace(shown, choice=choice), message))
    return ctx.record(view, message)


@routes.verb(verbs.NOTIFICATION_RETRY)
def retry_notification(ctx: Clicked) -> Reply:
    notification_id = _notification_id(ctx.data, required=True)
    if notification_id is None:
        raise BadPayload(_("This card points at a notification I can't read; please open it again."))
    found = ctx.services.deliveries.retry(ctx.user, notification_id)
    message = _("The notification to {name} about {ref} will be sent again.", name=found.audience, ref=found.subject)
    return Reply(card=outbox_status(ctx.services, ctx.user, message))


@routes.verb(verbs.WORKING_HOURS)
def working_hours(ctx: Clicked) -> Reply:
    wanted = text_field(ctx.data, "hours", required=True)
    if wanted not in ("on", "off", "digest"):
        raise BadPayload(_("This card asks for a setting I don't know."))
    return working_hours_reply(ctx.services, ctx.user, wanted)
