"""When notifications reach a person: their time zone (from Teams) and their working hours."""

from __future__ import annotations

from bot.domain.hours import WorkingHours
from cards import verbs
from cards.common import Card, action_set, card, execute, facts, heading, notice, subtle
from cards.elements import Element


def working_hours_card(time_zone: str, hours: WorkingHours | None, message: str = "", good: bool = True) -> Card:
    body: list[Element] = [notice(message, good)] if message else []
    body += [
        heading("When notifications reach you"),
        facts(
            [
                ("Time zone", f"{time_zone} (from Teams)"),
                ("Notifications", f"in working hours, {hours.label}" if hours else "at any time"),
            ]
        ),
        subtle(
            "Outside your working hours, notifications wait for the next start (one message per record"
            " and person). Other hours: type working hours 09:00-17:30."
        ),
        action_set(
            [
                execute("Only in working hours", verbs.WORKING_HOURS, {"hours": "on"}),
                execute("At any time", verbs.WORKING_HOURS, {"hours": "off"}),
            ]
        ),
    ]
    return card(body)
