"""Every form whose submit notifies says who will be told, from the followers' choices, the person
acting excluded: through HTTP, pressing the record card's buttons by title as in Teams."""

from __future__ import annotations

from tests.conftest import ALICE, BOB, CAROL, DAVE, CardInHand, Teams, all_text


def told(card: CardInHand) -> str:
    return next(line for line in card.text.splitlines() if line.startswith("Will notify:"))


async def test_each_form_that_notifies_says_who_will_be_told(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    lead = await CardInHand.posted(teams, ALICE, "new lead Acme rollout")
    for person in (BOB, CAROL, DAVE):
        await teams.card(person, "follow L-1")
    await teams.click(CAROL, "record.notify", {"ref": "L-1", "choice": "comments"})
    await teams.click(DAVE, "record.notify", {"ref": "L-1", "choice": "muted"})

    expected = {
        "Comment": "Will notify: Bob Follower, Carol Other (1 muted)",
        "Change stage": "Will notify: Bob Follower (1 comments only, 1 muted)",
        "Set contact": "Will notify: Bob Follower (1 comments only, 1 muted)",
        "Add participant": "Will notify: Bob Follower (1 comments only, 1 muted)",
        "Convert to opportunity": "Will notify: Bob Follower (1 comments only, 1 muted)",
    }
    for button, line in expected.items():
        lead = await CardInHand.posted(teams, ALICE, "show L-1")
        await lead.press(button)
        assert told(lead) == line, button
    await teams.say(ALICE, "contact L-1 jane@acme.example")
    email = await CardInHand.posted(teams, ALICE, "email L-1")
    assert told(email) == "Will notify: Bob Follower (1 comments only, 1 muted)"
    await email.press("Prepare in Outlook")
    assert told(email) == "Will notify: Bob Follower (1 comments only, 1 muted)"  # Log as sent notifies

    bobs = await CardInHand.posted(teams, BOB, "show L-1")
    await bobs.press("Comment")
    assert told(bobs) == "Will notify: Alice Owner, Carol Other (1 muted)"  # Bob acts: not told himself


async def test_the_preview_is_right_after_a_refused_submit_and_for_nobody(teams: Teams) -> None:
    lead = await CardInHand.posted(teams, ALICE, "new lead Quiet deal")
    await lead.press("Comment")
    assert told(lead) == "Will notify: nobody"
    await lead.press("Add comment", comment="   ")
    assert "A comment can't be empty." in lead.text and told(lead) == "Will notify: nobody"
    await teams.card(BOB, "follow L-1")
    await lead.press("Back")
    await lead.press("Change stage")
    await lead.press("Change stage", stage="Nonsense")
    assert told(lead) == "Will notify: Bob Follower"
    assert "Will notify" not in all_text(await teams.card(ALICE, "show L-1"))  # not on the record card itself
