"""Close dates as people say them: `2027-03-31`, `today`, `tomorrow`, `friday`, `next friday`,
`end of month`, `end of quarter`, `end of year`, `in 3 weeks`. Each becomes an ISO date. No I/O."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.domain.errors import DomainError
from bot.domain.language import _

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)  # 0-9 only (bot/domain/money.py says why)
_IN = re.compile(r"in (\d{1,3}) (day|week|month)s?", re.ASCII)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(today: date, quarters_later: int = 0) -> date:
    index = today.year * 12 + (today.month - 1) // 3 * 3 + 2 + 3 * quarters_later  # 0-based month index
    return _month_end(index // 12, index % 12 + 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _weekday_after(today: date, name: str) -> date:
    ahead = (WEEKDAYS.index(name) - today.weekday() - 1) % 7 + 1
    return today + timedelta(days=ahead)


def _relative(said: str, today: date) -> date | None:
    named = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "end of month": _month_end(today.year, today.month),
        "end of quarter": _quarter_end(today),
        "end of next quarter": _quarter_end(today, 1),
        "end of year": date(today.year, 12, 31),
    }
    if said in named:
        return named[said]
    weekday = said.removeprefix("next ").removeprefix("this ")
    if weekday in WEEKDAYS:
        return _weekday_after(today, weekday)
    match = _IN.fullmatch(said)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        return (
            _add_months(today, count)
            if unit == "month"
            else today + timedelta(days=count * (7 if unit == "week" else 1))
        )
    return None


def parse_close_date(raw: str | None, today: date, field: str = "close_date") -> date:
    said = " ".join((raw or "").lower().split())
    shown = (raw or "").strip()[:30]
    if any(c.isdigit() and not c.isascii() for c in said):
        raise DomainError(_("Write the date with the digits 0-9 (“{day}”). {hint}", day=shown, hint=_hint()), field)
    match = _ISO.fullmatch(said)
    if match:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise DomainError(
                _("“{day}” is not a date on the calendar. {hint}", day=shown, hint=_hint()), field
            ) from None
    else:
        found = _relative(said, today)
        if found is None:
            raise DomainError(_("“{day}” is not a date I understand. {hint}", day=shown, hint=_hint()), field)
        day = found
    if not 2000 <= day.year <= 2100:
        raise DomainError(_("“{day}” is too far off for a close date. {hint}", day=shown, hint=_hint()), field)
    return day


def _hint() -> str:
    return _("Write it like 2027-03-31, next friday or end of quarter.")
