"""One change on a record with 1,000 followers, delivered through a fake Bot Connector that enforces
Teams' rate limits (answering 429 past them) and answers 10% of sends with 429 + Retry-After: 1.

Prints the time to deliver all ÷ the least time the limits allow, and how many were lost or doubled.
A second tenant comments on a record with one follower every second while the first fans out: its
notification latency (commit to arrival at the fake Teams) is printed, target under 1 s.
Run with `make bench`; it prints figures and never fails on timing noise."""

from __future__ import annotations

import argparse
import asyncio
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

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
OTHER_TENANT = "72f988bf-0000-4000-8000-00000000bbbb"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()  # runs the cleanup_ctx start-up: the notifier starts here
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port


def fake_teams(ports: multiprocessing.Queue, share_429: float) -> None:
    """The fake connector in a process of its own, as Teams is: its work does not slow the bot's."""
    fake = FakeConnector(limits=Limits(CONVERSATION_LIMITS, TENANT_LIMITS), random_429=share_429)

    async def state(request: web.Request) -> web.Response:
        posted = [(p.conversation_id, p.at) for p in fake.notifications()]
        return web.json_response({"posted": posted, "refused": fake.refused, "over_limit": fake.over_limit})

    async def forever() -> None:
        app = web.Application()
        app.router.add_get("/_bench/state", state)
        app.router.add_route("*", "/{tail:.*}", fake._route)
        _, port = await serve(app)
        ports.put(port)
        await asyncio.Event().wait()

    asyncio.run(forever())


async def run(followers: int, share_429: float, timeout: float) -> None:
    ports: multiprocessing.Queue = multiprocessing.Queue()
    teams = multiprocessing.Process(target=fake_teams, args=(ports, share_429), daemon=True)
    teams.start()
    port = ports.get(timeout=30)
    service_url = f"http://127.0.0.1:{port}/amer/"
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_path=str(Path(folder) / "bench.db"), notify_window_seconds=0)
        app = create_app(config)
        bot_runner, _ = await serve(app)
        services = app[SERVICES]
        owner = services.record_user(TENANT, "29:owner", "aad-owner", "Owner", service_url)
        record = services.create_record(owner, Kind.LEAD, "Big launch").record
        with services.repo.transaction():
            for i in range(followers):
                user = services.repo.upsert_user(TENANT, f"29:user{i}", f"aad-{i}", f"User {i}", "2026-01-01")
                services.repo.store_personal_conversation(
                    TENANT, user.id, f"a:1:29:user{i}", service_url, BOT_ID, "CRM", "2026-01-01"
                )
                services.repo.add_follower(TENANT, record.id, user.id, "2026-01-01")

        other_owner = services.record_user(OTHER_TENANT, "29:other-owner", "aad-other-owner", "B owner", service_url)
        small = services.create_record(other_owner, Kind.LEAD, "Small deal").record
        with services.repo.transaction():
            colleague = services.repo.upsert_user(OTHER_TENANT, "29:other", "aad-other", "B colleague", "2026-01-01")
            services.repo.store_personal_conversation(
                OTHER_TENANT, colleague.id, "a:1:29:other", service_url, BOT_ID, "CRM", "2026-01-01"
            )
            services.repo.add_follower(OTHER_TENANT, small.id, colleague.id, "2026-01-01")

        started = time.monotonic()
        services.comment(owner, record.ref, "Signed!")
        app[NOTIFIER].wake()
        other_sent: list[float] = []  # when the other tenant's comments were committed
        deadline = started + timeout
        while time.monotonic() < deadline:
            counts = services.deliveries.counts(TENANT)
            if counts["pending"] + counts["sending"] == 0:  # type: ignore[index]
                break
            if time.monotonic() - started >= len(other_sent) + 0.5:  # one comment a second in the other tenant
                services.comment(other_owner, small.ref, f"note {len(other_sent)}")
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
    arrivals = sorted(at for _, at in fake["posted"])
    elapsed = (arrivals[-1] if arrivals else time.monotonic()) - started
    distinct = {conversation for conversation, _ in fake["posted"]}
    per_second = TENANT_LIMITS[0][0]
    # 50 accepted sends per sliding second: the 1st batch can arrive at 0 s, the last at ceil(N/50) - 1 s.
    # The fake counts only accepted sends (a refused one was not carried out), so the random 429s cost
    # requests but no budget, and this stays a true lower bound with them; it leaves out the Retry-After
    # wait of a conversation refused in the last second, which even an ideal sender pays.
    least = max(math.ceil(followers / per_second) - 1, 0) or 1 / per_second
    answered_429 = sum(1 for status, _ in fake["refused"] if status == 429)
    print(f"followers                {followers}")
    print(f"limits                   per conversation {CONVERSATION_LIMITS}, per tenant {TENANT_LIMITS} (n, seconds)")
    print(f"time to deliver all      {elapsed:.2f} s")
    print(f"least the limits allow   {least:.2f} s  (N/50 = {followers / per_second:.2f} s)")
    print(
        f"  formula                ceil(N / {per_second}) - 1 s: N accepted sends, at most {per_second} in any 1 s"
        " window per tenant, the first at 0 s; refused sends do not count in the fake's windows;"
        " Retry-After waits not included"
    )
    print(f"ratio                    {elapsed / least:.3f}x  (vs N/50: {elapsed / (followers / per_second):.3f}x)")
    print(f"lost                     {followers - len(distinct)}")
    print(f"duplicated               {len(arrivals) - len(distinct)}")
    print(f"429 answers              {answered_429}: {fake['over_limit']} for exceeding a limit, the rest random")
    print(f"requests                 {len(arrivals) + len(fake['refused'])}")
    print(f"outbox                   {dict((k.value, v) for k, v in counts.items())}")
    per_bucket = [0] * (int(elapsed) + 1)
    for at in arrivals:
        per_bucket[min(int(at - started), len(per_bucket) - 1)] += 1
    print(f"delivered per second     {per_bucket}")
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
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    asyncio.run(run(args.followers, args.share_429, args.timeout))


if __name__ == "__main__":
    main()
