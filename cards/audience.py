"""The "Will notify: …" line on every form whose submit notifies the record's followers."""

from __future__ import annotations

from bot.domain.audience import audience
from bot.domain.models import EventKind, NotifyChoice, RecordView
from cards.common import plain, subtle
from cards.elements import TextBlock

SHOWN = 5  # names before "and N more"
_NOT_TOLD = {
    NotifyChoice.MUTED: "muted",
    NotifyChoice.COMMENTS: "comments only",
    NotifyChoice.STAGE: "stage changes only",
    NotifyChoice.ALL: "not this kind",
}


def will_notify_text(view: RecordView, actor_id: int | None, kind: EventKind) -> str:
    """`Will notify: Megan Bowen, Alex Wilber (1 muted, 1 comments only)`; names as typed."""
    found = audience(view, actor_id, kind)
    names = [plain(name) for name in found.told[:SHOWN]]
    if len(found.told) > SHOWN:
        names.append(f"and {len(found.told) - SHOWN} more")
    line = f"Will notify: {', '.join(names) if names else 'nobody'}"
    if found.left_out:
        line += " (" + ", ".join(f"{n} {_NOT_TOLD[choice]}" for choice, n in found.left_out) + ")"
    return line


def will_notify(view: RecordView, actor_id: int | None, kind: EventKind) -> TextBlock:
    return subtle(will_notify_text(view, actor_id, kind))
