"""Next steps across a record's life, through the bot's HTTP endpoint on a FakeClock the test moves: a lead's
open tasks go on with the opportunity it becomes (their reminders too), archiving a record closes its open
tasks (no reminder comes), and erasing a contact scrubs the person from task texts and notes."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_tasks import TUESDAY, told
from tests.conftest import ALICE, FAST, CardInHand, Teams, all_text
from tests.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def open_tasks(teams: Teams) -> list[tuple[str, str | None]]:
    rows = teams.services.repo.db.execute(
        "SELECT k.number, r.kind || '-' || r.number FROM tasks k JOIN records r ON r.id = k.record_id"
        " WHERE k.done_at IS NULL ORDER BY k.number"
    ).fetchall()
    return [(f"T-{row[0]}", row[1]) for row in rows]


async def test_conversion_keeps_the_open_tasks_and_their_reminders(teams: Teams, clock: FakeClock) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(ALICE, "task L-1 Call Jane due in 30 minutes")
    await teams.card(ALICE, "task L-1 Send the deck due tomorrow")
    await teams.say(ALICE, "done T-2 sent")
    card = await teams.card(ALICE, "convert L-1")
    assert "L-1 is now opportunity O-1." in all_text(card)

    assert open_tasks(teams) == [("T-1", "opportunity-1")]
    shown = all_text(await teams.card(ALICE, "show O-1"))
    assert "Next step: Call Jane" in shown and "No next step" not in shown
    mine = await CardInHand.posted(teams, ALICE, "tasks O-1")
    assert "T-1" in mine.text and "Call Jane" in mine.text
    await teams.say(ALICE, "done T-1")  # done on the opportunity, where work goes on
    assert "No next step" in all_text(await teams.card(ALICE, "show O-1"))

    await teams.card(ALICE, "new lead Globex intro")  # L-2: its reminder follows it to O-2
    await teams.card(ALICE, "task L-2 Book the demo due in 20 minutes")
    await teams.card(ALICE, "convert L-2")
    clock.advance(5 * 60)
    await teams.connector.wait_for(lambda: len(told(teams, ALICE)) == 1)
    [reminder] = told(teams, ALICE)
    assert "Reminder: T-3 is due" in reminder and "O-2" in reminder and "L-2" not in reminder


async def test_archiving_closes_the_open_tasks_and_no_reminder_comes(teams: Teams, clock: FakeClock) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "task O-1 Call Jane due in 30 minutes")
    await teams.card(ALICE, "task O-1 Send the quote due tomorrow 9:00")
    await teams.say(ALICE, "archive O-1")
    assert open_tasks(teams) == []
    mine = await CardInHand.posted(teams, ALICE, "tasks")
    assert "No open next step." in mine.text
    clock.advance(3600)
    await teams.idle()
    assert told(teams, ALICE) == []
    pending = teams.services.repo.db.execute("SELECT count(*) FROM notifications WHERE purpose = 'reminder'")
    assert pending.fetchone()[0] == 0


async def test_an_erasure_scrubs_the_person_from_task_texts_and_notes(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Zoe Zyxwerase zoe.zyx@erase.example Erasecorp")
    await teams.card(ALICE, "new lead Rollout")
    await teams.say(ALICE, "contact L-1 zoe.zyx@erase.example")
    await teams.card(ALICE, "task L-1 Call Zoe Zyxwerase about the pilot due tomorrow")
    await teams.card(ALICE, "task L-1 Mail zoe.zyx@erase.example the deck due tomorrow")
    await teams.say(ALICE, "done T-2 Zoe Zyxwerase has it")
    rows = teams.services.repo.db.execute("SELECT text, coalesce(note, '') FROM tasks ORDER BY number").fetchall()
    assert any("Zyxwerase" in " ".join(row) for row in rows)  # the check below can fail

    confirm = await CardInHand.posted(teams, ALICE, "erase contact zoe.zyx@erase.example")
    await confirm.press("Erase")
    assert "Erased." in confirm.text
    rows = teams.services.repo.db.execute("SELECT text, coalesce(note, '') FROM tasks ORDER BY number").fetchall()
    assert [tuple(row) for row in rows] == [
        ("Call erased contact about the pilot", ""),
        ("Mail erased contact the deck", "erased contact has it"),
    ]
    mine = await CardInHand.posted(teams, ALICE, "tasks L-1")
    assert "Zoe" not in mine.text and "zoe.zyx" not in mine.text and "Call erased contact" in mine.text
