"""Teams' rate limits and the sender's delivery policy, free of Bot Framework types: the sliding-window
limiter every proactive send goes through, and how long to wait before trying again.

Limits, from Microsoft's "Rate limiting for bots" page
(https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit): per bot per
conversation, send and create conversation 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per 3600 s;
per app per tenant 50 requests per second (some revisions of the page say 30: the budget is the
TEAMS_TENANT_RPS setting, 30 by default, which the limiter applies to every tenant key)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from bot.domain.clock import SYSTEM, Clock

Limit = tuple[int, float]  # at most N operations in any window of S seconds
CONVERSATION_LIMITS: tuple[Limit, ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_RPS = 30  # the safer of the documented figures; TEAMS_TENANT_RPS changes it
TENANT_LIMITS: tuple[Limit, ...] = ((TENANT_RPS, 1.0),)
Keyed = tuple[Hashable, tuple[Limit, ...]]


def in_conversation(tenant_id: str, conversation_id: str) -> Keyed:
    """The window of one conversation (a send, an update, or the creation of a 1:1 chat)."""
    return ("conversation", tenant_id, conversation_id), CONVERSATION_LIMITS


def in_tenant(tenant_id: str) -> Keyed:
    """The window every call of the app in one tenant shares."""
    return ("tenant", tenant_id), TENANT_LIMITS


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 300.0
    send_timeout: float = 15.0  # one connector call, all of msrest's own retries included
    concurrency: int = 48  # connector calls under way at once, all tenants
    per_tenant: int = (
        16  # one tenant's deliveries of one channel under way at once, those waiting for its budget included
    )
    under_way: int = 400  # deliveries under way at once, all tenants (each one a small task)
    poll_seconds: float = 5.0  # the timer: rows coming due, other instances' leftovers
    slack: float = 0.002  # added to each rate window, for clock granularity

    def backoff(self, attempt: int) -> float:
        """Exponential, with jitter in its upper half so a crowd of retries spreads out."""
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)


class _Slot:
    """One operation in a key's log: its reservation time, then the time its call came back."""

    __slots__ = ("at", "done")

    def __init__(self, at: float) -> None:
        self.at = at
        self.done = False


class Permit:
    """Returned by `RateLimiter.acquire`; `finished()` once the call came back, or `refund()`."""

    def __init__(
        self,
        slots: list[tuple[deque[_Slot], _Slot]],
        clock: Callable[[], float],
        on_answer: Callable[[], None] = lambda: None,
    ) -> None:
        self._slots = slots
        self._clock = clock
        self._on_answer = on_answer

    def refund(self) -> None:
        """Teams answered 429: it did not carry the call out, so it does not count in our windows
        (should Teams count it after all, the worst is another 429, whose Retry-After is honoured)."""
        for log_, slot in self._slots:
            with contextlib.suppress(ValueError):
                log_.remove(slot)
        self._on_answer()

    def finished(self, answered_at: float | None = None) -> None:
        # Teams counted the call somewhere between sending and the answer: the answer's time is the
        # safe one, so the next window starts no earlier than Teams' own.
        answered = self._clock() if answered_at is None else answered_at
        for _, slot in self._slots:
            slot.at = max(slot.at, answered)
            slot.done = True
        self._on_answer()


class RateLimiter:
    """Sliding-window logs, one per key (a conversation, a tenant), shared by every send.

    `acquire` first waits until the narrow keys (the conversation) have room, without holding a place
    in the wide one (the tenant), so one busy chat never holds up everybody else's messages. Then the
    senders take turns at the wide key (urgent ones, retries, first), each granted at once when the
    windows allow it: a slot is never reserved ahead of a call still under way, which Teams may count
    as late as its answer, so a call under way counts as happening now until it comes back."""

    def __init__(
        self,
        slack: float = 0.005,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tenant_rps: int | None = None,
        timer: Clock | None = None,
    ) -> None:
        """`timer` supplies the clock, the sleep and the wait for an answer at once (a Clock; tests move a
        fake one); otherwise `clock` and `sleep` are used and an answer is waited for in real time."""
        self.slack = slack
        self._wait = timer.wait if timer is not None else SYSTEM.wait
        if timer is not None:
            clock, sleep = timer.monotonic, timer.sleep
        # The per-tenant budget from configuration, applied to every `in_tenant` key.
        self.tenant_limits: tuple[Limit, ...] | None = ((tenant_rps, 1.0),) if tenant_rps else None
        self.clock = clock
        self.sleep = sleep
        self._logs: dict[Hashable, deque[_Slot]] = {}
        self._blocked: dict[Hashable, float] = {}
        self._last: dict[Hashable, float] = {}  # the latest reservation per key
        self._turns: dict[Hashable, list[tuple[int, int, asyncio.Future[None]]]] = {}
        self._holding: set[Hashable] = set()
        self._order = itertools.count()
        self._answered = asyncio.Event()  # a call under way came back: the windows may have room

    def _earliest(self, key: Hashable, limits: tuple[Limit, ...], now: float, narrow: bool) -> tuple[float, bool]:
        """The earliest time a call for `key` fits, and whether a call under way decides it."""
        at = max(now, self._blocked.get(key, 0.0))
        # Sends are spread rather than burst, so each one is on its way as soon as it is granted (a burst
        # queues up behind msrest's serialisation and thread pool, and late answers push the next
        # window back): 90% of the even spacing for a conversation; a fifth of it for the tenant, whose
        # budget is only reached when every refused (429) send is replaced at once.
        pace = (0.9 if narrow else 0.2) * min(window / count for count, window in limits)
        at = max(at, self._last.get(key, -pace) + pace)
        slots = self._logs.get(key)
        waiting_on_call = False
        if slots:
            times = sorted(((s.at, True) if s.done else (max(s.at, now), False) for s in slots), reverse=True)
            for count, window in limits:
                if len(times) >= count and times[count - 1][0] + window + self.slack > at:
                    at = times[count - 1][0] + window + self.slack
                    waiting_on_call = not times[count - 1][1]
        return at, waiting_on_call

    def remember(self, keyed: Keyed, seconds_ago: list[float]) -> None:
        """Calls this limiter did not make (another replica's, read from the outbox), counted in the key's
        windows as calls that came back `seconds_ago`."""
        key, limits = self._budget(keyed)
        now = self.clock()
        horizon = max(w for _, w in limits) + self.slack
        log_ = self._logs.setdefault(key, deque())
        for ago in seconds_ago:
            if 0 <= ago < horizon:
                slot = _Slot(now - ago)
                slot.done = True
                log_.append(slot)
        ordered = sorted(log_, key=lambda s: s.at)  # in time order, as `_reserve` trims them
        log_.clear()
        log_.extend(ordered)
        if ordered:
            self._last[key] = max(self._last.get(key, ordered[-1].at), ordered[-1].at)

    def block(self, key: Hashable, seconds: float) -> None:
        """Nothing for `key` before `seconds` from now (a Retry-After)."""
        self._blocked[key] = max(self._blocked.get(key, 0.0), self.clock() + seconds)

    def _budget(self, keyed: Keyed) -> Keyed:
        key = keyed[0]
        if self.tenant_limits is not None and isinstance(key, tuple) and key[:1] == ("tenant",):
            return key, self.tenant_limits
        return keyed

    async def acquire(self, narrow: list[Keyed], wide: Keyed, urgent: bool = False) -> Permit:
        wide = self._budget(wide)
        while True:
            now = self.clock()
            ready = max([self._earliest(k, lim, now, True)[0] for k, lim in narrow], default=now)
            if ready > now:
                await self.sleep(ready - now)
                continue
            await self._take_turn(wide[0], urgent)
            try:
                permit = await self._grant(narrow, wide)
            finally:
                self._pass_turn(wide[0])
            if permit is not None:
                return permit

    async def _grant(self, narrow: list[Keyed], wide: Keyed) -> Permit | None:
        """A permit for now once the wide key has room; None if a narrow key filled up meanwhile."""
        while True:
            now = self.clock()
            if any(self._earliest(k, lim, now, True)[0] > now for k, lim in narrow):
                return None
            at, waiting_on_call = self._earliest(*wide, now, False)
            if at <= now:
                return self._reserve([*narrow, wide], now)
            if waiting_on_call:
                self._answered.clear()
                await self._wait(self._answered, at - now)
            else:
                await self.sleep(at - now)

    def _reserve(self, keys: list[Keyed], now: float) -> Permit:
        slots = []
        for key, limits in keys:
            log_ = self._logs.setdefault(key, deque())
            horizon = now - max(w for _, w in limits) - self.slack
            while log_ and log_[0].done and log_[0].at < horizon:
                log_.popleft()
            slot = _Slot(now)
            log_.append(slot)
            slots.append((log_, slot))
        for key, _ in keys:
            self._last[key] = max(self._last.get(key, now), now)
        return Permit(slots, self.clock, self._answered.set)

    async def _take_turn(self, key: Hashable, urgent: bool) -> None:
        if key not in self._holding:
            self._holding.add(key)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._turns.setdefault(key, []), (0 if urgent else 1, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # handed the turn just as it was cancelled
                self._pass_turn(key)
            raise

    def _pass_turn(self, key: Hashable) -> None:
        queue = self._turns.get(key, [])
        while queue:
            _, _, turn = heapq.heappop(queue)
            if not turn.done():
                turn.set_result(None)
                return
        self._holding.discard(key)


# Microsoft Graph's limits on activity-feed notifications (sendActivityNotification), a budget of their own
# beside Teams' (a feed notification is a Graph call, not a Bot Connector one):
# - per user, per app: 10 a minute ("Notifications will be automatically throttled if the count exceeds 10":
#   https://learn.microsoft.com/en-us/graph/teams-activity-feed-notifications-best-practices);
# - per app, per tenant: 5 a second for POST /users/{user-id}/teamwork/sendActivityNotification
#   (https://learn.microsoft.com/en-us/graph/throttling-limits#microsoft-teams-service-limits).
FEED_LIMITS: tuple[Limit, ...] = ((10, 60.0),)
FEED_TENANT_LIMITS: tuple[Limit, ...] = ((5, 1.0),)


def in_feed(tenant_id: str, aad_object_id: str) -> Keyed:
    """One person's activity feed (Graph sendActivityNotification)."""
    return ("feed", tenant_id, aad_object_id), FEED_LIMITS


def in_feed_tenant(tenant_id: str) -> Keyed:
    """Every activity-feed notification of the app in one tenant (Graph's budget, not Teams')."""
    return ("feed tenant", tenant_id), FEED_TENANT_LIMITS
