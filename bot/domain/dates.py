"""Close dates as people say them: `2027-03-31`, `today`, `tomorrow`, `friday`, `next friday`,
`end of month`, `end of quarter`, `end of year`, `in 3 weeks`, and the same in German (`morgen`, `nächsten
Freitag`, `Quartalsende`, `in 3 Wochen`) and Portuguese (`amanhã`, `próxima sexta`, `fim do trimestre`,
`daqui a 3 semanas`), whatever the reader's language. Each becomes an ISO date. No I/O."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.domain.errors import DomainError
from bot.domain.language import _
from bot.domain.when import DAY_WORDS, coming_weekday, fold

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)  # 0-9 only (bot/domain/money.py says why)
_IN = re.compile(r"(?:in|em|daqui a) (\d{1,3}) ([a-z]+)", re.ASCII)
# The words of `in 3 weeks` (after folding: no accents), in English, German and Portuguese.
_UNITS = {
    "day": "day", "days": "day", "tag": "day", "tagen": "day", "tage": "day", "dia": "day", "dias": "day",
    "week": "week", "weeks": "week", "woche": "week", "wochen": "week", "semana": "week", "semanas": "week",
    "month": "month", "months": "month", "monat": "month", "monaten": "month", "monate": "month",
    "mes": "month", "meses": "month",
}  # fmt: skip
# Ends of periods: (English, German, Portuguese) spellings, folded.
_ENDS = {
    "month": ("end of month", "end of the month", "monatsende", "ende des monats", "fim do mes", "final do mes"),
    "quarter": (
        "end of quarter", "end of the quarter", "quartalsende", "ende des quartals", "fim do trimestre",
        "final do trimestre",
    ),
    "next quarter": (
        "end of next quarter", "end of the next quarter", "ende des nachsten quartals", "ende nachsten quartals",
        "fim do proximo trimestre", "final do proximo trimestre",
    ),
    "year": ("end of year", "end of the year", "jahresende", "ende des jahres", "fim do ano", "final do ano"),
}  # fmt: skip


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(today: date, quarters_later: int = 0) -> date:
    index = today.year * 12 + (today.month - 1) // 3 * 3 + 2 + 3 * quarters_later  # 0-based month index
    return _month_end(index // 12, index % 12 + 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _relative(said: str, today: date) -> date | None:
    said = fold(said)
    if DAY_WORDS.get(said, -1) >= 0:  # today, tomorrow (a close date is never yesterday)
        return today + timedelta(days=DAY_WORDS[said])
    ends = {
        "month": _month_end(today.year, today.month),
        "quarter": _quarter_end(today),
        "next quarter": _quarter_end(today, 1),
        "year": date(today.year, 12, 31),
    }
    for period, spellings in _ENDS.items():
        if said in spellings:
            return ends[period]
    weekday = coming_weekday(said, today)
    if weekday is not None:
        return weekday
    match = _IN.fullmatch(said)
    if match and match.group(2) in _UNITS:
        count, unit = int(match.group(1)), _UNITS[match.group(2)]
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
