"""When notifications reach a person: their time zone (from Teams), their working hours, the daily digest."""

from __future__ import annotations

from bot.domain.hours import Schedule
from cards import verbs
from cards.common import Card, action_set, card, execute, facts, heading, notice, subtle
from cards.elements import Element


def when_told(schedule: Schedule) -> str:
    if schedule.hours is None:
        return "at any time"
    if schedule.digest:
        return f"in one daily digest at {schedule.hours.start:%H:%M} ({schedule.hours.label})"
    return f"in working hours, {schedule.hours.label}"


def working_hours_card(schedule: Schedule, message: str = "", good: bool = True) -> Card:
    body: list[Element] = [notice(message, good)] if message else []
    body += [
        heading("When notifications reach you"),
        facts([("Time zone", f"{schedule.time_zone} (from Teams)"), ("Notifications", when_told(schedule))]),
        subtle(
            "Outside your working hours, notifications wait for the next start (one message per record and"
            " person); a digest lists a day's changes by record. Other hours: type working hours 09:00-17:30."
        ),
        action_set(
            [
                execute("Only in working hours", verbs.WORKING_HOURS, {"hours": "on"}),
                execute("Daily digest", verbs.WORKING_HOURS, {"hours": "digest"}),
                execute("At any time", verbs.WORKING_HOURS, {"hours": "off"}),
            ]
        ),
    ]
    return card(body)
