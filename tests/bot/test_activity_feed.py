"""The Teams activity feed as a follower's choice (Microsoft Graph sendActivityNotification), through HTTP
with the fake Bot Connector and the fake Graph: the choice is offered only with Graph, the exact Graph
request, chat and feed together, a refused feed visible in `notifications`."""

from __future__ import annotations

import json

from app import NOTIFIER
from tests.bot.test_fair_sender import followed_by
from tests.conftest import ALICE, BOB, TENANT, Teams, all_text
from tests.fake_graph import FakeGraph, graph_error


async def lead_followed_by_bob(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1")
    await teams.settled()
    teams.connector.posted.clear()


async def test_the_feed_is_offered_with_graph_and_gets_the_exact_request(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await lead_followed_by_bob(teams)
    record = json.dumps(await teams.card(BOB, "show L-1"))
    assert '"label": "Notify me by"' in record and '"id": "deliver_to"' in record and '"value": "chat"' in record
    saved = await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": "all", "deliver_to": "feed"})
    assert "Notifications for L-1: everything." in all_text(saved["value"])
    assert '"value": "feed"' in json.dumps(await teams.card(BOB, "show L-1"))

    await teams.card(ALICE, "comment L-1 They want it before Easter")
    await teams.card(ALICE, "comment L-1 And a second time")
    # a second entry for the same person waits for the feed's pace (Graph: ~10 a minute per user)
    assert (await teams.settled(timeout=15))["sent"] == 3  # Alice's roll-up of who follows, Bob's two
    feed = fake_graph[0].feed()
    posts = [r for r in fake_graph[0].received if r.path.endswith("/sendActivityNotification")]
    assert posts[0].path == f"/v1.0/users/{BOB.aad_object_id}/teamwork/sendActivityNotification"
    assert feed[0]["activityType"] == "commented" and feed[0]["topic"]["source"] == "text"
    assert feed[0]["topic"]["value"] == "L-1 Acme rollout"
    assert feed[0]["topic"]["webUrl"].startswith("https://teams.microsoft.com/l/chat/0/0?users=28:")
    # What Bob's feed shows: Graph fills {actor} with the caller, the app itself here (tests/fake_graph.py).
    assert fake_graph[0].shown[0] == (BOB.aad_object_id, "Alice Owner commented on a record you follow")
    assert feed[0]["previewText"]["content"].startswith("Alice Owner: L-1: Alice Owner commented: They want it")
    assert len(feed) == 2 and {f["chainId"] for f in feed} == {
        feed[0]["chainId"]
    }  # one chain per record: a burst collapses
    assert teams.notifications(BOB) == []  # the feed only: no chat message


async def test_chat_and_feed_both(teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]) -> None:
    teams = teams_with_graph
    await lead_followed_by_bob(teams)
    await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": "all", "deliver_to": "both"})
    await teams.card(ALICE, "stage L-1 contacted")
    await teams.settled(timeout=15)
    assert [f["activityType"] for f in fake_graph[0].feed()] == ["stageChanged"]
    assert len(teams.notifications(BOB)) == 1


async def test_a_refused_feed_is_a_failed_notification_with_the_permission_named(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await lead_followed_by_bob(teams)
    await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": "all", "deliver_to": "feed"})
    fake_graph[0].answers = [graph_error(403, "Forbidden", "Missing role")]
    await teams.card(ALICE, "comment L-1 Nobody may hear this")
    counts = await teams.settled(timeout=15)
    assert counts["failed"] == 1
    listing = all_text(await teams.card(ALICE, "notifications"))
    assert "TeamsActivity.Send" in listing and "Bob Follower" in listing


async def test_without_graph_the_feed_is_not_offered_and_a_tampered_choice_changes_nothing(teams: Teams) -> None:
    await lead_followed_by_bob(teams)
    record = json.dumps(await teams.card(BOB, "show L-1"))
    assert "Notify me about" in record and "Notify me by" not in record
    refused = await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": "muted", "deliver_to": "feed"})
    assert refused["value"] == (
        "The Teams activity feed is not available: Microsoft Graph is not configured for your organisation,"
        " so notifications arrive as chat messages. Nothing was changed."
    )
    await teams.card(ALICE, "comment L-1 Bob still hears this")
    await teams.settled()
    assert len(teams.notifications(BOB)) == 1  # not muted, still by chat


async def test_a_fan_out_to_the_feed_keeps_to_graphs_budget_and_leaves_teams_budget_to_chat(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    """Twelve followers on the feed and twelve on chat, one comment: Graph's 5 a second per tenant holds the
    feed notifications (the fake Graph answers 429 past it), Teams' budget the chat messages, and a feed
    notification takes nothing of Teams' budget (chat messages go out at Teams' pace, not Graph's)."""
    teams, graph = teams_with_graph, fake_graph[0]
    services = teams.services
    owner = services.people.record_user(TENANT, "29:owner-f", "aad-owner-f", "Owner F", teams.service_url)
    ref = followed_by(services, owner, "Feed launch", 24, teams.service_url, "f")
    record = services.records.view(TENANT, ref).record
    with services.repo.transaction():
        for i in range(0, 24, 2):
            user = services.repo.people.find_user(TENANT, f"29:f{i}", None)
            assert user is not None
            assert services.repo.outbox.set_follower_delivery(TENANT, record.id, user.id, "feed")
    services.records.comment(owner, ref, "Signed!")
    teams.client.app[NOTIFIER].wake()
    await teams.connector.wait_for(lambda: len(teams.connector.notifications()) == 12, timeout=15)
    feed_sent_meanwhile = len(graph.delivered)
    assert (await teams.settled(timeout=15))["failed"] == 0
    assert sorted(user for user, _ in graph.delivered) == sorted(f"aad-f{i}" for i in range(0, 24, 2))
    assert graph.over_limit == 0  # never past Graph's windows
    assert feed_sent_meanwhile < 12  # the chat messages did not wait for the feed's slower budget


async def test_chat_followers_are_not_held_behind_the_feeds_slower_budget(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    """Forty followers on the feed, read first (the lower rows), and twelve on chat: the feed notifications
    wait for Graph's 5 a second, and they must not take the places the chat messages would use. All twelve
    chat messages are in while most of the feed is still waiting for Graph's budget (held behind the feed,
    the chat messages would come only once all but the last few feed notifications had gone out)."""
    teams, graph = teams_with_graph, fake_graph[0]
    services = teams.services
    on_feed, on_chat = 40, 12
    owner = services.people.record_user(TENANT, "29:owner-g", "aad-owner-g", "Owner G", teams.service_url)
    ref = followed_by(services, owner, "Feed crowd", on_feed + on_chat, teams.service_url, "g")
    record = services.records.view(TENANT, ref).record
    with services.repo.transaction():
        for i in range(on_feed):
            user = services.repo.people.find_user(TENANT, f"29:g{i}", None)
            assert user is not None
            assert services.repo.outbox.set_follower_delivery(TENANT, record.id, user.id, "feed")
    services.records.comment(owner, ref, "Signed!")
    teams.client.app[NOTIFIER].wake()
    await teams.connector.wait_for(lambda: len(teams.connector.notifications()) == on_chat, timeout=30)
    feed_sent_meanwhile = len(graph.delivered)
    assert (await teams.settled(timeout=30))["failed"] == 0
    assert sorted(user for user, _ in graph.delivered) == sorted(f"aad-g{i}" for i in range(on_feed))
    assert sorted(p.conversation_id for p in teams.connector.notifications()) == sorted(
        f"a:1:29:g{i}" for i in range(on_feed, on_feed + on_chat)
    )  # each once, on the channel each chose
    assert graph.over_limit == 0
    assert feed_sent_meanwhile < on_feed // 2, feed_sent_meanwhile  # chat did not move at the feed's pace
