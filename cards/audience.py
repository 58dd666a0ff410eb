"""The "Will notify: …" line on every form whose submit notifies the record's followers."""

from __future__ import annotations

from bot.domain.audience import audience
from bot.domain.language import N_, _, ngettext, translated
from bot.domain.models import EventKind, NotifyChoice, RecordView
from cards.common import plain, subtle
from cards.elements import TextBlock

SHOWN = 5  # names before "and N more"
_NOT_TOLD = {
    NotifyChoice.MUTED: N_("{n} muted"),
    NotifyChoice.COMMENTS: N_("{n} comments only"),
    NotifyChoice.STAGE: N_("{n} stage changes only"),
    NotifyChoice.ALL: N_("{n} not this kind"),
}


def will_notify_text(view: RecordView, actor_id: int | None, kind: EventKind) -> str:
    """`Will notify: Megan Bowen, Alex Wilber (1 muted, 1 comments only)`; names as typed."""
    found = audience(view, actor_id, kind)
    names = [plain(name) for name in found.told[:SHOWN]]
    if len(found.told) > SHOWN:
        names.append(ngettext("and {n} more", "and {n} more", len(found.told) - SHOWN))
    line = _("Will notify: {names}", names=", ".join(names) if names else _("nobody"))
    if found.left_out:
        line += " (" + ", ".join(translated(_NOT_TOLD[choice], n=n) for choice, n in found.left_out) + ")"
    return line


def will_notify(view: RecordView, actor_id: int | None, kind: EventKind) -> TextBlock:
    return subtle(will_notify_text(view, actor_id, kind))
