"""Next steps in lists, through the bot's HTTP endpoint on a FakeClock the test moves: `leads`, `opportunities`,
`my` and `pipeline list` show each open record's next step (overdue in the attention colour) or "No next step"."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_tasks import TUESDAY
from tests.conftest import ALICE, FAST, Teams, all_text
from tests.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def row_of(card: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    """The text blocks of the list's row for `ref` (each row is a clickable container)."""
    for item in card["body"]:
        blocks = [b for b in item.get("items", []) if b.get("type") == "TextBlock"]
        if blocks and blocks[0]["text"].startswith(f"**{ref}**"):
            return blocks
    raise AssertionError(f"no row for {ref} in {all_text(card)}")


def mark(card: dict[str, Any], ref: str) -> list[tuple[str, str]]:
    return [(b["text"], b.get("color", "Default")) for b in row_of(card, ref)[2:]]


async def test_every_list_shows_the_next_step_no_next_step_and_overdue(teams: Teams, clock: FakeClock) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")  # O-1: a step due tomorrow
    await teams.card(ALICE, "new opportunity Globex pilot")  # O-2: none
    await teams.card(ALICE, "new opportunity Initech renewal")  # O-3: a step overdue
    await teams.card(ALICE, "new lead Umbrella intro")  # L-1: a step today
    await teams.card(ALICE, "task O-1 Call Jane due tomorrow 9:00")
    await teams.card(ALICE, "task O-3 Send the quote due in 1 minute")
    await teams.card(ALICE, "task L-1 Book a first call")
    clock.advance(120)

    for command in ("opportunities", "my", "pipeline list Prospecting"):
        card = await teams.card(ALICE, command)
        [(first, colour)] = mark(card, "O-1")
        assert first.startswith("Next step: Call Jane · Due") and "Overdue" not in first and colour == "Default"
        assert mark(card, "O-2") == [("No next step", "Warning")], command
        [(third, colour)] = mark(card, "O-3")
        assert "Send the quote" in third and third.endswith("· Overdue") and colour == "Attention", command
    leads = await teams.card(ALICE, "leads")
    [(line, colour)] = mark(leads, "L-1")
    assert line.startswith("Next step: Book a first call") and colour == "Default"

    await teams.say(ALICE, "done T-1")
    card = await teams.card(ALICE, "opportunities")
    assert mark(card, "O-1") == [("No next step", "Warning")]
    await teams.say(ALICE, "stage O-2 Won")  # a closed deal needs no next step
    assert mark(await teams.card(ALICE, "opportunities"), "O-2") == []


async def test_a_mark_escapes_what_was_typed(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "task O-1 Ask **[boss](https://evil.example)** due tomorrow")
    [(line, _)] = mark(await teams.card(ALICE, "opportunities"), "O-1")
    assert "[boss](https://evil.example)" not in line and "evil.example" in line
