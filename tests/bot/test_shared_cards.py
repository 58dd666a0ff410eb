"""An `adaptiveCard/action` answer is shown only to the person who clicked; what everyone sees in a message
changes only through update_activity (the fake connector's `shown`). So a shared post stays tracked
whatever one viewer opens, a change made from it updates the message itself, and a create form submitted
twice creates once."""

from __future__ import annotations

import copy

from tests.conftest import ALICE, BOB, CAROL, DAVE, CardInHand, Teams, all_text


def typed(hand: CardInHand, **values: str) -> CardInHand:
    """The person types into the form's inputs (`press(title=...)` would clash with the button's title)."""
    hand.card = copy.deepcopy(hand.card)
    for input_id, value in values.items():
        hand.inputs()[input_id]["value"] = value
    return hand


async def test_a_form_one_viewer_opens_does_not_stop_the_post_being_updated(teams: Teams) -> None:
    post = await CardInHand.posted(teams, ALICE, "new lead Shared deal", chat="channel")
    carol = post.held_by(CAROL)
    await carol.press("Comment")  # Carol alone now sees the comment form
    assert "Add comment" in carol.buttons()
    await teams.say(BOB, "stage L-1 Contacted")
    await teams.cards_updated()
    shown = all_text(teams.connector.shown(post.message_id))
    assert "Contacted" in shown and "[Add comment]" not in shown  # everyone sees the record, up to date


async def test_a_change_submitted_on_a_shared_post_updates_the_message_itself(teams: Teams) -> None:
    post = await CardInHand.posted(teams, ALICE, "new lead Shared deal", chat="channel")
    carol = post.held_by(CAROL)
    await carol.press("Comment")
    await carol.press("Add comment", comment="Budget approved")
    assert "Budget approved" in carol.text
    await teams.cards_updated()
    assert teams.connector.updates_of(post.message_id)
    shown = all_text(teams.connector.shown(post.message_id))
    assert "Budget approved" in shown and "[Follow]" in shown  # the shared view, not Carol's own


async def test_a_create_form_submitted_twice_creates_once_and_the_message_becomes_the_record(teams: Teams) -> None:
    form = await CardInHand.posted(teams, ALICE, "new lead", chat="channel")
    dave = form.held_by(DAVE)  # Dave sees the same form in the channel
    await typed(form, title="Acme rollout").press("Create lead")
    assert "L-1 created." in form.text
    await teams.cards_updated()
    shown = all_text(teams.connector.shown(form.message_id))
    assert "L-1 · Lead" in shown and "[Create lead]" not in shown  # nobody is offered the form again
    await typed(dave, title="Acme rollout").press("Create lead")  # the form as it was before the update reached him
    assert "L-1 was already created from this form." in dave.text
    assert "L-2" not in (await teams.text(ALICE, "leads"))
    assert "I can't find L-2." in await teams.text(ALICE, "show L-2")


async def test_a_create_form_in_a_1_1_chat_does_not_come_back_after_a_reload(teams: Teams) -> None:
    form = await CardInHand.posted(teams, ALICE, "new opportunity")
    await typed(form, title="Renewal").press("Create opportunity")
    await teams.cards_updated()
    assert "O-1 · Opportunity" in all_text(teams.connector.shown(form.message_id))


async def test_the_new_contact_form_submitted_twice_adds_one_contact(teams: Teams) -> None:
    form = await CardInHand.posted(teams, ALICE, "new contact", chat="channel")
    again = form.held_by(ALICE)
    await form.press("Add contact", name="Jane Buyer", email="jane@acme.example")
    assert "Jane Buyer added." in form.text
    await again.press("Add contact", name="Jane Buyer", email="jane@acme.example")
    assert "Jane Buyer was already added from this form." in again.text
    assert (await teams.text(ALICE, "contacts")).count("jane@acme.example") <= 1
    contacts = all_text(await teams.card(ALICE, "contacts"))
    assert contacts.count("jane@acme.example") == 1


async def test_a_tampered_form_key_changes_nothing(teams: Teams) -> None:
    answer = await teams.click(ALICE, "record.create", {"kind": "lead", "title": "X", "form_key": "../../x"})
    assert answer["value"] == "This form sent something I can't read; please ask for a new one."
    assert "I can't find L-1." in await teams.text(ALICE, "show L-1")
