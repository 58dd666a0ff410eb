"""A clock the test moves: background work (the limiter, the card updater, the schedules, the sender) waits
on it instead of real time. `advance(seconds)` moves it and wakes every sleeper due by then; with
`instant=True` a sleep moves the clock to its own end at once (nothing real is waited for).

`Driver` moves it for a test that waits for an outcome (tests/conftest.py's Teams): whenever nothing is under
way, to the time the soonest sleeper wakes, so a retry's backoff, a rate-limit window or the card updater's
debounce pass at once while every request and every transaction still takes the real time it takes."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.domain.clock import shifted


class FakeClock:
    def __init__(self, start: str = "2026-11-23T12:00:00.000000Z", instant: bool = False, tick: float = 0.0) -> None:
        """`tick`: each stamp read (`now`) that much later than the one before, as real stamps are (two changes
        never share a stamp: newest first stays an order); the waits' time (`monotonic`, sleepers) ignores it."""
        self.start = start
        self.instant = instant
        self.tick = tick
        self._reads = 0
        self.elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> str:
        if not self.tick:
            return shifted(self.start, self.elapsed)
        self._reads += 1
        return shifted(self.start, self.elapsed + self._reads * self.tick)

    def monotonic(self) -> float:
        return 1_000.0 + self.elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if self.instant:
            await asyncio.sleep(0)
            self.advance_to(self.elapsed + seconds)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.elapsed + seconds, next(self._order), wake))
        await wake

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        waiter = asyncio.ensure_future(event.wait())
        sleeper = asyncio.ensure_future(self.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()
        return event.is_set()

    def sleepers(self) -> int:
        """Sleeps not yet woken (cancelled ones aside)."""
        return sum(1 for _, _, wake in self._sleepers if not wake.done())

    def next_wake(self) -> float | None:
        """Seconds until the soonest sleeper is due; None when nobody sleeps."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] - self.elapsed if self._sleepers else None

    def advance(self, seconds: float) -> None:
        self.advance_to(self.elapsed + seconds)

    def advance_to(self, elapsed: float) -> None:
        self.elapsed = max(self.elapsed, elapsed)
        while self._sleepers and self._sleepers[0][0] <= self.elapsed:
            _, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                wake.set_result(None)

    async def run_for(self, seconds: float, step: float = 0.05) -> None:
        """Let `seconds` of clock time pass in steps, the event loop running in between (real I/O, such as
        the fake connector's answers, happens as it would)."""
        end = self.elapsed + seconds
        while self.elapsed < end:
            await asyncio.sleep(0)
            self.advance(min(step, end - self.elapsed))
            await asyncio.sleep(0)


class Driver:
    """Moves `clock` at each look of a waiting test (`step`): once none of `busy` has held for `quiet` looks in a
    row, to the soonest sleeper. Time then passes at once while the bot waits for time alone (a limiter's
    window, a backoff), never while a request is being answered or a transaction is open (`step` runs between
    the test's looks, each after the event loop ran everything ready); while one of `slow` holds (a call of the
    bot's under way in a thread, maybe one the fake leaves hanging), no faster than real time, as a call takes
    real time (the bot's own timeout for it is real)."""

    def __init__(
        self, clock: FakeClock, *busy: Callable[[], bool], slow: tuple[Callable[[], bool], ...] = (), quiet: int = 2
    ) -> None:
        self.clock = clock
        self.busy = list(busy)
        self.slow = list(slow)
        self.quiet = quiet
        self.hold = False  # True: look, but leave the clock where it is (Teams.idle)
        self.calm_looks = 0  # looks in a row with nothing under way
        self._looked = time.monotonic()

    @property
    def calm(self) -> bool:
        """Nothing was under way at the last `quiet` looks: all the bot would do by now is done."""
        return self.calm_looks >= self.quiet

    def step(self) -> None:
        now, since = time.monotonic(), time.monotonic() - self._looked
        self._looked = now
        if any(busy() for busy in self.busy):
            self.calm_looks = 0
            return
        self.calm_looks += 1
        wake = self.clock.next_wake()
        if not self.calm or self.hold or wake is None:
            return
        if any(slow() for slow in self.slow):
            self.clock.advance(min(max(wake, 0.0), since))  # at the pace of real time
        else:
            self.clock.advance(max(wake, 0.0))
            self.calm_looks = 0


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that knows whether work is under way in it (a Driver's `slow`): the event loop's default
    executor in tests, where msrest makes the bot's calls to the fake connector."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._under_way = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._under_way += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[Any]) -> None:
        with self._lock:
            self._under_way -= 1

    def under_way(self) -> bool:
        return self._under_way > 0
