"""Who will be told about a change before it is made: the record's followers whose choice wants that
kind of event, the person acting excluded, and how many the others are by the reason they are not."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import EventKind, NotifyChoice, RecordView


@dataclass(frozen=True)
class Audience:
    told: tuple[str, ...]  # names, in the order they started following
    left_out: tuple[tuple[NotifyChoice, int], ...]  # followers not told, counted by their choice


def audience(view: RecordView, actor_id: int | None, kind: EventKind) -> Audience:
    told: list[str] = []
    left_out: dict[NotifyChoice, int] = {}
    for follower in view.followers:
        if follower.user.id == actor_id:
            continue
        if follower.notify.wants(kind):
            told.append(follower.user.name or "someone")
        else:
            left_out[follower.notify] = left_out.get(follower.notify, 0) + 1
    return Audience(tuple(told), tuple((c, left_out[c]) for c in NotifyChoice if c in left_out))
