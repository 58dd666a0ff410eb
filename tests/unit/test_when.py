"""Due times as people say them, in their own time zone (bot/domain/when.py)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import DomainError
from bot.domain.language import speaking
from bot.domain.when import parse_due

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2027-03-15, 16:20 in Berlin (15:20 UTC)
NOW = datetime(2027, 3, 15, 15, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "day", "stamp"),
    [
        ("2027-03-31", date(2027, 3, 31), None),
        ("2027-03-31 14:30", date(2027, 3, 31), "2027-03-31T12:30:00Z"),  # CEST from 28 March
        ("today", date(2027, 3, 15), None),
        ("Heute", date(2027, 3, 15), None),
        ("tomorrow 9:00", date(2027, 3, 16), "2027-03-16T08:00:00Z"),
        ("morgen 9 Uhr", date(2027, 3, 16), "2027-03-16T08:00:00Z"),
        ("amanhã 9h30", date(2027, 3, 16), "2027-03-16T08:30:00Z"),
        ("next friday", date(2027, 3, 19), None),
        ("friday 10am", date(2027, 3, 19), "2027-03-19T09:00:00Z"),
        ("nächsten Freitag", date(2027, 3, 19), None),
        ("sexta-feira", date(2027, 3, 19), None),
        ("monday", date(2027, 3, 22), None),  # the coming Monday, never today
        ("in 2 hours", date(2027, 3, 15), "2027-03-15T17:20:00Z"),
        ("in 10 minutes", date(2027, 3, 15), "2027-03-15T15:30:00Z"),
        ("in 1 minute", date(2027, 3, 15), "2027-03-15T15:21:00Z"),
        ("in 2 Stunden", date(2027, 3, 15), "2027-03-15T17:20:00Z"),
        ("em 3 dias", date(2027, 3, 18), None),
        ("in 8 hours", date(2027, 3, 16), "2027-03-15T23:20:00Z"),  # past midnight in Berlin: tomorrow's day
        ("17:00", date(2027, 3, 15), "2027-03-15T16:00:00Z"),
        ("9:00", date(2027, 3, 16), "2027-03-16T08:00:00Z"),  # already past today: tomorrow's
        ("yesterday", date(2027, 3, 14), None),  # accepted: the step is overdue
    ],
)
def test_due_times_as_people_say_them(said: str, day: date, stamp: str | None) -> None:
    due = parse_due(said, NOW, BERLIN)
    assert (due.day, due.stamp) == (day, stamp)


def test_a_wall_time_the_clocks_skip_is_the_time_after_the_gap() -> None:
    due = parse_due("2027-03-28 02:30", NOW, BERLIN)  # 02:00-03:00 does not exist in Berlin that night
    assert due.stamp == "2027-03-28T01:30:00Z"


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ("2027-02-30", "not a date on the calendar"),
        ("2027-02-30 10:00", "not a date on the calendar"),
        ("tomorrow 25:00", "not a time of day"),
        ("friday 13pm", "not a time of day"),
        ("whenever", "not a time I understand"),
        ("in 5 fortnights", "not a time I understand"),
        ("in 9999 weeks", "too far off"),
        ("2031-01-01", "too far off"),
        ("", "not a time I understand"),
        ("x" * 100_000, "not a time I understand"),
        ("1999-12-31", "too long ago"),
    ],
)
def test_impossible_times_are_refused_with_a_sentence(said: str, why: str) -> None:
    with pytest.raises(DomainError, match=why) as refused:
        parse_due(said, NOW, BERLIN)
    assert refused.value.field == "due" and len(str(refused.value)) < 200


def test_the_refusal_and_its_examples_are_in_the_readers_language() -> None:
    with speaking("de-DE"), pytest.raises(DomainError) as refused:
        parse_due("irgendwann", NOW, BERLIN)
    assert str(refused.value).startswith("„irgendwann“ ist keine Zeitangabe") and "morgen 9:00" in str(refused.value)
    assert parse_due("morgen 9:00", NOW, BERLIN).stamp  # the example given parses
    with speaking("pt-PT"), pytest.raises(DomainError) as refused:
        parse_due("2027-02-30", NOW, BERLIN)
    assert "não é uma data" in str(refused.value) or "calendário" in str(refused.value), str(refused.value)
    assert parse_due("daqui a 2 horas", NOW, BERLIN).stamp and parse_due("amanhã 9:00", NOW, BERLIN).stamp
