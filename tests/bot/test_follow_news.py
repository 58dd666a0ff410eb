"""Following is not news, and an @mention reaches the colleague: through HTTP with the fake Bot
Connector, on a clock the test moves."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.clock import shifted
from tests.conftest import ALICE, BOB, BOT_ID, BOT_NAME, CAROL, DAVE, FAST, CardInHand, Person, Teams, all_text


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, now: str = "2026-12-01T09:00:00.000000Z") -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now = shifted(self.now, seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: Clock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock))
    return Teams(client, fake, service_url)


def texts(teams: Teams, person: Person) -> list[str]:
    return [all_text(p.cards[0]) for p in teams.notifications(person)]


def mention(person: Person) -> dict[str, Any]:
    tag = f"<at>{person.name}</at>"
    return {"type": "mention", "text": tag, "mentioned": {"id": person.teams_id, "name": person.name}}


async def say_in_channel_with_mentions(teams: Teams, person: Person, text: str, *mentioned: Person) -> None:
    activity = teams.message(person, text, chat="channel")
    activity["entities"] += [mention(p) for p in mentioned]
    status, _ = await teams.post(activity)
    assert status in (200, 201)


async def test_following_one_by_one_tells_only_the_owner_once_a_day(teams: Teams, clock: Clock) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    for person in (BOB, CAROL, DAVE):
        await teams.card(person, "follow L-1")
        await teams.settled()
    await teams.card(CAROL, "unfollow L-1")
    await teams.settled()
    for person in (BOB, CAROL, DAVE):
        assert teams.notifications(person) == []  # nobody hears about the other followers
    [first] = texts(teams, ALICE)
    assert "Who follows L-1" in first and "Bob Follower started following" in first
    assert "You get this as the owner of L-1, at most once a day." in first
    assert "Carol" not in first and teams.outbox()["pending"] == 1  # the rest waits for tomorrow, in one row

    clock.advance(23 * 3600)
    await teams.settled()
    assert len(teams.notifications(ALICE)) == 1
    clock.advance(3600)
    await teams.connector.wait_for(lambda: len(teams.notifications(ALICE)) == 2)
    second = texts(teams, ALICE)[1]
    assert "Carol Other started following" in second and "Dave Channel started following" in second
    assert "Carol Other stopped following" in second and "[Unfollow]" in second
    assert (await teams.settled())["pending"] == 0


async def test_changes_still_reach_every_follower_and_the_timeline_shows_who_follows(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1")
    await teams.card(CAROL, "follow L-1")
    await teams.settled()
    card = await teams.card(ALICE, "comment L-1 Budget approved")
    assert "Carol Other started following" in all_text(card)
    await teams.settled()
    assert [len(teams.notifications(p)) for p in (BOB, CAROL)] == [1, 1]
    assert "Alice Owner commented: Budget approved" in texts(teams, BOB)[0]
    assert "started following" not in texts(teams, BOB)[0]


async def test_a_colleague_added_by_someone_else_is_told_once_with_unfollow(teams: Teams) -> None:
    await teams.say(CAROL, "help")
    card = await CardInHand.posted(teams, ALICE, "new lead Channel deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower=CAROL.aad_object_id)
    assert "Carol Other now follows L-1." in card.text
    await teams.connector.wait_for(lambda: len(teams.notifications(CAROL)) == 1)
    await teams.settled()
    [told] = teams.notifications(CAROL)
    text = all_text(told.cards[0])
    assert "Alice Owner added you as a follower of L-1" in text and "Channel deal" in text
    assert told.activity["summary"] == "Alice Owner added you as a follower of L-1"
    assert teams.notifications(ALICE) == []  # Alice did it herself: not news to her
    notice = CardInHand(teams, CAROL, told.cards[0], told.id, "personal")
    await notice.press("Unfollow")
    assert "You no longer follow L-1." in notice.text
    await teams.settled()
    assert len(teams.notifications(CAROL)) == 1 and teams.notifications(ALICE) != []  # the owner's roll-up


async def test_an_added_follower_who_unfollowed_before_it_went_out_is_not_told(teams: Teams) -> None:
    await teams.say(CAROL, "help")
    await teams.card(ALICE, "new lead Deal")
    services = teams.services
    alice = services.repo.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    carol = services.repo.find_user(CAROL.tenant_id, CAROL.teams_id, None)
    assert alice is not None and carol is not None
    with services.repo.transaction():  # both in one go, before the sender looks
        services.follow(alice, "L-1", follower=carol)
        services.unfollow(carol, "L-1")
    await teams.settled()
    assert teams.notifications(CAROL) == []


async def test_an_at_mention_in_a_comment_tells_the_colleague_with_a_follow_button(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1")
    await teams.settled()
    await say_in_channel_with_mentions(
        teams, ALICE, f"comment L-1 <at>{DAVE.name}</at> and <at>{BOB.name}</at> please check", DAVE, BOB
    )
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    await teams.settled()
    [told] = teams.notifications(DAVE)
    text = all_text(told.cards[0])
    assert "Alice Owner mentioned you on L-1" in text
    assert "Alice Owner commented: @Dave Channel and @Bob Follower please check" in text
    assert "[Follow]" in text and "[Unfollow]" not in text
    assert len(teams.notifications(BOB)) == 1  # a follower hears of the comment once
    assert "@Dave Channel and @Bob Follower please check" in texts(teams, BOB)[0]

    notice = CardInHand(teams, DAVE, told.cards[0], told.id, "personal")
    await notice.press("Follow")
    assert "You now follow L-1." in notice.text
    await teams.card(ALICE, "comment L-1 Dave hears this as a follower now")
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 2)


async def test_mentions_of_the_bot_alone_or_of_odd_ids_tell_nobody(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    activity = teams.message(ALICE, "comment L-1 <at>Sales</at> see <at>CRM</at>", chat="channel")
    activity["entities"] += [
        {"type": "mention", "text": "<at>Sales</at>", "mentioned": {"id": "19:tag@thread", "name": "Sales"}},
        {"type": "mention", "text": "<at>CRM</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}},
        {"type": "mention", "text": "<at>x</at>", "mentioned": "not a dict"},
    ]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    await teams.settled()
    assert teams.outbox() == {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    assert "commented: @Sales see" in all_text(await teams.card(ALICE, "show L-1"))
