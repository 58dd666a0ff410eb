"""Housekeeping (the hourly prune of what is done and old) is storage work like any other."""

from __future__ import annotations

import threading
from pathlib import Path


async def test_housekeeping_runs_at_start_and_off_the_event_loop_on_postgresql(
    tmp_path: Path, database_url: str, caplog: object
) -> None:
    """The hourly prune is storage work like any other: on PostgreSQL in a worker thread (a long prune must not
    hold every tenant's requests), on SQLite inline."""
    import asyncio
    import logging

    from aiohttp.test_utils import TestClient, TestServer

    from app import SERVICES, create_app
    from bot.config import Config

    app = create_app(Config(database_path=str(tmp_path / "crm.db"), database_url=database_url))
    services = app[SERVICES]
    threads: list[str] = []
    forget = services.people.forget_old_activities

    def spied(*args: object, **kwargs: object) -> None:
        threads.append(threading.current_thread().name)
        forget(*args, **kwargs)  # type: ignore[arg-type]

    services.people.forget_old_activities = spied  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="crm"):  # type: ignore[attr-defined]
        async with TestClient(TestServer(app)):
            for _ in range(200):
                if "housekeeping: pruned" in caplog.text:  # type: ignore[attr-defined]
                    break
                await asyncio.sleep(0.01)
            loop_thread = threading.current_thread().name
    assert "housekeeping: pruned" in caplog.text  # type: ignore[attr-defined]
    assert len(threads) == 1
    assert (threads[0] != loop_thread) == bool(database_url)
