"""Buying roles through HTTP as Teams sends them: set by card and by chat, shown on cards, kept through
conversion and Contact changes, on the timeline and in followers' notifications; the no-decision-maker
nudge on the card, in lists and to the owner once; CC by role; bad input refused with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from cards.common import plain
from tests.conftest import ALICE, BOB, CARD, CAROL, MALLORY, CardInHand, Person, Teams, all_text, find

NUDGE = "No decision maker on this deal yet"


def contact_id(teams: Teams, email: str, tenant: str = ALICE.tenant_id) -> int:
    contact = teams.services.repo.contacts.contact_by_email(tenant, email)
    assert contact is not None
    return contact.id


def row(person: str, role: str) -> str:
    """A person's line on the record card: their details as literal text, then the role."""
    return f"{plain(person)} · {role}"


def roles_of(teams: Teams, ref: str) -> dict[str, str]:
    """Each person's role as stored, by name (what the product keeps, read without the card)."""
    view = teams.services.records.view(ALICE.tenant_id, ref)
    return {c.name: view.buying_roles[c.id].label for c in view.people if c.id in view.buying_roles}


def notes(teams: Teams, person: Person) -> list[str]:
    """Every line of every notification `person` got."""
    return [all_text(p.cards[0]) for p in teams.notifications(person)]


@pytest.fixture
async def deal(teams: Teams) -> CardInHand:
    """O-1 with Jane as the Contact and Carl and Ida as Other participants; Bob follows it."""
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact Carl CFO carl@acme.example Acme")
    await teams.say(ALICE, "new contact Ida IT ida@acme.example Acme")
    await teams.say(ALICE, "new opportunity Acme rollout")
    for command in ("contact O-1 jane@acme.example", "participant O-1 carl@acme.example", "participant O-1 Ida IT"):
        await teams.say(ALICE, command)
    await teams.say(BOB, "follow O-1")
    await teams.say(CAROL, "follow O-1")
    await teams.click(CAROL, "record.notify", {"ref": "O-1", "choice": "stage"})
    await teams.settled()
    teams.connector.posted.clear()
    return await CardInHand.posted(teams, ALICE, "show O-1")


async def press_set_role_beside(card: CardInHand, person: int) -> None:
    """Click the "Set role" button on the row of one person."""
    buttons = [a for a in find(card.card["body"], "Action.Execute") if a["data"].get("person") == person]
    assert [b["title"] for b in buttons] == ["Set role"]
    card.answer = await card.teams.click(
        card.person, buttons[0]["verb"], buttons[0]["data"], message_id=card.message_id
    )
    assert card.answer["type"] == CARD
    card.card = card.answer["value"]


async def test_roles_set_on_one_form_are_shown_on_the_timeline_and_told_to_followers(
    teams: Teams, deal: CardInHand
) -> None:
    assert deal.buttons().count("Set role") == 3  # beside the Contact and each participant
    await press_set_role_beside(deal, contact_id(teams, "carl@acme.example"))
    pickers = {i["label"]: i for i in find(deal.card, "Input.ChoiceSet")}
    assert list(pickers) == [
        "Jane Buyer · jane@acme.example · Acme (Contact)", "Carl CFO · carl@acme.example · Acme",
        "Ida IT · ida@acme.example · Acme",
    ]  # fmt: skip
    assert [c["title"] for c in pickers["Carl CFO · carl@acme.example · Acme"]["choices"]] == [
        "No role", "Decision maker", "Economic buyer", "Champion", "Influencer", "Technical evaluator",
        "Legal or procurement", "User", "Other",
    ]  # fmt: skip
    carl, jane = contact_id(teams, "carl@acme.example"), contact_id(teams, "jane@acme.example")
    await deal.press("Save roles", **{f"role_{carl}": "economic_buyer", f"role_{jane}": "champion"})
    assert "2 buying roles changed on O-1." in deal.text
    assert row("Jane Buyer · jane@acme.example · Acme", "Champion") in deal.text
    assert row("• Carl CFO · carl@acme.example · Acme", "Economic buyer") in deal.text
    assert "Alice Owner set the role of Carl CFO <carl@acme.example> to Economic buyer" in deal.text
    assert roles_of(teams, "O-1") == {"Jane Buyer": "Champion", "Carl CFO": "Economic buyer"}
    await teams.settled()
    told = notes(teams, BOB)
    assert len(told) == 1 and "Alice Owner set the role of Jane Buyer <jane@acme.example> to Champion" in told[0]
    assert notes(teams, ALICE) == []  # never told of one's own change
    assert notes(teams, CAROL) == []  # stage changes only: a role is not one


async def test_a_role_by_chat_and_bad_input_refused_with_nothing_changed(teams: Teams, deal: CardInHand) -> None:
    card = all_text(await teams.card(ALICE, "role O-1 carl@acme.example Decision-maker"))
    assert (
        "Carl CFO on O-1: Decision maker." in card
        and row("Carl CFO · carl@acme.example · Acme", "Decision maker") in card
    )
    assert "Ida IT on O-1: Legal or procurement." in all_text(
        await teams.card(ALICE, "ROLE o-1 Ida IT legal or procurement")
    )
    refusals = {
        "role O-1 carl@acme.example boss": "“boss” is not a buying role. Choose one of: Decision maker, Economic buyer",
        "role O-1 carl@acme.example": "Which role? Try: role O-1 ‹name or email› Decision maker.",
        "role O-1 decision maker": "Whose role?",
        "role O-9 carl@acme.example champion": "I can't find O-9.",
        "role O-1 nobody@acme.example champion": "No contact has the email nobody@acme.example.",
        "role O-1 carl@acme.example decision maker": "No role changed.",
    }
    for command, expected in refusals.items():
        assert expected in await teams.text(ALICE, command), command
    await teams.say(ALICE, "new contact Otto Outside otto@other.example")
    assert "is not on O-1" in await teams.text(ALICE, "role O-1 otto@other.example champion")
    # Another tenant's person, and another tenant's record: "not found", exactly like an unknown one.
    await teams.say(MALLORY, "new contact Carl Elsewhere carl@acme.example")
    await teams.say(MALLORY, "new opportunity Fabrikam deal")
    assert "Carl Elsewhere <carl@acme.example> is not on O-1" in await teams.text(
        MALLORY, "role O-1 carl@acme.example champion"
    )
    assert roles_of(teams, "O-1") == {"Carl CFO": "Decision maker", "Ida IT": "Legal or procurement"}
    assert "Carl CFO on O-1: no role." in all_text(await teams.card(ALICE, "role O-1 Carl CFO none"))
    assert roles_of(teams, "O-1") == {"Ida IT": "Legal or procurement"}


async def test_a_tampered_roles_card_is_refused_and_changes_nothing(teams: Teams, deal: CardInHand) -> None:
    carl = contact_id(teams, "carl@acme.example")
    await teams.say(MALLORY, "new contact Mallory Contact mc@fabrikam.example")
    theirs = contact_id(teams, "mc@fabrikam.example", MALLORY.tenant_id)
    await press_set_role_beside(deal, carl)
    form = deal.card
    base = {"ref": "O-1", "version": teams.services.records.view(ALICE.tenant_id, "O-1").record.version}
    tampered: list[tuple[dict[str, Any], str]] = [
        ({**base, "shown": {str(theirs): "none"}, f"role_{theirs}": "champion"}, "is not on O-1"),
        (
            {**base, "shown": {str(carl): "none"}, f"role_{carl}": "[ceo](https://evil.example)"},
            "That is not a buying role",
        ),
        ({**base, "shown": {str(carl): "boss"}, f"role_{carl}": "champion"}, "That is not a buying role"),
        ({**base, "shown": "everyone", f"role_{carl}": "champion"}, "out of date"),
        ({**base, "shown": {"x": "none"}}, "can't read"),
        ({**base, "shown": {"²": "none"}, "role_²": "champion"}, "can't read"),
        ({**base, "shown": {str(carl): "none"}, f"role_{carl}": ["champion"]}, "can't read"),
        ({"ref": "O-1", "version": "a", "shown": {str(carl): "none"}, f"role_{carl}": "champion"}, "can't read"),
        ({**base, "ref": "O-77", "shown": {str(carl): "none"}, f"role_{carl}": "champion"}, "can't find O-77"),
    ]
    for data, expected in tampered:
        answer = await teams.click(ALICE, "record.set_roles", data)
        shown = all_text(answer["value"]) if answer["type"] == CARD else answer["value"]
        assert expected in shown and "evil" not in shown, (data, shown)
    assert roles_of(teams, "O-1") == {}
    # Mallory clicking Alice's card from her tenant finds nothing either.
    answer = await teams.click(
        MALLORY, "record.set_roles", {**base, "shown": {str(carl): "none"}, f"role_{carl}": "user"}
    )
    assert "I can't find O-1." in str(answer["value"])
    assert roles_of(teams, "O-1") == {}
    assert find(form, "Input.ChoiceSet")  # the form itself was a real one


async def test_roles_are_kept_when_people_move_between_contact_and_participant(teams: Teams, deal: CardInHand) -> None:
    await teams.say(ALICE, "role O-1 jane@acme.example champion")
    await teams.say(ALICE, "role O-1 carl@acme.example economic buyer")
    card = all_text(await teams.card(ALICE, "contact O-1 carl@acme.example"))
    assert "Carl CFO is now the Contact of O-1." in card
    view = teams.services.records.view(ALICE.tenant_id, "O-1")
    assert view.contact is not None and view.contact.name == "Carl CFO"
    assert roles_of(teams, "O-1") == {"Carl CFO": "Economic buyer", "Jane Buyer": "Champion"}
    assert row("• Jane Buyer · jane@acme.example · Acme", "Champion") in card  # the former Contact, a participant now
    await teams.say(ALICE, "contact O-1 jane@acme.example")
    assert roles_of(teams, "O-1") == {"Jane Buyer": "Champion", "Carl CFO": "Economic buyer"}
    await teams.say(ALICE, "remove participant O-1 carl@acme.example")
    await teams.say(ALICE, "participant O-1 carl@acme.example")
    assert roles_of(teams, "O-1") == {"Jane Buyer": "Champion"}  # someone removed and added again starts afresh


async def test_roles_are_kept_through_conversion(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact Carl CFO carl@acme.example Acme")
    await teams.say(ALICE, "new lead Acme rollout")
    await teams.say(ALICE, "contact L-1 jane@acme.example")
    await teams.say(ALICE, "participant L-1 carl@acme.example")
    await teams.say(ALICE, "role L-1 carl@acme.example economic buyer")
    lead = all_text(await teams.card(ALICE, "show L-1"))
    assert row("Carl CFO · carl@acme.example · Acme", "Economic buyer") in lead and NUDGE not in lead  # leads: never
    opportunity = all_text(await teams.card(ALICE, "convert L-1"))
    assert "L-1 is now opportunity O-1." in opportunity
    assert row("• Carl CFO · carl@acme.example · Acme", "Economic buyer") in opportunity
    assert roles_of(teams, "O-1") == {"Carl CFO": "Economic buyer"}
    converted = await CardInHand.posted(teams, ALICE, "show L-1")
    assert "Set role" not in converted.buttons()  # a converted lead is history
    assert "was converted to O-1" in await teams.text(ALICE, "role L-1 carl@acme.example champion")


async def test_the_nudge_is_shown_the_owner_told_once_and_it_clears(teams: Teams, deal: CardInHand) -> None:
    assert NUDGE not in deal.text  # Prospecting: too early
    await deal.press("Change stage")
    await deal.press("Change stage", stage="Proposal")
    assert "O-1 moved to Proposal." in deal.text and NUDGE in deal.text and "Set decision maker" in deal.buttons()
    await teams.settled()
    told = notes(teams, ALICE)  # the owner, even though she moved it herself
    assert len(told) == 1 and "Reached Proposal without a Decision maker or Economic buyer" in told[0]
    bobs = notes(teams, BOB)  # a follower hears of the move, not the reminder
    assert len(bobs) == 1 and "changed the stage: Prospecting → Proposal" in bobs[0] and "Reached" not in bobs[0]
    carols = notes(teams, CAROL)  # stage changes only: the move, and still not the owner's reminder
    assert len(carols) == 1 and "Reached" not in carols[0]

    await teams.say(ALICE, "stage O-1 Negotiation")
    await teams.settled()
    assert len(notes(teams, ALICE)) == 1  # told once, not at every move
    assert NUDGE in all_text(await teams.card(BOB, "show O-1"))

    await deal.press("Set decision maker")
    jane = contact_id(teams, "jane@acme.example")
    await deal.press("Save roles", **{f"role_{jane}": "decision_maker"})
    assert "Jane Buyer on O-1: Decision maker." in deal.text and NUDGE not in deal.text
    await teams.say(ALICE, "role O-1 jane@acme.example none")
    assert NUDGE in all_text(await teams.card(ALICE, "show O-1"))
    await teams.say(ALICE, "role O-1 Ida IT economic buyer")  # an Economic buyer signs too
    assert NUDGE not in all_text(await teams.card(ALICE, "show O-1"))
    await teams.say(ALICE, "role O-1 Ida IT none")
    assert NUDGE not in all_text(await teams.card(ALICE, "stage O-1 Won"))  # a closed deal is left alone


async def test_the_owner_reminder_arrives_with_someone_elses_move_and_respects_settings(teams: Teams) -> None:
    await teams.say(ALICE, "new opportunity First deal")
    await teams.say(ALICE, "new opportunity Second deal")
    await teams.say(BOB, "stage O-1 Proposal")  # Bob moves Alice's deal: Alice gets one message with both
    await teams.settled()
    told = notes(teams, ALICE)
    assert len(told) == 1
    assert "Bob Follower changed the stage: Prospecting → Proposal" in told[0] and "Reached Proposal" in told[0]

    muted = await teams.click(ALICE, "record.notify", {"ref": "O-2", "choice": "muted"})
    assert "muted" in all_text(muted["value"])
    await teams.say(ALICE, "stage O-2 Proposal")
    await teams.settled()
    assert len(notes(teams, ALICE)) == 1  # muted on O-2: the card says it, no message
    assert NUDGE in all_text(await teams.card(ALICE, "show O-2"))

    await teams.say(ALICE, "new opportunity Third deal")
    await teams.click(ALICE, "record.notify", {"ref": "O-3", "choice": "comments"})
    await teams.say(BOB, "stage O-3 Proposal")
    await teams.settled()
    assert len(notes(teams, ALICE)) == 1  # comments only: neither the move nor the reminder


async def test_my_and_opportunities_mark_deals_missing_a_decision_maker(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    for title in ("Early deal", "Late deal", "Signed up deal"):
        await teams.say(ALICE, f"new opportunity {title}")
    await teams.say(ALICE, "new lead Just a lead")
    await teams.say(ALICE, "stage O-2 Proposal")
    await teams.say(ALICE, "stage O-3 Negotiation")
    await teams.say(ALICE, "contact O-3 jane@acme.example")
    await teams.say(ALICE, "role O-3 jane@acme.example decision maker")
    for command in ("opportunities", "my"):
        card = await teams.card(ALICE, command)
        rows = {row["items"][0]["text"]: all_text(row) for row in find(card, "Container")}
        flagged = {title for title, text in rows.items() if NUDGE in text}
        assert flagged == {"**O-2** Late deal"}, (command, rows)


async def test_the_compose_card_picks_cc_by_role(teams: Teams, deal: CardInHand) -> None:
    await teams.say(ALICE, "role O-1 carl@acme.example economic buyer")
    composing = await CardInHand.posted(teams, ALICE, "email O-1")
    carl, ida = contact_id(teams, "carl@acme.example"), contact_id(teams, "ida@acme.example")
    toggles = {i["id"]: i for i in find(composing.card, "Input.Toggle")}
    assert toggles[f"cc_{carl}"]["title"] == "CC Carl CFO <carl@acme.example> · Economic buyer"
    assert "CC by role:" in composing.text and {"Economic buyer", "Everyone"} <= set(composing.buttons())
    await composing.press("Economic buyer", subject="Our offer", body="Typed text")
    values = composing.input_values()
    assert values[f"cc_{carl}"] == "true" and values[f"cc_{ida}"] == "false"
    assert values["subject"] == "Our offer" and values["body"] == "Typed text"  # what was typed is kept
    await composing.press("Prepare in Outlook")
    assert "CC: carl@acme.example" in composing.text
    await composing.press("Back")
    composing = await CardInHand.posted(teams, ALICE, "email O-1")
    await composing.press("Everyone")
    assert all(v == "true" for k, v in composing.input_values().items() if k.startswith("cc_") and k != "cc_extra")
    answer = await teams.click(
        ALICE, "record.email_cc_role", {"ref": "O-1", "version": 1, "send_id": "a" * 32, "cc_role": "champion"}
    )
    assert "Nobody on this record has that role" in str(answer["value"])
