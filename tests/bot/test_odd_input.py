"""Odd input through HTTP (issue 12, items 9 and 14): another channel, JSON nested to the bottom of
the stack, digits that are not ASCII, lone surrogates. A clear 400 or a clear message, never a 500,
and nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import ALICE, CardInHand, Person, Teams, all_text
from tests.fake_connector import Posted


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
    names = [r[0] for r in teams.services.repo.db.execute("SELECT name FROM users ORDER BY id").fetchall()]
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


# --- issue 25, item 14: digits, fund codes, time zones, bidi controls (the CSV case is in test_contact_files) ---


def said(posts: list[Posted]) -> str:
    return " ".join([p.text for p in posts] + [all_text(c) for p in posts for c in p.cards])


def record_row(teams: Teams, number: int = 1) -> Any:
    sql = "SELECT value, currency, close_date FROM records WHERE tenant_id = ? AND number = ?"
    return teams.services.repo.db.execute(sql, [ALICE.tenant_id, number]).fetchone()


@pytest.mark.parametrize("typed", ["٣٤٥", "１２３", "1৪", "๑๒", "12.٥", "２５,０００"])
async def test_amounts_are_read_in_ascii_digits_only(teams: Teams, typed: str) -> None:
    """Refused, not normalised: some scripts' digits look like other Latin ones (Bengali ৪ is 4, drawn like 8),
    and a card shows the value in 0-9, so the stored number must be the one the person could read."""
    await teams.say(ALICE, "new opportunity Deal")
    answer = await teams.text(ALICE, f"value O-1 {typed} EUR")
    assert "digits 0-9" in answer, answer
    assert tuple(record_row(teams)) == (None, None, None)


async def test_dates_references_and_hours_in_other_digits_are_refused(teams: Teams) -> None:
    await teams.say(ALICE, "new opportunity Deal")
    assert "digits 0-9" in said(await teams.say(ALICE, "close O-1 ٢٠٢٧-٠٣-٣١"))
    assert tuple(record_row(teams)) == (None, None, None)
    assert "I can't find" in await teams.text(ALICE, "show O-١")
    assert "I can't find" in await teams.text(ALICE, "show O-１")
    assert "digits 0-9" in said(await teams.say(ALICE, "working hours ٠٩:٠٠-١٧:٠٠"))
    sql = "SELECT working_hours FROM users WHERE tenant_id = ? AND teams_id = ?"
    assert teams.services.repo.db.execute(sql, [ALICE.tenant_id, ALICE.teams_id]).fetchone()[0] is None


@pytest.mark.parametrize("code", ["BOV", "CLF", "CHE", "CHW", "COU", "MXV", "USN", "UYI", "UYW"])
async def test_iso_4217_fund_codes_are_not_currencies(teams: Teams, code: str) -> None:
    await teams.say(ALICE, "new opportunity Deal")
    answer = await teams.text(ALICE, f"value O-1 100 {code}")
    assert f"{code} is an ISO 4217 fund code" in answer, answer
    assert tuple(record_row(teams)) == (None, None, None)
    assert "fund code" in await teams.text(ALICE, f"currency {code}")
    form = await CardInHand.posted(teams, ALICE, "show O-1")
    await form.press("Edit details")
    currencies = [c["value"] for c in form.inputs()["currency"]["choices"]]
    assert code not in currencies and "CLP" in currencies and "EUR" in currencies


def with_time_zone(teams: Teams, zone: str) -> dict[str, Any]:
    activity = teams.message(ALICE, "help")
    activity["entities"] = [{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web",
                             "timezone": zone}]  # fmt: skip
    return activity


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin", "right/UTC",
                                  "../../etc/passwd", "europe/berlin"])  # fmt: skip
async def test_only_real_iana_zones_are_kept_from_teams_client_info(teams: Teams, zone: str) -> None:
    sql = "SELECT time_zone FROM users WHERE tenant_id = ? AND teams_id = ?"
    assert (await teams.post(with_time_zone(teams, "Europe/Berlin")))[0] in (200, 201)
    assert teams.services.repo.db.execute(sql, [ALICE.tenant_id, ALICE.teams_id]).fetchone()[0] == "Europe/Berlin"
    assert (await teams.post(with_time_zone(teams, zone)))[0] in (200, 201)
    assert teams.services.repo.db.execute(sql, [ALICE.tenant_id, ALICE.teams_id]).fetchone()[0] == "Europe/Berlin"


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


async def test_bidi_override_characters_are_taken_out_of_names(teams: Teams) -> None:
    """U+202E makes `Ann \u202eexe.gpj` read as `Ann jpg.exe`: the embedding, override and isolate controls are
    dropped from every name, title and company (right-to-left text itself is kept)."""
    spoof = Person("29:zed", "aad0ze0d-0000-4000-8000-000000000009", "Zed \u202eenwO\u202c", "", ALICE.tenant_id)
    await teams.say(spoof, "help")  # not in the roster: the name is the one the activity gives
    await teams.say(ALICE, "new contact Ann \u202eexe.gpj\u202c ann@acme.example \u2067Acme\u2069")
    await teams.say(ALICE, f"new lead Invoice {BIDI}שלום")
    names = [r[0] for r in teams.services.repo.db.execute("SELECT name FROM users ORDER BY id").fetchall()]
    contact = teams.services.contacts.resolve_contact(ALICE.tenant_id, "ann@acme.example")
    title = teams.services.repo.db.execute("SELECT title FROM records").fetchone()[0]
    assert names == ["Zed enwO", "Alice Owner"], names
    assert (contact.name, contact.company) == ("Ann exe.gpj", "Acme"), contact
    assert title == "Invoice שלום"
