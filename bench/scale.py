"""Scale: p50/p99 latency of `show L-n` (a message; the reply goes through a fake Teams connector), a card
action (`record.comment`), a contact search (the pickers' `application/search` typeahead), and the lists
`leads`, `find renewal` and `pipeline` for one tenant holding 100, 1,000, 10,000 and 100,000 records and
contacts (and a tenth as many opportunities). Each database also holds a second tenant with 100 of each;
measuring it in the 100k database shows that scoping by tenant scans nothing. `--private`: in every
database but the smallest, half of the big tenant's records are a colleague's, private, so the measured
person may see half of them (issue 28: 100,000 records half private against 100 records).

`--custom 20` (issue 31) gives every record 20 custom values (text, choice, number, money, date, yes/no,
colleague), makes the records opportunities across the default pipeline's stages (lost ones with a reason),
and adds `find <choice value>` and `pipeline` (its chart, lost deals by reason) to the operations: `show
O-n`, `find` and `pipeline` at 100,000 records against 100.

Every database is served by its own `python app.py`; requests go to them in turn, one at a time, so
the machine's noise falls on all sizes alike. Prints the figures, the 100k / 100 ratios (goal <= 1.5x)
and the query plans of the hot paths; `--plot FILE.svg` draws latency against database size."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import CRM, Server, Teams, fake_teams, ready, shuffled_rounds, size_table, spawned
from bench.plans import hot_path_plans
from bench.plot import latency_plot
from bench.seed import Seeded, build

BIG = "72f988bf-0000-4000-8000-00000000aaaa"
SMALL = "72f988bf-0000-4000-8000-00000000bbbb"
SIZES = (100, 1_000, 10_000, 100_000)
SEARCHES = ("mar", "smith", "ana co", "nguy", "fabrikam", "jul we", "ka", "oscar petrov")
OPS = ("show", "action", "search", "leads", "find", "pipeline")
FINDS = ("renewal", "contoso", "fabrikam renewal", "northwind", "renewal 7")
CUSTOM_FINDS = ("emea", "americas", "apac", "medium", "note 1")  # seeded choice and text values (bench/seed.py)


def requests(
    teams: Teams, size: int, rng: random.Random, private: bool = False, prefix: str = "L", custom: bool = False
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Shows ask for the first half of the records, comments go to the second half: a comment on a record
    whose card was posted would also update that card in the background, adding work to the next request.
    With the private mix, only the even-numbered records (the measured person's) are asked for."""
    half = max(size // 2, 1)
    comment = {"comment": "Called them: they want a quote by Friday."}

    def number(low: int, high: int) -> int:
        found = rng.randint(low, max(high, low))
        return found + 1 if private and found % 2 == 1 and found < size else found

    return {
        "show": lambda: teams.message(f"show {prefix}-{number(1, half)}"),
        "action": lambda: teams.click("record.comment", {"ref": f"{prefix}-{number(half + 1, size)}", **comment}),
        "search": lambda: teams.search(rng.choice(SEARCHES)),
        "leads": lambda: teams.message("leads"),
        "find": lambda: teams.message(f"find {rng.choice(CUSTOM_FINDS if custom else FINDS)}"),
        "pipeline": lambda: teams.message("pipeline"),
    }


def as_deals(path: str) -> None:
    """The seeded leads become opportunities across the default pipeline's stages (bench/pipeline.py), the lost
    ones each with one of three reasons."""
    from bench.pipeline import as_opportunities
    from storage.db import open_database, transaction

    as_opportunities(path)
    db = open_database(path)
    with transaction(db):
        db.execute(
            "UPDATE records SET lost_reason = CASE id % 3 WHEN 0 THEN 'Price' WHEN 1 THEN 'Timing' ELSE 'No budget'"
            " END WHERE stage = 'Lost'"
        )
    db.close()


Target = tuple[str, Server, dict[str, Callable[[], dict[str, Any]]]]  # name, server, request makers


async def run(
    rounds: int,
    seconds: float,
    plot: str | None,
    sizes: tuple[int, ...] = SIZES,
    private: bool = False,
    custom: int = 0,
) -> dict[str, Any]:
    rng = random.Random(5)
    ops = OPS
    prefix = "O" if custom else "L"
    with tempfile.TemporaryDirectory() as folder:
        members = [(f"29:bench-{t[-4:]}", f"aad-bench-{t[-4:]}", t) for t in (BIG, SMALL)]
        with fake_teams(members) as service_url:
            started = time.monotonic()
            databases: dict[int, tuple[str, list[Seeded]]] = {}
            for size in sizes:
                path = str(Path(folder) / f"crm-{size}.db")
                mixed = frozenset({BIG}) if private and size > min(sizes) else frozenset()
                deals = {BIG: max(size // 10, 10), SMALL: 10} if not custom else None
                databases[size] = (path, build(path, {BIG: size, SMALL: 100}, service_url, mixed, deals, custom))
                if custom:
                    as_deals(path)
            print(f"seeded                   {len(sizes)} databases in {time.monotonic() - started:.1f} s")
            targets: list[Target] = []
            with _servers(databases) as servers:
                for size, server in servers.items():
                    big, small = databases[size][1]
                    teams = Teams(BIG, big.owner_teams_id, big.owner_aad_id, service_url)
                    half_private = private and size > min(sizes)
                    targets.append((f"{size}", server, requests(teams, size, rng, half_private, prefix, bool(custom))))
                    if size == max(sizes):
                        other = Teams(SMALL, small.owner_teams_id, small.owner_aad_id, service_url)
                        targets.append(
                            ("second tenant", server, requests(other, 100, rng, prefix=prefix, custom=bool(custom)))
                        )
                for _, server, made in targets:
                    await ready(server, made["search"])
                times = await shuffled_rounds(
                    [(n, server.url, made) for n, server, made in targets], ops, rounds, seconds
                )
            plans = hot_path_plans(databases[max(sizes)][0], BIG, prefix)
    return report(times, sizes, plans, plot, ops)


class _servers:
    """One `python app.py` per database, all started together."""

    def __init__(self, databases: dict[int, tuple[str, list[Seeded]]]) -> None:
        self.managers = {size: spawned(f"CRM {size}", CRM, path) for size, (path, _) in databases.items()}

    def __enter__(self) -> dict[int, Server]:
        return {size: manager.__enter__() for size, manager in self.managers.items()}

    def __exit__(self, *exc: object) -> None:
        for manager in self.managers.values():
            manager.__exit__(None, None, None)


def report(
    times: dict[tuple[str, str], list[float]], sizes: tuple[int, ...], plans: list[tuple[str, str]], plot: str | None,
    ops: tuple[str, ...] = OPS,
) -> dict[str, Any]:  # fmt: skip
    figures: dict[str, Any] = {"sizes": list(sizes)}
    print(f"requests                 {len(times[(str(min(sizes)), 'show')])} of each kind per database, one at a time")
    figures["ops"] = size_table(times, {op: op for op in ops}, [*map(str, sizes), "second tenant"], 24)
    full_scans = [(name, plan) for name, plan in plans if _full_scan(plan)]
    print(f"query plans              {len(plans)} hot-path statements, {len(full_scans)} with a full scan")
    for name, plan in full_scans:
        print(f"  SCAN in {name}: {plan}")
    if plot:
        Path(plot).write_text(latency_plot(figures))
        print(f"plot                     {plot}")
    print("json " + json.dumps(figures, separators=(",", ":")))
    return figures


def _full_scan(plan: str) -> bool:
    """A SCAN of a table: not of a subquery's result (named, or a row of constants), nor FTS5's own lookups (its
    index, its config row)."""
    steps = [step.strip() for step in plan.split("|")]
    skip = ("VIRTUAL TABLE", "_config", "(subquery", "CONSTANT ROW")
    results = {step.split()[1] for step in steps if step.startswith(("CO-ROUTINE ", "MATERIALIZE ")) and " " in step}
    return any(
        step.startswith("SCAN") and not any(s in step for s in skip) and step.split()[1] not in results
        for step in steps
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=90.0, help="stop measuring after this long")
    parser.add_argument("--plot", help="write an SVG of latency against database size here")
    parser.add_argument("--custom", type=int, default=0, help="custom values per record (issue 31: 20)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="records per database, e.g. 100,100000")
    parser.add_argument("--private", action="store_true", help="half the records private (all but the smallest)")
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(","))
    asyncio.run(run(args.rounds, args.seconds, args.plot, sizes, args.private, args.custom))


if __name__ == "__main__":
    main()
