"""A deal's details on the record card: the value and the expected close date up front (the value
grouped the reader's way, an overdue date marked), then company, next step and description."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.models import Record, RecordView
from bot.domain.money import format_money
from cards.common import facts, plain, subtle, text
from cards.elements import Element
from cards.times import local_date, local_day

MAX_DESCRIPTION_ON_CARD = 500


def money(record: Record, locale: str | None = None) -> str:
    if record.value is None or not record.currency:
        return ""
    return format_money(record.value, record.currency, locale)


def company_of(view: RecordView) -> str:
    """The record's company, or else its Contact's."""
    return view.record.company or (view.contact.company if view.contact and view.contact.company else "") or ""


def deal_summary(view: RecordView, locale: str | None, today: str) -> list[Element]:
    """Value and close date in large type under the title, each shown once (an overdue date as the warning);
    `today` (ISO) decides what is overdue. Days are Teams' DATE(), in the reader's format."""
    record = view.record
    overdue = record.is_overdue(today)
    closes = _("closes {day}", day=local_day(record.close_date)) if record.close_date and not overdue else ""
    parts = [p for p in (money(record, locale), closes) if p]
    found: list[Element] = []
    if record.archived_at:
        archived = _("Archived on {day}", day=local_date(record.archived_at))
        found.append(text(archived, color="Warning", weight="Bolder"))
    if parts:
        found.append(text(" · ".join(parts), size="Medium", weight="Bolder", spacing="Small"))
    elif record.is_open and not record.converted_to and not record.close_date:
        found.append(subtle(_("No value or close date yet: Edit details")))
    if overdue and record.close_date:
        overdue_line = _("Overdue: expected to close {day}", day=local_day(record.close_date))
        found.append(text(overdue_line, color="Attention", weight="Bolder"))
    return found


def detail_facts(view: RecordView) -> list[Element]:
    record = view.record
    found: list[Element] = []
    if record.next_step:
        found.append(facts([(_("Next step"), plain(record.next_step))]))
    if record.description:
        shown = record.description[:MAX_DESCRIPTION_ON_CARD] + (
            "…" if len(record.description) > MAX_DESCRIPTION_ON_CARD else ""
        )
        found.append(text(plain(shown), spacing="Small"))
    return found
