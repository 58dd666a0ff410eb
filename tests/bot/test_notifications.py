"""Follower notifications, through HTTP with the fake Bot Connector: who gets what, the choices,
1:1 chats created for people who never wrote to the bot, Teams' errors, restarts, coalescing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from app import NOTIFIER, create_app
from bot.config import Config
from tests.conftest import ALICE, BOB, CAROL, DAVE, FAST, Person, Teams, all_text, find
from tests.fake_clock import FakeClock
from tests.fake_connector import FakeConnector, Limits
from tests.fake_graph import FakeGraph, graph_error


def lines(teams: Teams, person: Person) -> list[str]:
    """The who-did-what lines of every notification `person` got, oldest first."""
    found = []
    for posted in teams.notifications(person):
        text = all_text(posted.cards[0]).splitlines()
        found.append(" | ".join(t for t in text if t.startswith(("Alice", "Bob", "Carol", "Dave"))))
    return found


async def lead_with_followers(teams: Teams, *followers: Person) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    for person in followers:
        await teams.card(person, "follow L-1")
    await teams.settled()
    teams.connector.posted.clear()


async def test_a_follower_is_notified_the_actor_and_others_are_not(teams: Teams) -> None:
    await teams.say(CAROL, "help")  # Carol has a 1:1 chat with the bot but follows nothing
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(BOB, "follow L-1")
    await teams.connector.wait_for(lambda: len(teams.notifications(ALICE)) == 1)
    assert lines(teams, ALICE) == ["Bob Follower started following"]

    await teams.card(ALICE, "comment L-1 They want it before Easter")
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 1)
    assert (await teams.settled())["sent"] == 2
    posted = teams.notifications(BOB)[0]
    text = all_text(posted.cards[0])
    assert "L-1 · Lead" in text and "Acme rollout" in text and "Stage: New" in text
    assert "Alice Owner commented: They want it before Easter" in text
    assert "You get this because you follow L-1." in text and "{{TIME(2026-" in text  # in the reader's zone
    assert "[Open record]" in text and "[Unfollow]" in text and "[Save notification setting]" in text
    assert posted.activity["summary"] == "L-1: Alice Owner commented: They want it before Easter"
    assert posted.activity["channelData"] == {"tenant": {"id": ALICE.tenant_id}}
    assert len(teams.notifications(ALICE)) == 1 and teams.notifications(CAROL) == []


async def test_every_kind_of_change_notifies_once(teams: Teams) -> None:
    await teams.card(ALICE, "new contact Jane Buyer jane@acme.example")
    await teams.card(ALICE, "new contact Carl CFO carl@acme.example")
    await lead_with_followers(teams, BOB)
    for command in (
        "contact L-1 jane@acme.example",
        "participant L-1 carl@acme.example",
        "remove participant L-1 carl@acme.example",
        "contact L-1 carl@acme.example",  # Jane moves to the participants: one change, one message
        "comment L-1 Budget approved",
        "stage L-1 qualified",
        "convert L-1",
    ):
        await teams.card(ALICE, command)
        await teams.settled()
    assert lines(teams, BOB) == [
        "Alice Owner set the Contact: none → Jane Buyer <jane@acme.example>",
        "Alice Owner added participant Carl CFO <carl@acme.example>",
        "Alice Owner removed participant Carl CFO <carl@acme.example>",
        "Alice Owner set the Contact: Jane Buyer <jane@acme.example> → Carl CFO <carl@acme.example>"
        " | Alice Owner added participant Jane Buyer <jane@acme.example>",
        "Alice Owner commented: Budget approved",
        "Alice Owner changed the stage: New → Qualified",
        "Alice Owner converted L-1 → O-1",
    ]
    converted = all_text(teams.notifications(BOB)[-1].cards[0])
    assert "O-1 · Opportunity" in converted and "You get this because you follow O-1." in converted
    assert teams.notifications(ALICE) == []


async def test_unfollowed_and_muted_followers_get_nothing_and_choices_filter(teams: Teams) -> None:
    await lead_with_followers(teams, BOB, CAROL)
    await teams.card(BOB, "unfollow L-1")
    await teams.settled()  # Alice and Carol hear that Bob stopped following
    teams.connector.posted.clear()
    muted = await teams.click(CAROL, "record.notify", {"ref": "L-1", "choice": "muted"})
    assert "Notifications for L-1: nothing (muted, still following)." in all_text(muted["value"])
    assert "Followers (2)" in all_text(muted["value"])  # Alice and Carol: muted is still following
    sent_before = teams.outbox()["sent"]
    await teams.card(ALICE, "comment L-1 Nobody hears this")
    await teams.card(ALICE, "stage L-1 contacted")
    assert (await teams.settled())["sent"] == sent_before and teams.notifications(CAROL) == []

    await teams.click(CAROL, "record.notify", {"ref": "L-1", "choice": "stage"})
    await teams.card(ALICE, "comment L-1 Still quiet for Carol")
    await teams.card(ALICE, "stage L-1 qualified")
    await teams.settled()
    assert lines(teams, CAROL) == ["Alice Owner changed the stage: Contacted → Qualified"]

    notice = teams.notifications(CAROL)[0].cards[0]
    save = next(a for a in find(notice, "Action.") if a.get("verb") == "record.notify")
    changed = await teams.click(CAROL, "record.notify", {**save["data"], "choice": "comments"})
    assert changed["value"]["body"][0]["text"] == "Notifications for L-1: comments only."
    assert "You get this because you follow L-1." in all_text(changed["value"])  # still the notification card
    await teams.card(ALICE, "stage L-1 new")  # not Disqualified: closing the deal would end Carol's follow
    await teams.card(ALICE, "comment L-1 Carol hears this one")
    await teams.settled()
    assert lines(teams, CAROL)[1:] == ["Alice Owner commented: Carol hears this one"]
    assert teams.notifications(BOB) == []


async def test_bad_notification_choices_change_nothing(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    refused = await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": "sometimes"})
    assert "“sometimes” is not a notification setting" in refused["value"]
    not_following = await teams.click(CAROL, "record.notify", {"ref": "L-1", "choice": "muted"})
    assert not_following["value"] == "You don't follow L-1; follow it first."
    assert "can't read" in (await teams.click(BOB, "record.notify", {"ref": "L-1", "choice": 3}))["value"]
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert {f.user.name: f.notify.value for f in view.followers} == {"Alice Owner": "all", "Bob Follower": "all"}
    record = json.dumps(await teams.card(BOB, "show L-1"))
    assert '"label": "Notify me about"' in record and '"value": "all"' in record  # a follower's choice
    assert "Notify me about" not in json.dumps(await teams.card(CAROL, "show L-1"))


async def test_a_follower_known_only_from_a_channel_gets_a_new_1_1_chat(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(DAVE, "follow L-1", chat="channel")
    dave = teams.services.repo.people.find_user(DAVE.tenant_id, DAVE.teams_id, None)
    assert dave is not None and teams.services.deliveries.conversation_of(dave) is None
    await teams.card(ALICE, "comment L-1 Hello Dave")
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    [created] = teams.connector.conversations
    assert created["members"] == [{"id": DAVE.teams_id}] and created["isGroup"] is False
    assert created["tenantID"] == DAVE.tenant_id and created["channelData"] == {"tenant": {"id": DAVE.tenant_id}}
    assert created["bot"]["id"] == "28:11111111-2222-3333-4444-555555555555"
    stored = teams.services.deliveries.conversation_of(dave)
    assert stored is not None and stored["conversation_id"] == f"a:1:{DAVE.teams_id}"
    await teams.card(ALICE, "comment L-1 Again")
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 2)
    assert len(teams.connector.conversations) == 1  # created once, then reused


async def dave_follows_without_the_app(teams: Teams, change: str) -> None:
    """Dave follows L-1 from a channel but has not installed the app; then Alice makes `change` to L-1."""
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(DAVE, "follow L-1", chat="channel")
    teams.connector.uninstall(DAVE.teams_id)
    await teams.card(ALICE, change)


async def test_without_the_app_and_without_graph_the_delivery_fails_visibly_and_can_be_retried(
    teams: Teams,
) -> None:
    await dave_follows_without_the_app(teams, "comment L-1 Can you hear me?")
    assert (await teams.settled())["failed"] == 1
    status = all_text(await teams.card(ALICE, "notifications"))
    assert "Failed: 1" in status and "**L-1** to Dave Channel" in status
    assert "the app is not installed for Dave Channel and Microsoft Graph is not configured" in status
    assert "Failed: 1" in all_text(await teams.card(BOB, "notifications"))
    assert "[Send again]" not in all_text(await teams.card(BOB, "notifications"))  # not Bob's record

    [button] = [a for a in find(await teams.card(ALICE, "notifications"), "Action.") if a["title"] == "Send again"]
    assert button["verb"] == "notification.retry"
    failed_id = button["data"]["notification"]
    refused = await teams.click(BOB, "notification.retry", {"notification": failed_id})
    assert refused["value"] == "Only the owner of L-1 can send its notifications again."
    assert "can't read" in (await teams.click(ALICE, "notification.retry", {"notification": "x1"}))["value"]
    teams.connector.install(DAVE.aad_object_id)
    again = await teams.click(ALICE, "notification.retry", {"notification": failed_id})
    assert "The notification to Dave Channel about L-1 will be sent again." in all_text(again["value"])
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    assert (await teams.settled())["failed"] == 0
    assert (
        "is sent, not failed" in (await teams.click(ALICE, "notification.retry", {"notification": failed_id}))["value"]
    )


class FakeInstaller:
    def __init__(self, connector: FakeConnector) -> None:
        self.connector = connector
        self.calls: list[tuple[str, str]] = []

    async def install_for_user(self, tenant_id: str, aad_object_id: str) -> None:
        self.calls.append((tenant_id, aad_object_id))
        self.connector.install(aad_object_id)


async def test_with_graph_the_app_is_installed_for_the_follower(
    bot_config: Config, aiohttp_client: Any, connector: tuple[FakeConnector, str], fake_clock: FakeClock
) -> None:
    fake, service_url = connector
    installer = FakeInstaller(fake)
    graph = replace(bot_config, graph_client_id="id", graph_client_secret="secret", graph_tenant_id="t")
    app = create_app(graph, delivery=FAST, installer=installer, timer=fake_clock)
    teams = Teams(await aiohttp_client(app), fake, service_url).moving(fake_clock)
    await dave_follows_without_the_app(teams, "comment L-1 Installed for you")
    await fake.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    assert installer.calls == [(DAVE.tenant_id, DAVE.aad_object_id)]
    assert [c["members"] for c in fake.conversations] == [[{"id": DAVE.teams_id}]] * 2


async def test_429_waits_for_retry_after_and_503_is_retried(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    sent_before = teams.outbox()["sent"]
    teams.connector.fail_next(1, 429, retry_after="1")
    started = teams.now()
    await teams.card(ALICE, "comment L-1 Throttled once")
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 1)
    assert teams.now() - started >= 0.95  # honoured Retry-After: 1
    teams.connector.fail_next(2, 503)
    await teams.card(ALICE, "comment L-1 Two 503s")
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 2)
    assert [s for s, _ in teams.connector.refused] == [429, 503, 503]
    assert (await teams.settled()) == {"pending": 0, "sending": 0, "sent": sent_before + 2, "failed": 0}
    assert len(teams.notifications(BOB)) == 2


async def test_a_timeout_is_retried_and_a_lasting_error_ends_failed_with_its_reason(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    teams.connector.fail_next(1, 201, stall=2.0)  # hangs longer than the sender waits: dropped, retried
    await teams.card(ALICE, "comment L-1 Slow line")
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 1)
    await teams.connector.wait_for(lambda: teams.connector.refused == [(0, f"a:1:{BOB.teams_id}")], timeout=3)
    teams.connector.fail_next(FAST.max_attempts, 503)
    await teams.card(ALICE, "comment L-1 Never arrives")
    assert (await teams.settled())["failed"] == 1
    status = all_text(await teams.card(ALICE, "notifications"))
    assert "gave up after 4 attempts: Teams answered 503 ServiceUnavailable when sending" in status
    assert len(teams.notifications(BOB)) == 1


async def test_a_403_from_a_blocked_chat_is_not_retried(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    teams.connector.fail_next(1, 403)
    await teams.card(ALICE, "comment L-1 Blocked")
    assert (await teams.settled())["failed"] == 1
    assert [s for s, _ in teams.connector.refused] == [403]


async def test_a_stopped_bot_resumes_pending_deliveries_exactly_once(
    bot_config: Config, aiohttp_client: Any, connector: tuple[FakeConnector, str], fake_clock: FakeClock
) -> None:
    fake, service_url = connector

    async def started() -> Teams:
        app = create_app(bot_config, delivery=FAST, timer=fake_clock)
        return Teams(await aiohttp_client(app), fake, service_url).moving(fake_clock)

    first = await started()
    await first.card(ALICE, "new lead Acme rollout")
    await first.card(BOB, "follow L-1")
    await first.settled()  # Alice, the owner, hears that Bob follows; of Carol she hears in a day
    await first.card(CAROL, "follow L-1")
    sent_before = (await first.settled())["sent"]
    fake.posted.clear()
    await first.client.app[NOTIFIER].stop()  # the sender is gone; changes still commit their outbox rows
    for n in range(3):
        await first.card(ALICE, f"comment L-1 Comment {n}")
    assert first.outbox()["pending"] == 6 + 1 and first.notifications(BOB) == []
    # One row was mid-call when the process died (kill -9): it may have arrived, so it must not be resent.
    repo = first.services.repo
    repo.db.execute(
        "UPDATE notifications SET status = 'sending', claimed_at = '2000-01-01T00:00:00.000000Z' WHERE id = (SELECT max(id) FROM notifications)"
    )
    await first.client.close()

    second = await started()
    await fake.wait_for(lambda: len(second.notifications(BOB)) + len(second.notifications(CAROL)) == 5)
    counts = await second.settled()
    assert (counts["sent"], counts["failed"]) == (sent_before + 5, 1)
    assert sorted(lines(second, BOB) + lines(second, CAROL)) == sorted(
        [f"Alice Owner commented: Comment {n}" for n in range(3) for _ in (BOB, CAROL)][:-1]
    )
    await second.client.close()
    third = await started()
    await third.settled()
    await third.card(ALICE, "stage L-1 contacted")  # the third instance works and resends nothing old
    await fake.wait_for(lambda: (len(third.notifications(BOB)), len(third.notifications(CAROL))) == (4, 3))
    assert (await third.settled())["failed"] == 1


async def test_a_burst_inside_the_window_is_one_message(
    bot_config: Config,
    aiohttp_client: Any,
    connector: tuple[FakeConnector, str],
    fake_clock: FakeClock,
) -> None:
    fake, service_url = connector
    windowed = replace(bot_config, notify_window_seconds=1)
    client = await aiohttp_client(create_app(windowed, delivery=FAST, timer=fake_clock))
    teams = Teams(client, fake, service_url).moving(fake_clock)
    await lead_with_followers(teams, BOB, CAROL)
    started = teams.now()
    for command in ("comment L-1 one", "comment L-1 two", "stage L-1 contacted", "comment L-1 three"):
        await teams.card(ALICE, command)
    await teams.card(CAROL, "comment L-1 from Carol")  # another person: a notification of its own
    await fake.wait_for(lambda: len(teams.notifications(BOB)) == 2, timeout=5)
    assert teams.now() - started >= 0.9
    assert sorted(lines(teams, BOB)) == [
        "Alice Owner commented: one | Alice Owner commented: two | Alice Owner changed the stage: New → Contacted"
        " | Alice Owner commented: three",
        "Carol Other commented: from Carol",
    ]
    assert "Stage: Contacted" in all_text(teams.notifications(BOB)[0].cards[0])
    assert len(teams.notifications(CAROL)) == 1


async def test_sends_stay_within_teams_per_conversation_limits(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    teams.connector.limits = Limits(per_conversation=((7, 1.0), (8, 2.0)), per_tenant=((50, 1.0),))
    for n in range(9):
        await teams.card(ALICE, f"comment L-1 Quick {n}")
    await teams.connector.wait_for(lambda: len(teams.notifications(BOB)) == 9, timeout=6)
    assert teams.connector.refused == []  # never throttled: the sender kept to the limits
    arrivals = [p.at for p in teams.notifications(BOB)]
    assert arrivals[7] - arrivals[0] >= 1.0 and arrivals[8] - arrivals[0] >= 2.0


async def test_the_real_graph_module_installs_the_app_for_a_follower(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    """bot/graph.py against the fake Graph, whose installation makes the fake Teams accept the 1:1 chat."""
    graph, _ = fake_graph
    graph.on_install = teams_with_graph.connector.install
    await dave_follows_without_the_app(teams_with_graph, "stage L-1 Contacted")
    # Bounded generously: on a loaded machine the install and the new 1:1 chat take a few retries.
    await teams_with_graph.connector.wait_for(lambda: len(teams_with_graph.notifications(DAVE)) == 1, timeout=20)
    [install] = [r for r in graph.received if r.path.endswith("/teamwork/installedApps")]
    assert install.path == f"/v1.0/users/{DAVE.aad_object_id}/teamwork/installedApps"
    assert install.body["teamsApp@odata.bind"].endswith("/appCatalogs/teamsApps/catalog-app-1")
    assert (await teams_with_graph.settled())["failed"] == 0


async def test_a_graph_install_refused_for_want_of_permission_fails_at_once_and_says_why(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    """A 403 is permanent: one request to Graph, no retries, and the owner reads which permission is missing."""
    graph, _ = fake_graph
    graph.answers = [graph_error(403, "Forbidden", "Missing role") for _ in range(FAST.max_attempts)]
    await dave_follows_without_the_app(teams_with_graph, "stage L-1 Contacted")
    assert (await teams_with_graph.settled())["failed"] == 1
    assert len([r for r in graph.received if r.path.endswith("/teamwork/installedApps")]) == 1
    status = all_text(await teams_with_graph.card(ALICE, "notifications"))
    assert "Microsoft Graph refused to install the app for this user" in status
    assert "TeamsAppInstallation.ReadWriteForUser.All" in status
    assert "gave up" not in status and teams_with_graph.notifications(DAVE) == []
