"""Several replicas of `python app.py` on one PostgreSQL (started here, in a temporary folder).

1. Efficiency per replica: `record.comment` card clicks (8 concurrent clients, alternating rounds)
   against one replica on PostgreSQL and one on SQLite, same data: throughput, p99 and the CPU a click
   costs (the replica's process, and the database server's backends), and the ratios (goals: throughput
   >= 0.8x, p99 <= 1.5x; on 2 cores more replicas cannot add throughput). `--against PATH` adds another
   checkout's replica (`git worktree add /tmp/before REV`) on PostgreSQL to the same rounds;
   `--throughput-only` stops after this part.
2. Fan-out: 3 replicas, one change on a record with 1,000 followers, the fake connector (its own process)
   enforcing Teams' limits and answering 10% of sends with 429: time / the least the limits allow,
   lost, duplicated, sends over a limit (the replicas must act as one sender per tenant).
3. The same with the replica that sends for the tenant killed (SIGKILL) half-way: the others finish;
   rows caught mid-call become failed ("may have arrived"), none lost, none sent twice.
4. Spread: 12 tenants over 3 replicas, a rolling restart, the tenants each replica sends for, without
   and with idle tenants handed back (CRM_HAND_BACK_SECONDS).

Prints figures and never fails on timing noise; every wait is bounded."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from bench.common import CARD, CRM, Load, Server, Teams, load, percentile, post, ready, session, spawned
from bot.domain.models import Kind
from bot.domain.quotas import QuotaKind, sized
from bot.notify.rate_limits import CONVERSATION_LIMITS, TENANT_LIMITS
from bot.services import CrmService
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.fake_connector import FakeConnector, Limits
from tests.postgres_server import PostgresServer

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
OWNER = ("29:bench-owner", "aad-bench-owner")
RECORDS = 100
AGAINST = "PostgreSQL at --against"
NOW = "2026-01-01T00:00:00.000000Z"


def open_services(database: str, lifted: bool = False) -> CrmService:
    if database.startswith("postgresql://"):
        from storage.postgres import open_postgres

        db: Any = open_postgres(database, pool_size=2)
    else:
        db = open_database(database)
    migrate(db)
    # A seed is a bulk load, not a person typing: the per-minute write quotas (bot/domain/quotas.py) are lifted.
    sizes = dict.fromkeys(QuotaKind, (10**9, 10**9)) if lifted else {}
    return CrmService(Repository(db), quotas=sized(sizes))


def seed_records(database: str, service_url: str) -> None:
    services = open_services(database, lifted=True)
    owner = services.people.record_user(TENANT, *OWNER, "Bench Owner", service_url)
    for i in range(RECORDS):
        services.records.create_record(owner, Kind.LEAD, f"Deal {i}")
    services.repo.db.close()


def fake_process(ports: multiprocessing.Queue, share_429: float, limits: bool) -> None:
    fake = FakeConnector(limits=Limits(CONVERSATION_LIMITS, TENANT_LIMITS) if limits else None, random_429=share_429)
    fake.add_member(OWNER[0], "Bench Owner", "owner@contoso.example", OWNER[1], TENANT)

    async def state(request: web.Request) -> web.Response:
        posted = [(p.conversation_id, p.at) for p in fake.notifications()]
        return web.json_response({"posted": posted, "refused": fake.refused, "over_limit": fake.over_limit})

    async def clear(request: web.Request) -> web.Response:
        fake.posted.clear()
        fake.refused.clear()
        fake.over_limit = 0
        return web.json_response({})

    async def forever() -> None:
        app = web.Application()
        app.router.add_get("/_bench/state", state)
        app.router.add_post("/_bench/clear", clear)
        app.router.add_route("*", "/{tail:.*}", fake._route)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(forever())


class FakeTeams:
    def __init__(self, share_429: float = 0.0, limits: bool = False) -> None:
        ports: multiprocessing.Queue = multiprocessing.Queue()
        self.process = multiprocessing.Process(target=fake_process, args=(ports, share_429, limits), daemon=True)
        self.process.start()
        self.port = ports.get(timeout=30)
        self.service_url = f"http://127.0.0.1:{self.port}/amer/"

    async def state(self) -> dict[str, Any]:
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{self.port}/_bench/state") as answer:
            return dict(await answer.json())

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


# --- 1. efficiency per replica ---------------------------------------------------------------------


async def throughput(server: PostgresServer, rounds: int, seconds: float, concurrency: int, against: str = "") -> None:
    rng = random.Random(8)
    fake = FakeTeams()
    try:
        teams = Teams(TENANT, OWNER[0], OWNER[1], fake.service_url)

        def click() -> dict[str, Any]:
            ref = f"L-{rng.randint(1, RECORDS)}"
            return teams.click("record.comment", {"ref": ref, "comment": "Called them: they want a quote by Friday."})

        with tempfile.TemporaryDirectory() as folder:
            sqlite_path = str(Path(folder) / "crm.db")
            pg_url = server.url(server.new_database())
            their_url = server.url(server.new_database()) if against else ""
            for database in (sqlite_path, pg_url, their_url):
                if database:
                    seed_records(database, fake.service_url)
            with contextlib.ExitStack() as stack:
                lite = stack.enter_context(spawned("SQLite", CRM, sqlite_path, NOTIFY_WINDOW_SECONDS="0"))
                pg = stack.enter_context(spawned("PostgreSQL", CRM, DATABASE_URL=pg_url, NOTIFY_WINDOW_SECONDS="0"))
                servers: tuple[Server, ...] = (lite, pg)
                urls = {pg.name: pg_url}
                if against:  # the code of another checkout, on PostgreSQL too, in the same rounds
                    command = [sys.executable, str(Path(against) / "app.py")]
                    theirs = spawned(
                        AGAINST, command, DATABASE_URL=their_url, NOTIFY_WINDOW_SECONDS="0", PYTHONPATH=against
                    )
                    servers += (stack.enter_context(theirs),)
                    urls[AGAINST] = their_url
                for bot in servers:
                    await ready(bot, click)
                    async with session() as http:
                        status, answer = await post(http, bot.url, click())
                        assert status == 200 and answer["type"] == CARD, (status, str(answer)[:300])
                    await load(bot.url, click, concurrency, 1.0)  # warm up
                results = {bot.name: Load() for bot in servers}
                cpu = {bot.name: 0.0 for bot in servers}
                database_cpu = dict.fromkeys(urls, 0.0)
                for i in range(rounds):
                    for bot in servers if i % 2 == 0 else servers[::-1]:
                        url = urls.get(bot.name, "")
                        before, server_before = bot.cpu_seconds(), backend_cpu_seconds(url) if url else 0.0
                        await load(bot.url, click, concurrency, seconds, into=results[bot.name])
                        cpu[bot.name] += bot.cpu_seconds() - before
                        if url:
                            database_cpu[bot.name] += backend_cpu_seconds(url) - server_before
    finally:
        fake.stop()
    print(f"load                     {concurrency} concurrent clients, {rounds} alternating rounds of {seconds:.0f} s")
    for name, result in results.items():
        print(
            f"  {name:<22} {result.per_second:7.0f} req/s  p50 {percentile(result.latencies, 0.5) * 1000:5.1f} ms"
            f"  p99 {percentile(result.latencies, 0.99) * 1000:5.1f} ms  ({result.requests} requests,"
            f" {result.errors} errors)"
        )
    lite_load, pg_load = results["SQLite"], results["PostgreSQL"]
    # CPU a click costs, which the other load on a shared machine does not inflate the way it does wall-clock
    # throughput: the bot's process, and for PostgreSQL the server's backends too.
    lite_ms, pg_ms = (cpu[name] / max(results[name].requests, 1) * 1000 for name in ("SQLite", "PostgreSQL"))
    server_ms = database_cpu["PostgreSQL"] / max(pg_load.requests, 1) * 1000
    print(
        f"  CPU per click          SQLite process {lite_ms:.2f} ms; PostgreSQL replica {pg_ms:.2f} ms"
        f" + its database server {server_ms:.2f} ms"
    )
    p99 = percentile(pg_load.latencies, 0.99) / percentile(lite_load.latencies, 0.99)
    print(f"ratio PostgreSQL/SQLite  throughput {pg_load.per_second / lite_load.per_second:.2f}x (goal >= 0.8x),")
    print(f"                         p99 {p99:.2f}x (goal <= 1.5x); CPU in the replica {pg_ms / lite_ms:.2f}x")
    if against:
        their_load = results[AGAINST]
        their_ms = cpu[AGAINST] / max(their_load.requests, 1) * 1000
        their_server_ms = database_cpu[AGAINST] / max(their_load.requests, 1) * 1000
        print(
            f"PostgreSQL at {against}: {their_load.per_second / lite_load.per_second:.2f}x SQLite's clicks a second, p99"
            f" {percentile(their_load.latencies, 0.99) / percentile(lite_load.latencies, 0.99):.2f}x, CPU a click"
            f" {their_ms:.2f} ms + its database {their_server_ms:.2f} ms; this code {pg_load.per_second / their_load.per_second:.2f}x"
            " its clicks a second"
        )


# --- 2 and 3. fan-out through three replicas -------------------------------------------------------


def seed_followers(database: str, followers: int, service_url: str) -> None:
    services = open_services(database)
    owner = services.people.record_user(TENANT, *OWNER, "Bench Owner", service_url)
    services.deliveries.save_conversation(owner, f"a:1:{OWNER[0]}", service_url, BOT_ID, "CRM")
    record = services.records.create_record(owner, Kind.LEAD, "Big launch").record
    repo = services.repo
    with repo.transaction():
        for i in range(followers):
            user = repo.people.upsert_user(TENANT, f"29:user{i}", f"aad-{i}", f"User {i}", NOW)
            repo.people.store_personal_conversation(TENANT, user.id, f"a:1:29:user{i}", service_url, BOT_ID, "CRM", NOW)
            repo.follows.add_follower(TENANT, record.id, user.id, NOW)
    repo.db.close()


def backend_cpu_seconds(url: str) -> float:
    """CPU time (user + system) the PostgreSQL server's backends for the database at `url` have used so far."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def sender_of_tenant(url: str) -> str | None:
    """The application_name of the replica holding the tenant's sending lock."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'replica-%' LIMIT 1"
        ).fetchone()
    return str(row[0]) if row else None


async def fanout(server: PostgresServer, followers: int, replicas: int, kill: bool, timeout: float) -> None:
    fake = FakeTeams(share_429=0.10, limits=True)
    url = server.url(server.new_database())
    seed_followers(url, followers, fake.service_url)
    services = open_services(url)
    teams = Teams(TENANT, OWNER[0], OWNER[1], fake.service_url)
    killed = ""
    try:
        with contextlib.ExitStack() as stack:
            bots: list[Server] = [
                stack.enter_context(
                    spawned(f"replica-{i}", CRM, DATABASE_URL=url, NOTIFY_WINDOW_SECONDS="0", PGAPPNAME=f"replica-{i}")
                )
                for i in range(replicas)
            ]
            for bot in bots:
                await ready(bot, lambda: teams.message("help"))
            async with session() as http:
                started = time.monotonic()
                status, _ = await post(http, bots[-1].url, teams.message("comment L-1 Signed!"))
                assert status in (200, 201), status
            deadline = started + timeout
            while time.monotonic() < deadline:
                counts = services.deliveries.counts(TENANT)
                done = counts[next(k for k in counts if k.value == "sent")]
                if kill and not killed and done >= followers // 2:
                    killed = sender_of_tenant(url) or ""
                    victim = next(b for b in bots if b.name == killed)
                    os.kill(victim.process.pid, signal.SIGKILL)
                    victim.process.wait()
                    killed_at = time.monotonic() - started
                if sum(n for k, n in counts.items() if k.value in ("pending", "sending")) == 0:
                    break
                await asyncio.sleep(0.05)
            counts = services.deliveries.counts(TENANT)
            state = await fake.state()
            failed_rows = services.repo.db.execute(
                "SELECT u.conversation_id FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id"
                " AND u.id = n.recipient_id WHERE n.tenant_id = ? AND n.status = 'failed'",
                [TENANT],
            ).fetchall()
    finally:
        services.repo.db.close()
        fake.stop()
    posted = [(c, at) for c, at in state["posted"] if c != f"a:1:{OWNER[0]}"]
    arrivals = sorted(at for _, at in posted)
    elapsed = (arrivals[-1] if arrivals else time.monotonic()) - started
    distinct = {c for c, _ in posted}
    failed = {row[0] for row in failed_rows}
    per_second = TENANT_LIMITS[0][0]
    least = max(math.ceil(followers / per_second) - 1, 0) or 1 / per_second
    title = f"{replicas} replicas" + (
        f", {killed} (the tenant's sender) SIGKILLed at {killed_at:.1f} s" if kill else ""
    )
    print(title)
    print(f"  followers              {followers}")
    print(f"  time to deliver all    {elapsed:.2f} s; least the limits allow {least:.2f} s (ceil(N/{per_second}) - 1)")
    print(f"  ratio                  {elapsed / least:.3f}x")
    print(
        f"  delivered              {len(distinct)}; failed as 'may have arrived' (caught mid-call) {len(failed)},"
        f" of which arrived {len(failed & distinct)}"
    )
    print(f"  lost                   {followers - len(distinct | failed)}")
    print(f"  duplicated             {len(arrivals) - len(distinct)}")
    answered_429 = sum(1 for status, _ in state["refused"] if status == 429)
    print(f"  sends over a limit     {state['over_limit']} (429 answers {answered_429}, the rest random)")
    print(f"  outbox                 {dict((k.value, v) for k, v in counts.items())}")


# --- 4. spread after a rolling restart -------------------------------------------------------------


def owners(url: str) -> dict[str, int]:
    """How many tenants' sending locks each replica holds (by its application_name)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.application_name, count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'replica-%'"
            " GROUP BY a.application_name"
        ).fetchall()
    return {str(name): int(count) for name, count in rows}


def seed_tenants(url: str, tenants: list[str], service_url: str) -> None:
    """Each tenant: an owner, a follower with a chat, one lead the follower follows."""
    services = open_services(url)
    for t, tenant in enumerate(tenants):
        owner = services.people.record_user(tenant, f"29:owner-{t}", f"aad-owner-{t}", "Owner", service_url)
        follower = services.people.record_user(tenant, f"29:follower-{t}", f"aad-follower-{t}", "Follower", service_url)
        services.deliveries.save_conversation(follower, f"a:1:29:follower-{t}", service_url, BOT_ID, "CRM")
        record = services.records.create_record(owner, Kind.LEAD, "Deal").record
        with services.repo.transaction():  # a bulk load: nobody is told, nothing waits in the outbox
            services.repo.follows.add_follower(tenant, record.id, follower.id, NOW)
    services.repo.db.close()


async def spread(server: PostgresServer, tenants: int, hand_back: int, timeout: float) -> list[dict[str, int]]:
    """Three replicas and `tenants` organisations, each changing a record at whichever replica the load
    balancer picks (here: at random); the replicas restarted one after the other (SIGTERM, started again),
    each tenant changing something once after each restart. The tenants each replica sends for: before the
    restart, after it, and after one more change a tenant (made, with a hand-back shorter than the wait,
    once the idle tenants were handed back)."""
    fake = FakeTeams()
    url = server.url(server.new_database())
    ids = [f"72f988bf-0000-4000-8000-{t:012d}" for t in range(tenants)]
    seed_tenants(url, ids, fake.service_url)
    people = [Teams(tenant, f"29:owner-{t}", f"aad-owner-{t}", fake.service_url) for t, tenant in enumerate(ids)]
    rng = random.Random(30)
    env = {"NOTIFY_WINDOW_SECONDS": "0", "CRM_HAND_BACK_SECONDS": str(hand_back), "DATABASE_URL": url}

    def start(i: int) -> contextlib.AbstractContextManager[Server]:
        return spawned(f"replica-{i}", CRM, PGAPPNAME=f"replica-{i}", **env)

    async def changes(bots: list[Server]) -> None:
        async with session() as http:
            for n, teams in enumerate(people):
                status, _ = await post(http, rng.choice(bots).url, teams.message(f"comment L-1 Update {n}"))
                assert status in (200, 201), status

    async def settled(condition: Any, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            await asyncio.sleep(0.1)
        print(f"  (timed out waiting for {what})")

    def all_owned() -> bool:
        return sum(owners(url).values()) == tenants

    found = []
    try:
        with contextlib.ExitStack() as stack:
            slots = [stack.enter_context(contextlib.ExitStack()) for _ in range(3)]
            bots = [slots[i].enter_context(start(i)) for i in range(3)]
            for bot in bots:
                await ready(bot, lambda: people[0].message("help"))
            await changes(bots)
            await settled(all_owned, "every tenant owned")
            found.append(owners(url))
            for i in range(3):  # the rolling restart
                slots[i].close()
                bots[i] = slots[i].enter_context(start(i))
                await ready(bots[i], lambda: people[0].message("help"))
                await changes(bots)
            await settled(all_owned, "every tenant owned")
            found.append(owners(url))
            if hand_back < timeout:
                await settled(lambda: not owners(url), "the idle tenants handed back")
            await changes(bots)
            await settled(all_owned, "every tenant owned")
            found.append(owners(url))
    finally:
        fake.stop()
    return found


async def spreads(server: PostgresServer, tenants: int) -> None:
    def line(counts: dict[str, int]) -> str:
        return "  ".join(f"replica-{i} {counts.get(f'replica-{i}', 0):2d}" for i in range(3))

    print(f"spread: {tenants} tenants over 3 replicas, the tenants each replica sends for")
    for hand_back, label in ((3600, "never handed back"), (2, "idle 2 s: handed back")):
        before, restarted, later = await spread(server, tenants, hand_back, timeout=30.0)
        print(f"  {label}")
        print(f"    before a rolling restart   {line(before)}")
        print(f"    after it                   {line(restarted)}")
        print(f"    then one change a tenant   {line(later)}")


async def run(args: argparse.Namespace) -> None:
    server = PostgresServer().start()
    try:
        server.create_template()
        version = server.bin.parts[-2]
        print(f"PostgreSQL {version} (Debian), fsync off (a throwaway server), on this machine")
        await throughput(server, args.rounds, args.seconds, args.concurrency, args.against)
        if args.throughput_only:
            return
        await fanout(server, args.followers, 3, kill=False, timeout=args.timeout)
        await fanout(server, args.followers, 3, kill=True, timeout=args.timeout)
        await spreads(server, args.tenants)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and bot")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--tenants", type=int, default=12, help="for the spread after a rolling restart")
    parser.add_argument(
        "--against", default="", help="another checkout's folder (git worktree add), on PostgreSQL beside this one"
    )
    parser.add_argument("--throughput-only", action="store_true", help="part 1 only")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
