"""Next steps through the bot's HTTP endpoint as Teams calls it, on a clock the test moves: `task`, `tasks`,
`done`, the record card's next step, the tasks card's buttons, and reminders through the one outbox (at the
due time less the lead time, once, never for a task done or re-dated; a colleague given a task is told once)."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.conftest import ALICE, BOB, FAST, CardInHand, Person, Teams, all_text
from tests.fake_clock import FakeClock

TUESDAY = "2026-12-01T10:00:00.000000Z"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def told(teams: Teams, person: Person) -> list[str]:
    return [all_text(p.cards[0]) for p in teams.notifications(person) if p.cards]


async def passes(teams: Teams) -> None:
    """Let the sender do all it would do by the bot's present time (what is due, and nothing more)."""
    await teams.idle()


async def test_a_next_step_on_the_card_its_reminder_at_the_lead_time_once_and_done(
    teams: Teams, clock: FakeClock
) -> None:
    created = await teams.card(ALICE, "new opportunity Acme rollout")
    assert "No next step" in all_text(created) and "Add next step" in str(created)

    card = await teams.card(ALICE, "task O-1 Call Jane about the pilot due in 30 minutes")
    text = all_text(card)
    assert "Next step T-1 added to O-1." in text and "Next step: Call Jane about the pilot" in text
    assert "No next step" not in text

    mine = await CardInHand.posted(teams, ALICE, "tasks")
    assert "Your next steps" in mine.text and "T-1" in mine.text and "O-1 Acme rollout" in mine.text
    assert {"Done", "Edit", "Reassign"} <= set(mine.buttons())

    clock.advance(14 * 60)  # 10:14: the reminder is due at 10:15 (30 minutes less the default 15)
    await passes(teams)
    assert told(teams, ALICE) == []
    clock.advance(60)
    await teams.connector.wait_for(lambda: len(told(teams, ALICE)) == 1)
    [reminder] = told(teams, ALICE)
    assert "Reminder: T-1 is due" in reminder and "Call Jane about the pilot" in reminder
    clock.advance(3600)
    await passes(teams)
    assert len(told(teams, ALICE)) == 1  # once

    await mine.press("Done")
    assert "T-1 done." in mine.text and "What's next?" in mine.text
    assert mine.inputs()["text"]["value"] == "Call Jane about the pilot"  # the form, prefilled
    shown = await teams.card(ALICE, "show O-1")
    assert "No next step" in all_text(shown) and "T-1" not in all_text(shown).split("Latest activity")[0]
    assert "Alice Owner did T-1: Call Jane about the pilot" in all_text(shown)  # the timeline


async def test_a_reminder_for_a_task_done_or_re_dated_is_not_sent_and_a_colleague_is_told_once(
    teams: Teams, clock: FakeClock
) -> None:
    await teams.say(BOB, "help")  # Bob has talked to the bot once
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "task O-1 Send the quote due in 20 minutes for bob@contoso.example")
    await teams.connector.wait_for(lambda: len(told(teams, BOB)) == 1)
    [given] = told(teams, BOB)
    assert "Alice Owner gave you a next step" in given and "T-1" in given
    await teams.card(ALICE, "task O-1 Book the demo due in 20 minutes")
    await teams.say(ALICE, "done T-1 sent it")  # done before its reminder: Bob is not reminded
    mine = await CardInHand.posted(teams, ALICE, "tasks O-1")
    assert "T-2" in mine.text and "sent it" in mine.text
    await mine.press("Edit")
    await mine.press("Save", due="in 2 hours")  # re-dated: its reminder moves with it
    assert "T-2 changed." in mine.text
    clock.advance(10 * 60)
    await passes(teams)
    assert len(told(teams, BOB)) == 1 and told(teams, ALICE) == []
    clock.advance(95 * 60)  # 11:45: the re-dated one's lead time
    await teams.connector.wait_for(lambda: len(told(teams, ALICE)) == 1)
    assert "Book the demo" in told(teams, ALICE)[0]
    assert len(told(teams, BOB)) == 1


async def test_bad_input_is_a_sentence_and_writes_nothing(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    for said, expected in [
        ("task O-1 Call due 2027-02-30", "is not a date on the calendar"),
        ("task O-1 Call for nobody@elsewhere.example", "I can't find a colleague"),
        ("task O-9 Call", "I can't find O-9"),
        ("done T-77", "I can't find the task T-77"),
        ("task O-1 " + "x" * 2001, "at most 2,000 characters"),
    ]:
        answer = await teams.say(ALICE, said)
        shown = " ".join([r.text or "" for r in answer] + [all_text(c) for r in answer for c in r.cards])
        assert expected in shown, (said, shown)
    count = teams.services.repo.db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    assert count == 0


async def test_a_done_step_is_news_for_the_followers_with_its_note_and_a_new_one_is_not(
    teams: Teams, clock: FakeClock
) -> None:
    await teams.say(BOB, "help")  # Bob has talked to the bot once
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.say(BOB, "follow O-1")
    await teams.card(ALICE, "task O-1 Send the quote due tomorrow 9:00")
    clock.advance(60)
    await passes(teams)
    assert [n for n in told(teams, BOB) if "T-1" in n] == []  # a new step is not news
    await teams.say(ALICE, "done T-1 she said yes")
    await teams.connector.wait_for(lambda: any("T-1" in n for n in told(teams, BOB)))
    [news] = [n for n in told(teams, BOB) if "T-1" in n]
    assert "Alice Owner did T-1: Send the quote (she said yes)" in news, news
    clock.advance(3600)
    await passes(teams)
    assert len([n for n in told(teams, BOB) if "T-1" in n]) == 1  # once
