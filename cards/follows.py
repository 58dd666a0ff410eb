"""How long a follow lasts: the choice beside Follow (and Add follower), and the line that says when
the viewer's follow ends, in their own time zone."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.models import Follower, FollowFor
from cards.common import choice_set
from cards.elements import Element
from cards.times import local_date

FOLLOW_FOR = "follow_for"  # the input's id, read by the Follow and Add follower verbs


def follow_for_choice() -> list[Element]:
    choices = [(option.label, option.value) for option in FollowFor]
    return choice_set(FOLLOW_FOR, _("Follow for"), choices, value=FollowFor.CLOSED.value)


def following_line(mine: Follower | None, follows: bool) -> str:
    """`mine`: the viewer's follow when the view holds it (a record with many followers holds the first few)."""
    if not follows:
        return _("You don't follow this record.")
    if mine is None:
        return _("You follow this record.")
    if mine.ends_at:
        return _("You follow this record. It ends on {day}.", day=local_date(mine.ends_at))
    if mine.ends_on_close:
        return _("You follow this record. It ends when the deal closes.")
    return _("You follow this record.")
