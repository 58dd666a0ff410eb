"""Handing a record to a colleague, archiving and restoring it, through HTTP as Teams sends them."""

from __future__ import annotations

from bot.domain.models import Kind
from tests.bot.test_notifications import lead_with_followers, lines
from tests.conftest import ALICE, BOB, CAROL, MALLORY, CardInHand, Teams, all_text


async def test_owner_hands_a_record_to_a_colleague_who_follows_and_is_told(teams: Teams) -> None:
    await teams.say(BOB, "help")  # Bob has talked to the bot: a colleague it knows
    await lead_with_followers(teams, CAROL)
    card = all_text(await teams.card(ALICE, "owner L-1 Bob Follower"))
    assert "Bob Follower now owns L-1." in card and "Owner: Bob Follower" in card
    assert "handed it over: Alice Owner → Bob Follower" in card
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert view.owner.name == "Bob Follower" and view.is_follower(view.owner.id)
    await teams.settled()
    assert lines(teams, BOB) == ["Alice Owner handed it over: Alice Owner → Bob Follower"]
    assert lines(teams, CAROL) == ["Alice Owner handed it over: Alice Owner → Bob Follower"]
    assert "already owns L-1" in await teams.text(ALICE, "owner L-1 bob@contoso.example")


async def test_only_the_owner_or_a_follower_may_hand_it_on(teams: Teams) -> None:
    await teams.say(BOB, "help")
    await teams.card(ALICE, "new lead Acme rollout")
    refused = await teams.text(CAROL, "owner L-1 Bob Follower")
    assert "Only the owner of L-1 or one of its followers can hand it on" in refused
    await teams.card(CAROL, "follow L-1")
    assert "Bob Follower now owns L-1." in all_text(await teams.card(CAROL, "owner L-1 Bob"))


async def test_another_tenants_colleague_or_a_stranger_is_refused(teams: Teams) -> None:
    await teams.say(MALLORY, "help")  # known to the bot, in another organisation
    await teams.card(ALICE, "new lead Acme rollout")
    for who in ("Mallory Elsewhere", "mallory@fabrikam.example", "Nobody Known"):
        assert "in your organisation" in await teams.text(ALICE, f"owner L-1 {who}"), who
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Change owner")
    assert lead.inputs()["owner"]["choices.data"]["dataset"] == "graph.microsoft.com/users"
    await lead.press("Hand over", owner=MALLORY.aad_object_id)  # a tampered pick: not of this organisation
    assert "I can't find that person in your organisation" in lead.text
    await lead.press("Hand over", owner="")
    assert "Pick a colleague." in lead.text
    assert teams.services.records.view(ALICE.tenant_id, "L-1").owner.name == "Alice Owner"


async def test_the_owner_picker_hands_over(teams: Teams) -> None:
    await teams.say(BOB, "help")
    await teams.card(ALICE, "new lead Acme rollout")
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Change owner")
    await lead.press("Hand over", owner=BOB.aad_object_id)
    assert "Bob Follower now owns L-1." in lead.text


async def test_archive_with_confirmation_leaves_lists_and_searches_and_restores(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Archive")
    assert "leaves the lists and searches" in lead.text
    await lead.press("Archive")
    assert "L-1 archived." in lead.text and "Archived on" in lead.text and lead.buttons()[0] == "Restore"
    assert "Acme rollout" not in all_text(await teams.card(ALICE, "leads"))
    assert "Acme rollout" not in all_text(await teams.card(ALICE, "find acme"))
    assert "Acme rollout" not in all_text(await teams.card(ALICE, "my"))
    assert "archived; restore it first" in await teams.text(ALICE, "comment L-1 still there?")
    assert "archived; restore it first" in await teams.text(ALICE, "value L-1 5 EUR")
    assert "already archived" in await teams.text(ALICE, "archive L-1")
    assert "created it" in all_text(await teams.card(ALICE, "show L-1"))  # the timeline is kept
    await teams.settled()
    assert lines(teams, BOB) == ["Alice Owner archived it"]  # told once
    await lead.press("Restore")
    assert "L-1 restored." in lead.text
    assert "Acme rollout" in all_text(await teams.card(ALICE, "leads"))
    assert "is not archived" in await teams.text(ALICE, "restore L-1")
    assert "L-1 archived." in all_text(await teams.card(ALICE, "archive L-1"))
    assert "I can't find L-1" in await teams.text(MALLORY, "archive L-1")


async def test_tampered_record_buttons_change_nothing(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    for person, verb, data in (
        (MALLORY, "record.archive", {"ref": "L-1", "version": 1}),
        (MALLORY, "record.set_owner", {"ref": "L-1", "version": 1, "owner": MALLORY.aad_object_id}),
        (MALLORY, "record.edit_details", {"ref": "L-1", "version": 1, "value": "5", "currency": "EUR"}),
        (ALICE, "record.edit_details", {"ref": "L-1", "version": "x", "value": "5"}),
        (ALICE, "record.edit_details", {"ref": "L-1", "version": 1, "value": {"$gt": 1}}),
        (ALICE, "record.restore", {"ref": "L-1", "version": 1}),
    ):
        answer = await teams.click(person, verb, data)
        text = str(answer.get("value"))
        assert "can't find" in text or "can't read" in text or "is not archived" in text, (verb, data, text)
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert (view.record.version, view.record.value, view.record.archived_at) == (1, None, None)


async def test_the_picker_accepts_a_new_colleague_only_where_teams_can_name_them(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Change owner")
    await lead.press("Hand over", owner=CAROL.aad_object_id)  # not in this 1:1 chat: Teams can't vouch for her
    assert "I can't find that person in your organisation" in lead.text
    shared = await CardInHand.posted(teams, ALICE, "show L-1", chat="channel")
    await shared.press("Change owner")
    await shared.press("Hand over", owner=CAROL.aad_object_id)  # a member of the channel: Teams names her
    assert "Carol Other now owns L-1." in shared.text


async def test_a_comment_refused_on_an_archived_or_converted_record_changes_nothing(teams: Teams) -> None:
    """A comment bumps its record and reads it back in one statement, then checks it may be changed: a refusal
    must roll the bump back with everything else (version, comments, timeline)."""
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(ALICE, "new lead Globex pilot")
    await teams.text(ALICE, "archive L-1")
    await teams.text(ALICE, "convert L-2")
    tenant = ALICE.tenant_id

    def state(number: int) -> tuple[int, int, int]:
        record = teams.services.repo.records.record_by_number(tenant, Kind.LEAD, number)
        assert record is not None and record.id is not None
        comments = teams.services.repo.db.execute(
            "SELECT count(*) FROM comments WHERE tenant_id = ? AND record_id = ?", [tenant, record.id]
        ).fetchone()[0]
        return record.version, comments, len(teams.services.repo.records.timeline(tenant, record.id, 50))

    before = state(1), state(2)
    assert "archived; restore it first" in await teams.text(ALICE, "comment L-1 still there?")
    assert "was converted to O-1" in await teams.text(ALICE, "comment L-2 and here?")
    assert "I can't find L-9" in await teams.text(ALICE, "comment L-9 anyone?")
    assert (state(1), state(2)) == before
