"""bot/graph.py against the fake Graph: the exact requests msgraph-sdk makes, and the failure paths."""

from typing import Any

import httpx
import pytest

from bot.config import Config
from bot.graph import Graph, GraphError
from bot.notify.feed import FeedNotice, bot_chat_link
from bot.services.email import OutgoingMail
from tests.fake_graph import FEED_PER_USER, Answer, FakeCredential, FakeGraph, graph_error


def graph_at(base_url: str, budget: float = 3.0) -> Graph:
    config = Config(
        graph_client_id="c", graph_client_secret="s", graph_tenant_id="tenant-1", graph_base_url=base_url,
        teams_app_catalog_id="catalog-app-1",
    )  # fmt: skip
    return Graph(config, credential=FakeCredential("c"), budget=budget)


@pytest.fixture
def graph(fake_graph: tuple[FakeGraph, str]) -> Graph:
    fake_graph[0].publish("catalog-app-1", web_application_id="c")
    return graph_at(fake_graph[1])


async def test_install_the_teams_app_for_a_user(graph: Graph, fake_graph: tuple[FakeGraph, str]) -> None:
    await graph.install_for_user("tenant-1", "aad-bob")
    [received] = fake_graph[0].received
    assert (received.method, received.path) == ("POST", "/v1.0/users/aad-bob/teamwork/installedApps")
    body: dict[str, Any] = received.body
    assert body["teamsApp@odata.bind"] == "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/catalog-app-1"
    await graph.close()


async def test_already_installed_is_fine_and_a_refusal_is_explained(
    graph: Graph, fake_graph: tuple[FakeGraph, str]
) -> None:
    fake_graph[0].answers = [graph_error(409, "Conflict", "already installed")]
    await graph.install_for_user("tenant-1", "aad-bob")
    fake_graph[0].answers = [graph_error(403, "Forbidden", "Missing role")]
    with pytest.raises(GraphError) as refused:
        await graph.install_for_user("tenant-1", "aad-bob")
    assert refused.value.status == 403
    await graph.close()


async def test_without_a_catalog_id_nothing_is_requested(fake_graph: tuple[FakeGraph, str]) -> None:
    config = Config(graph_client_id="c", graph_client_secret="s", graph_tenant_id="t", graph_base_url=fake_graph[1])
    graph = Graph(config, credential=FakeCredential())
    with pytest.raises(GraphError, match="TEAMS_APP_CATALOG_ID"):
        await graph.install_for_user("t", "aad-bob")
    with pytest.raises(GraphError, match="another organisation"):
        await graph.install_for_user("someone-else", "aad-bob")
    assert fake_graph[0].received == []
    await graph.close()


async def test_send_mail_serves_only_its_own_tenant(graph: Graph, fake_graph: tuple[FakeGraph, str]) -> None:
    assert graph.serves("tenant-1") and not graph.serves("tenant-2")
    await graph.send_mail(OutgoingMail("aad-alice", ("a@x.example",), "Hi", "Body"))
    assert fake_graph[0].received[0].path == "/v1.0/users/aad-alice/sendMail"
    await graph.close()


async def test_an_install_that_times_out_says_so_and_nothing_about_email(fake_graph: tuple[FakeGraph, str]) -> None:
    graph = graph_at(fake_graph[1], budget=0.2)
    fake_graph[0].answers = [Answer(201, {"id": "installation-1"}, delay=1.0)]
    with pytest.raises(GraphError) as late:
        await graph.install_for_user("tenant-1", "aad-bob")
    assert (
        late.value.message == "Microsoft Graph did not answer in time: the app may or may not be installed for them now"
    )
    assert late.value.transient
    await graph.close()


async def test_a_refused_install_is_final_and_names_the_permission(
    graph: Graph, fake_graph: tuple[FakeGraph, str]
) -> None:
    fake_graph[0].answers = [graph_error(403, "Forbidden", "Missing role"), Answer(201, {"id": "installation-1"})]
    with pytest.raises(GraphError) as refused:
        await graph.install_for_user("tenant-1", "aad-bob")
    assert "TeamsAppInstallation.ReadWriteForUser.All" in refused.value.message and not refused.value.transient
    assert len(fake_graph[0].received) == 1
    await graph.close()


async def test_graph_installs_only_catalog_apps_whose_manifest_names_the_calling_app(
    fake_graph: tuple[FakeGraph, str],
) -> None:
    fake, base_url = fake_graph
    graph = graph_at(base_url)
    with pytest.raises(GraphError) as uploaded:  # side-loaded, not published to the org catalog
        await graph.install_for_user("tenant-1", "aad-bob")
    assert uploaded.value.status == 404 and "published to the organisation's app catalog" in uploaded.value.message
    fake.publish("catalog-app-1", web_application_id="another-registration")
    with pytest.raises(GraphError) as refused:  # webApplicationInfo.id names another app than the caller
        await graph.install_for_user("tenant-1", "aad-bob")
    assert refused.value.status == 403 and "webApplicationInfo.id" in refused.value.message
    fake.publish("catalog-app-1", web_application_id="c")
    await graph.install_for_user("tenant-1", "aad-bob")
    await graph.close()


def notice(**changes: Any) -> FeedNotice:
    fields: dict[str, Any] = dict(
        tenant_id="tenant-1", aad_object_id="aad-bob", activity_type="stageChanged", topic="O-7 Contoso renewal",
        web_url=bot_chat_link("bot-app-1"), preview="Alice moved O-7 to Proposal", actor="Alice", chain_id=7,
    )  # fmt: skip
    fields.update(changes)
    return FeedNotice(**fields)


async def test_an_activity_feed_notification_is_the_exact_graph_request(
    graph: Graph, fake_graph: tuple[FakeGraph, str]
) -> None:
    await graph.send_activity_notification(notice())
    [received] = fake_graph[0].received
    assert (received.method, received.path) == ("POST", "/v1.0/users/aad-bob/teamwork/sendActivityNotification")
    assert received.body == {
        "activityType": "stageChanged",
        "chainId": 7,
        "previewText": {"content": "Alice moved O-7 to Proposal"},
        "templateParameters": [{"name": "colleague", "value": "Alice"}],
        "topic": {
            "source": "text",
            "value": "O-7 Contoso renewal",
            "webUrl": "https://teams.microsoft.com/l/chat/0/0?users=28:bot-app-1",
        },
    }
    await graph.close()


async def test_a_long_preview_is_cut_to_graphs_150_characters(graph: Graph, fake_graph: tuple[FakeGraph, str]) -> None:
    await graph.send_activity_notification(notice(preview="é" * 400))
    assert len(fake_graph[0].feed()[0]["previewText"]["content"]) == 150
    await graph.close()


async def test_the_fake_graph_refuses_what_graph_refuses(graph: Graph, fake_graph: tuple[FakeGraph, str]) -> None:
    fake_graph[0].foreign_users.add("aad-stranger")
    with pytest.raises(GraphError) as refused:
        await graph.send_activity_notification(notice(aad_object_id="aad-stranger"))
    assert refused.value.status == 404 and not refused.value.transient
    with pytest.raises(ValueError, match="undeclared"):
        notice(activity_type="dealWon")
    with pytest.raises(GraphError, match="another organisation"):
        await graph.send_activity_notification(notice(tenant_id="tenant-2"))
    await graph.close()


async def test_a_throttled_feed_notification_is_left_to_the_sender_with_graphs_retry_after(
    graph: Graph, fake_graph: tuple[FakeGraph, str]
) -> None:
    """One request: the outbox sender retries, within the feed's limits (a retry in here is uncounted)."""
    fake_graph[0].answers = [graph_error(429, "TooManyRequests", "slow down", **{"Retry-After": "3"})]
    with pytest.raises(GraphError) as throttled:
        await graph.send_activity_notification(notice())
    assert len(fake_graph[0].feed()) == 1
    assert (throttled.value.status, throttled.value.transient, throttled.value.retry_after) == (429, True, 3.0)
    fake_graph[0].answers = [graph_error(403, "Forbidden", "Missing role")]
    with pytest.raises(GraphError, match=r"TeamsActivity\.Send") as refused:
        await graph.send_activity_notification(notice())
    assert not refused.value.transient and refused.value.retry_after is None
    await graph.close()


async def test_the_fake_graph_throttles_the_feed_as_graph_documents(
    graph: Graph, fake_graph: tuple[FakeGraph, str]
) -> None:
    fake = fake_graph[0]
    for i in range(5):  # 5 a second per app per tenant
        await graph.send_activity_notification(notice(aad_object_id=f"aad-{i}"))
    with pytest.raises(GraphError) as throttled:
        await graph.send_activity_notification(notice(aad_object_id="aad-5"))
    assert (throttled.value.status, throttled.value.retry_after) == (429, 1.0) and fake.over_limit == 1
    fake.feed_limits = (FEED_PER_USER, ((1000, 1.0),))  # the per-person limit alone: 10 a minute
    fake._seen.clear()
    for _ in range(10):
        await graph.send_activity_notification(notice())
    with pytest.raises(GraphError, match="busy"):
        await graph.send_activity_notification(notice())
    await graph.send_activity_notification(notice(aad_object_id="aad-carol"))  # another person's feed is open
    assert len(fake.delivered) == 16
    await graph.close()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"activityType": "dealWon"}, "not declared"),
        ({"topic": None}, "topic"),
        ({"previewText": {"content": "x" * 151}}, "150"),
    ],
)
async def test_the_fake_graph_is_as_strict_as_graph(
    fake_graph: tuple[FakeGraph, str], change: dict[str, Any], why: str
) -> None:
    body = {
        "topic": {"source": "text", "value": "O-7 X", "webUrl": "https://teams.microsoft.com/l/chat/0/0?users=28:b"},
        "activityType": "commented", "chainId": 7, "previewText": {"content": "Alice commented"},
        "templateParameters": [{"name": "colleague", "value": "Alice"}],
    }  # fmt: skip
    async with httpx.AsyncClient() as client:
        ok = await client.post(f"{fake_graph[1]}/users/aad-bob/teamwork/sendActivityNotification", json=body)
        bad = await client.post(
            f"{fake_graph[1]}/users/aad-bob/teamwork/sendActivityNotification", json={**body, **change}
        )
    assert ok.status_code == 204
    assert bad.status_code == 400 and why in bad.json()["error"]["message"]
