"""Records visible to one Microsoft Teams team (issue 28), through HTTP on both engines: the team's roster is
read through the Bot Connector's paged members API when the bot is added to the team (or first hears from a
team it has not read), kept by Teams' membership events, and ended when the bot is removed."""

from __future__ import annotations

from typing import Any

import pytest

from app import BOT
from tests.conftest import ALICE, BOB, BOT_ID, CAROL, DAVE, TEAM_ID, Person, Teams, all_text

SECRET = "Team deal"


def team_event(
    teams: Teams, person: Person, event: str, added: tuple[str, ...] = (), removed: tuple[str, ...] = (),
    name: str = "Sales",
) -> dict[str, Any]:  # fmt: skip
    """A conversationUpdate as Teams sends it in a team (channelData.eventType, channelData.team)."""
    activity = teams.activity(person, kind="conversationUpdate", chat="channel")
    activity["conversation"] = {
        "id": TEAM_ID,
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": person.tenant_id,
    }
    activity["channelData"] = {
        "tenant": {"id": person.tenant_id}, "eventType": event, "team": {"id": TEAM_ID, "name": name},
    }  # fmt: skip
    if added:
        activity["membersAdded"] = [{"id": member} for member in added]
    if removed:
        activity["membersRemoved"] = [{"id": member} for member in removed]
    return activity


async def send(teams: Teams, activity: dict[str, Any]) -> None:
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    await teams.client.app[BOT].team_rosters.settled()


@pytest.fixture
async def team(teams: Teams) -> Teams:
    """The bot is added to team Sales (Alice, Bob and Dave); Alice's L-1 is visible to it."""
    teams.connector.rosters[TEAM_ID] = {ALICE.teams_id, BOB.teams_id, DAVE.teams_id}
    await teams.say(ALICE, "help")  # Alice first: the organisation's admin without CRM_ADMINS
    await send(teams, team_event(teams, ALICE, "teamMemberAdded", added=(BOT_ID,)))
    assert teams.connector.roster_pages == [500]  # the whole roster, read once, in pages of 500
    await teams.say(ALICE, f"new lead {SECRET}")
    said = all_text(await teams.card(ALICE, "visibility L-1 team sales"))
    assert "L-1 is now visible to team Sales (was visible to everyone)." in said
    return teams


async def test_the_members_of_the_team_see_a_team_record_and_nobody_else(team: Teams) -> None:
    assert SECRET in all_text(await team.card(DAVE, "show L-1"))  # a member, who never talked to the bot about it
    assert SECRET in all_text(await team.card(DAVE, "leads"))
    assert "Visible to: Team Sales: its members, the owner and followers" in all_text(await team.card(DAVE, "show L-1"))
    assert await team.text(CAROL, "show L-1") == "I can't find L-1."
    assert SECRET not in all_text(await team.card(CAROL, "find team"))
    assert SECRET in all_text(await team.card(DAVE, "find team"))  # the search index names the team


async def test_membership_events_keep_the_roster(team: Teams) -> None:
    await send(team, team_event(team, ALICE, "teamMemberAdded", added=(CAROL.teams_id,)))
    assert SECRET in all_text(await team.card(CAROL, "show L-1"))
    await send(team, team_event(team, ALICE, "teamMemberRemoved", removed=(DAVE.teams_id,)))
    assert await team.text(DAVE, "show L-1") == "I can't find L-1."
    await send(team, team_event(team, ALICE, "teamRenamed", name="Sales EMEA"))
    assert "Team Sales EMEA" in all_text(await team.card(ALICE, "show L-1"))


async def test_a_follower_outside_the_team_keeps_seeing_it_and_the_bots_removal_ends_the_roster(team: Teams) -> None:
    await team.say(CAROL, "help")
    assert "Carol Other can now see L-1" in all_text(await team.card(ALICE, "share L-1 carol@contoso.example"))
    await send(team, team_event(team, ALICE, "teamMemberRemoved", removed=(BOT_ID,)))
    assert await team.text(DAVE, "show L-1") == "I can't find L-1."  # the roster is no longer kept: no access by it
    assert SECRET in all_text(await team.card(CAROL, "show L-1"))
    assert SECRET in all_text(await team.card(ALICE, "show L-1"))
    assert "I'm not in a team called “Sales”" in await team.text(ALICE, "visibility L-1 team Sales")


async def test_the_pipeline_of_a_team_member_counts_the_teams_deals(team: Teams) -> None:
    await team.say(ALICE, "convert L-1")
    await team.say(ALICE, "value O-1 70000 EUR")
    assert "70,000" in all_text(await team.card(DAVE, "pipeline"))
    assert "70,000" not in all_text(await team.card(CAROL, "pipeline"))


async def test_a_team_that_never_said_it_was_installed_is_read_when_it_first_speaks(teams: Teams) -> None:
    teams.connector.team_names[TEAM_ID] = "Sales"
    await teams.say(ALICE, "help", chat="channel")
    await teams.client.app[BOT].team_rosters.settled()
    await teams.say(ALICE, f"new lead {SECRET}")
    assert "visible to team Sales" in all_text(await teams.card(ALICE, "visibility L-1 team Sales"))
    assert SECRET in all_text(await teams.card(BOB, "show L-1"))  # the fixture's roster: Bob is in it
    pages = len(teams.connector.roster_pages)
    await teams.say(ALICE, "help", chat="channel")
    await teams.client.app[BOT].team_rosters.settled()
    assert len(teams.connector.roster_pages) == pages  # read once, not on every message


async def test_a_big_team_is_read_a_page_at_a_time(teams: Teams) -> None:
    people = [f"29:member-{i}" for i in range(1200)]
    for i, member in enumerate(people):
        teams.connector.add_member(
            member, f"Member {i}", f"m{i}@contoso.example", f"aad00000-0000-4000-8000-{i:012d}", ALICE.tenant_id
        )
    teams.connector.rosters[TEAM_ID] = {*people, ALICE.teams_id}
    await teams.say(ALICE, "help")
    await send(teams, team_event(teams, ALICE, "teamMemberAdded", added=(BOT_ID,)))
    assert teams.connector.roster_pages == [500, 500, 500]
    count = teams.services.repo.db.execute("SELECT count(*) FROM team_members").fetchone()[0]
    assert count == 1201


async def test_the_visibility_form_offers_the_teams_and_refuses_a_tampered_one(team: Teams) -> None:
    form = (await team.click(ALICE, "record.visibility_form", {"ref": "L-1", "version": 1}))["value"]
    [teams_input] = [i for i in _inputs(form) if i["id"] == "team"]
    assert [c["title"] for c in teams_input["choices"]] == ["Sales"]
    record = team.services.records.get_record(ALICE.tenant_id, "L-1")
    data = {"ref": "L-1", "version": record.version, "visibility": "team", "team": "999"}
    body = await team.click(ALICE, "record.set_visibility", data)
    assert "Pick one of the teams in the list." in all_text(body["value"])
    data |= {"visibility": "private", "team": teams_input["choices"][0]["value"]}
    body = await team.click(ALICE, "record.set_visibility", data)
    assert "L-1 is now private (was visible to team Sales)." in all_text(body["value"])
    assert "Alice Owner made it private (was visible to team Sales)" in all_text(body["value"])  # the timeline
    assert await team.text(DAVE, "show L-1") == "I can't find L-1."


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found
