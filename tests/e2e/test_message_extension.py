"""The message extension through the Playground (0.2.28): its invoke API forwards `composeExtension/query`,
`fetchTask` and `submitAction` to the bot as Teams does and hands back the answer (its UI has no message
extension: docs/development.md "The Playground"). Alex searches his records and contacts, turns a message
into a lead (twice: one lead), and adds another message to that lead."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playground.config import person
from tests.conftest import all_text, find
from tests.e2e.playground_client import PlaygroundChat
from tests.e2e.steps import create_lead

ALEX = person("alex")
MESSAGE = {
    "body": {"contentType": "html", "content": "<p>Globex wants <b>200 seats</b></p><p>Call Hank&nbsp;today</p>"},
    "from": {"user": {"id": "29:hank", "displayName": "Hank Scorpio"}},
    "linkToMessage": "https://teams.microsoft.com/l/message/19:globex@thread.v2/1700000000123",
}


async def search(alex: PlaygroundChat, command: str, text: str | None) -> list[dict[str, Any]]:
    parameters = [{"name": "initialRun", "value": "true"}] if text is None else [{"name": "query", "value": text}]
    value = {"commandId": command, "parameters": parameters, "queryOptions": {"skip": 0, "count": 25}}
    answer = await alex.compose_extension("composeExtension/query", value)
    assert answer["composeExtension"]["type"] == "result", answer
    attachments: list[dict[str, Any]] = answer["composeExtension"]["attachments"]
    return attachments


async def dialog(alex: PlaygroundChat, command: str) -> dict[str, Any]:
    value = {"commandId": command, "commandContext": "message", "messagePayload": MESSAGE}
    answer = await alex.compose_extension("composeExtension/fetchTask", value)
    card: dict[str, Any] = answer["task"]["value"]["card"]["content"]
    return card


async def submit(alex: PlaygroundChat, command: str, card: dict[str, Any], **typed: str) -> dict[str, Any]:
    [button] = find(card, "Action.Submit")
    data = {**button["data"], **{i["id"]: str(i.get("value", "")) for i in find(card, "Input.")}, **typed}
    value = {"commandId": command, "commandContext": "message", "messagePayload": MESSAGE, "data": data}
    answer: dict[str, Any] = await alex.compose_extension("composeExtension/submitAction", value)
    return answer


async def test_search_and_turn_messages_into_a_lead_and_a_comment(chat: Callable[..., Any]) -> None:
    alex: PlaygroundChat = await chat(ALEX)
    await create_lead(alex, "Initech upgrade", "Initech")
    await alex.say("new contact Hank Scorpio hank@globex.example Globex")

    found = await search(alex, "searchRecords", None)
    assert any(a["preview"]["content"]["title"].endswith("Initech upgrade") for a in found), found
    [initech] = await search(alex, "searchRecords", "initech")
    # Results are previews; picking one is `composeExtension/selectItem`, which the Playground's invoke API
    # refuses (400: not in its list of invoke names): tests/bot/test_message_extension.py drives it.
    tap = initech["preview"]["content"]["tap"]
    assert tap["type"] == "invoke" and isinstance(tap["value"]["record"], int), initech  # the record's id
    [hank] = await search(alex, "searchContacts", "hank")
    tapped = hank["preview"]["content"]["tap"]["value"]
    assert list(tapped) == ["contact"] and isinstance(tapped["contact"], int), hank  # the contact's id

    form = await dialog(alex, "leadFromMessage")
    assert {i["id"]: i.get("value") for i in find(form, "Input.")}["title"] == "Globex wants 200 seats"
    hank_id = next(c["value"] for c in find(form, "Input.ChoiceSet")[0]["choices"] if c["title"].startswith("Hank"))
    first = await submit(alex, "leadFromMessage", form, contact=hank_id)
    again = await submit(alex, "leadFromMessage", form, contact=hank_id)  # the same dialog submitted twice
    # A preview the bot posts on Send (botMessagePreview; the Playground has no Send: see docs/development.md).
    assert first["composeExtension"]["type"] == "botMessagePreview", first
    card = first["composeExtension"]["activityPreview"]["attachments"][0]["content"]
    text = all_text(card)
    assert "Globex wants 200 seats" in text and "Hank Scorpio · hank@globex.example · Globex" in text, text
    assert "created it from a Teams message, sender shown as “Hank Scorpio”" in text
    found_ref = re.search(r"\b(L-\d+) · Lead", text)
    assert found_ref is not None, text
    ref = found_ref.group(1)
    assert f"already turned into {ref}." in all_text(
        again["composeExtension"]["activityPreview"]["attachments"][0]["content"]
    )
    assert len(await search(alex, "searchRecords", "globex")) == 1

    add = await dialog(alex, "addToRecord")
    added = await submit(alex, "addToRecord", add, ref=ref)
    assert "commented: Globex wants 200 seats" in all_text(added["composeExtension"]["attachments"][0]["content"])
    shown = (await alex.say(f"show {ref}")).readable()
    assert shown.count("commented: Globex wants 200 seats") == 2, shown  # the lead's first comment, and this one
