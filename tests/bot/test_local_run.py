"""`make run` that a person can talk to: the curl in docs/usage.md gets its answer in the HTTP response
(`deliveryMode: expectReplies`) and the bot calls nothing at its `serviceUrl`; with authentication off, what
the bot does call at a service URL is tried once, never retried (it was retried for ~4.8 s a call)."""

from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALICE, CARD, Teams, all_text

ROOT = Path(__file__).resolve().parents[2]


def documented_curl() -> tuple[str, dict[str, str], str]:
    """The curl of docs/usage.md's "Talking to `make run` without Teams": its URL, headers and body."""
    usage = (ROOT / "docs" / "usage.md").read_text()
    section = usage.split("## Talking to `make run` without Teams", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(curl .*?)\n```", section, re.S)
    words = shlex.split(block.split(" | ", 1)[0])
    url = next(w for w in words if w.startswith("http://"))
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    body = words[words.index("-d") + 1]
    return url, headers, body


@pytest.fixture
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address the process tries to connect to (on top of the offline guard)."""
    tried: list[Any] = []
    guarded = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        tried.append(address)
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried


async def test_the_documented_curl_is_answered_in_the_response_and_calls_nothing(
    teams: Teams, dialled: list[Any]
) -> None:
    url, headers, body = documented_curl()
    assert url == "http://127.0.0.1:3978/api/messages" and headers == {"Content-Type": "application/json"}
    activity = json.loads(body)
    service_port = int(activity["serviceUrl"].rsplit(":", 1)[1].strip("/"))
    for attempt in (1, 2):  # no activity id: sending it again is another message, answered again
        response = await teams.client.post("/api/messages", data=body, headers=headers)
        assert response.status == 200
        answer = await response.json()
        [reply] = answer["activities"]
        [attachment] = reply["attachments"]
        assert attachment["contentType"] == CARD
        assert f"L-{attempt}" in all_text(attachment["content"]) and "Acme rollout" in all_text(attachment["content"])
    assert not [a for a in dialled if isinstance(a, tuple) and a[1] == service_port]  # not even a profile lookup
    assert teams.connector.member_lookups == 0 and teams.connector.posted == []


async def test_a_click_is_answered_in_the_response_with_the_service_url_nowhere(
    teams: Teams, dialled: list[Any]
) -> None:
    _, headers, body = documented_curl()
    await teams.client.post("/api/messages", data=body, headers=headers)
    me = json.loads(body)
    data = {"ref": "L-1", "version": 1, "comment": "Called them"}  # the button's data and the card's input
    click = {k: me[k] for k in ("channelId", "serviceUrl", "from", "recipient", "conversation", "channelData")}
    click |= {"type": "invoke", "name": "adaptiveCard/action"}
    click["value"] = {"action": {"type": "Action.Execute", "verb": "record.comment", "data": data}}
    response = await teams.client.post("/api/messages", data=json.dumps(click), headers=headers)
    assert response.status == 200
    answer = await response.json()
    assert answer["type"] == CARD and "Called them" in all_text(answer["value"])


async def test_with_auth_off_a_failing_lookup_is_tried_once(teams: Teams) -> None:
    """The member API answering 503 (or a service URL nobody answers at): one attempt per lookup, no
    retries, and the person still gets their answer."""
    teams.connector.member_status = 503
    replies = await teams.say(ALICE, "new lead Acme rollout")
    assert teams.connector.member_lookups == 1
    assert "Acme rollout" in all_text(replies[0].cards[0])
    await teams.say(ALICE, "leads")  # a later message: the failure is remembered for the chat (bot/teams/roster.py)
    assert teams.connector.member_lookups == 1
