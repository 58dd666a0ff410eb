"""`pipeline` at scale: p50/p99 of the pipeline card (everyone's; mine this quarter; the deals behind one bar)
for one tenant holding 100 and 100,000 opportunities (five stages, three currencies, close dates over two
years), each database with a second tenant of 100 beside it. Each database is served by its own `python
app.py`; the messages go to them in turn, one at a time, in a shuffled order, so the machine's noise falls
on both sizes alike. Prints the figures and the 100k / 100 ratios (goal <= 1.5x).

The card reads the per-stage totals that migration 11's triggers keep (a few dozen rows whatever the
tenant's size); the list behind a bar reads the newest 26 through records_by_stage."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import CRM, Requests, Teams, fake_teams, session, shuffled_rounds, size_table, spawned, timed
from bench.seed import build
from storage.db import open_database, transaction

BIG = "72f988bf-0000-4000-8000-00000000aaaa"
SMALL = "72f988bf-0000-4000-8000-00000000bbbb"
SIZES = (100, 100_000)
OPS = {"pipeline": "pipeline", "mine this quarter": "pipeline mine this quarter", "list": "pipeline list Proposal"}


def as_opportunities(path: str) -> None:
    """The seeded leads become opportunities across the five stages, in EUR, USD and GBP, closing over two
    years from 2026-01-01, spread so that 100 deals cover them as 100,000 do (the database's triggers keep
    the pipeline totals as each row changes)."""
    db = open_database(path)
    with transaction(db):
        db.execute(
            "UPDATE records SET kind = 'opportunity', stage = CASE id % 5 WHEN 0 THEN 'Prospecting'"
            " WHEN 1 THEN 'Proposal' WHEN 2 THEN 'Negotiation' WHEN 3 THEN 'Won' ELSE 'Lost' END,"
            " currency = CASE id % 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' ELSE 'GBP' END,"
            " close_date = date('2026-01-01', '+' || ((id * 37) % 730) || ' days')"
        )
    db.close()


def _requests(teams: Teams) -> Requests:
    return {op: functools.partial(teams.message, text) for op, text in OPS.items()}


async def run(rounds: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        members = [(f"29:bench-{t[-4:]}", f"aad-bench-{t[-4:]}", t) for t in (BIG, SMALL)]
        with fake_teams(members) as service_url:
            seeded = {}
            for size in SIZES:
                path = str(Path(folder) / f"crm-{size}.db")
                seeded[size] = build(path, {BIG: size, SMALL: 100}, service_url)
                as_opportunities(path)
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
    return report(times)


async def ready_all(targets: list[tuple[str, str, Teams]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with session() as http:
        for _name, url, teams in targets:
            while True:
                try:
                    await timed(http, url, teams.message("pipeline"))
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)


def report(times: dict[Any, list[float]]) -> dict[str, Any]:
    small, big = str(min(SIZES)), str(max(SIZES))
    print(f"messages                 {len(times[(small, 'pipeline')])} of each kind per database, one at a time")
    figures = size_table(times, OPS, [small, big, "second tenant"], 40)
    print("json " + json.dumps(figures, separators=(",", ":")))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop measuring after this long")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.seconds))


if __name__ == "__main__":
    main()
