"""One change on a record with 1,000 followers, delivered through a fake Bot Connector that enforces
Teams' rate limits (answering 429 past them) and answers 10% of sends with 429 + Retry-After: 1.

Prints the time to deliver all ÷ the least time the limits allow, and how many were lost or doubled.
A second tenant comments on a record with one follower every second while the first fans out: its
notification latency (commit to arrival at the fake Teams) is printed, target under 1 s.

`--feed-share 0.5`: half the followers chose the Teams activity feed (followers.deliver_to = 'feed'), so
Microsoft Graph is configured (the test doubles: tests/fake_graph.py's FakeCredential and a graph base URL
at the fake Graph) and their notifications go through Graph's sendActivityNotification. The fake Graph
throttles as Graph documents (per user per app 10 a minute, per app per tenant 5 a second; sources in
tests/fake_graph.py) and answers 10% of notifications with 429 + Retry-After: 1 too. Chat messages are
held to Teams' limits and feed notifications to Graph's, by separate budgets that run side by side (a
feed notification takes nothing of Teams' budget), so the least time the limits allow is

    least = max(ceil(N_chat / R_teams) - 1, ceil(N_feed / R_graph) - 1) seconds

with R_teams the tenant's Teams budget a second (TEAMS_TENANT_RPS, 30) and R_graph Graph's per app per
tenant budget (5): each channel's accepted sends, at most R in any 1 s window, the first at 0 s (the per
user limits do not bind: one notification each). Printed per channel too (each against its own term).
Run with `make bench`; it prints figures and never fails on timing noise."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import math
import multiprocessing
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

from app import NOTIFIER, SERVICES, create_app
from bot.config import Config
from bot.domain.models import Kind
from bot.notify.rate_limits import CONVERSATION_LIMITS, TENANT_LIMITS
from tests.fake_connector import FakeConnector, Limits
from tests.fake_graph import FEED_PER_TENANT, FEED_PER_USER, FakeCredential, FakeGraph

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
OTHER_TENANT = "72f988bf-0000-4000-8000-00000000bbbb"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
GRAPH_CLIENT_ID = "00000000-0000-4000-8000-00000000c11e"


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()  # runs the cleanup_ctx start-up: the notifier starts here
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port


def fake_teams(ports: multiprocessing.Queue, share_429: float) -> None:
    """The fake connector and the fake Graph in a process of their own, as Teams and Graph are: their work
    does not slow the bot's."""
    fake = FakeConnector(limits=Limits(CONVERSATION_LIMITS, TENANT_LIMITS), random_429=share_429)
    graph = FakeGraph(random_429=share_429)

    async def state(request: web.Request) -> web.Response:
        posted = [(p.conversation_id, p.at) for p in fake.notifications()]
        feed = {"delivered": graph.delivered, "refused": graph.refused, "over_limit": graph.over_limit}
        return web.json_response(
            {"posted": posted, "refused": fake.refused, "over_limit": fake.over_limit, "feed": feed}
        )

    async def forever() -> None:
        app = web.Application()
        app.router.add_get("/_bench/state", state)
        app.router.add_route("*", "/{tail:.*}", fake._route)
        _, port = await serve(app)
        _, graph_port = await serve(graph.app())
        ports.put((port, graph_port))
        await asyncio.Event().wait()

    asyncio.run(forever())


async def run(followers: int, share_429: float, timeout: float, feed_share: float) -> None:
    ports: multiprocessing.Queue = multiprocessing.Queue()
    teams = multiprocessing.Process(target=fake_teams, args=(ports, share_429), daemon=True)
    teams.start()
    port, graph_port = ports.get(timeout=30)
    service_url = f"http://127.0.0.1:{port}/amer/"
    feed_users = {f"aad-{i}" for i in range(followers) if feed_share and i % round(1 / feed_share) == 0}
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_path=str(Path(folder) / "bench.db"), notify_window_seconds=0)
        credential = None
        if feed_users:  # Graph configured as the tests configure it (tests/conftest.py teams_with_graph)
            config = dataclasses.replace(
                config,
                graph_client_id=GRAPH_CLIENT_ID,
                graph_client_secret="not-a-secret",
                graph_tenant_id=TENANT,
                graph_base_url=f"http://127.0.0.1:{graph_port}/v1.0",
            )
            credential = FakeCredential(GRAPH_CLIENT_ID)
        app = create_app(config, graph_credential=credential)
        bot_runner, _ = await serve(app)
        services = app[SERVICES]
        owner = services.people.record_user(TENANT, "29:owner", "aad-owner", "Owner", service_url)
        record = services.records.create_record(owner, Kind.LEAD, "Big launch").record
        with services.repo.transaction():
            for i in range(followers):
                user = services.repo.people.upsert_user(TENANT, f"29:user{i}", f"aad-{i}", f"User {i}", "2026-01-01")
                services.repo.people.store_personal_conversation(
                    TENANT, user.id, f"a:1:29:user{i}", service_url, BOT_ID, "CRM", "2026-01-01"
                )
                services.repo.follows.add_follower(TENANT, record.id, user.id, "2026-01-01")
                if f"aad-{i}" in feed_users:
                    services.repo.outbox.set_follower_delivery(TENANT, record.id, user.id, "feed")

        other_owner = services.people.record_user(
            OTHER_TENANT, "29:other-owner", "aad-other-owner", "B owner", service_url
        )
        small = services.records.create_record(other_owner, Kind.LEAD, "Small deal").record
        with services.repo.transaction():
            colleague = services.repo.people.upsert_user(
                OTHER_TENANT, "29:other", "aad-other", "B colleague", "2026-01-01"
            )
            services.repo.people.store_personal_conversation(
                OTHER_TENANT, colleague.id, "a:1:29:other", service_url, BOT_ID, "CRM", "2026-01-01"
            )
            services.repo.follows.add_follower(OTHER_TENANT, small.id, colleague.id, "2026-01-01")

        started = time.monotonic()
        services.records.comment(owner, record.ref, "Signed!")
        app[NOTIFIER].wake()
        other_sent: list[float] = []  # when the other tenant's comments were committed
        deadline = started + timeout
        while time.monotonic() < deadline:
            counts = services.deliveries.counts(TENANT)
            if counts["pending"] + counts["sending"] == 0:  # type: ignore[index]
                break
            if time.monotonic() - started >= len(other_sent) + 0.5:  # one comment a second in the other tenant
                services.records.comment(other_owner, small.ref, f"note {len(other_sent)}")
                other_sent.append(time.monotonic())
                app[NOTIFIER].wake()
            await asyncio.sleep(0.02)
        counts = services.deliveries.counts(TENANT)
        await asyncio.sleep(1.0)  # the other tenant's last notification
        await bot_runner.cleanup()
    async with ClientSession() as session, session.get(f"http://127.0.0.1:{port}/_bench/state") as answer:
        fake = await answer.json()
    teams.terminate()
    # CLOCK_MONOTONIC is one clock for every process on the machine: arrival times compare with ours.
    other = sorted(at for conversation, at in fake["posted"] if conversation == "a:1:29:other")
    fake["posted"] = [(c, at) for c, at in fake["posted"] if c != "a:1:29:other"]
    feed = fake["feed"]
    n_feed = len(feed_users)
    n_chat = followers - n_feed
    arrivals = sorted(at for _, at in fake["posted"])
    feed_arrivals = sorted(at for _, at in feed["delivered"])
    last = max([*arrivals[-1:], *feed_arrivals[-1:]], default=time.monotonic())
    elapsed = last - started
    distinct = {conversation for conversation, _ in fake["posted"]}
    feed_distinct = {user for user, _ in feed["delivered"]}
    per_second = config.teams_tenant_rps
    graph_per_second = FEED_PER_TENANT[0][0]
    # R accepted sends per sliding second: the 1st batch can arrive at 0 s, the last at ceil(N/R) - 1 s.
    # The fakes count only accepted sends (a refused one was not carried out), so the random 429s cost
    # requests but no budget, and this stays a true lower bound with them; it leaves out the Retry-After
    # wait of a send refused in the last second, which even an ideal sender pays.
    least_chat = max(math.ceil(n_chat / per_second) - 1, 0) or 1 / per_second
    least_feed = max(math.ceil(n_feed / graph_per_second) - 1, 0) or 1 / graph_per_second
    least = max(least_chat, least_feed if n_feed else 0)
    answered_429 = sum(1 for status, _ in fake["refused"] if status == 429)
    print(f"followers                {followers} ({n_chat} chat message, {n_feed} activity feed)")
    print(f"limits                   per conversation {CONVERSATION_LIMITS}, per tenant {TENANT_LIMITS} (n, seconds)")
    if n_feed:
        print(f"graph limits             per user per app {FEED_PER_USER}, per app per tenant {FEED_PER_TENANT}")
    print(f"time to deliver all      {elapsed:.2f} s")
    print(f"least the limits allow   {least:.2f} s")
    print(
        f"  formula                max(ceil(N_chat / {per_second}) - 1, ceil(N_feed / {graph_per_second}) - 1) s:"
        f" each channel's accepted sends, at most R in any 1 s window per tenant (Teams {per_second}, Graph"
        f" {graph_per_second}), the first at 0 s, both channels at once; refused sends do not count in the fakes'"
        " windows; Retry-After waits not included"
    )
    print(f"ratio                    {elapsed / least:.3f}x")
    channels = [("chat", n_chat, arrivals, distinct, least_chat)]
    if n_feed:
        channels.append(("feed", n_feed, feed_arrivals, feed_distinct, least_feed))
    for name, count, times, seen, own_least in channels:
        took = (times[-1] - started) if times else float("nan")
        print(
            f"  {name:<4}                   {len(seen)} of {count} in {took:.2f} s, least {own_least:.2f} s:"
            f" {took / own_least:.3f}x; lost {count - len(seen)}, duplicated {len(times) - len(seen)}"
        )
    print(f"lost                     {n_chat - len(distinct) + n_feed - len(feed_distinct)}")
    print(f"duplicated               {len(arrivals) - len(distinct) + len(feed_arrivals) - len(feed_distinct)}")
    print(f"429 answers (chat)       {answered_429}: {fake['over_limit']} for exceeding a limit, the rest random")
    if n_feed:
        feed_429 = sum(1 for status, _ in feed["refused"] if status == 429)
        print(f"429 answers (feed)       {feed_429}: {feed['over_limit']} for exceeding a limit, the rest random")
    print(
        f"requests                 chat {len(arrivals) + len(fake['refused'])}, feed {len(feed_arrivals) + len(feed['refused'])}"
    )
    print(f"outbox                   {dict((k.value, v) for k, v in counts.items())}")
    for name, times in (("chat", arrivals), ("feed", feed_arrivals)):
        if not times:
            continue
        per_bucket = [0] * (int(elapsed) + 1)
        for at in times:
            per_bucket[min(int(at - started), len(per_bucket) - 1)] += 1
        print(f"{name} per second         {per_bucket}")
    latencies = sorted(arrived - sent for sent, arrived in zip(other_sent, other, strict=False))
    if latencies:
        print(
            f"other tenant             {len(other)} of {len(other_sent)} notifications delivered during the fan-out;"
            f" latency median {latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s (target < 1 s);"
            f" {sum(1 for _, c in fake['refused'] if c == 'a:1:29:other')} of them answered 429 at random first"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=1500)
    parser.add_argument("--share-429", type=float, default=0.10)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--feed-share", type=float, default=0.0, help="share of followers who chose the activity feed")
    args = parser.parse_args()
    logging.getLogger("bot").setLevel(logging.ERROR)  # the 429s are counted below, not logged one by one
    asyncio.run(run(args.followers, args.share_429, args.timeout, args.feed_share))


if __name__ == "__main__":
    main()
