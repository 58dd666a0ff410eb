"""Many people changing one record at once, through two app instances on one database (SQLite file or PostgreSQL):
no lost update, no "database is locked" reaching anyone, a complete timeline."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from playground.processes import free_port
from tests.conftest import ALICE, Person, Teams

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [Person(f"29:rep-{i}", f"aad-rep-{i}", f"Rep {i}", f"rep{i}@contoso.example") for i in range(12)]


@pytest.fixture
async def second_instance(bot_config: Any) -> AsyncIterator[str]:
    """`python app.py` in a process of its own, on the same database file as the `teams` fixture's app."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_PATH": bot_config.database_path,
        "DATABASE_URL": bot_config.database_url,
        "NOTIFY_WINDOW_SECONDS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # up to 10 s to start
                try:
                    async with session.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("the second instance did not start")
        yield f"{url}/api/messages"
    finally:
        process.terminate()
        try:  # waited for off the event loop: the instance's last sends need the fake connector to answer
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        errors = (process.stderr.read() if process.stderr else b"").decode()
        assert "database is locked" not in errors, errors


async def test_simultaneous_changes_from_two_instances_lose_nothing(teams: Teams, second_instance: str) -> None:
    await teams.say(ALICE, "new lead Busy deal")
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example")
    activities = []
    for i, person in enumerate(PEOPLE):
        activities.append(teams.message(person, f"comment L-1 note {i} from {person.name}"))
        activities.append(teams.message(person, "follow L-1"))
    activities.append(teams.message(PEOPLE[0], "contact L-1 jane@acme.example"))
    activities.append(teams.message(PEOPLE[1], "stage L-1 Contacted"))

    async with aiohttp.ClientSession() as session:

        async def via_second(activity: dict[str, Any]) -> int:
            async with session.post(second_instance, json=activity) as response:
                return response.status

        async def via_first(activity: dict[str, Any]) -> int:
            return (await teams.post(activity))[0]

        sends = [(via_second if i % 2 else via_first)(a) for i, a in enumerate(activities)]
        statuses = await asyncio.gather(*sends)
    assert all(s in (200, 201) for s in statuses), statuses

    record = teams.services.records.get_record(ALICE.tenant_id, "L-1")
    view = teams.services.records.view_of(record)
    assert teams.comment_count(ALICE.tenant_id, record.id) == len(PEOPLE)
    assert {f.user.name for f in view.followers} == {ALICE.name} | {p.name for p in PEOPLE}
    assert view.contact is not None and view.contact.name == "Jane Buyer" and record.stage == "Contacted"
    kinds = [
        row[0] for row in teams.services.repo.db.execute("SELECT kind FROM events WHERE record_id = ?", [record.id])
    ]
    assert kinds.count("commented") == len(PEOPLE) and kinds.count("follower_added") == len(PEOPLE)
    assert record.version == 1 + len(activities)  # every change bumped the version exactly once
    assert all(len(teams.connector.replies_to(a["id"])) == 1 for a in activities)  # everyone got an answer
    replies = [p.text for p in teams.connector.posted if p.text]
    assert not [r for r in replies if "went wrong" in r or "locked" in r], replies


async def test_a_redelivered_activity_is_processed_once_whichever_instance_gets_it(
    teams: Teams, second_instance: str
) -> None:
    """Teams redelivers an activity it is unsure about, and a load balancer may hand each copy to another
    replica: both copies arrive at once, at two instances; the change is made once."""
    await teams.say(ALICE, "new lead Busy deal")
    clicks = [
        teams.activity(
            person,
            kind="invoke",
            name="adaptiveCard/action",
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": "record.comment",
                    "data": {"ref": "L-1", "version": 1, "comment": f"once {i}"},
                }
            },
        )
        for i, person in enumerate(PEOPLE[:6])
    ]
    async with aiohttp.ClientSession() as session:

        async def via_second(activity: dict[str, Any]) -> int:
            async with session.post(second_instance, json=activity) as response:
                return response.status

        async def via_first(activity: dict[str, Any]) -> int:
            return (await teams.post(activity))[0]

        statuses = await asyncio.gather(*(send(a) for a in clicks for send in (via_first, via_second)))
    assert all(s == 200 for s in statuses), statuses
    record = teams.services.records.get_record(ALICE.tenant_id, "L-1")
    assert teams.comment_count(ALICE.tenant_id, record.id) == len(clicks)
    assert record.version == 1 + len(clicks)
