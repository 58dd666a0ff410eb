"""What the benchmarks share: servers started as people start them (`python app.py` in a process of its
own), a fake Teams connector in another, activities shaped as Teams sends them, a load generator and
percentiles. Every figure is a ratio of two things measured side by side in the same run."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

from playground.processes import free_port
from tests.fake_connector import FakeConnector

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = "28:bench-bot"
CARD = "application/vnd.microsoft.card.adaptive"
CRM = [sys.executable, "app.py"]
ECHO = [sys.executable, "-m", "bench.echo_bot"]
_ids = itertools.count(1)


@dataclass
class Server:
    """A bot in its own process, on 127.0.0.1."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    started: float  # time.monotonic() just before it was spawned

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system): a per-request cost that other
        load on a shared machine does not inflate the way it inflates wall-clock throughput."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


@contextmanager
def spawned(name: str, command: list[str], database: str = "", **extra_env: str) -> Iterator[Server]:
    """Start a bot the way `make run` does, its log silenced; stopped (and waited for) afterwards."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "PYTHONDONTWRITEBYTECODE": "1", **extra_env}
    env.pop("MicrosoftAppId", None)
    if database:
        env["DATABASE_PATH"] = database
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield Server(name, process, port, started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Teams:
    """Builds activities as Microsoft Teams sends them, from one person of one tenant."""

    tenant_id: str
    teams_id: str
    aad_object_id: str
    service_url: str

    def activity(self, kind: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": f"bench-{next(_ids)}-{uuid.uuid4().hex[:8]}",  # unique: a redelivery would be skipped
            "timestamp": "2026-11-23T12:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": self.teams_id, "name": "Bench Owner", "aadObjectId": self.aad_object_id},
            "conversation": {"id": f"a:1:{self.teams_id}", "conversationType": "personal", "tenantId": self.tenant_id},
            "recipient": {"id": BOT_ID, "name": "CRM"},
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-US",
            **fields,
        }

    def message(self, text: str) -> dict[str, Any]:
        return self.activity("message", text=text, textFormat="plain")

    def click(self, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        return self.activity("invoke", name="adaptiveCard/action", value=value)

    def search(self, text: str, dataset: str = "crm.contacts") -> dict[str, Any]:
        value = {"queryText": text, "dataset": dataset, "queryOptions": {"skip": 0, "top": 15}}
        return self.activity("invoke", name="application/search", value=value)


def session(concurrency: int = 1) -> ClientSession:
    return ClientSession(connector=TCPConnector(limit=concurrency), timeout=ClientTimeout(total=30))


async def post(http: ClientSession, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(url, json=body) as response:
        data = await response.json() if response.content_type == "application/json" else await response.read()
        return response.status, data


async def timed(http: ClientSession, url: str, body: dict[str, Any]) -> float:
    """Seconds for one request; fails loudly on anything but a 2xx (a benchmark of errors is no benchmark)."""
    started = time.perf_counter()
    status, data = await post(http, url, body)
    elapsed = time.perf_counter() - started
    if status >= 300:
        raise RuntimeError(f"{url} answered {status}: {str(data)[:200]}")
    return elapsed


async def first_answer(server: Server, body: Callable[[], dict[str, Any]], timeout: float = 60) -> float:
    """Seconds from spawning `server` to its first 2xx answer to `body()` (polled every 5 ms)."""
    deadline = server.started + timeout
    async with session() as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
            try:
                status, _ = await post(http, server.url, body())
                if status < 300:
                    return time.monotonic() - server.started
            except (ClientError, OSError):
                pass
            await asyncio.sleep(0.005)
    raise RuntimeError(f"{server.name} did not answer within {timeout} s")


@dataclass
class Load:
    """What a fixed-concurrency load produced."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def load(
    url: str, body: Callable[[], dict[str, Any]], concurrency: int, seconds: float, into: Load | None = None
) -> Load:
    """`concurrency` clients, each posting `body()` back to back on a kept-alive connection, for `seconds`."""
    result = into or Load()
    async with session(concurrency) as http:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                begun = time.perf_counter()
                try:
                    status, _ = await post(http, url, body())
                except (TimeoutError, ClientError, OSError):
                    status = 599
                result.latencies.append(time.perf_counter() - begun)
                result.requests += 1
                result.errors += status >= 300

        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.seconds += time.perf_counter() - started
    return result


Requests = dict[str, Callable[[], dict[str, Any]]]  # operation -> what makes its next request


async def shuffled_rounds(
    targets: list[tuple[str, str, Requests]], ops: Sequence[str], rounds: int, seconds: float
) -> dict[tuple[str, str], list[float]]:
    """`rounds` passes (bounded by `seconds`): each operation once against each target (name, URL, request
    makers), in a shuffled order, after one pass to warm every path up; the latencies by (target, operation)."""
    times: dict[tuple[str, str], list[float]] = {(name, op): [] for name, _, _ in targets for op in ops}
    order = [(name, url, op, made[op]) for name, url, made in targets for op in ops]
    rng = random.Random(3)
    deadline = time.monotonic() + seconds
    async with session() as http:
        for _name, url, _op, body in order:
            await timed(http, url, body())
        for _ in range(rounds):
            rng.shuffle(order)
            for name, url, op, body in order:
                times[(name, op)].append(await timed(http, url, body()))
            if time.monotonic() > deadline:
                break
    return times


def size_table(
    times: dict[tuple[str, str], list[float]],
    ops: dict[str, str],
    names: list[str],
    width: int,
    extra: dict[tuple[str, str], float] | None = None,
) -> dict[str, Any]:
    """Per operation (key -> label) and database name (sizes as digits, then "second tenant"): p50 and p99 in
    ms (and `extra`, e.g. previews per answer) printed and returned, then the largest / smallest size's ratios
    (goal <= 1.5x) and the second tenant's p50 against the smallest's, under "ratio"."""
    sizes = [name for name in names if name.isdigit()]
    small, big = min(sizes, key=int), max(sizes, key=int)
    figures: dict[str, Any] = {}
    print(f"{'':{width}} {'p50 ms':>8} {'p99 ms':>8}" + (f" {'previews':>9}" if extra is not None else ""))
    for op, label in ops.items():
        for name in names:
            values = times[(name, op)]
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            figures.setdefault(op, {})[name] = {"p50": p50, "p99": p99}
            where = f"{label} @ {int(name):,}" if name.isdigit() else f"{label} @ 100 beside 100k"
            line = f"{where:<{width}} {p50:8.2f} {p99:8.2f}"
            if extra is not None:
                figures[op][name]["previews"] = extra[(name, op)]
                line += f" {extra[(name, op)]:9.1f}"
            print(line)
    print(f"{'ratios (goal <= 1.5x)':<{width + 1}}100k / 100 p50   p99    second tenant / 100 p50")
    for op, label in ops.items():
        at = figures[op]
        ratio = {
            "p50": at[big]["p50"] / at[small]["p50"],
            "p99": at[big]["p99"] / at[small]["p99"],
            "second_tenant_p50": at["second tenant"]["p50"] / at[small]["p50"],
        }
        at["ratio"] = ratio
        print(f"{label:<{width}} {ratio['p50']:13.2f}x {ratio['p99']:5.2f}x {ratio['second_tenant_p50']:16.2f}x")
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def _connector_process(ports: multiprocessing.Queue, members: list[tuple[str, str, str]]) -> None:
    fake = FakeConnector()
    for teams_id, aad_object_id, tenant_id in members:
        fake.add_member(teams_id, "Bench Owner", "bench@contoso.example", aad_object_id, tenant_id)

    async def forever() -> None:
        fake.posted = _Forgetful()
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(forever())


class _Forgetful(list[Any]):
    """The fake keeps every post for tests to read; a benchmark keeps none."""

    def append(self, item: Any) -> None:
        pass


@contextmanager
def fake_teams(members: list[tuple[str, str, str]]) -> Iterator[str]:
    """A fake Bot Connector in a process of its own (as Teams is); yields its service URL."""
    ports: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_connector_process, args=(ports, members), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{ports.get(timeout=30)}/amer/"
    finally:
        process.terminate()
        process.join(5)


async def ready(server: Server, body: Callable[[], dict[str, Any]]) -> None:
    await first_answer(server, body)
