"""Add follower keeps who Teams says the colleague is: their Teams id (for the card's refresh) and their
name from the conversation's roster, or from Microsoft Graph (User.ReadBasic.All) when they are not in it."""

from __future__ import annotations

from tests.conftest import ALICE, CardInHand, Teams
from tests.fake_graph import FakeGraph

ERIN = ("29:erin", "6b1d7a2c-5e3f-4a8b-9c0d-1e2f3a4b5c6d", "Erin Newcomer")
FRANK_AAD = "0f5c2a9e-1111-4222-8333-944444444444"


async def test_a_colleague_from_the_roster_keeps_name_and_teams_id(teams: Teams) -> None:
    teams_id, aad, name = ERIN
    teams.connector.add_member(teams_id, name, "erin@contoso.example", aad, ALICE.tenant_id)
    card = await CardInHand.posted(teams, ALICE, "new lead Roster deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower=aad)
    assert "Erin Newcomer now follows L-1." in card.text and "Unknown" not in card.text
    assert teams_id in card.card["refresh"]["userIds"]
    erin = teams.services.repo.people.find_user(ALICE.tenant_id, None, aad)
    assert erin is not None and (erin.teams_id, erin.name) == (teams_id, name)


async def test_someone_outside_the_conversation_is_named_by_graph(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    graph, _ = fake_graph
    graph.users[FRANK_AAD] = "Frank Directory"
    card = await CardInHand.posted(teams_with_graph, ALICE, "new lead Directory deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower=FRANK_AAD)
    assert "Frank Directory now follows L-1." in card.text and "Unknown" not in card.text
    [lookup] = [r for r in graph.received if r.method == "GET" and r.path.endswith(FRANK_AAD)]
    assert lookup.path == f"/v1.0/users/{FRANK_AAD}"


async def test_a_graph_that_knows_nobody_changes_nothing_but_the_name(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    card = await CardInHand.posted(teams_with_graph, ALICE, "new lead Quiet deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower=FRANK_AAD)
    assert "now follows L-1." in card.text  # added all the same; the name comes when they first write
