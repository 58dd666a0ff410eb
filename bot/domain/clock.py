"""The one timestamp format: ISO 8601 in UTC with microseconds, `2026-11-23T14:05:09.123456Z`.

Stored stamps compare as text in this format, so every stamp the project writes comes from here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def parse_time(stamp: str) -> datetime:
    return datetime.strptime(stamp, FORMAT).replace(tzinfo=UTC)


def utc_now() -> str:
    return format_time(datetime.now(UTC))


def shifted(stamp: str, seconds: float) -> str:
    """The stamp `seconds` later (earlier when negative)."""
    return format_time(parse_time(stamp) + timedelta(seconds=seconds))
