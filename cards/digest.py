"""The daily digest: every change on the records a person follows since the last one, grouped by record,
each with an Open button."""

from __future__ import annotations

from bot.domain.delivery import NotificationView
from bot.domain.language import _, ngettext, translated
from bot.domain.models import FOLLOW_KINDS, stage_label
from cards import verbs
from cards.common import Card, action_set, card, execute, heading, notice, plain, subtle, text
from cards.elements import Element
from cards.timeline import literal
from cards.times import local_date

RECORDS_SHOWN = 15
LINES_PER_RECORD = 5


def digest_card(view: NotificationView, message: str = "") -> Card:
    body: list[Element] = [notice(message)] if message else []
    since = _("Changes since your last digest, {day}", day=local_date(view.events[-1].at))
    body += [heading(_("Your daily digest")), subtle(since)]
    for record, events in view.digest[:RECORDS_SHOWN]:
        lines = [literal(e) for e in events if e.kind not in FOLLOW_KINDS or record.owner_id == view.recipient.id]
        body += [
            subtle(f"{record.ref} · {translated(record.kind.label)} · {plain(stage_label(record.stage))}"),
            text(plain(record.title), weight="Bolder", spacing="Small"),
            *[text(line, spacing="Small") for line in lines[-LINES_PER_RECORD:]],
        ]
        if len(lines) > LINES_PER_RECORD:
            earlier = len(lines) - LINES_PER_RECORD
            body.append(subtle(ngettext("and {n} earlier change", "and {n} earlier changes", earlier)))
        body.append(action_set([execute(_("Open {ref}", ref=record.ref), verbs.RECORD_SHOW, {"ref": record.ref})]))
    if len(view.digest) > RECORDS_SHOWN:
        more = len(view.digest) - RECORDS_SHOWN
        body.append(
            subtle(
                ngettext("and {n} more record: type my to see it.", "and {n} more records: type my to see them.", more)
            )
        )
    return card(body)


def digest_summary(view: NotificationView) -> str:
    records = ngettext("{n} record", "{n} records", len(view.digest))
    changes = ngettext("{n} change", "{n} changes", len(view.events))
    return _("Your daily digest: {records}, {changes}", records=records, changes=changes)[:200]
