"""When a next step is due, as people say it: `2027-03-31`, `2027-03-31 14:30`, `today`, `tomorrow 9:00`,
`next friday`, `friday 10am`, `in 2 hours`, `in 10 minutes`, `in 1 minute`, `in 3 days`, read in the
person's own time zone. German and Portuguese words work as well (`morgen 9:00`, `heute`, `in 2 Stunden`,
`amanhã 9:00`, `hoje`, `em 2 horas`, `sexta`). A day alone is due that day (no time: reminded at the start
of the working day); a time makes it a moment, kept as UTC. No I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.errors import DomainError
from bot.domain.language import _

MAX_AHEAD_DAYS = 3 * 366  # a next step is due within three years
MAX_SAID = 60

# Weekday names (Monday first) in the three languages, without accents (compared after folding).
WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("monday", "mon", "montag", "segunda", "segunda-feira"),
    ("tuesday", "tue", "dienstag", "terca", "terca-feira"),
    ("wednesday", "wed", "mittwoch", "quarta", "quarta-feira"),
    ("thursday", "thu", "donnerstag", "quinta", "quinta-feira"),
    ("friday", "fri", "freitag", "sexta", "sexta-feira"),
    ("saturday", "sat", "samstag", "sabado"),
    ("sunday", "sun", "sonntag", "domingo"),
)
DAY_WORDS = {"today": 0, "heute": 0, "hoje": 0, "tomorrow": 1, "morgen": 1, "amanha": 1, "yesterday": -1}
NEXT_WORDS = ("next ", "this ", "on ", "nachsten ", "naechsten ", "am ", "proxima ", "proximo ", "na ", "no ")
_UNITS = {
    "minute": 60, "minutes": 60, "min": 60, "mins": 60, "minute(n)": 60, "minuten": 60, "minuto": 60, "minutos": 60,
    "hour": 3600, "hours": 3600, "stunde": 3600, "stunden": 3600, "hora": 3600, "horas": 3600,
    "day": 86400, "days": 86400, "tag": 86400, "tagen": 86400, "tage": 86400, "dia": 86400, "dias": 86400,
    "week": 604800, "weeks": 604800, "woche": 604800, "wochen": 604800, "semana": 604800, "semanas": 604800,
}  # fmt: skip
_IN = re.compile(r"(?:in|em|daqui a) (\d{1,4}) ([a-z()]+)")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(?:at |um |as )?(\d{1,2})(?:[:.h](\d{2}))? ?(am|pm|uhr|h)?")


@dataclass(frozen=True)
class Due:
    """A day (date-only) or a moment: `at` is the UTC instant when a time was said, else None."""

    day: date
    at: datetime | None = None

    @property
    def stamp(self) -> str | None:
        return self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.at else None


def fold(text: str) -> str:
    """Lower case, accents off (`amanhã` -> `amanha`, `nächsten` -> `nachsten`), one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def _clock(said: str) -> time | None:
    match = _TIME.fullmatch(said)
    if match is None:
        return None
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _day(said: str, today: date) -> date | None:
    if said in DAY_WORDS:
        return today + timedelta(days=DAY_WORDS[said])
    match = _ISO.fullmatch(said)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise DomainError(
                _("“{day}” is not a date on the calendar. {hint}", day=said, hint=hint()), "due"
            ) from None
    return coming_weekday(said, today)


def coming_weekday(said: str, today: date) -> date | None:
    """`friday`, `next friday`, `nächsten Freitag`, `próxima sexta` (folded): the coming one, never today."""
    name = said
    for prefix in NEXT_WORDS:
        name = name.removeprefix(prefix)
    for index, names in enumerate(WEEKDAY_NAMES):
        if name in names:
            return today + timedelta(days=(index - today.weekday() - 1) % 7 + 1)
    return None


def parse_due(raw: str | None, now: datetime, zone: tzinfo) -> Due:
    """`raw` as said by a person whose clock shows `now` (aware) in `zone`. A time without a day is today's
    (tomorrow's once it has passed); an impossible date, time or distance is refused with a sentence."""
    shown = " ".join((raw or "").split())[:MAX_SAID]
    said = fold(raw or "")
    if not said or len(said) > MAX_SAID:
        raise DomainError(_("“{day}” is not a time I understand. {hint}", day=shown, hint=hint()), "due")
    local_now = now.astimezone(zone)
    relative = _IN.fullmatch(said)
    if relative:
        count, unit = int(relative.group(1)), _UNITS.get(relative.group(2))
        if unit is None:
            raise DomainError(_("“{day}” is not a time I understand. {hint}", day=shown, hint=hint()), "due")
        if count * unit > MAX_AHEAD_DAYS * 86400:
            raise DomainError(_("“{day}” is too far off for a next step (three years at most).", day=shown), "due")
        if unit >= 86400:  # days and weeks are days: no time of day
            return _checked(Due(local_now.date() + timedelta(seconds=count * unit)), local_now, shown)
        moment = (now + timedelta(seconds=count * unit)).replace(microsecond=0)
        return _checked(Due(moment.astimezone(zone).date(), moment.astimezone(UTC)), local_now, shown)
    words = said.split(" ")
    for split in range(len(words), 0, -1):  # the longest day phrase first, the rest a time of day
        day_part, time_part = " ".join(words[:split]), " ".join(words[split:])
        day = _day(day_part, local_now.date())
        if day is None:
            continue
        if not time_part:
            return _checked(Due(day), local_now, shown)
        at = _clock(time_part)
        if at is None:
            raise DomainError(
                _("“{day}”: {time} is not a time of day. {hint}", day=shown, time=time_part, hint=hint()), "due"
            )
        return _checked(_moment(day, at, zone), local_now, shown)
    at = _clock(said)
    if at is not None:  # a time alone: today's, or tomorrow's once it has passed
        day = local_now.date()
        due = _moment(day, at, zone)
        if due.at is not None and due.at <= now:
            due = _moment(day + timedelta(days=1), at, zone)
        return _checked(due, local_now, shown)
    raise DomainError(_("“{day}” is not a time I understand. {hint}", day=shown, hint=hint()), "due")


def _moment(day: date, at: time, zone: tzinfo) -> Due:
    local = datetime.combine(day, at, tzinfo=zone)
    # A wall time the clocks skip (spring forward) does not exist there: it is taken as the time after the gap.
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        local = round_trip
    return Due(local.date(), local.astimezone(UTC))


def _checked(due: Due, local_now: datetime, shown: str) -> Due:
    if due.day > local_now.date() + timedelta(days=MAX_AHEAD_DAYS):
        raise DomainError(_("“{day}” is too far off for a next step (three years at most).", day=shown), "due")
    if due.day < date(2000, 1, 1):
        raise DomainError(_("“{day}” is too long ago. {hint}", day=shown, hint=hint()), "due")
    return due


def hint() -> str:
    return _("Write it like 2027-03-31, 2027-03-31 14:30, tomorrow 9:00, next friday or in 2 hours.")
