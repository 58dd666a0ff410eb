"""Add follower keeps who Teams says the colleague is: their Teams id (for the card's refresh) and their
name from the conversation's roster, or from Microsoft Graph (User.ReadBasic.All) when they are not in it."""

from __future__ import annotations

from tests.conftest import ALICE, BOB, CAROL, MALLORY, CardInHand, Teams
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


# The Playground's people picker sends the Teams id (29:...) of a conversation member, not an Entra object id.
ADELE = ("29:playground-adele", "00000000-0000-4000-8000-000000000022", "Adele Vance")


async def test_a_teams_id_from_the_playgrounds_picker_is_resolved_through_the_roster(teams: Teams) -> None:
    teams_id, aad, name = ADELE
    teams.connector.add_member(teams_id, name, "adele@contoso.example", aad, ALICE.tenant_id)
    card = await CardInHand.posted(teams, ALICE, "new lead Playground deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower=teams_id)
    assert "Adele Vance now follows L-1." in card.text
    assert teams_id in card.card["refresh"]["userIds"]
    adele = teams.services.repo.people.find_user(ALICE.tenant_id, None, aad)
    assert adele is not None and (adele.teams_id, adele.name) == (teams_id, name)


async def test_a_teams_id_the_bot_knows_needs_no_roster(teams: Teams) -> None:
    await teams.say(BOB, "help")  # Bob talked to the bot once; this 1:1 chat's roster has Alice alone
    card = await CardInHand.posted(teams, ALICE, "new lead Known deal")
    await card.press("Add follower")
    await card.press("Add follower", follower=BOB.teams_id)
    assert "Bob Follower now follows L-1." in card.text


async def test_a_teams_id_nobody_can_resolve_is_refused_with_why(teams: Teams) -> None:
    card = await CardInHand.posted(teams, ALICE, "new lead Stranger deal")
    before = count_rows(teams, "users"), count_rows(teams, "followers")
    await card.press("Add follower")
    await card.press("Add follower", follower="29:playground-nobody")
    assert "doesn't list them in this chat, and they haven't talked to me yet" in card.text, card.text
    await card.press("Add follower", follower=CAROL.teams_id)  # a member elsewhere, but not of this 1:1 chat
    assert "doesn't list them in this chat, and they haven't talked to me yet" in card.text, card.text
    assert (count_rows(teams, "users"), count_rows(teams, "followers")) == before


async def test_another_organisations_teams_id_is_not_found(teams: Teams) -> None:
    await teams.say(MALLORY, "help")  # known to the bot, in another tenant
    card = await CardInHand.posted(teams, ALICE, "new lead Tenant deal")
    await card.press("Add follower")
    await card.press("Add follower", follower=MALLORY.teams_id)
    assert "doesn't list them in this chat, and they haven't talked to me yet" in card.text
    assert "Mallory" not in card.text


async def test_something_that_is_no_id_says_what_a_pick_is(teams: Teams) -> None:
    card = await CardInHand.posted(teams, ALICE, "new lead Odd deal")
    await card.press("Add follower")
    await card.press("Add follower", follower="Adele Vance")
    assert "neither an Entra object id nor a Teams id" in card.text and "Pick a colleague from the list." in card.text


async def test_the_owner_picker_takes_a_teams_id_too(teams: Teams) -> None:
    teams_id, aad, name = ADELE
    teams.connector.add_member(teams_id, name, "adele@contoso.example", aad, ALICE.tenant_id)
    card = await CardInHand.posted(teams, ALICE, "new lead Handed deal", chat="channel")
    await card.press("Change owner")
    await card.press("Hand over", owner=teams_id)
    assert "Adele Vance now owns L-1." in card.text
    lonely = await CardInHand.posted(teams, ALICE, "new lead Lonely deal")
    await lonely.press("Change owner")
    await lonely.press("Hand over", owner="29:playground-nobody")
    assert "doesn't list them in this chat, and they haven't talked to me yet" in lonely.text
    assert teams.services.records.view(ALICE.tenant_id, "L-2").owner.name == "Alice Owner"


def count_rows(teams: Teams, table: str) -> int:
    return int(teams.services.repo.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
