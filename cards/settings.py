"""When notifications reach a person: their time zone (from Teams), their working hours, the daily digest."""

from __future__ import annotations

from bot.domain.hours import Schedule
from bot.domain.language import _
from cards import verbs
from cards.common import Card, action_set, card, execute, facts, heading, notice, subtle
from cards.elements import Element


def when_told(schedule: Schedule) -> str:
    if schedule.hours is None:
        return _("at any time")
    if schedule.digest:
        start = f"{schedule.hours.start:%H:%M}"
        return _("in one daily digest at {start} ({hours})", start=start, hours=schedule.hours.label)
    return _("in working hours, {hours}", hours=schedule.hours.label)


def working_hours_card(schedule: Schedule, message: str = "", good: bool = True) -> Card:
    body: list[Element] = [notice(message, good)] if message else []
    body += [
        heading(_("When notifications reach you")),
        facts(
            [
                (_("Time zone"), _("{zone} (from Teams)", zone=schedule.time_zone)),
                (_("Notifications"), when_told(schedule)),
            ]
        ),
        subtle(
            _(
                "Outside your working hours, notifications wait for the next start (one message per record and"
                " person); a digest lists a day's changes by record. Other hours: type working hours 09:00-17:30."
            )
        ),
        action_set(
            [
                execute(_("Only in working hours"), verbs.WORKING_HOURS, {"hours": "on"}),
                execute(_("Daily digest"), verbs.WORKING_HOURS, {"hours": "digest"}),
                execute(_("At any time"), verbs.WORKING_HOURS, {"hours": "off"}),
            ]
        ),
    ]
    return card(body)
