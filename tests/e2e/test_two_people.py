"""Two people, two Playground instances, one bot: Megan follows Alex's lead, Alex moves it.

Each instance is one person (PLAYGROUND.md); what the bot sends to Megan's personal chat appears only
in Megan's instance, and Alex is never told about his own change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.config import person
from tests.e2e.playground_client import PlaygroundChat
from tests.e2e.steps import create_lead, ref_of

ALEX = person("alex")
MEGAN = person("megan")


async def follow_and_move(chat: Callable[..., Any], title: str) -> tuple[PlaygroundChat, PlaygroundChat, str, int, int]:
    """Alex creates a lead, Megan follows it from her own instance, Alex moves its stage.

    Returns both chats, the ref, and where each chat's messages stood just before the stage change."""
    alex: PlaygroundChat = await chat(ALEX)
    megan: PlaygroundChat = await chat(MEGAN)
    record = await create_lead(alex, title, "Globex")
    ref = ref_of(record)

    alex_mark = alex.mark()
    megans_card = await megan.say(f"show {ref}")
    followed = (await megan.click(megans_card, "Follow")).readable()
    assert "You follow this record." in followed and "• Megan Bowen" in followed, followed
    # Alex follows his own lead, so he is told that Megan started following it.
    told = (await alex.wait_for(alex_mark, where=lambda m: "started following" in m.readable(), timeout=15))[0]
    assert "Megan Bowen started following" in told.readable()

    alex_before, megan_before = alex.mark(), megan.mark()
    form = await alex.click(record, "Change stage")
    moved = (await alex.click(form, "Change stage", {"stage": "Qualified"})).readable()
    assert "Stage: Qualified" in moved and "Followers (2)" in moved, moved
    return alex, megan, ref, alex_before, megan_before


async def test_a_second_person_follows_in_their_own_instance(chat: Callable[..., Any]) -> None:
    alex, megan, ref, _, _ = await follow_and_move(chat, "Globex expansion")
    alex_before = alex.mark()
    shown = (await megan.say(f"show {ref}")).readable()
    assert "Stage: Qualified" in shown and "Owner: Alex Wilber" in shown and "You follow this record." in shown
    await alex.nothing_arrives(alex_before, 0.5)  # Megan's replies go to Megan's instance only


async def test_the_follower_is_notified_in_their_instance_and_the_actor_is_not(chat: Callable[..., Any]) -> None:
    alex, megan, ref, alex_before, megan_before = await follow_and_move(chat, "Globex notification")
    # The stage reply is Alex's only message; the notification goes to Megan alone.
    notice = (await megan.wait_for(megan_before, where=lambda m: ref in m.readable(), timeout=15))[0]
    seen = notice.readable()
    assert "Alex Wilber" in seen and "New" in seen and "Qualified" in seen, seen
    await alex.nothing_arrives(alex_before + 1, 2.0)
