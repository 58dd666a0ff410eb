"""Housekeeping (the hourly prune of what is done and old) is storage work like any other."""

from __future__ import annotations

import itertools
from pathlib import Path


async def test_housekeeping_runs_at_start_and_never_holds_the_event_loop_on_postgresql(
    tmp_path: Path, database_url: str, caplog: object
) -> None:
    """The hourly prune is storage work like any other: on PostgreSQL the event loop goes on with other turns
    while the prune waits for the database (a long prune must not hold every tenant's requests); on SQLite it
    runs inline."""
    import asyncio
    import logging

    from aiohttp.test_utils import TestClient, TestServer

    from app import SERVICES, create_app
    from bot.config import Config

    app = create_app(Config(database_path=str(tmp_path / "crm.db"), database_url=database_url))
    services = app[SERVICES]
    ticks = itertools.count()
    meanwhile: list[int] = []  # the loop's ticks while each prune waited for a slow database
    forget = services.people.forget_old_activities

    def spied(*args: object, **kwargs: object) -> None:
        before = next(ticks)
        if database_url:
            services.repo.db.execute("SELECT pg_sleep(0.2)")  # a slow prune
        forget(*args, **kwargs)  # type: ignore[arg-type]
        meanwhile.append(next(ticks) - before - 1)

    async def ticking() -> None:
        while True:
            next(ticks)
            await asyncio.sleep(0.01)

    services.people.forget_old_activities = spied  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="crm"):  # type: ignore[attr-defined]
        async with TestClient(TestServer(app)):
            ticker = asyncio.create_task(ticking())
            for _ in range(200):
                if "housekeeping: pruned" in caplog.text:  # type: ignore[attr-defined]
                    break
                await asyncio.sleep(0.01)
            ticker.cancel()
    assert "housekeeping: pruned" in caplog.text  # type: ignore[attr-defined]
    assert len(meanwhile) == 1
    if database_url:
        assert meanwhile[0] >= 5  # the loop ran other work during the 0.2 s wait
    else:
        assert meanwhile[0] == 0  # inline: nothing else ran
