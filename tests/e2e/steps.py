"""Steps of the mission's path that several end-to-end tests take."""

from __future__ import annotations

import re

from tests.conftest import find
from tests.e2e.playground_client import Message, PlaygroundChat


def ref_of(message: Message) -> str:
    """The record reference a record card shows in its first line, e.g. `L-3 · Lead`."""
    found = re.search(r"\b([LO]-\d+) · ", message.readable())
    assert found, message.readable()
    return found.group(1)


async def create_lead(chat: PlaygroundChat, title: str, company: str = "") -> Message:
    """`new lead` gives the form; typing the title and clicking Create lead gives the record card."""
    form = await chat.say("new lead")
    assert "New lead" in form.readable() and "[Create lead]" in form.readable()
    return await chat.click(form, "Create lead", {"title": title, "company": company})


def choice(message: Message, input_id: str, starts_with: str) -> str:
    """The value of the picker choice whose title starts with `starts_with` (what a person picks)."""
    for element in find(message.card, "Input."):
        if element.get("id") == input_id:
            for option in element.get("choices", []):
                if option["title"].startswith(starts_with):
                    return str(option["value"])
    raise AssertionError(f"no choice {starts_with!r} for {input_id!r} in {message.readable()}")


async def pick(
    chat: PlaygroundChat, record: Message, button: str, input_id: str, starts_with: str, submit: str
) -> Message:
    """Open a picker from the record card, pick someone, submit: the record card comes back."""
    form = await chat.click(record, button)
    return await chat.click(form, submit, {input_id: choice(form, input_id, starts_with)})
