"""Deals that go quiet, through the bot's HTTP endpoint on a FakeClock the test moves: an open deal with no
activity for more than its stage allows (Prospecting 14, Proposal 7, Negotiation 5 days, leads 14; `quiet
after <stage> <days>` per organisation) is marked "Quiet for N days" on its card and in lists, and its owner
is told once per quiet spell (any activity ends the spell)."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_task_marks import mark
from tests.bot.test_tasks import TUESDAY
from tests.conftest import ALICE, BOB, FAST, Person, Teams, all_text
from tests.fake_clock import FakeClock

DAY = 86400


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def quiet_notices(teams: Teams, person: Person) -> list[str]:
    return [
        all_text(p.cards[0])
        for p in teams.notifications(person)
        if p.cards and "has been quiet for" in str(p.activity.get("summary", ""))
    ]


async def test_a_quiet_deal_is_marked_and_its_owner_told_once_per_spell(teams: Teams, clock: FakeClock) -> None:
    await teams.say(BOB, "help")
    await teams.card(ALICE, "new opportunity Acme rollout")  # O-1, Prospecting: 14 days
    await teams.card(ALICE, "new opportunity Globex pilot")  # O-2
    await teams.say(ALICE, "stage O-2 Negotiation")  # 5 days
    await teams.card(ALICE, "new lead Initech intro")  # L-1: 14 days
    await teams.say(BOB, "follow O-2")
    clock.advance(5 * DAY)  # 5 days: not more than Negotiation allows
    await teams.idle()
    assert quiet_notices(teams, ALICE) == []
    assert "Quiet for" not in all_text(await teams.card(ALICE, "show O-2"))

    clock.advance(4 * DAY)  # Thursday 10 December: 9 days without activity
    await teams.connector.wait_for(lambda: len(quiet_notices(teams, ALICE)) == 1)
    [notice] = quiet_notices(teams, ALICE)
    assert "Quiet for 9 days" in notice and "Globex pilot" in notice and "O-2" in notice
    assert quiet_notices(teams, BOB) == []  # the owner is told, not the followers
    shown = all_text(await teams.card(ALICE, "show O-2"))
    assert "Quiet for 9 days" in shown
    assert "Quiet for" not in all_text(await teams.card(ALICE, "show O-1"))  # Prospecting allows 14
    listed = await teams.card(ALICE, "opportunities")
    assert ("Quiet for 9 days", "Warning") in mark(listed, "O-2")
    assert not any("Quiet" in line for line, _ in mark(listed, "O-1"))
    assert not any("Quiet" in line for line, _ in mark(await teams.card(ALICE, "my"), "L-1"))

    clock.advance(DAY)  # still the same spell: told once
    await teams.idle()
    assert len(quiet_notices(teams, ALICE)) == 1

    answer = await teams.text(ALICE, "quiet after Prospecting 7")
    assert "Prospecting 7, Proposal 7, Negotiation 5, leads 14" in answer
    await teams.connector.wait_for(lambda: len(quiet_notices(teams, ALICE)) == 2)  # O-1: 10 days > 7
    assert "Quiet for 10 days" in quiet_notices(teams, ALICE)[1] and "Acme rollout" in quiet_notices(teams, ALICE)[1]

    await teams.say(ALICE, "comment O-2 Called them, they are back next week")  # activity ends the spell
    assert "Quiet for" not in all_text(await teams.card(ALICE, "show O-2"))
    clock.advance(6 * DAY)  # a new spell for O-2; L-1 now 16 days quiet
    await teams.connector.wait_for(lambda: len(quiet_notices(teams, ALICE)) == 4)
    later = quiet_notices(teams, ALICE)[2:]
    assert any("Globex pilot" in n and "Quiet for 6 days" in n for n in later)
    assert any("Initech intro" in n and "Quiet for 16 days" in n for n in later)
    clock.advance(DAY)
    await teams.idle()
    assert len(quiet_notices(teams, ALICE)) == 4

    await teams.say(ALICE, "stage O-2 Won")  # a closed deal is never quiet
    clock.advance(30 * DAY)
    await teams.idle()
    assert "Quiet for" not in all_text(await teams.card(ALICE, "show O-2"))
    assert not any("Globex" in n for n in quiet_notices(teams, ALICE)[4:])


async def test_quiet_after_refuses_what_it_cannot_use(teams: Teams) -> None:
    answer = await teams.text(ALICE, "quiet after")
    assert "Prospecting 14, Proposal 7, Negotiation 5, leads 14" in answer
    for said in ("quiet after Won 3", "quiet after Proposal 0", "quiet after Proposal many", "quiet after 3"):
        assert "Say a stage and a number of days from 1 to 365" in await teams.text(ALICE, said), said
    assert "leads 3" in await teams.text(ALICE, "quiet after leads 3")
    assert "Proposal 3" in await teams.text(ALICE, "quiet after proposal 3")
    rows = teams.services.repo.db.execute("SELECT stage, days FROM quiet_after ORDER BY stage").fetchall()
    assert [tuple(r) for r in rows] == [("Proposal", 3), ("leads", 3)]
