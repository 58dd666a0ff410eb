"""`pipeline weekly here` in a team channel: the pipeline card is posted there every Monday at 09:00 in the
zone of the person who asked, once a week across restarts and with two replicas, and `pipeline weekly off`
stops it. Through HTTP, on a clock the test moves."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.delivery import DeliveryStatus
from tests.conftest import ALICE, BOB, DAVE, FAST, TENANT, Person, Teams, all_text, find
from tests.fake_clock import FakeClock

TUESDAY = "2026-12-01T10:00:00.000000Z"
CHANNEL = "19:sales@thread.tacv2"  # channelData.channel.id: a new post in the channel, not a reply
BERLIN = {"type": "clientInfo", "locale": "en-GB", "country": "DE", "platform": "Web", "timezone": "Europe/Berlin"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


async def started(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


async def say_in_channel(teams: Teams, person: Person, text: str) -> str:
    activity = teams.message(person, text, chat="channel")
    activity["entities"] = [*activity["entities"], BERLIN]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    return "\n".join(r.text for r in teams.connector.replies_to(activity["id"]))


def posts(teams: Teams) -> list[Any]:
    return [p for p in teams.connector.notifications(CHANNEL)]


async def quiet(teams: Teams) -> None:
    """Let the sender do all it would do by the bot's present time (what is due, and nothing more)."""
    await teams.idle()


async def test_the_weekly_post_goes_out_on_monday_morning_once_a_week_across_restarts(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "value O-1 25000 EUR")
    answer = await say_in_channel(teams, DAVE, "pipeline weekly here")
    assert "Every Monday at 09:00 (Europe/Berlin)" in answer and "Monday 07 December 2026" in answer
    await quiet(teams)
    assert posts(teams) == []

    await teams.client.close()  # a restart before Monday
    clock.advance(5 * 86400 + 21 * 3600 + 59 * 60)  # Monday 07 Dec, 07:59 UTC = 08:59 in Berlin
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await quiet(teams)
    assert posts(teams) == []
    clock.advance(60)  # 09:00 in Berlin
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    [post] = posts(teams)
    text = all_text(post.cards[0])
    assert "Pipeline" in text and "The team's pipeline" in text and "Total: 25,000.00 EUR" in text
    assert post.activity["summary"] == "The team's pipeline, week of 2026-12-07"
    # A new thread in the channel (tests/fake_connector.py refuses a reply to a message that does not exist).
    [created] = [c for c in teams.connector.conversations if c.get("isGroup")]
    assert created["channelData"]["channel"]["id"] == CHANNEL and created["activity"] == post.activity
    assert post.reply_to is None and teams.connector.refused == []

    def stored() -> str | None:  # written once Teams has answered the post (on PostgreSQL, a moment after)
        row = teams.services.repo.db.execute("SELECT activity_id FROM notifications WHERE purpose = 'weekly'")
        return row.fetchone()[0]

    await teams.connector.wait_for(lambda: stored() is not None)
    assert stored() == post.id  # the thread's root message: its replies go under it

    await teams.client.close()  # a restart right after the post: nothing again that week
    clock.advance(3 * 3600)
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await quiet(teams)
    assert len(posts(teams)) == 1

    clock.advance(7 * 86400)  # the next Monday
    await teams.connector.wait_for(lambda: len(posts(teams)) == 2)
    await quiet(teams)
    assert len(posts(teams)) == 2
    assert posts(teams)[1].activity["summary"] == "The team's pipeline, week of 2026-12-14"

    assert "is off" in await say_in_channel(teams, DAVE, "pipeline weekly off")
    clock.advance(7 * 86400)
    await quiet(teams)
    assert len(posts(teams)) == 2
    assert "gets no weekly pipeline post" in await say_in_channel(teams, DAVE, "pipeline weekly off")


async def test_a_bot_down_on_monday_posts_once_when_it_is_back_and_skips_missed_weeks(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    await teams.client.close()
    clock.advance(20 * 86400)  # down over three Mondays
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    await quiet(teams)
    assert len(posts(teams)) == 1


async def test_two_replicas_post_once(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    first = await started(aiohttp_client, connector, bot_config, clock)
    second = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(first, DAVE, "pipeline weekly here")
    clock.advance(6 * 86400)  # Monday 07 Dec 10:00 UTC: due in both replicas' eyes
    await first.connector.wait_for(lambda: len(posts(first)) == 1)
    await quiet(first)
    assert len(posts(first)) == 1
    rows = first.services.repo.db.execute(
        "SELECT status, count(*) FROM notifications WHERE purpose = 'weekly' GROUP BY status"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("sent", 1)]
    assert second.services is not first.services


async def test_a_failed_post_is_retried_and_then_sent_once(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    teams.connector.fail_next(1, status=503, conversation=CHANNEL)
    clock.advance(6 * 86400)
    await teams.connector.wait_for(lambda: teams.connector.refused == [(503, CHANNEL)])
    await quiet(teams)
    assert posts(teams) == []  # waits for its retry time (the bot's clock)
    clock.advance(5)
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    await quiet(teams)
    assert len(posts(teams)) == 1


async def test_weekly_in_a_personal_or_group_chat_is_refused_and_stores_nothing(teams: Teams) -> None:
    assert "goes to a team channel" in await teams.text(ALICE, "pipeline weekly here")
    activity = teams.message(ALICE, "pipeline weekly here", chat="channel")
    activity["conversation"] = {"id": "19:group@thread.v2", "conversationType": "groupChat", "isGroup": True}
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    assert "goes to a team channel" in teams.connector.replies_to(activity["id"])[0].text
    assert teams.services.repo.db.execute("SELECT count(*) FROM weekly_posts").fetchone()[0] == 0


async def test_a_restart_in_the_middle_of_the_post_never_posts_twice(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    teams.connector.fail_next(1, status=201, stall=3.0, conversation=CHANNEL)  # Teams hangs on the post
    clock.advance(6 * 86400)
    db = teams.services.repo.db
    await teams.connector.wait_for(
        lambda: (
            db.execute("SELECT count(*) FROM notifications WHERE purpose = 'weekly' AND status = 'sending'").fetchone()[
                0
            ]
            == 1
        )
    )
    await teams.connector.wait_for(lambda: not teams.connector.faults)  # the post has reached Teams, and hangs
    await teams.client.close()  # stopped mid-call: the post may or may not have arrived
    clock.advance(60)
    teams = await started(aiohttp_client, connector, bot_config, clock)
    db = teams.services.repo.db
    await teams.connector.wait_for(
        lambda: (
            db.execute("SELECT count(*) FROM notifications WHERE purpose = 'weekly' AND status = 'failed'").fetchone()[
                0
            ]
            == 1
        )
    )
    await quiet(teams)
    assert posts(teams) == []  # not resent on its own: that week is visible as failed instead
    status = await say_in_channel(teams, DAVE, "pipeline weekly")
    assert "Every Monday at 09:00 (Europe/Berlin)" in status and "next on Monday 14 December 2026" in status
    assert "Week of 2026-12-07: not posted (interrupted while posting" in status
    clock.advance(7 * 86400)
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    assert posts(teams)[0].activity["summary"] == "The team's pipeline, week of 2026-12-14"
    for _ in range(50):  # marked sent right after Teams answered
        if "Week of 2026-12-14: posted" in await say_in_channel(teams, DAVE, "pipeline weekly"):
            break
        await quiet(teams)
    else:
        raise AssertionError("`pipeline weekly` never said the post went out")


async def test_a_hanging_channel_post_holds_up_no_notification(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.say(BOB, "follow O-1")
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    teams.connector.fail_next(1, status=201, stall=3.0, conversation=CHANNEL)  # Teams hangs on the post
    clock.advance(6 * 86400)  # Monday
    db = teams.services.repo.db

    def posting() -> bool:
        return (
            db.execute("SELECT count(*) FROM notifications WHERE purpose = 'weekly' AND status = 'sending'").fetchone()[
                0
            ]
            == 1
        )

    await teams.connector.wait_for(lambda: posting() and not teams.connector.faults)  # the post hangs in Teams
    await teams.say(ALICE, "comment O-1 Signed the order form")
    await teams.connector.wait_for(
        lambda: any("Signed the order form" in all_text(n.cards[0]) for n in teams.connector.notifications()), 2.5
    )
    assert posting()  # Bob was told while the channel's post was still hanging
    await teams.connector.wait_for(lambda: not posting())  # the hung post timed out: tried again later
    clock.advance(600)
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)


async def test_pipeline_weekly_alone_says_whether_this_channel_gets_it(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    assert "This channel gets no weekly pipeline post" in await say_in_channel(teams, DAVE, "pipeline weekly")
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    status = await say_in_channel(teams, DAVE, "pipeline weekly")
    assert "next on Monday 07 December 2026" in status and "Nothing posted yet" in status
    assert "team channel" in await teams.text(DAVE, "pipeline weekly")  # the personal chat: where it works


async def test_a_refused_post_fails_visibly_and_the_person_who_set_it_up_sends_it_again(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    """One outbox: the weekly post is a row like a follower's notification, with the `notifications` status and
    "Send again", offered to the person who set the channel's post up."""
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    teams.connector.fail_next(1, status=403, conversation=CHANNEL)  # the bot was removed from the team, say
    clock.advance(6 * 86400)
    await teams.connector.wait_for(lambda: teams.connector.refused == [(403, CHANNEL)])
    await teams.connector.wait_for(lambda: failed(teams) == 1)
    assert "Week of 2026-12-07: not posted (Teams answered 403" in await say_in_channel(teams, DAVE, "pipeline weekly")
    await quiet(teams)
    assert posts(teams) == []  # not retried on its own: a refusal

    status = await teams.card(DAVE, "notifications")
    assert "Failed: 1" in all_text(status)
    assert "**Weekly pipeline, week of 2026-12-07** to the team channel" in all_text(status)
    assert "[Send again]" not in all_text(await teams.card(ALICE, "notifications"))  # Alice did not set it up
    [button] = [a for a in find(status, "Action.") if a["title"] == "Send again"]
    failed_id = button["data"]["notification"]
    refused = await teams.click(ALICE, "notification.retry", {"notification": failed_id})
    assert refused["value"] == "Only the person who set up this channel's weekly pipeline post can send it again."
    again = await teams.click(DAVE, "notification.retry", {"notification": failed_id})
    expected = "The notification to the team channel about Weekly pipeline, week of 2026-12-07 will be sent again."
    assert expected in all_text(again["value"])
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    assert posts(teams)[0].activity["summary"] == "The team's pipeline, week of 2026-12-07"
    await teams.connector.wait_for(lambda: failed(teams) == 0)


async def test_stopping_the_weekly_post_cancels_its_waiting_week_at_once(
    aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock
) -> None:
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await say_in_channel(teams, DAVE, "pipeline weekly here")
    teams.connector.fail_next(1, status=503, conversation=CHANNEL)
    clock.advance(6 * 86400)
    await teams.connector.wait_for(lambda: teams.connector.refused == [(503, CHANNEL)])
    db = teams.services.repo.db
    waiting = "SELECT count(*) FROM notifications WHERE purpose = 'weekly' AND status = 'pending'"
    await teams.connector.wait_for(lambda: db.execute(waiting).fetchone()[0] == 1)  # its retry, on the bot's clock
    assert "is off" in await say_in_channel(teams, DAVE, "pipeline weekly off")
    assert db.execute("SELECT count(*) FROM notifications WHERE purpose = 'weekly'").fetchone()[0] == 0
    clock.advance(60)  # the retry's time has come: nothing left to send
    await quiet(teams)
    assert posts(teams) == []


def failed(teams: Teams) -> int:
    """The tenant's failed rows, as the `notifications` card counts them."""
    return teams.services.deliveries.counts(TENANT)[DeliveryStatus.FAILED]
