"""The one timestamp format, as utc_now writes it (formatted once a second, the microseconds appended)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.domain import clock
from bot.domain.clock import format_time, parse_time, utc_now

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def test_now_is_the_format_every_stamp_has_and_reads_back() -> None:
    before = datetime.now(UTC)
    stamp = utc_now()
    after = datetime.now(UTC)
    assert STAMP.fullmatch(stamp)
    assert format_time(parse_time(stamp)) == stamp
    assert before.replace(microsecond=0) <= parse_time(stamp) <= after


@pytest.mark.parametrize(
    "nanoseconds, expected",
    [
        (1_764_547_200_000_000_000, "2025-12-01T00:00:00.000000Z"),
        (1_764_547_200_000_001_999, "2025-12-01T00:00:00.000001Z"),  # truncated, as isoformat does
        (1_764_547_200_999_999_999, "2025-12-01T00:00:00.999999Z"),
        (1_764_547_201_000_000_000, "2025-12-01T00:00:01.000000Z"),  # the next second: formatted anew
        (1_764_547_199_500_000_000, "2025-11-30T23:59:59.500000Z"),  # back in time (a clock step): anew too
    ],
)
def test_each_moment_is_written_as_format_time_writes_it(
    monkeypatch: pytest.MonkeyPatch, nanoseconds: int, expected: str
) -> None:
    monkeypatch.setattr(clock.time, "time_ns", lambda: nanoseconds)
    assert utc_now() == expected
    moment = datetime.fromtimestamp(nanoseconds // 1000 / 1_000_000, UTC)
    assert format_time(moment) == expected
