"""My day, through the bot's HTTP endpoint on a FakeClock the test moves: at the start of each working day a
person with overdue or today's tasks gets one card listing them (through the outbox: once, across restarts),
none on a day without; `my day off` stops it, `my day on` brings it back."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_tasks import TUESDAY
from tests.conftest import ALICE, BOB, FAST, Person, Teams, all_text
from tests.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)  # Tuesday 1 December 2026, 10:00 UTC


async def started(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def days(teams: Teams, person: Person) -> list[str]:
    """The day's cards the person got (their summary names them)."""
    return [
        all_text(p.cards[0])
        for p in teams.notifications(person)
        if p.cards and str(p.activity.get("summary", "")).startswith("Your day")
    ]


async def test_one_card_at_the_start_of_each_working_day_with_tasks_once_across_restarts(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.say(BOB, "help")
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "task O-1 Call Jane")  # today, date-only
    await teams.card(ALICE, "task O-1 Send the quote due in 1 minute")  # overdue soon
    await teams.card(ALICE, "task O-1 Book the demo due tomorrow 15:00")
    await teams.card(ALICE, "task O-1 Plan the workshop due 2026-12-03")  # Thursday
    await teams.idle()
    assert days(teams, ALICE) == []  # made after today's start: no card today

    await teams.client.close()  # a restart overnight
    clock.advance(21 * 3600 + 59 * 60)  # Wednesday 07:59 UTC
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.idle()
    assert days(teams, ALICE) == []
    clock.advance(60)  # 08:00, the start of Alice's working day (default hours, UTC)
    await teams.connector.wait_for(lambda: len(days(teams, ALICE)) == 1)
    [card] = days(teams, ALICE)
    assert "Your day: 2026-12-02" in card and "Not wanted? Say: my day off" in card
    assert "T-1" in card and "Call Jane" in card and "T-2" in card and "Send the quote" in card
    assert "T-3" in card and "Book the demo" in card  # due today at 15:00
    assert "T-4" not in card  # tomorrow's
    assert card.count("Overdue") >= 2  # T-1 (yesterday's) and T-2 under the overdue ones
    assert days(teams, BOB) == []  # no tasks: no card

    await teams.client.close()  # a restart right after: nothing again that day
    clock.advance(3 * 3600)
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.idle()
    assert len(days(teams, ALICE)) == 1

    assert "My day is off" in await teams.text(ALICE, "my day off")
    clock.advance(21 * 3600)  # Thursday 08:00
    await teams.idle()
    assert len(days(teams, ALICE)) == 1
    assert "My day is on" in await teams.text(ALICE, "my day on")
    for ref in ("T-1", "T-2", "T-3", "T-4"):
        await teams.say(ALICE, f"done {ref}")
    clock.advance(86400)  # Friday: no task left, no card
    await teams.idle()
    assert len(days(teams, ALICE)) == 1

    await teams.card(ALICE, "task O-1 Follow up due 2026-12-05")  # Saturday
    clock.advance(86400)  # Saturday 08:00: not a working day
    await teams.idle()
    assert len(days(teams, ALICE)) == 1
    clock.advance(2 * 86400)  # Monday 08:00: Saturday's is overdue
    await teams.connector.wait_for(lambda: len(days(teams, ALICE)) == 2)
    assert "Follow up" in days(teams, ALICE)[1]
    rows = teams.services.repo.db.execute("SELECT occasion FROM notifications WHERE purpose = 'my_day'").fetchall()
    assert sorted(r[0] for r in rows) == ["2026-12-02", "2026-12-07"]


async def test_my_day_says_what_it_understands(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    assert "Say my day on or my day off." in await teams.text(ALICE, "my day maybe")
    assert "Say my day on or my day off." in await teams.text(ALICE, "mein tag vielleicht")  # the German word
    assert "My day is off" in await teams.text(ALICE, "meu dia off")
