"""Steps of the mission's path that several end-to-end tests take."""

from __future__ import annotations

import re

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
