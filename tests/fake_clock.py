"""A clock the test moves: background work (the limiter, the card updater, the schedules, the sender) waits
on it instead of real time. `advance(seconds)` moves it and wakes every sleeper due by then; with
`instant=True` a sleep moves the clock to its own end at once (nothing real is waited for)."""

from __future__ import annotations

import asyncio
import heapq
import itertools

from bot.domain.clock import shifted


class FakeClock:
    def __init__(self, start: str = "2026-11-23T12:00:00.000000Z", instant: bool = False) -> None:
        self.start = start
        self.instant = instant
        self.elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> str:
        return shifted(self.start, self.elapsed)

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
