"""Working hours: notifications due outside them wait for the next start, in the person's own time zone."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.language import current

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)  # 0-9 only
_STORED = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})/([0-6]{1,7})$", re.ASCII)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone(name: str | None) -> tzinfo:
    """The IANA zone Teams named (UTC when unknown or not a zone)."""
    if name and len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError, KeyError):  # not a key, or a key this machine has no data for
            pass
    return UTC


# In the zone database's folder but no place's time: the server's own zone (`localtime`, so the answer would depend
# on the machine), the rules file, `Factory` (no time at all), and the posix/ and right/ copies of every zone.
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


@functools.cache
def _iana_zones() -> frozenset[str]:
    return frozenset(
        z for z in available_timezones() if z not in _NOT_PLACES and not z.startswith(("posix/", "right/"))
    )


def valid_zone(name: object) -> str | None:
    """The IANA zone Teams named, when it is one (a key of the zone database, exactly); else None."""
    if name == "UTC" or (isinstance(name, str) and name in _iana_zones()):
        return str(name)
    return None


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(8, 0)
    end: time = time(18, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday to Friday

    def stored(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}/{''.join(str(d) for d in self.days)}"

    @property
    def label(self) -> str:
        """`08:00–18:00, Monday–Friday`, the days in the reader's language."""
        name = current().weekday
        days = f"{name(self.days[0])}–{name(self.days[-1])}" if len(self.days) > 1 else name(self.days[0])
        return f"{self.start:%H:%M}–{self.end:%H:%M}, {days}"

    @classmethod
    def from_stored(cls, text: str | None) -> WorkingHours | None:
        match = _STORED.match(text or "")
        if not match:
            return None
        h1, m1, h2, m2, days = match.groups()
        return cls(time(int(h1), int(m1)), time(int(h2), int(m2)), tuple(sorted({int(d) for d in days})))

    @classmethod
    def read(cls, said: str) -> WorkingHours | None:
        """`09:00-17:30` -> Monday to Friday, 09:00 to 17:30; None unless a valid span within one day."""
        match = _SPAN.match(said)
        if not match:
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 < 24 and 0 <= h2 < 24 and 0 <= m1 < 60 and 0 <= m2 < 60):
            return None
        start, end = time(h1, m1), time(h2, m2)
        return cls(start, end) if start < end else None

    def held_until(self, moment: datetime, where: tzinfo) -> datetime | None:
        """None within working hours; otherwise the next start (UTC)."""
        local = moment.astimezone(where)
        if local.weekday() in self.days and self.start <= local.time() < self.end:
            return None
        return self.next_start(moment, where)

    def next_start(self, moment: datetime, where: tzinfo) -> datetime | None:
        """The first start of working hours after `moment` (UTC)."""
        local = moment.astimezone(where)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() in self.days:
                begins = datetime.combine(day, self.start, tzinfo=where)
                if begins > local:
                    return begins.astimezone(UTC)
        return None


@dataclass(frozen=True)
class Schedule:
    """When notifications reach a person."""

    time_zone: str
    hours: WorkingHours | None  # None: at any time
    digest: bool = False  # one message a day at the start of their working hours
