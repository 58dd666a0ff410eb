"""Bad input through HTTP: a clear message or a 4xx, never a 500, and nothing half-written."""

import json
from typing import Any

import pytest

from tests.conftest import ALICE, BOB, Teams, all_text


def snapshot(teams: Teams) -> dict[str, Any]:
    """Every row of the domain tables (not the redelivery log, which records every activity)."""
    db = teams.services.repo.db
    tables = ["contacts", "records", "record_contacts", "followers", "comments", "events"]
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


@pytest.fixture
async def seeded(teams: Teams) -> Teams:
    await teams.card(ALICE, "new contact Jane Buyer jane@acme.example")
    await teams.card(ALICE, "new contact Jane Doe jane.doe@acme.example")
    await teams.card(ALICE, "new lead Acme rollout")
    return teams


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("new contact Bad Email jane@@acme", "is not a valid email address"),
        ("new contact Twice JANE@ACME.EXAMPLE", "Jane Buyer already has the email jane@acme.example"),
        ("show L-99", "I can't find L-99."),
        ("show X-1", "References look like L-3"),
        ("stage L-1 Won", "Choose one of: New, Contacted, Qualified, Disqualified"),
        ("stage L-1 new", "already in stage New"),
        ("contact L-1 nobody@acme.example", "No contact has the email nobody@acme.example"),
        ("contact L-1 Zed", "new contact Zed ‹email›"),
        ("participant L-1", "Something is missing"),
        ("comment L-1", "Something is missing"),
        ("show", "Which record?"),
        ("remove participant L-1 jane@acme.example", "not a participant"),
        ("convert O-1", "I can't find O-1."),
        ("find", "What should I look for?"),
    ],
)
async def test_refused_commands_change_nothing(seeded: Teams, command: str, expected: str) -> None:
    before = snapshot(seeded)
    replies = await seeded.say(ALICE, command)
    said = "\n".join(r.text + all_text(c) for r in replies for c in (r.cards or [{}]))
    assert expected in said
    assert snapshot(seeded) == before


async def test_empty_title_gets_the_form_and_an_ambiguous_name_lists_matches(seeded: Teams) -> None:
    form = all_text(await seeded.card(ALICE, "new lead"))
    assert "New lead" in form and "[Create lead]" in form
    before = snapshot(seeded)
    card = all_text(await seeded.card(ALICE, "contact L-1 Jane"))
    assert "Several contacts match" in card and "jane@acme.example" in card and "jane.doe@acme.example" in card
    assert snapshot(seeded) == before


async def test_contact_and_participant_are_never_the_same_person(seeded: Teams) -> None:
    await seeded.card(ALICE, "contact L-1 jane@acme.example")
    before = snapshot(seeded)
    assert "is the Contact of L-1, so not also a participant" in await seeded.text(
        ALICE, "participant L-1 jane@acme.example"
    )
    assert "already the Contact" in await seeded.text(ALICE, "contact L-1 jane@acme.example")
    await seeded.card(ALICE, "participant L-1 jane.doe@acme.example")
    assert "already a participant" in await seeded.text(ALICE, "participant L-1 jane.doe@acme.example")
    assert len(snapshot(seeded)["record_contacts"]) == len(before["record_contacts"]) + 1


async def test_a_100_kb_message_is_refused_politely(seeded: Teams) -> None:
    before = snapshot(seeded)
    text = await seeded.text(ALICE, "comment L-1 " + "x" * 100_000)
    assert "commands are much shorter" in text
    assert snapshot(seeded) == before


async def test_a_long_comment_is_refused_with_the_limit(seeded: Teams) -> None:
    text = await seeded.text(ALICE, "comment L-1 " + "y" * 5000)
    assert "at most 4,000 characters" in text


async def test_following_twice_or_unfollowing_twice_is_refused(seeded: Teams) -> None:
    assert "You already follow L-1." in await seeded.text(ALICE, "follow L-1")
    await seeded.card(ALICE, "unfollow L-1")
    before = snapshot(seeded)
    assert "You don't follow L-1." in await seeded.text(ALICE, "unfollow L-1")
    assert snapshot(seeded) == before


@pytest.mark.parametrize(
    ("value", "search"),
    [
        ("Ünïcödé 🚀 deal for 株式会社", "unicode"),  # diacritics folded for search
        ("صفقة كبيرة مع شركة", "كبيرة"),  # right-to-left
        ("Robert'); DROP TABLE records;--", "drop"),
        ('<script>alert(1)</script> & "quotes"', "script"),
    ],
)
async def test_unusual_text_is_stored_literally(seeded: Teams, value: str, search: str) -> None:
    card = all_text(await seeded.card(ALICE, f"new lead {value}"))
    assert value in card
    await seeded.card(ALICE, f"comment L-2 {value}")
    assert f"commented: {value}" in all_text(await seeded.card(BOB, "show L-2"))
    assert seeded.services.records.get_record(ALICE.tenant_id, "L-2").title == value
    assert value in all_text(await seeded.card(ALICE, f"find {search}"))
    assert len(snapshot(seeded)["records"]) == 2


async def test_unknown_text_gets_a_friendly_answer_with_buttons(teams: Teams) -> None:
    card = await teams.card(ALICE, "what's the weather")
    text = all_text(card)
    assert "I did not understand “what's the weather”" in text and "[New lead]" in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2, 3]", 400),
        (b'"just a string"', 400),
        (json.dumps({"type": "message", "text": "help"}).encode(), 400),  # no serviceUrl, channelId, conversation
        (json.dumps({"type": "message", "serviceUrl": "ftp://x", "channelId": "msteams"}).encode(), 400),
        (
            json.dumps(
                {"type": "message", "serviceUrl": "http://x/", "channelId": "msteams", "conversation": "not an object"}
            ).encode(),
            400,
        ),
    ],
)
async def test_malformed_bodies_get_4xx(teams: Teams, body: bytes, status: int) -> None:
    response = await teams.client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == status
    assert snapshot(teams) == {t: [] for t in snapshot(teams)}


async def test_wrong_content_type_is_415(teams: Teams) -> None:
    response = await teams.client.post("/api/messages", data=b"help", headers={"Content-Type": "text/plain"})
    assert response.status == 415


async def test_an_activity_missing_tenant_or_sender_is_answered_not_crashed(teams: Teams) -> None:
    activity = teams.message(ALICE, "new lead Ghost")
    del activity["channelData"]
    activity["conversation"].pop("tenantId")
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    assert "could not tell who you are" in teams.connector.replies_to(activity["id"])[0].text
    no_sender = teams.message(ALICE, "new lead Ghost")
    del no_sender["from"]
    status, _ = await teams.post(no_sender)
    assert status in (200, 201)
    assert snapshot(teams)["records"] == []


async def test_wrong_typed_fields_are_400_not_500(teams: Teams) -> None:
    activity = teams.message(ALICE, "help")
    activity["entities"] = "not a list"
    status, _ = await teams.post(activity)
    assert 400 <= status < 500 or status in (200, 201)
    activity = teams.message(ALICE, "help")
    activity["text"] = {"nested": ["object"]}
    status, _ = await teams.post(activity)
    assert status < 500
