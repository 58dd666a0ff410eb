"""Working hours: a person's time zone comes from Teams (clientInfo); notifications due outside their
working hours wait for the next start, coalesced, and survive a restart. Through HTTP, on a clock the
test moves."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_follow_news import Clock, texts
from tests.conftest import ALICE, BOB, CAROL, FAST, CardInHand, Person, Teams, all_text

EVENING = "2026-12-01T18:30:00.000000Z"  # Tuesday, 19:30 in Berlin


@pytest.fixture
def clock() -> Clock:
    return Clock(EVENING)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: Clock) -> Teams:
    fake, service_url = connector
    return Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock)), fake, service_url)


async def say_from_berlin(teams: Teams, person: Person, text: str) -> dict[str, Any]:
    activity = teams.message(person, text)
    client = {"type": "clientInfo", "locale": "en-GB", "country": "DE", "platform": "Web", "timezone": "Europe/Berlin"}
    activity["entities"] = [client]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    [reply] = teams.connector.replies_to(activity["id"])
    return reply.cards[0]


async def test_outside_working_hours_notifications_wait_for_the_next_start_in_ones_own_zone(
    teams: Teams, clock: Clock, aiohttp_client: Any, connector: Any, bot_config: Config
) -> None:
    settings = await say_from_berlin(teams, BOB, "working hours on")
    text = all_text(settings)
    assert "Notifications now reach you in working hours, 08:00–18:00, Monday–Friday." in text
    assert "Time zone: Europe/Berlin (from Teams)" in text
    await teams.card(ALICE, "new lead Acme rollout")
    for person in (BOB, CAROL):
        await teams.card(person, "follow L-1")
        await teams.settled()  # Alice hears of Bob now, of Carol in a day
    await teams.card(ALICE, "comment L-1 First, in the evening")
    await teams.connector.wait_for(lambda: len(teams.notifications(CAROL)) == 1)
    await teams.settled()
    await teams.card(ALICE, "comment L-1 Second, late at night")
    await teams.settled()
    assert teams.notifications(BOB) == [] and len(teams.notifications(CAROL)) == 2  # Carol keeps no hours
    # Bob's two changes wait in one row (the other pending row: Alice hears tomorrow that Carol follows).
    assert teams.outbox()["pending"] == 2

    await teams.client.close()  # a restart in the night loses and doubles nothing
    clock.advance(12 * 3600 + 28 * 60)  # Wednesday 07:58 in Berlin
    again = Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock)), *connector)
    await again.settled()
    assert again.notifications(BOB) == []
    clock.advance(120)  # 08:00 in Berlin
    await again.connector.wait_for(lambda: len(again.notifications(BOB)) == 1)
    [message] = texts(again, BOB)
    assert "Alice Owner commented: First, in the evening" in message
    assert "Alice Owner commented: Second, late at night" in message
    assert (await again.settled())["pending"] == 1 and len(again.notifications(BOB)) == 1


async def test_working_hours_can_be_changed_and_switched_off_and_bad_spans_change_nothing(teams: Teams) -> None:
    card = await CardInHand.posted(teams, BOB, "working hours")
    assert "Time zone: UTC (from Teams)" in card.text and "Notifications: at any time" in card.text
    await card.press("Only in working hours")
    assert "Notifications: in working hours, 08:00–18:00, Monday–Friday" in card.text
    changed = all_text(await teams.card(BOB, "working hours 09:00-17:30"))
    assert "Notifications: in working hours, 09:00–17:30, Monday–Friday" in changed
    refused = all_text(await teams.card(BOB, "working hours 17:00-09:00 **bold**"))
    assert "is not a time span" in refused and "\\*\\*bold\\*\\*" in refused
    assert "09:00–17:30" in refused  # unchanged
    await card.press("At any time")
    assert "Notifications now reach you at any time." in card.text
    tampered = await teams.click(BOB, "settings.working_hours", {"hours": "always"})
    assert "a setting I don't know" in str(tampered["value"])


async def test_a_time_zone_teams_does_not_know_is_ignored(teams: Teams) -> None:
    activity = teams.message(BOB, "working hours")
    activity["entities"] = [{"type": "clientInfo", "timezone": "../../etc/passwd"}]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    [reply] = teams.connector.replies_to(activity["id"])
    assert "Time zone: UTC (from Teams)" in all_text(reply.cards[0])


async def test_a_daily_digest_gathers_a_days_changes_by_record_once_at_the_start(
    teams: Teams, clock: Clock, aiohttp_client: Any, connector: Any, bot_config: Config
) -> None:
    settings = await say_from_berlin(teams, BOB, "working hours digest")
    assert "Notifications now reach you in one daily digest at 08:00 (08:00–18:00, Monday–Friday)." in all_text(
        settings
    )
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(ALICE, "new opportunity Globex renewal")
    await teams.card(BOB, "follow L-1")
    await teams.card(BOB, "follow O-1")
    await teams.card(ALICE, "comment L-1 Evening note")
    await teams.card(ALICE, "stage O-1 proposal")
    await teams.card(CAROL, "comment O-1 Carol was here")
    await teams.settled()
    assert teams.notifications(BOB) == []

    await teams.client.close()  # restart in the night
    clock.advance(12 * 3600 + 30 * 60)  # Wednesday 08:00 in Berlin
    again = Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock)), *connector)
    await again.connector.wait_for(lambda: len(again.notifications(BOB)) == 1)
    await again.settled()
    [digest] = again.notifications(BOB)
    text = all_text(digest.cards[0])
    assert digest.activity["summary"] == "Your daily digest: 2 records, 3 changes"
    assert text.index("Acme rollout") < text.index("Alice Owner commented: Evening note") < text.index("[Open L-1]")
    assert text.index("[Open L-1]") < text.index("Globex renewal") < text.index("[Open O-1]")
    assert "Alice Owner changed the stage: Prospecting → Proposal" in text and "Carol Other commented" in text
    opened = CardInHand(again, BOB, digest.cards[0], digest.id, "personal")
    await opened.press("Open O-1")
    assert "Globex renewal" in opened.text and "Stage: Proposal" in opened.text

    clock.advance(3600)
    await again.card(ALICE, "comment L-1 During the day")  # waits for tomorrow's digest
    await again.settled()
    assert len(again.notifications(BOB)) == 1
    clock.advance(23 * 3600)
    await again.connector.wait_for(lambda: len(again.notifications(BOB)) == 2)
    assert "During the day" in texts(again, BOB)[1] and "Evening note" not in texts(again, BOB)[1]
