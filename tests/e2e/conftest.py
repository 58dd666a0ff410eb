"""End-to-end fixtures: the real bot (`python app.py`) and real Playground instances, on free ports.

The bot runs once per session, and so does each person's Playground instance (started when a test first
opens that person's chat), each in its own folder with its own config. Every child is stopped by its pid at teardown, failed
test or not, and a failing test's report carries the bot's and the Playgrounds' logs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from playground.config import Person
from playground.processes import Child, free_port, start_bot, start_playground
from tests.e2e.playground_client import PlaygroundChat

RUNNING: list[Child] = []  # whose logs a failing test's report shows


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and "tests/e2e" in str(item.path).replace("\\", "/"):
        for child in RUNNING:
            report.sections.append((f"log: {child.name} (pid {child.pid})", child.log_text()))
    return report


@dataclass(frozen=True)
class RunningBot:
    endpoint: str
    child: Child


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    folder = tmp_path_factory.mktemp("bot")
    port = free_port()
    child = start_bot(port, folder / "crm.db", folder / "bot.log", {"NOTIFY_WINDOW_SECONDS": "0"})
    RUNNING.append(child)
    try:
        yield RunningBot(f"http://127.0.0.1:{port}/api/messages", child)
    finally:
        child.stop()
        RUNNING.remove(child)


@dataclass(frozen=True)
class RunningPlayground:
    url: str
    user: Person
    child: Child


@pytest.fixture(scope="session")
def playgrounds(
    bot: RunningBot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[Person], RunningPlayground]]:
    """Start a Playground instance for a person (at most one each per run: the bot, too, is one for the run, and
    each test opens a chat of its own); all stop at the end."""
    started: dict[str, RunningPlayground] = {}

    def start(user: Person) -> RunningPlayground:
        if user.key not in started:
            port = free_port()
            child = start_playground(tmp_path_factory.mktemp(f"playground-{user.key}"), port, bot.endpoint, user)
            RUNNING.append(child)
            started[user.key] = RunningPlayground(f"http://127.0.0.1:{port}", user, child)
        return started[user.key]

    try:
        yield start
    finally:
        for running in started.values():
            running.child.stop()
            RUNNING.remove(running.child)


@pytest.fixture
async def chat(playgrounds: Callable[[Person], RunningPlayground]) -> AsyncIterator[Callable[..., Any]]:
    """`await chat(person)`: that person's personal chat, websocket connected, app installed."""
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
    chats: list[PlaygroundChat] = []

    async def open_chat(user: Person, install: bool = True) -> PlaygroundChat:
        opened = await PlaygroundChat(playgrounds(user).url, session).connect()
        chats.append(opened)
        if install:
            await opened.install()
        return opened

    try:
        yield open_chat
    finally:
        for opened in chats:
            await opened.close()
        await session.close()


def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
