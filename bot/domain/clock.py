"""The one timestamp format: ISO 8601 in UTC with microseconds, `2026-11-23T14:05:09.123456Z`, and the
Clock that background work waits on (real in production, moved by the tests: tests/fake_clock.py).

Stored stamps compare as text in this format, so every stamp the project writes comes from here."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    # isoformat is C and several times faster than strftime(FORMAT); the text is the same.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)  # reads the trailing Z as UTC (Python 3.11)


_this_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """Now, as format_time writes it. Called several times a click: the date and time are formatted once a
    second, the microseconds appended (a sixth of isoformat's cost)."""
    global _this_second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    second, text = _this_second
    if second != seconds:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _this_second = (seconds, text)
    return f"{text}.{nanoseconds // 1000:06d}Z"


def shifted(stamp: str, seconds: float) -> str:
    """The stamp `seconds` later (earlier when negative)."""
    return format_time(parse_time(stamp) + timedelta(seconds=seconds))


class Clock(Protocol):
    """Time as the background work sees it (the sender, the rate limiter, the card updater, the schedules):
    injected, so that tests move a fake one instead of sleeping through real backoff and windows.

    `now()` is the wall-clock stamp (format_time's text) that rows store; `monotonic()` the seconds that
    waits and windows are measured in; `sleep` and `wait` are the only ways the background work waits."""

    def now(self) -> str: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        """Until `event` is set (True) or `timeout` seconds have passed (False)."""
        ...


class SystemClock:
    """Real time: what production runs on."""

    def now(self) -> str:
        return utc_now()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        try:
            await asyncio.wait_for(event.wait(), max(0.0, timeout))
        except TimeoutError:
            return event.is_set()
        return True


SYSTEM = SystemClock()
