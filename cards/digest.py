"""The daily digest: every change on the records a person follows since the last one, grouped by record,
each with an Open button."""

from __future__ import annotations

from bot.domain.delivery import NotificationView
from bot.domain.models import FOLLOW_KINDS
from cards import verbs
from cards.common import Card, action_set, card, execute, heading, notice, plain, subtle, text
from cards.elements import Element
from cards.timeline import literal
from cards.times import local_date

RECORDS_SHOWN = 15
LINES_PER_RECORD = 5


def digest_card(view: NotificationView, message: str = "") -> Card:
    body: list[Element] = [notice(message)] if message else []
    body += [heading("Your daily digest"), subtle(f"Changes since your last digest, {local_date(view.events[-1].at)}")]
    for record, events in view.digest[:RECORDS_SHOWN]:
        lines = [literal(e) for e in events if e.kind not in FOLLOW_KINDS or record.owner_id == view.recipient.id]
        body += [
            subtle(f"{record.ref} · {record.kind.label} · {plain(record.stage)}"),
            text(plain(record.title), weight="Bolder", spacing="Small"),
            *[text(line, spacing="Small") for line in lines[-LINES_PER_RECORD:]],
        ]
        if len(lines) > LINES_PER_RECORD:
            body.append(subtle(f"and {len(lines) - LINES_PER_RECORD} earlier changes"))
        body.append(action_set([execute(f"Open {record.ref}", verbs.RECORD_SHOW, {"ref": record.ref})]))
    if len(view.digest) > RECORDS_SHOWN:
        body.append(subtle(f"and {len(view.digest) - RECORDS_SHOWN} more records: type my to see them."))
    return card(body)


def digest_summary(view: NotificationView) -> str:
    count = len(view.digest)
    return f"Your daily digest: {count} record{'s' if count != 1 else ''}, {len(view.events)} changes"[:200]
