"""What one card click costs the CRM itself: SQL statements executed, write transactions, and record
views built and storage steps taken (`Repository.run`: a thread hop each on PostgreSQL), for one `record.comment` click on a record whose card was posted in a channel (so the
card updater has a post to bring up to date). Counted, not timed: the figures are exact.

On PostgreSQL (`--postgresql`: a server started here) it also counts the round trips to the database: a
statement each, less those sent together (a transaction's BEGIN with its first statement, the reads of
`Repository.together`).

Run: `python -m bench.click_cost` (also part of `make bench`; tests/test_bench.py keeps the targets)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from app import BOT, SERVICES, create_app
from bot.config import Config
from bot.services.changes import RecordWork
from storage.repository import Repository
from tests.fake_connector import FakeConnector

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
VERBOSE = False
# 12 statements: 11, and what comes next on the record (its next step, next meeting and quiet limit: storage/coming.py).
# On PostgreSQL, 7 round trips: BEGIN and the activity's claim go with the record's bump, the comment's insert with
# the follower read, the card's three reads together.
TARGETS = {"statements": 12, "write transactions": 2, "record views": 1, "storage steps": 2, "round trips": 7}


async def settled(updater: Any) -> None:
    """Wait until the card updater has tried every scheduled update."""
    while updater._tasks:
        await asyncio.gather(*list(updater._tasks), return_exceptions=True)


@dataclass
class Cost:
    statements: int = 0
    write_transactions: int = 0
    record_views: int = 0
    storage_steps: int = 0  # Repository.run calls (a turn handed to the event loop's storage work on PostgreSQL)
    round_trips: int = 0  # PostgreSQL only


def _activity(service_url: str, n: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"cost-{n}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:alice", "name": "Alice Owner", "aadObjectId": "aad-alice"},
        "conversation": {"id": "19:sales@thread.tacv2", "conversationType": "channel", "isGroup": True},
        "recipient": {"id": BOT_ID, "name": "CRM"},
        "channelData": {"tenant": {"id": TENANT}, "channel": {"id": "19:sales@thread.tacv2"}},
        **fields,
    }


async def measure(database_url: str = "") -> Cost:
    """Post a lead's card in a channel, click Comment once to warm up, then count a second click."""
    cost = Cost()
    counting = False
    fake = FakeConnector()
    fake.add_member("29:alice", "Alice Owner", "alice@contoso.example", "aad-alice", TENANT)
    async with TestServer(fake.app()) as connector_server:
        service_url = f"http://127.0.0.1:{connector_server.port}/amer/"
        with tempfile.TemporaryDirectory() as folder:
            config = Config(
                database_path=str(Path(folder) / "crm.db"), database_url=database_url, notify_window_seconds=0
            )
            stepping: Callable[..., Any] = Repository.run

            async def counted_run(self: Repository, fn: Callable[..., Any], *args: Any) -> Any:
                if counting:
                    cost.storage_steps += 1
                return await stepping(self, fn, *args)

            Repository.run = counted_run  # type: ignore[method-assign]  # before the app binds it
            try:
                app = create_app(config)
            finally:
                Repository.run = stepping  # type: ignore[method-assign]
            async with TestClient(TestServer(app)) as client:
                mention = {"type": "mention", "text": "<at>CRM</at>", "mentioned": {"id": BOT_ID, "name": "CRM"}}
                said = _activity(service_url, 1, "message", text="<at>CRM</at> new lead Cost", entities=[mention])
                await client.post("/api/messages", json=said)
                posted = fake.replies_to("cost-1")[0].id
                if database_url:
                    return await _clicks_on_postgres(app, client, service_url, posted, cost)
                conn = app[SERVICES].repo.db.conn

                def trace(sql: str) -> None:
                    if counting:
                        cost.statements += 1
                        verb = sql.lstrip().split(None, 1)[0].upper()
                        # BEGIN opens one; a write outside a transaction is one of its own (autocommit).
                        implicit = verb in ("INSERT", "UPDATE", "DELETE", "REPLACE") and not conn.in_transaction
                        cost.write_transactions += verb == "BEGIN" or implicit
                        if VERBOSE:
                            print(" ".join(sql.split())[:150])

                conn.set_trace_callback(trace)
                original: Callable[..., Any] = RecordWork.view_of

                def counted_view_of(self: Any, *args: Any, **kwargs: Any) -> Any:
                    if counting:
                        cost.record_views += 1
                    return original(self, *args, **kwargs)

                RecordWork.view_of = counted_view_of  # type: ignore[method-assign]
                try:
                    for n in (2, 3):
                        counting = n == 3
                        await _comment(app, client, service_url, posted, n)
                        counting = False
                finally:
                    RecordWork.view_of = original  # type: ignore[method-assign]
                    conn.set_trace_callback(None)
                return cost


async def _comment(app: Any, client: TestClient, service_url: str, posted: str, n: int) -> None:
    """Click Comment on the posted card (the n-th activity), and wait for the card update it brings."""
    data = {"ref": "L-1", "version": 1 + (n - 2), "comment": f"Call {n}"}
    value = {"action": {"type": "Action.Execute", "verb": "record.comment", "data": data}}
    click = _activity(service_url, n, "invoke", name="adaptiveCard/action", value=value)
    click["replyToId"] = posted
    answer = await client.post("/api/messages", json=click)
    assert answer.status == 200, await answer.text()
    await settled(app[BOT].card_updater)


async def _clicks_on_postgres(app: Any, client: TestClient, service_url: str, posted: str, cost: Cost) -> Cost:
    """The second click's statements (BEGIN and COMMIT included) and round trips on PostgreSQL."""
    from storage.postgres import LoopConnection, PostgresDatabase, _Statements

    counting = False

    def counted(original: Callable[..., Any], name: str) -> Callable[..., Any]:
        def spy(self: Any, *args: Any) -> Any:
            if counting:
                if name == "_flushed":  # once a round trip
                    cost.round_trips += 1
                elif name == "command":  # BEGIN goes with the first statement; COMMIT only after a BEGIN sent
                    cost.write_transactions += args[0] == b"BEGIN"
                    cost.statements += args[0] == b"BEGIN" or not self._begin
                else:
                    cost.statements += 1
            return original(self, *args)

        return spy

    running = PostgresDatabase.run

    async def counted_run(self: PostgresDatabase, fn: Callable[..., Any], *args: Any) -> Any:
        cost.storage_steps += counting
        return await running(self, fn, *args)

    PostgresDatabase.run = counted_run  # type: ignore[method-assign]
    spied = [
        (LoopConnection, "_flushed"),
        (LoopConnection, "command"),
        (_Statements, "run"),
        (LoopConnection, "run_statement"),
    ]
    saved = [(cls, name, cls.__dict__[name]) for cls, name in spied]
    for cls, name, original in saved:
        setattr(cls, name, counted(original, name))
    try:
        for n in (2, 3, 4):  # a statement is prepared at its second use: the third click is counted
            counting = n == 4
            await _comment(app, client, service_url, posted, n)
            counting = False
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)
        PostgresDatabase.run = running  # type: ignore[method-assign]
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgresql", action="store_true", help="on a PostgreSQL server started here")
    if not parser.parse_args().postgresql:
        cost = asyncio.run(measure())
        print("one record.comment click on a card posted in a channel (card update included)")
        for name, value in (
            ("statements", cost.statements),
            ("write transactions", cost.write_transactions),
            ("record views", cost.record_views),
            ("storage steps", cost.storage_steps),
        ):
            print(f"{name:<20} {value:4d}   (target <= {TARGETS[name]})")
        return
    from tests.postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        server.create_template()
        cost = asyncio.run(measure(server.url(server.new_database())))
    finally:
        server.stop()
    print("one record.comment click on a card posted in a channel, on PostgreSQL (card update included)")
    print(f"statements           {cost.statements:4d}   (BEGIN and COMMIT included)")
    print(f"round trips          {cost.round_trips:4d}   (target <= {TARGETS['round trips']})")
    print(f"write transactions   {cost.write_transactions:4d}")
    print(f"storage steps        {cost.storage_steps:4d}")


if __name__ == "__main__":
    main()
