"""The mission's path in Microsoft 365 Agents Playground, driven over its HTTP + websocket API.

Everything a person would click is clicked by its title on the card the Playground shows: the form's
Create lead, the record card's Set contact, Add participant, Unfollow / Follow and Change stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cards.common import plain
from playground.config import person
from tests.e2e.playground_client import PlaygroundChat
from tests.e2e.steps import create_lead, pick, ref_of

ALEX = person("alex")
ISAIAH = person("isaiah")  # nobody else installs the app as Isaiah: his first install is this test's


async def test_installing_welcomes_once_even_when_the_page_reloads(chat: Callable[..., Any]) -> None:
    isaiah: PlaygroundChat = await chat(ISAIAH, install=False)
    since = isaiah.mark()
    await isaiah.install(settle=0)
    welcome = await isaiah.wait_for(since, 2)  # the Playground shows text and card as two messages
    assert "Hi! I keep your leads" in welcome[0].readable()
    assert "Start with one of these" in welcome[1].readable() and "[Help]" in welcome[1].readable()
    since = isaiah.mark()
    await isaiah.install(settle=0)  # a page reload sends the install events again
    await isaiah.nothing_arrives(since, 1.5)


async def test_create_a_lead_set_its_people_follow_and_move_it(chat: Callable[..., Any]) -> None:
    alex: PlaygroundChat = await chat(ALEX)

    record = await create_lead(alex, "Acme rollout", "Acme")
    seen = record.readable()
    assert "created." in seen and "Acme rollout" in seen and "Stage: New" in seen and "Owner: Alex Wilber" in seen
    ref = ref_of(record)

    assert "Jane Doe" in (await alex.say("new contact Jane Doe jane@acme.example Acme")).readable()
    assert "Raj Patel" in (await alex.say("new contact Raj Patel raj@acme.example")).readable()

    record = await alex.say(f"show {ref}")  # the card, now that the contacts exist
    record = await pick(alex, record, "Set contact", "contact", "Jane Doe", "Set contact")
    with_contact = record.readable()
    assert (
        "Jane Doe is now the Contact" in with_contact and plain("Jane Doe · jane@acme.example · Acme") in with_contact
    )
    record = await pick(alex, record, "Add participant", "contact", "Raj Patel", "Add participant")
    with_participant = record.readable()
    assert "Other participants (1)" in with_participant and plain("• Raj Patel · raj@acme.example") in with_participant

    # Each Action.Execute answer is the updated card, replacing the one clicked.
    record = await alex.click(record, "Unfollow")
    assert "You no longer follow" in record.readable() and "You don't follow this record." in record.readable()
    record = await alex.click(record, "Follow")
    assert "You follow this record." in record.readable() and "• Alex Wilber" in record.readable()

    form = await alex.click(record, "Change stage")
    moved = (await alex.click(form, "Change stage", {"stage": "Contacted"})).readable()
    assert "Stage: Contacted" in moved, moved

    shown = (await alex.say(f"show {ref}")).readable()
    for fact in ("Stage: Contacted", plain("Jane Doe · jane@acme.example"), "• Raj Patel", "Followers (1)"):
        assert fact in shown, shown


async def test_help_card_buttons_send_their_command(chat: Callable[..., Any]) -> None:
    alex: PlaygroundChat = await chat(ALEX)
    await create_lead(alex, "Initech renewal")
    help_card = await alex.say("help")
    listed = await alex.click(help_card, "Leads")  # runs `leads`: its answer is a new message
    assert "Initech renewal" in listed.readable(), listed.readable()
    following = await alex.click(help_card, "Following")
    assert "Initech renewal" in following.readable(), following.readable()


async def test_a_bad_button_payload_gets_a_plain_answer_not_an_error(chat: Callable[..., Any]) -> None:
    alex: PlaygroundChat = await chat(ALEX)
    record = await create_lead(alex, "Umbrella pilot")
    answer = await alex.execute(record, "record.follow", {"ref": "L-99999"})
    assert answer.cards == [] and answer.text, answer.raw
    answer = await alex.execute(record, "record.no_such_verb", {})
    assert "out of date" in answer.text, answer.raw
