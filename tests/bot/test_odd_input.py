"""Odd input through HTTP (issue 12, items 9 and 14): another channel, JSON nested to the bottom of
the stack, digits that are not ASCII, lone surrogates. A clear 400 or a clear message, never a 500,
and nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import ALICE, Person, Teams, all_text


def rows(teams: Teams, table: str) -> list[Any]:
    return teams.services.repo.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


async def post_raw(client: TestClient, body: bytes) -> tuple[int, str]:
    response = await client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    return response.status, await response.text()


@pytest.mark.parametrize("channel", ["webchat", "directline", "emulator", "MSTEAMS", "slack"])
async def test_only_the_teams_channel_is_served(teams: Teams, channel: str) -> None:
    await teams.say(ALICE, "help")  # Alice's 1:1 chat is stored from a real Teams activity
    alice = teams.services.repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None
    stored = teams.services.repo.people.personal_conversation(ALICE.tenant_id, alice.id)
    activity = teams.message(ALICE, "new lead Planted")
    activity |= {"channelId": channel, "serviceUrl": "https://attacker.example/", "conversation": {"id": "a:evil"}}
    status, body = await teams.post(activity)
    assert status == 400 and "msteams" in body["error"]
    assert rows(teams, "records") == []
    assert teams.services.repo.people.personal_conversation(ALICE.tenant_id, alice.id) == stored


async def test_another_channel_is_refused_before_the_tenant_check(teams: Teams) -> None:
    activity = teams.message(ALICE, "help") | {"channelId": "webchat", "channelData": {}}
    status, body = await teams.post(activity)
    assert status == 400 and "msteams" in body["error"]


@pytest.mark.parametrize("depth", [5000, 100_000])
async def test_deeply_nested_json_is_a_400(teams: Teams, depth: int) -> None:
    for body in (b"[" * depth, b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        status, text = await post_raw(teams.client, body)
        assert status == 400, text
    await teams.say(ALICE, "help")  # and the bot still serves


async def test_nested_values_inside_an_activity_are_a_400(teams: Teams) -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    status, body = await teams.post(teams.message(ALICE, "help") | {"value": deep})
    assert status == 400 and "nested" in body["error"]


@pytest.mark.parametrize("digit", ["²", "٣", "１", "Ⅻ", "-1", "1.5", " 7", "1e3"])
async def test_a_number_that_is_not_ascii_digits_gets_a_clear_message(teams: Teams, digit: str) -> None:
    await teams.card(ALICE, "new lead Acme")
    before = rows(teams, "events")
    answer = await teams.click(ALICE, "record.unfollow", {"ref": "L-1", "version": digit})
    said = answer["value"] if isinstance(answer["value"], str) else all_text(answer["value"])
    assert "can't read" in said, answer
    assert rows(teams, "events") == before


@pytest.mark.parametrize(
    "where",
    ["text", "from.id", "conversation.id", "from.aadObjectId", "channelData.tenant.id", "recipient.id", "id"],
)
async def test_a_lone_surrogate_in_an_id_or_text_is_a_clear_400(teams: Teams, where: str) -> None:
    activity = teams.message(ALICE, "new lead Acme \ud800 rollout")
    if where != "text":
        activity["text"] = "new lead Acme"
        node = activity
        *path, last = where.split(".")
        for key in path:
            node = node[key]
        node[last] = node[last] + "\ud800"
    status, body = await teams.post(activity)
    assert status == 400 and "Unicode" in body["error"]
    assert rows(teams, "records") == []


async def test_a_display_name_with_a_lone_surrogate_does_not_lock_its_owner_out(teams: Teams) -> None:
    odd = Person("29:odd", "aad-odd", "Odd \ud83d Name", "odd@contoso.example")
    teams.connector.add_member(odd.teams_id, odd.name, odd.email, odd.aad_object_id, odd.tenant_id)
    for _ in range(2):  # the first turn records the user, the second reads them back
        card = await teams.card(odd, "new lead Acme")
        assert "Acme" in all_text(card)
    names = [r[0] for r in teams.services.repo.db.execute("SELECT name FROM users").fetchall()]
    assert "Odd \ufffd Name" in names


async def test_a_lone_surrogate_in_a_card_field_is_a_clear_400(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme")
    before = rows(teams, "comments")
    value = {
        "action": {"type": "Action.Execute", "verb": "record.comment", "data": {"ref": "L-1", "comment": "hi \udfff"}}
    }
    status, body = await teams.post(teams.activity(ALICE, kind="invoke", name="adaptiveCard/action", value=value))
    assert status == 400 and "Unicode" in body["error"]
    assert rows(teams, "comments") == before
