"""Next steps' limits and bad input, through the bot's HTTP endpoint as Teams calls it: 500 open tasks on one
record (capped, said so), 100 KB of text, a tampered task id, another tenant's colleague: a clear sentence each
time, and nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.tasks import MAX_OPEN, TaskType
from cards import verbs
from tests.bot.test_tasks import TUESDAY
from tests.conftest import ALICE, BOB, FAST, MALLORY, CardInHand, Teams, all_text
from tests.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY, tick=0.000001)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: FakeClock) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=clock))
    return Teams(client, fake, service_url).moving(clock)


def count(teams: Teams, sql: str = "SELECT count(*) FROM tasks") -> int:
    return int(teams.services.repo.db.execute(sql).fetchone()[0])


def answered(body: dict[str, Any]) -> str:
    """What an invoke's answer shows: its card's text, or its message."""
    value = body.get("value")
    if isinstance(value, dict) and value.get("type") == "application/vnd.microsoft.card.adaptive":
        return all_text(value["value"])
    return str(value)


def fill(teams: Teams, ref_number: int, n: int) -> None:
    """`n` open tasks on the record, written as the service writes them (the 500 through HTTP would be slow)."""
    repo = teams.services.repo
    alice = repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None
    record_id = int(
        repo.db.execute(
            "SELECT id FROM records WHERE tenant_id = ? AND kind = 'opportunity' AND number = ?",
            [ALICE.tenant_id, ref_number],
        ).fetchone()[0]
    )
    with repo.transaction():
        for i in range(n):
            repo.tasks.insert_task(
                ALICE.tenant_id, record_id, f"Step {i}", TaskType.TODO, "2026-12-02", None, 15, alice.id, alice.id,
                TUESDAY,
            )  # fmt: skip


async def test_a_record_holds_at_most_500_open_tasks_and_says_so(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    fill(teams, 1, MAX_OPEN - 1)
    assert "Next step T-500 added to O-1." in all_text(await teams.card(ALICE, "task O-1 The last one due in 2 hours"))
    events = count(teams, "SELECT count(*) FROM events")
    answer = await teams.text(ALICE, "task O-1 One too many")
    assert "O-1 has 500 open tasks, the most a record can have: mark some done first." in answer
    form = await CardInHand.posted(teams, ALICE, "show O-1")
    await form.press("Add next step")
    await form.press("Add", text="One too many, by the form")
    assert "O-1 has 500 open tasks" in form.text
    assert count(teams) == MAX_OPEN and count(teams, "SELECT count(*) FROM events") == events  # nothing written
    assert count(teams, "SELECT count(*) FROM notifications WHERE purpose = 'reminder'") == 1  # T-500's only

    await teams.say(ALICE, "done T-1")
    await teams.card(ALICE, "task O-1 Room again")  # done ones don't count
    body = await teams.click(ALICE, verbs.TASK_REOPEN, {"task": "T-1"})
    assert "O-1 has 500 open tasks, the most a record can have." in answered(body)
    assert count(teams, "SELECT count(*) FROM tasks WHERE done_at IS NULL") == MAX_OPEN


async def test_100_kb_of_text_is_refused_in_chat_and_on_the_form(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    huge = "x" * 100_000
    answer = await teams.text(ALICE, f"task O-1 {huge}")
    assert "That message has 100,009 characters; commands are much shorter than that." in answer
    form = await CardInHand.posted(teams, ALICE, "show O-1")
    await form.press("Add next step")
    await form.press("Add", text=huge)  # past the form's maxLength: only a tampered card sends it
    assert form.answer["value"] == "This card sent something I can't read; please open the record again."
    await form.press("Add", text="y" * 2001)
    assert "A task's text can be at most 2,000 characters (this one has 2,001)." in form.text
    assert form.inputs()["text"]["value"] == "y" * 2001  # what was typed is kept
    await teams.card(ALICE, "task O-1 Call Jane")
    await teams.click(ALICE, verbs.TASK_SAVE, {"task": "T-1", "text": huge})
    assert "A note can be at most 2,000 characters (this one has 3,000)." in await teams.text(
        ALICE, "done T-1 " + "n" * 3000
    )
    assert count(teams) == 1 and count(teams, "SELECT count(*) FROM tasks WHERE done_at IS NULL") == 1
    [text] = [r[0] for r in teams.services.repo.db.execute("SELECT text FROM tasks").fetchall()]
    assert text == "Call Jane"


async def test_a_tampered_task_id_is_refused(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Acme rollout")
    await teams.card(ALICE, "task O-1 Call Jane")
    await teams.card(MALLORY, "new opportunity Their own")
    await teams.card(MALLORY, "task O-1 Their step")  # T-1 of Mallory's organisation
    for tampered in ("T-999", "T-0", "T-1'; DROP TABLE tasks;--", "T-" + "9" * 40, "", 17):
        body = await teams.click(BOB, verbs.TASK_DONE, {"task": tampered})
        shown = answered(body)
        assert "I can't find the task" in shown or "is missing" in shown or "can't read" in shown, (
            tampered,
            shown,
        )
    for verb in (verbs.TASK_DONE, verbs.TASK_EDIT_FORM, verbs.TASK_REASSIGN_FORM, verbs.TASK_REOPEN):
        body = await teams.click(BOB, verb, {"task": {"nested": "T-1"}})
        assert "Traceback" not in answered(body)
    assert count(teams, "SELECT count(*) FROM tasks WHERE done_at IS NOT NULL") == 0
    mine = await CardInHand.posted(teams, MALLORY, "tasks")
    assert "Their step" in mine.text and "Call Jane" not in mine.text  # each organisation its own T-1
    await teams.say(MALLORY, "done T-1")
    rows = teams.services.repo.db.execute("SELECT tenant_id, done_at IS NOT NULL FROM tasks ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(ALICE.tenant_id, 0), (MALLORY.tenant_id, 1)]


async def test_another_tenants_colleague_is_refused(teams: Teams) -> None:
    await teams.say(MALLORY, "help")  # the bot knows Mallory, in her own organisation
    await teams.card(ALICE, "new opportunity Acme rollout")
    answer = await teams.text(ALICE, f"task O-1 Call Jane for {MALLORY.email}")
    assert "I can't find a colleague" in answer
    form = await CardInHand.posted(teams, ALICE, "show O-1")
    await form.press("Add next step")
    await form.press("Add", text="Call Jane", assignee=MALLORY.aad_object_id)  # tampered picker value
    assert "I can't find that person in your organisation" in form.text
    assert form.inputs()["text"]["value"] == "Call Jane" and "Add" in form.buttons()
    assert count(teams) == 0
    await teams.card(ALICE, "task O-1 Call Jane")
    mine = await CardInHand.posted(teams, ALICE, "tasks")
    await mine.press("Reassign")
    await mine.press("Reassign", assignee=MALLORY.aad_object_id)
    assert "I can't find that person in your organisation" in mine.text
    assigned = teams.services.repo.db.execute("SELECT assignee_id FROM tasks").fetchall()
    alice = teams.services.repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None and [r[0] for r in assigned] == [alice.id]
    assert teams.notifications(MALLORY) == []
