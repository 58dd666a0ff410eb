"""Working hours in a person's own time zone: when a notification due now waits, and until when."""

from datetime import UTC, datetime, time

from bot.domain.hours import WorkingHours, valid_zone, zone


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def test_inside_working_hours_nothing_waits_outside_it_waits_for_the_next_start() -> None:
    hours, berlin = WorkingHours(), zone("Europe/Berlin")
    assert hours.held_until(at("2026-12-01T10:00:00"), berlin) is None  # Tuesday 11:00 in Berlin
    assert hours.held_until(at("2026-12-01T17:30:00"), berlin) == at("2026-12-02T07:00:00")  # 18:30 there
    assert hours.held_until(at("2026-12-02T06:59:00"), berlin) == at("2026-12-02T07:00:00")
    assert hours.held_until(at("2026-12-04T17:00:00"), berlin) == at("2026-12-07T07:00:00")  # Friday -> Monday
    assert hours.held_until(at("2026-12-05T12:00:00"), zone("UTC")) == at("2026-12-07T08:00:00")


def test_the_next_start_follows_daylight_saving_time() -> None:
    hours, berlin = WorkingHours(), zone("Europe/Berlin")
    # Friday 27 March 2026, 19:00 in Berlin (CET); Monday 30 March starts at 08:00 CEST = 06:00 UTC.
    assert hours.held_until(at("2026-03-27T18:00:00"), berlin) == at("2026-03-30T06:00:00")


def test_spans_and_zones_are_read_strictly() -> None:
    assert WorkingHours.read("09:00-17:30") == WorkingHours(time(9), time(17, 30))
    assert WorkingHours.read(" 7:15 – 16:00 ") == WorkingHours(time(7, 15), time(16))
    for bad in ("17:00-09:00", "25:00-26:00", "09:00", "nine to five", "09:00-09:00", "09:60-10:00"):
        assert WorkingHours.read(bad) is None, bad
    stored = WorkingHours(time(9), time(17, 30)).stored()
    assert stored == "09:00-17:30/01234" and WorkingHours.from_stored(stored) == WorkingHours(time(9), time(17, 30))
    assert WorkingHours.from_stored("garbage") is None and WorkingHours.from_stored(None) is None
    assert valid_zone("Europe/Berlin") == "Europe/Berlin" and valid_zone("UTC") == "UTC"
    odd: list[object] = ["Mars/Olympus", "../../etc/passwd", "/etc/localtime", "", None, 42, "x" * 100]
    for name in odd:
        assert valid_zone(name) is None, name
