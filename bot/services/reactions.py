"""What follows a change, by the kind of its event: one explicit table from event kind to the reactions
that run after it, in the table's order, inside the change's transaction. A reaction may add events
(the owner's reminder of a missing Decision maker) and a sentence to the reply ("Follows until it
closed have ended."). The table is built where the services are composed (bot/services/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.language import _
from bot.domain.lost import LOSING_STAGES
from bot.domain.models import CLOSED_STAGES, Event, EventKind, Record, User
from bot.services.notices import Notices


@dataclass(frozen=True)
class Followup:
    events: tuple[Event, ...] = ()
    said: str = ""  # added to the reply after a space


NOTHING = Followup()

# (actor, the record before the change, the record after it, the change's event)
Reaction = Callable[[User, Record, Record, Event], Followup]


class Reactions:
    def __init__(self, table: Mapping[EventKind, Sequence[Reaction]] | None = None) -> None:
        self.table = dict(table or {})

    def after(self, actor: User, before: Record, after: Record, event: Event) -> Followup:
        events: list[Event] = []
        said: list[str] = []
        for react in self.table.get(event.kind, ()):
            followup = react(actor, before, after, event)
            events.extend(followup.events)
            if followup.said:
                said.append(followup.said)
        if not events and not said:
            return NOTHING
        return Followup(tuple(events), " ".join(said))


def follows_end_when_closed(notices: Notices) -> Reaction:
    """A deal reaching Won or Lost ends the follows that were "until it closes"."""

    def react(actor: User, before: Record, after: Record, event: Event) -> Followup:
        if after.stage in CLOSED_STAGES and notices.deal_closed(actor, before, after.stage, event):
            return Followup(said=_("Follows until it closed have ended."))
        return NOTHING

    return react


def lost_reason_asked(actor: User, before: Record, after: Record, event: Event) -> Followup:
    """A deal lost (or a lead disqualified) without a reason: the answer asks for one (the card offers the list)."""
    if after.stage in LOSING_STAGES and not after.lost_reason:
        return Followup(said=_("Why was it lost? Pick the reason on the card."))
    return NOTHING
