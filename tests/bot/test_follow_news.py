"""Following is not news, and an @mention reaches the colleague: through HTTP with the fake Bot
Connector, on a clock the test moves."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.clock import shifted
from tests.conftest import ALICE, BOB, BOT_ID, BOT_NAME, CAROL, DAVE, FAST, MALLORY, CardInHand, Person, Teams, all_text


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
    alice = services.repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    carol = services.repo.people.find_user(CAROL.tenant_id, CAROL.teams_id, None)
    assert alice is not None and carol is not None
    with services.repo.transaction():  # both in one go, before the sender looks
        services.records.follow(alice, "L-1", follower=carol)
        services.records.unfollow(carol, "L-1")
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


async def test_a_mention_alone_never_makes_a_colleague_only_teams_roster_does(teams: Teams) -> None:
    """A mention entity is the sender's word: an invented 29: id, another organisation's person, or a real colleague
    under a made-up name. Only someone Teams' roster knows (in this tenant) is learnt, under the roster's name."""
    await teams.card(ALICE, "new lead Acme rollout")
    invented = Person("29:1invented-eve", "", "Eve Invented", "")
    renamed = Person(DAVE.teams_id, DAVE.aad_object_id, "The CEO", DAVE.email)  # Dave, as the mention names him
    activity = teams.message(
        ALICE, "comment L-1 <at>Eve Invented</at> <at>Mallory</at> <at>The CEO</at> look", "channel"
    )
    activity["entities"] += [mention(invented), mention(MALLORY), mention(renamed)]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    await teams.settled()
    people = teams.services.repo.people
    assert people.find_user(ALICE.tenant_id, invented.teams_id, None) is None
    assert people.find_user(ALICE.tenant_id, MALLORY.teams_id, None) is None
    dave = people.find_user(ALICE.tenant_id, DAVE.teams_id, None)
    assert dave is not None and (dave.name, dave.aad_object_id) == (DAVE.name, DAVE.aad_object_id)
    asked = [m.get("id") for c in teams.connector.conversations for m in c.get("members") or []]
    assert invented.teams_id not in asked and MALLORY.teams_id not in asked
    assert teams.notifications(MALLORY) == []
    answer = await teams.text(ALICE, "owner L-1 Eve Invented")
    assert "I can't find a colleague" in answer, answer
    assert "Dave Channel now owns L-1." in all_text(await teams.card(ALICE, "owner L-1 Dave Channel"))


# --- follows that end ---------------------------------------------------------------------------


async def test_a_follow_for_seven_days_shows_its_end_lapses_once_and_can_be_renewed(teams: Teams, clock: Clock) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    card = await teams.card(BOB, "follow L-1 for 7 days")
    assert "You now follow L-1." in all_text(card)
    assert "You follow this record. It ends on {{DATE(2026-12-08T09:00:00Z, SHORT)}}." in all_text(card)
    await teams.settled()
    clock.advance(7 * 24 * 3600 - 60)
    await teams.settled()
    assert teams.notifications(BOB) == []
    clock.advance(120)
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 1, timeout=8)
    [told] = teams.notifications(BOB)
    text = all_text(told.cards[0])
    assert "You no longer follow L-1" in text and "Your follow ended: its days ran out." in text
    assert "[Follow again]" in text and told.activity["summary"] == "You no longer follow L-1"
    assert "Bob Follower's follow ended: its days ran out" in all_text(await teams.card(ALICE, "show L-1"))
    clock.advance(24 * 3600)
    await teams.connector.wait_for(lambda: any("its days ran out" in t for t in texts(teams, ALICE)), timeout=8)
    assert len(teams.notifications(BOB)) == 1  # told once

    notice = CardInHand(teams, BOB, told.cards[0], told.id, "personal")
    await notice.press("Follow again")
    assert "You now follow L-1." in notice.text and "It ends when the deal closes." in notice.text


async def test_follow_from_the_card_for_30_days_and_from_add_follower(teams: Teams) -> None:
    await teams.say(CAROL, "help")
    lead = await CardInHand.posted(teams, ALICE, "new lead Card deal", chat="channel")
    bobs = await CardInHand.posted(teams, BOB, "show L-1")
    assert bobs.inputs()["follow_for"]["value"] == "closed"
    assert [c["title"] for c in bobs.inputs()["follow_for"]["choices"]] == [
        "Until the deal closes",
        "For 30 days",
        "For 7 days",
    ]
    await bobs.press("Follow", follow_for="30")
    assert "You follow this record. It ends on {{DATE(2026-12-31T09:00:00Z, SHORT)}}." in bobs.text
    assert "follow_for" not in bobs.inputs()  # a follower sees when it ends, and Unfollow
    await lead.press("Add follower")
    await lead.press("Add follower", follower=CAROL.aad_object_id, follow_for="7")
    carols = await teams.card(CAROL, "show L-1")
    assert "You follow this record. It ends on {{DATE(2026-12-08T09:00:00Z, SHORT)}}." in all_text(carols)


async def test_closing_the_deal_ends_until_closed_follows_after_one_last_message(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1")  # until the deal closes
    await teams.card(CAROL, "follow L-1 for 30 days")
    await teams.card(DAVE, "follow L-1")
    await teams.click(DAVE, "record.notify", {"ref": "L-1", "choice": "muted"})
    await teams.settled()
    card = await teams.card(ALICE, "stage L-1 disqualified")
    assert "L-1 moved to Disqualified. Follows until it closed have ended." in all_text(card)
    assert "Followers (2)" in all_text(card)  # Alice (the owner, no end) and Carol (30 days)
    await teams.settled()
    [bobs] = texts(teams, BOB)
    assert "You no longer follow L-1" in bobs and "Alice Owner changed the stage: New → Disqualified" in bobs
    assert "Your follow ended: L-1 closed (Disqualified)." in bobs and "[Follow again]" in bobs
    [daves] = texts(teams, DAVE)  # muted: no stage line, but told the follow ended
    assert "Your follow ended: L-1 closed (Disqualified)." in daves and "changed the stage" not in daves
    [carols] = texts(teams, CAROL)
    assert "You get this because you follow L-1." in carols
    await teams.card(ALICE, "comment L-1 After the close")
    await teams.settled()
    assert [len(teams.notifications(p)) for p in (BOB, CAROL, DAVE)] == [1, 2, 1]


async def test_how_long_to_follow_is_checked(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    answer = await teams.text(BOB, "follow L-1 forever")
    assert answer == "For how long? Try: follow L-1, follow L-1 for 30 days or follow L-1 for 7 days"
    refused = await teams.click(BOB, "record.follow", {"ref": "L-1", "follow_for": "3650"})
    assert "Pick how long to follow from the list." in str(refused["value"])
    assert "Followers (1)" in all_text(await teams.card(BOB, "show L-1"))


async def test_a_follow_that_ends_carries_over_to_the_opportunity_and_lapses_once(teams: Teams, clock: Clock) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1 for 7 days")
    await teams.card(ALICE, "convert L-1")
    opportunity = all_text(await teams.card(BOB, "show O-1"))
    assert "You follow this record. It ends on {{DATE(2026-12-08T09:00:00Z, SHORT)}}." in opportunity
    assert "You follow this record." in all_text(await teams.card(BOB, "show L-1"))  # the lead is history
    await teams.settled()
    clock.advance(7 * 24 * 3600 + 60)
    await teams.connector.wait_for(lambda: len(texts(teams, BOB)) == 2, timeout=8)  # the conversion, the lapse
    await teams.settled()
    said = texts(teams, BOB)  # the conversion and the lapse (their order is the sender's: both are due by now)
    assert any("You no longer follow O-1" in t for t in said) and len(teams.notifications(BOB)) == 2
