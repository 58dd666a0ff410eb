"""Memory and start: time from spawning to the first answered request, and resident memory once idle,
of `python app.py` (on a seeded database) against the bare botbuilder echo bot started the same way.
Both answer the same card action; alternating runs, medians. Goal: <= 1.3x the echo bot."""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from pathlib import Path

from bench.common import CRM, ECHO, Teams, fake_teams, first_answer, median, spawned
from bench.seed import build
from bench.throughput import RECORDS, TENANT, comment_click

IDLE_SECONDS = 1.0


async def run(runs: int) -> dict[str, float]:
    rng = random.Random(2)
    starts: dict[str, list[float]] = {"echo bot": [], "CRM": []}
    rss: dict[str, list[float]] = {"echo bot": [], "CRM": []}
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "crm.db")
        with fake_teams([("29:bench-aaaa", "aad-bench-aaaa", TENANT)]) as service_url:
            (owner,) = build(database, {TENANT: RECORDS}, service_url)
            teams = Teams(TENANT, owner.owner_teams_id, owner.owner_aad_id, service_url)
            for i in range(runs):
                for name, command in [("echo bot", ECHO), ("CRM", CRM)][:: 1 if i % 2 == 0 else -1]:
                    with spawned(name, command, database) as server:
                        starts[name].append(await first_answer(server, lambda: comment_click(teams, rng)))
                        await asyncio.sleep(IDLE_SECONDS)
                        rss[name].append(server.rss_kib() / 1024)
    start_ratio = median(starts["CRM"]) / median(starts["echo bot"])
    rss_ratio = median(rss["CRM"]) / median(rss["echo bot"])
    print(f"runs                     {runs} of each, alternating; medians")
    for name in starts:
        print(f"{name:<24} first answer {median(starts[name]) * 1000:6.0f} ms   idle RSS {median(rss[name]):6.1f} MiB")
    print(f"ratio CRM / echo bot     start {start_ratio:.2f}x   RSS {rss_ratio:.2f}x  (goal <= 1.3x)")
    return {"start_ratio": start_ratio, "rss_ratio": rss_ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.runs))


if __name__ == "__main__":
    main()
