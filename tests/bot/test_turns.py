"""What happens around every turn: auth, redelivery, who the user is, the 1:1 chat, health."""

import sqlite3
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.conftest import ALICE, BOB, CARD, Teams, all_text


def count(teams: Teams, table: str) -> int:
    return teams.services.repo.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


async def test_the_same_activity_delivered_twice_is_processed_once(teams: Teams) -> None:
    activity = teams.message(ALICE, "new lead Only once")
    for _ in range(2):
        status, _ = await teams.post(activity)
        assert status in (200, 201)
    assert len(teams.connector.replies_to(activity["id"])) == 1
    assert [r.title for r in teams.services.records.list_records(ALICE.tenant_id, None)] == ["Only once"]


async def test_a_redelivered_card_click_does_not_apply_twice(teams: Teams) -> None:
    value = {"action": {"type": "Action.Execute", "verb": "record.create", "data": {"kind": "lead", "title": "Twice?"}}}
    invoke = teams.activity(ALICE, kind="invoke", name="adaptiveCard/action", value=value)
    first = await teams.post(invoke)
    second = await teams.post(invoke)
    assert first[0] == second[0] == 200
    assert first[1]["type"] == CARD and second[1] == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Already done.",
    }
    assert len(teams.services.records.list_records(ALICE.tenant_id, None)) == 1


async def test_users_are_recorded_with_email_looked_up_once(teams: Teams) -> None:
    await teams.say(ALICE, "help")
    await teams.say(ALICE, "leads")
    user = teams.services.repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert user is not None
    assert (user.name, user.aad_object_id, user.email) == (ALICE.name, ALICE.aad_object_id, ALICE.email)
    assert teams.connector.member_lookups == 1


async def test_the_personal_chat_is_stored_for_later_notifications(teams: Teams) -> None:
    await teams.say(BOB, "help", chat="channel")
    bob = teams.services.repo.people.find_user(BOB.tenant_id, BOB.teams_id, None)
    assert bob is not None and teams.services.repo.people.personal_conversation(BOB.tenant_id, bob.id) is None
    await teams.say(BOB, "help")
    stored = teams.services.repo.people.personal_conversation(BOB.tenant_id, bob.id)
    assert stored == {
        "conversation_id": f"a:1:{BOB.teams_id}",
        "service_url": teams.service_url,
        "bot_id": "28:11111111-2222-3333-4444-555555555555",
        "bot_name": "CRM",
    }


async def test_installing_welcomes_once_even_when_install_events_repeat(teams: Teams) -> None:
    install = teams.activity(ALICE, kind="installationUpdate", action="add")
    update = teams.activity(
        ALICE, kind="conversationUpdate", membersAdded=[{"id": "28:11111111-2222-3333-4444-555555555555"}]
    )
    for activity in (install, update, {**install, "id": "again-1"}, {**update, "id": "again-2"}):
        status, _ = await teams.post(activity)
        assert status in (200, 201)
    welcomes = [p for p in teams.connector.posted if "Hi!" in p.text]
    assert len(welcomes) == 1 and "Start with one of these" in all_text(welcomes[0].cards[0])
    assert count(teams, "users") == 1


async def test_healthz_answers_when_the_database_does(teams: Teams) -> None:
    response = await teams.client.get("/healthz")
    assert response.status == 200 and (await response.json()) == {"ok": True}


async def test_healthz_logs_why_the_database_did_not_answer(
    teams: Teams, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> bool:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(teams.services.repo, "ping", broken)
    response = await teams.client.get("/healthz")
    assert response.status == 503 and (await response.json()) == {"ok": False}
    [record] = [r for r in caplog.records if "health check failed" in r.getMessage()]
    assert record.exc_info and "disk I/O error" in str(record.exc_info[1])


async def test_with_an_app_id_requests_without_a_valid_token_are_401(
    aiohttp_client: Any, connector: Any, tmp_path: Any
) -> None:
    fake, service_url = connector
    config = Config(
        database_path=str(tmp_path / "crm.db"), app_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301", app_password="x"
    )
    teams = Teams(await aiohttp_client(create_app(config)), fake, service_url)
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}, {"Authorization": ""}):
        status, _ = await teams.post(teams.message(ALICE, "new lead Sneaky"), headers=headers)
        assert status == 401
    assert count(teams, "users") == count(teams, "records") == count(teams, "processed_activities") == 0
    assert fake.posted == []


async def test_a_change_that_fails_releases_its_claim_so_the_redelivery_is_carried_out(teams: Teams) -> None:
    """The redelivery claim commits with the change: a turn that crashed mid-change is done when Teams retries."""
    await teams.card(ALICE, "new lead Retry me")
    repo = teams.services.repo
    real_add_comment = repo.records.add_comment
    calls = 0

    def crash_once(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the disk went away")
        return real_add_comment(*args, **kwargs)

    repo.records.add_comment = crash_once  # type: ignore[method-assign]
    value = {"action": {"type": "Action.Execute", "verb": "record.comment", "data": {"ref": "L-1", "comment": "Hi"}}}
    invoke = teams.activity(ALICE, kind="invoke", name="adaptiveCard/action", value=value)
    first = await teams.post(invoke)
    assert first == (200, {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                           "value": "Sorry, something went wrong on my side. Please try again."})  # fmt: skip
    assert count(teams, "comments") == 0
    status, body = await teams.post(invoke)  # Teams delivers it again
    assert status == 200 and body["type"] == CARD, body
    assert "Comment added to L-1." in all_text(body["value"])
    assert count(teams, "comments") == 1
