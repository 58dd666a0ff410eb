"""Every record-card button, clicked by its title the way Teams does (invoke, verb, merged inputs)."""

from typing import Any

import pytest

from app import BOT
from cards.common import plain
from tests.conftest import ALICE, BOB, CARD, CAROL, MALLORY, CardInHand, Teams, all_text, find

MESSAGE = "application/vnd.microsoft.activity.message"


@pytest.fixture
async def lead(teams: Teams) -> CardInHand:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact Carl CFO carl@acme.example Acme")
    await teams.say(ALICE, "new contact Ida IT ida@acme.example Acme")
    return await CardInHand.posted(teams, ALICE, "new lead Acme rollout")


def contact_id(teams: Teams, email: str) -> str:
    contact = teams.services.repo.contacts.contact_by_email(ALICE.tenant_id, email)
    assert contact is not None
    return str(contact.id)


async def test_the_record_card_has_every_button(lead: CardInHand) -> None:
    assert lead.buttons() == [
        "Add next step",  # beside "No next step", under the facts
        "Comment", "Change stage", "Set contact", "Add participant",  # the main actions first
        "Edit details", "Email contact", "Schedule meeting",  # and More: at most four a row
        "Convert to opportunity", "Change owner", "Archive", "Save notification setting",  # under More
        "Unfollow", "Add follower", "Visibility",
    ]  # fmt: skip
    [more] = [a for a in find(lead.card, "Action.ShowCard") if a["title"] == "More"]
    assert [a["title"] for a in find(more["card"], "Action.Execute")] == [
        "Convert to opportunity",  # a lead's work row is full (Schedule meeting, then More)
        "Change owner",
        "Archive",
        "Save notification setting",
    ]
    assert all(len(row["actions"]) <= 4 for row in find(lead.card, "ActionSet"))
    assert lead.card["refresh"]["action"]["verb"] == "record.show"
    assert lead.card["refresh"]["userIds"] == [ALICE.teams_id]


async def test_with_a_next_step_add_next_step_moves_under_more(teams: Teams) -> None:
    await CardInHand.posted(teams, ALICE, "new opportunity Acme expansion")
    bare = await CardInHand.posted(teams, ALICE, "show O-1")
    assert bare.buttons()[:2] == ["Add next step", "Comment"] and "No next step" in all_text(bare.card)
    await teams.say(ALICE, "task O-1 Send the quote due tomorrow 9:00")
    card = await CardInHand.posted(teams, ALICE, "show O-1")
    assert card.buttons()[:2] == ["Done", "Comment"]  # beside the next step, then the main actions
    [more] = [a for a in find(card.card, "Action.ShowCard") if a["title"] == "More"]
    assert [a["title"] for a in find(more["card"], "Action.Execute")][:2] == ["Add next step", "Change owner"]
    form = await card.press("Add next step")
    assert "text" in form.inputs()
    assert all(len(row["actions"]) <= 4 for row in find(card.card, "ActionSet"))


async def test_set_contact_with_the_picker(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Set contact")
    picker = lead.inputs()["contact"]
    assert "choices.data" not in picker  # every contact is listed: nothing to search for
    assert [c["title"] for c in picker["choices"]] == [
        "Carl CFO · carl@acme.example · Acme", "Ida IT · ida@acme.example · Acme", "Jane Buyer · jane@acme.example · Acme"
    ]  # fmt: skip
    await lead.press("Set contact", contact=contact_id(teams, "jane@acme.example"))
    assert "Jane Buyer is now the Contact of L-1." in lead.text
    assert plain("Jane Buyer · jane@acme.example · Acme") in lead.text
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert view.contact is not None and view.contact.email == "jane@acme.example"


async def test_nothing_picked_comes_back_with_a_message_beside_the_field(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Set contact")
    await lead.press("Set contact", contact="")
    assert "Pick someone from the list, or add someone new below." in lead.text
    assert teams.services.records.view(ALICE.tenant_id, "L-1").contact is None


async def test_create_a_contact_and_set_it_in_one_step(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Set contact")
    await lead.press("Create and set as Contact", new_name="Nora New", new_email="not-an-email", new_company="Acme")
    assert "“not-an-email” is not a valid email address." in lead.text
    assert lead.inputs()["new_name"]["value"] == "Nora New"  # what was typed is kept
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 3
    await lead.press(
        "Create and set as Contact", new_name="Nora New", new_email="nora@acme.example", new_company="Acme"
    )
    assert "Nora New is now the Contact of L-1." in lead.text
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 4


async def test_add_and_remove_participants(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Set contact")
    await lead.press("Set contact", contact=contact_id(teams, "jane@acme.example"))
    await lead.press("Add participant")
    offered = [c["title"] for c in lead.inputs()["contact"]["choices"]]
    assert not any("Jane" in title for title in offered)  # the Contact is not offered as a participant
    await lead.press("Add participant", contact=contact_id(teams, "carl@acme.example"))
    assert "Carl CFO is now a participant of L-1." in lead.text and "Other participants (1)" in lead.text
    await lead.press("Add participant")
    await lead.press("Add participant", contact=contact_id(teams, "jane@acme.example"))  # tampered: the Contact
    assert "is the Contact of L-1, so not also a participant" in lead.text
    await lead.press("Back")
    await lead.press("Remove participant")
    assert [c["title"] for c in lead.inputs()["contact"]["choices"]] == ["Carl CFO · carl@acme.example · Acme"]
    await lead.press("Remove participant", contact=contact_id(teams, "carl@acme.example"))
    assert "Carl CFO is no longer a participant of L-1." in lead.text and "Other participants (0)" in lead.text
    assert "Remove participant" not in lead.buttons()


async def test_comment_is_required_and_limited(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Comment")
    comment = lead.inputs()["comment"]
    assert comment["isMultiline"] and comment["isRequired"] and comment["maxLength"] == 4000
    await lead.press("Add comment", comment="   ")
    assert "A comment can't be empty." in lead.text
    await lead.press("Add comment", comment="z" * 4001)
    assert "at most 4,000 characters" in lead.text and lead.inputs()["comment"]["value"] == "z" * 4001
    await lead.press("Add comment", comment="Call went well.\nThey want a demo.")
    assert "Comment added to L-1." in lead.text and "Call went well." in lead.text


async def test_change_stage_offers_only_the_kinds_stages(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Change stage")
    stage = lead.inputs()["stage"]
    assert [c["value"] for c in stage["choices"]] == ["New", "Contacted", "Qualified", "Disqualified"]
    await lead.press("Change stage", stage="Won")  # tampered
    assert "Choose one of: New, Contacted, Qualified, Disqualified" in lead.text
    await lead.press("Change stage", stage="Qualified")
    assert "L-1 moved to Qualified." in lead.text and "Stage: Qualified" in lead.text


async def test_email_contact_without_a_contact_offers_set_contact(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Email contact")
    assert "has no Contact yet" in lead.text and "Set contact" in lead.buttons()
    await lead.press("Set contact")
    assert lead.inputs()["contact"]["label"] == "Contact"


async def test_convert_asks_first_then_shows_the_opportunity(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Convert to opportunity")
    assert "Turn lead L-1 into an opportunity?" in lead.text
    await lead.press("Cancel" if "Cancel" in lead.buttons() else "Back")
    assert "L-1 · Lead" in lead.text
    await lead.press("Convert to opportunity")
    await lead.press("Convert")
    assert "L-1 is now opportunity O-1." in lead.text and "O-1 · Opportunity" in lead.text
    assert "Convert to opportunity" not in lead.buttons()


async def test_follow_add_follower_and_per_viewer_state_in_a_channel(teams: Teams) -> None:
    await teams.say(BOB, "help")  # Bob has talked to the bot, so he is known
    alice_card = await CardInHand.posted(teams, ALICE, "new lead Channel deal", chat="channel")
    assert set(alice_card.card["refresh"]["userIds"]) == {ALICE.teams_id}
    carol_card = alice_card.held_by(CAROL)
    await carol_card.press("Unfollow")  # the card was Alice's view: Carol does not follow yet
    assert "You don't follow L-1." in carol_card.text and "Follow" in carol_card.buttons()
    await carol_card.press("Follow")
    assert "You now follow L-1." in carol_card.text and "Unfollow" in carol_card.buttons()
    assert set(carol_card.card["refresh"]["userIds"]) == {ALICE.teams_id, CAROL.teams_id}

    await alice_card.press("Add follower")
    choices = {c["title"]: c["value"] for c in alice_card.inputs()["follower"]["choices"]}
    assert alice_card.inputs()["follower"]["choices.data"]["dataset"] == "graph.microsoft.com/users"
    assert "Bob Follower" in choices and "Carol Other" not in choices  # Carol follows already
    await alice_card.press("Add follower", follower=choices["Bob Follower"])
    assert "Bob Follower now follows L-1." in alice_card.text
    names = {f.user.name for f in teams.services.records.view(ALICE.tenant_id, "L-1").followers}
    assert names == {"Alice Owner", "Bob Follower", "Carol Other"}


async def test_a_follower_who_never_talked_to_the_bot(teams: Teams) -> None:
    card = await CardInHand.posted(teams, ALICE, "new lead Deal", chat="channel")
    await card.press("Add follower")
    await card.press("Add follower", follower="0f5c2a9e-1111-4222-8333-944444444444")
    assert "now follows L-1." in card.text
    newcomer = teams.services.repo.people.find_user(ALICE.tenant_id, None, "0f5c2a9e-1111-4222-8333-944444444444")
    assert newcomer is not None and newcomer.teams_id is None


async def test_the_typeahead_searches_this_tenants_contacts(teams: Teams, lead: CardInHand) -> None:
    await teams.say(MALLORY, "new contact Jane Elsewhere jane.e@fabrikam.example")
    value = {"queryText": "jan", "queryOptions": {"skip": 0, "top": 15}, "dataset": "crm.contacts"}
    status, body = await teams.post(teams.activity(ALICE, kind="invoke", name="application/search", value=value))
    assert status == 200 and body["type"] == "application/vnd.microsoft.search.searchResponse"
    assert body["value"]["results"] == [
        {"title": "Jane Buyer · jane@acme.example · Acme", "value": contact_id(teams, "jane@acme.example")}
    ]
    value = {"queryText": "acme", "queryOptions": {"skip": "x", "top": 99}, "dataset": "crm.contacts"}
    status, body = await teams.post(teams.activity(ALICE, kind="invoke", name="application/search", value=value))
    assert status == 200 and len(body["value"]["results"]) == 3
    status, body = await teams.post(teams.activity(ALICE, kind="invoke", name="application/search", value="x"))
    assert status == 200 and body["value"]["results"] == []


async def test_a_stale_card_either_applies_cleanly_or_says_what_changed(teams: Teams, lead: CardInHand) -> None:
    bobs = lead.held_by(BOB)
    await lead.press("Change stage")
    await bobs.press("Change stage")
    await lead.press("Change stage", stage="Contacted")
    await bobs.press("Change stage", stage="Disqualified")  # Bob's form still shows "New"
    assert "The stage changed while your card was open (now: Contacted). Nothing was changed." in bobs.text
    assert teams.services.records.get_record(ALICE.tenant_id, "L-1").stage == "Contacted"
    await bobs.press("Comment")
    await lead.press("Comment")
    await lead.press("Add comment", comment="first")
    await bobs.press("Add comment", comment="second")  # commutes: applied to the latest version
    assert "Comment added to L-1." in bobs.text and "this is the latest" in bobs.text
    assert teams.comment_count(ALICE.tenant_id, lead_id(teams)) == 2


def lead_id(teams: Teams) -> int:
    return teams.services.records.get_record(ALICE.tenant_id, "L-1").id


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"ref": 7},
        {"ref": "L-1", "contact": ["1"]},
        {"ref": "L-1", "contact": "1; DROP TABLE contacts"},
        {"ref": "L-1", "contact": "99999"},
        {"ref": "L-1", "version": "abc", "contact": "1"},
        {"ref": "O-77", "contact": "1"},
    ],
)
async def test_tampered_set_contact_payloads_change_nothing(teams: Teams, lead: CardInHand, data: Any) -> None:
    body = await teams.click(ALICE, "record.set_contact", data)
    assert body["statusCode"] == 200
    text = body["value"] if body["type"] == MESSAGE else all_text(body["value"])
    assert text and "Traceback" not in text
    assert teams.services.records.view(ALICE.tenant_id, "L-1").contact is None


async def test_another_tenants_record_cannot_be_changed_by_a_card(teams: Teams, lead: CardInHand) -> None:
    for verb, data in [
        ("record.comment", {"ref": "L-1", "comment": "hi"}),
        ("record.change_stage", {"ref": "L-1", "stage": "Qualified"}),
        ("record.follow", {"ref": "L-1"}),
        ("record.convert", {"ref": "L-1"}),
        ("record.contact_form", {"ref": "L-1"}),
    ]:
        body = await teams.click(MALLORY, verb, data)
        assert body == {"statusCode": 200, "type": MESSAGE, "value": "I can't find L-1."}
    assert teams.services.records.get_record(ALICE.tenant_id, "L-1").version == 1


async def test_a_deleted_contact_gets_a_message_beside_the_picker(teams: Teams, lead: CardInHand) -> None:
    await lead.press("Set contact")
    doomed = contact_id(teams, "ida@acme.example")
    with teams.services.repo.transaction():
        teams.services.repo.db.execute("DELETE FROM contacts WHERE id = ?", [int(doomed)])
    await lead.press("Set contact", contact=doomed)
    assert "That contact no longer exists." in lead.text


async def test_posted_cards_are_updated_after_a_change(teams: Teams, lead: CardInHand) -> None:
    shown_to_bob = await CardInHand.posted(teams, BOB, "show L-1")
    await lead.press("Change stage")
    await lead.press("Change stage", stage="Qualified")
    await teams.cards_updated(timeout=5)
    updates = teams.connector.updates_of(shown_to_bob.message_id)
    assert len(updates) == 1
    updated = updates[0].activity["attachments"][0]["content"]
    assert "Stage: Qualified" in all_text(updated) and "You don't follow this record." in all_text(updated)
    assert teams.connector.updates_of(lead.message_id) == []  # the clicked card was answered in the invoke


async def test_changes_to_several_records_within_the_wait_read_their_posts_once(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    leads = [await CardInHand.posted(teams, ALICE, f"new lead Deal {n}") for n in (1, 2, 3)]
    shown = [await CardInHand.posted(teams, BOB, f"show L-{n}") for n in (1, 2, 3)]
    await teams.cards_updated(timeout=5)  # the creations' own updates are done
    before = [len(teams.connector.updates_of(card.message_id)) for card in shown]
    reads: list[list[int]] = []
    read = teams.services.people.card_posts_of

    def counted(tenant_id: str, record_ids: list[int], limit: int) -> Any:
        reads.append(list(record_ids))
        return read(tenant_id, record_ids, limit)

    monkeypatch.setattr(teams.services.people, "card_posts_of", counted)
    monkeypatch.setattr(teams.client.app[BOT].card_updater, "debounce", 2.0)  # the three clicks fit in it
    for card in leads:
        await card.press("Comment")
        await card.press("Add comment", comment="Called them")
    await teams.cards_updated(timeout=10)
    assert len(reads) == 1 and len(reads[0]) == 3  # one read for the three records changed in the wait
    for n, card in enumerate(shown, start=1):
        updates = teams.connector.updates_of(card.message_id)
        assert len(updates) == before[n - 1] + 1  # each posted card brought up to date, once
        assert f"L-{n}" in all_text(updates[-1].activity["attachments"][0]["content"])
        assert "Called them" in all_text(updates[-1].activity["attachments"][0]["content"])


async def test_a_card_update_that_fails_is_logged_and_the_others_still_go(
    teams: Teams, lead: CardInHand, caplog: pytest.LogCaptureFixture
) -> None:
    deleted = await CardInHand.posted(teams, BOB, "show L-1")
    kept = await CardInHand.posted(teams, CAROL, "show L-1")
    teams.connector.deleted.add(deleted.message_id)
    await lead.press("Change stage")
    await lead.press("Change stage", stage="Qualified")
    await teams.cards_updated(timeout=5)
    assert len(teams.connector.updates_of(kept.message_id)) == 1
    [line] = [r for r in caplog.records if "card update failed" in r.getMessage()]
    assert line.levelname == "WARNING"
    assert f"tenant={ALICE.tenant_id} record=" in line.getMessage() and "status=404" in line.getMessage()


async def test_posted_card_shows_more_than_ten_people_with_see_all(teams: Teams) -> None:
    card = await CardInHand.posted(teams, ALICE, "new lead Crowd")
    for i in range(12):
        await teams.say(ALICE, f"new contact Person {i} p{i}@crowd.example")
        await teams.say(ALICE, f"participant L-1 p{i}@crowd.example")
    card = await CardInHand.posted(teams, ALICE, "show L-1")
    assert "and 2 more" in card.text and "See all 12" in card.buttons()
    await card.press("See all 12")
    assert card.text.count("• Person") == 12
    await card.press("Back")
    assert card.answer["type"] == CARD and "L-1 · Lead" in card.text
