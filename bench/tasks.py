"""Next steps at scale, in two parts.

Speed: p50/p99 of `tasks` (a person's open next steps) and of the record card (`show L-1`, its next step)
for one tenant holding 100 and 100,000 tasks (1,000 leads; half of the tasks open, the rest done; due days
over three months, two in three at a time of day; all the owner's), each database with a second tenant of
100 beside it. Each database is served by its own `python app.py`; the messages go to them in turn, one at a
time, in a shuffled order, so the machine's noise falls on both sizes alike. Prints the figures and the
100k / 100 ratios (goal <= 1.5x): both read the first few open tasks through migration 33's indexes, in the
order they come due, whatever the tenant holds.

Reminders: 1,000 people of one tenant each with a task due at the same second, reminded at the time (lead time
0), through a fake Bot Connector in a process of its own that enforces Teams' rate limits (tests/fake_connector.py:
per conversation 7/1 s, 8/2 s, 60/30 s; per tenant TEAMS_TENANT_RPS, 30/1 s; a send past them answered 429).
Prints the time from the due second to the last arrival against the least time the limits allow,

    least = ceil(N / R) - 1 seconds

(R accepted sends in any 1 s window of the tenant, the first batch at 0 s; one reminder per conversation, so the
per conversation limits do not bind; goal <= 1.1x), and how many were lost or doubled. Then, on the idle bot,
20 reminders due one at a time, half a second apart: the median and the largest lateness (arrival - due; goal:
median under 2 s). Run with `make bench`; it prints figures and never fails on timing noise."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import multiprocessing
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from app import NOTIFIER, SERVICES, create_app
from bench.common import CRM, Requests, Teams, fake_teams, session, shuffled_rounds, size_table, spawned, timed
from bench.fanout import fake_teams as limited_teams
from bench.fanout import serve
from bench.seed import build
from bot.config import Config
from bot.domain.clock import format_time
from bot.domain.models import Kind
from bot.notify.rate_limits import CONVERSATION_LIMITS, TENANT_LIMITS
from storage.db import open_database, transaction

BIG = "72f988bf-0000-4000-8000-00000000aaaa"
SMALL = "72f988bf-0000-4000-8000-00000000bbbb"
SIZES = (100, 100_000)
RECORDS = 1_000
OPS = {"tasks": "tasks", "record card": "show L-1"}
BOT_ID = "28:11111111-2222-3333-4444-555555555555"


def add_tasks(path: str, tenant_id: str, owner_id: int, count: int) -> None:
    """`count` tasks on the tenant's leads, round robin; every other one open (at 100, the 50 the `tasks` card
    shows: both sizes show as many), the others done; due over three months from 2026-11-01, some at a time of
    day."""
    db = open_database(path)
    records = [
        int(r[0]) for r in db.conn.execute("SELECT id FROM records WHERE tenant_id = ? ORDER BY number", [tenant_id])
    ]
    start = date(2026, 11, 1)

    def rows() -> Any:
        for i in range(count):
            day = (start + timedelta(days=(i * 7) % 90)).isoformat()
            at = f"{day}T{8 + i % 10:02d}:{(i * 13) % 60:02d}:00Z" if i % 3 else None
            done = None if i % 2 == 0 else "2026-11-20T12:00:00.000000Z"
            yield (tenant_id, i + 1, records[i % len(records)], f"Step {i}", "call", day, at, 15, owner_id, owner_id,
                   "2026-10-01T00:00:00.000000Z", "2026-10-01T00:00:00.000000Z", done, owner_id if done else None)  # fmt: skip

    with transaction(db):
        db.conn.executemany(
            "INSERT INTO tasks (tenant_id, number, record_id, text, type, due_on, due_at, lead_minutes, assignee_id,"
            " created_by, created_at, updated_at, done_at, done_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
    db.close()


def _requests(teams: Teams) -> Requests:
    return {op: functools.partial(teams.message, text) for op, text in OPS.items()}


async def speed(rounds: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        members = [(f"29:bench-{t[-4:]}", f"aad-bench-{t[-4:]}", t) for t in (BIG, SMALL)]
        with fake_teams(members) as service_url:
            seeded = {}
            for size in SIZES:
                path = str(Path(folder) / f"crm-{size}.db")
                seeded[size] = build(path, {BIG: RECORDS, SMALL: 100}, service_url)
                big, small = seeded[size]
                add_tasks(path, BIG, big.owner_id, size)
                add_tasks(path, SMALL, small.owner_id, 100)
            managers = {size: spawned(f"CRM {size}", CRM, str(Path(folder) / f"crm-{size}.db")) for size in SIZES}
            servers = {size: manager.__enter__() for size, manager in managers.items()}
            try:
                targets = []
                for size, server in servers.items():
                    big, small = seeded[size]
                    targets.append(
                        (str(size), server.url, Teams(BIG, big.owner_teams_id, big.owner_aad_id, service_url))
                    )
                    if size == max(SIZES):
                        other = Teams(SMALL, small.owner_teams_id, small.owner_aad_id, service_url)
                        targets.append(("second tenant", server.url, other))
                await ready_all(targets)
                requests = [(name, url, _requests(teams)) for name, url, teams in targets]
                times = await shuffled_rounds(requests, list(OPS), rounds, seconds)
            finally:
                for manager in managers.values():
                    manager.__exit__(None, None, None)
    small_name = str(min(SIZES))
    print(f"messages                 {len(times[(small_name, 'tasks')])} of each kind per database, one at a time")
    figures = size_table(times, OPS, [small_name, str(max(SIZES)), "second tenant"], 40)
    print("json " + json.dumps(figures, separators=(",", ":")))
    return figures


async def ready_all(targets: list[tuple[str, str, Teams]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with session() as http:
        for _name, url, teams in targets:
            while True:
                try:
                    await timed(http, url, teams.message("tasks"))
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)


def _retime(app: Any, task_ids: list[int], moments: list[datetime]) -> None:
    """Each task (and its pending reminder) due at its moment to the second, reminded at the time: the rows the
    product writes for `task ... due <when>` with lead time 0 (bot/services/reminders.py), at a chosen second
    instead of a whole minute."""
    repo = app[SERVICES].repo
    with repo.transaction():
        for task_id, moment in zip(task_ids, moments, strict=True):
            stamp = format_time(moment)
            due = stamp[:19] + "Z"
            repo.db.execute(
                "UPDATE tasks SET due_on = ?, due_at = ?, lead_minutes = 0 WHERE tenant_id = ? AND id = ?",
                [due[:10], due, BIG, task_id],
            )
            repo.db.execute(
                "UPDATE notifications SET due_at = ?, next_attempt_at = ?, occasion = ? WHERE tenant_id = ?"
                " AND purpose = 'reminder' AND occasion LIKE ?",
                [stamp, stamp, f"{task_id}@{due}", BIG, f"{task_id}@%"],
            )


async def reminders(people: int, timeout: float) -> dict[str, Any]:
    ports: multiprocessing.Queue = multiprocessing.Queue()
    teams = multiprocessing.Process(target=limited_teams, args=(ports, 0.0), daemon=True)
    teams.start()
    port, _graph_port = ports.get(timeout=30)
    service_url = f"http://127.0.0.1:{port}/amer/"
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_path=str(Path(folder) / "bench.db"), notify_window_seconds=0)
        app = create_app(config)
        runner, _ = await serve(app)
        services = app[SERVICES]
        owner = services.people.record_user(BIG, "29:owner", "aad-owner", "Owner", service_url)
        leads = [
            services.records.create_record(owner, Kind.LEAD, f"Launch {n}").record for n in range(people // 400 + 1)
        ]
        with services.repo.transaction():
            users = []
            for i in range(people + 20):
                user = services.repo.people.upsert_user(BIG, f"29:user{i}", f"aad-{i}", f"User {i}", "2026-01-01")
                services.repo.people.store_personal_conversation(
                    BIG, user.id, f"a:1:29:user{i}", service_url, BOT_ID, "CRM", "2026-01-01"
                )
                users.append(user)
        made = time.monotonic()
        for i, user in enumerate(users):  # through the product: each their own task, its reminder in the outbox
            services.tasks.add(
                user, leads[i // 400].ref, f"Call customer {i}", "in 1 hour", lead=0
            )  # 500 a lead at most
        made = time.monotonic() - made
        by_number = dict(services.repo.db.execute("SELECT number, id FROM tasks WHERE tenant_id = ?", [BIG]).fetchall())
        task_ids = [int(by_number[n + 1]) for n in range(len(users))]
        # The burst: every reminder due at the same second, 2 s from now.
        due_wall = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        _retime(app, task_ids[:people], [due_wall] * people)
        lead = (due_wall - datetime.now(UTC)).total_seconds()
        due_mono = time.monotonic() + lead
        app[NOTIFIER].wake()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = services.deliveries.counts(BIG)
            if time.monotonic() > due_mono and counts["pending"] + counts["sending"] == 0:  # type: ignore[index]
                break
            await asyncio.sleep(0.05)
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/_bench/state") as answer:
            burst = await answer.json()
        # Idle: one at a time, half a second apart.
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        spaced = [first + timedelta(seconds=0.5 * i) for i in range(20)]
        _retime(app, task_ids[people:], spaced)
        spaced_mono = [time.monotonic() + (m - datetime.now(UTC)).total_seconds() for m in spaced]
        app[NOTIFIER].wake()
        await asyncio.sleep(max(0.0, spaced_mono[-1] - time.monotonic()) + 3.0)
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/_bench/state") as answer:
            final = await answer.json()
        await runner.cleanup()
    teams.terminate()

    def person(conversation: str) -> int:
        return int(conversation.rsplit("user", 1)[1]) if "user" in conversation else -1

    burst_posts = [(c, at) for c, at in burst["posted"] if 0 <= person(c) < people]
    arrivals = sorted(at for _, at in burst_posts)
    distinct = {c for c, _ in burst_posts}
    early = sum(1 for at in arrivals if at < due_mono - 0.05)
    per_second = config.teams_tenant_rps
    least = max(math.ceil(people / per_second) - 1, 0) or 1 / per_second
    took = (arrivals[-1] - due_mono) if arrivals else float("nan")
    idle_posts = {person(c) - people: at for c, at in final["posted"] if person(c) >= people}
    late = sorted(idle_posts[i] - spaced_mono[i] for i in idle_posts)
    figures = {
        "people": people, "delivered": len(distinct), "lost": people - len(distinct),
        "doubled": len(arrivals) - len(distinct), "early": early, "seconds": took, "least": least,
        "ratio": took / least, "idle_lateness_median": late[len(late) // 2] if late else float("nan"),
        "idle_lateness_max": late[-1] if late else float("nan"), "idle_delivered": len(idle_posts),
    }  # fmt: skip
    print(f"tasks made               {len(users)} through the service in {made:.1f} s")
    print(f"limits                   per conversation {CONVERSATION_LIMITS}, per tenant {TENANT_LIMITS} (n, seconds)")
    print(f"reminders due at once    {people}, one per person (lead time 0)")
    print(f"time from due to last    {took:.2f} s")
    print(f"least the limits allow   {least:.2f} s  (ceil({people} / {per_second}) - 1)")
    print(f"ratio                    {figures['ratio']:.3f}x (goal <= 1.1x)")
    print(f"lost / doubled / early   {figures['lost']} / {figures['doubled']} / {early}")
    print(f"429 answers              {len(burst['refused'])} ({burst['over_limit']} for exceeding a limit)")
    print(
        f"idle bot                 {len(idle_posts)} of 20 reminders, lateness median"
        f" {figures['idle_lateness_median']:.2f} s, max {figures['idle_lateness_max']:.2f} s (goal: median < 2 s)"
    )
    print("json " + json.dumps(figures, separators=(",", ":")))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop measuring speed after this long")
    parser.add_argument("--people", type=int, default=1000, help="reminders due in the same second")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--only", choices=("speed", "reminders"), default=None)
    args = parser.parse_args()
    if args.only != "reminders":
        asyncio.run(speed(args.rounds, args.seconds))
    if args.only != "speed":
        asyncio.run(reminders(args.people, args.timeout))


if __name__ == "__main__":
    main()
