"""Which due notification the sender starts next, fairly across tenants and their channels.

One FIFO per lane, served round-robin, with a cap on each lane's deliveries under way. A lane is a
tenant, or with the activity feed a tenant's channel: (tenant, "chat") and (tenant, "feed") (the sender
reads each with its own query, bot/services/outbox.py `due`). Each lane waits for its own budget (Teams'
for chat, Graph's for the feed), so a lane's places are its own: a tenant fanning out 1,500
notifications holds at most `per_tenant` of the sender's deliveries per channel (most of them waiting
for that channel's budget), another tenant's next notification is started at the next free place
instead of behind that backlog, and chat messages are never held behind feed notifications waiting for
Graph's slower budget. The queue knows nothing of the database: the sender refills a lane's FIFO when it
runs low (`hungry()`), so nobody rereads the whole outbox on every request."""

from __future__ import annotations

import collections
from collections.abc import Hashable, Iterable, Iterator

from bot.domain.delivery import Notification


class FairQueue:
    def __init__(self, per_tenant: int, total: int) -> None:
        self.per_tenant = per_tenant  # deliveries of one lane (a tenant's channel) under way at once
        self.total = total  # deliveries under way at once, all lanes
        self._waiting: dict[Hashable, collections.deque[Notification]] = {}
        self._turns: collections.deque[Hashable] = collections.deque()  # lanes with rows waiting, in serving order
        self._running: dict[Hashable, set[int]] = {}
        self._lane_of: dict[int, Hashable] = {}  # ids waiting or running: a refill never adds one twice
        self._hungry: set[Hashable] = set()

    # --- filling ---------------------------------------------------------------------------------

    def read_ahead(self, lane: Hashable) -> int:
        """How many of this lane's due rows to read (those it holds included), or 0: it has enough."""
        waiting = len(self._waiting.get(lane, ()))
        if waiting > self.per_tenant // 2:
            return 0
        return 2 * self.per_tenant + self.running(lane)

    def add(self, notifications: Iterable[Notification], lane: Hashable | None = None) -> int:
        """Rows read for `lane` (default: each row's tenant); those already held are skipped."""
        added = 0
        for notification in notifications:
            if notification.id in self._lane_of:
                continue
            key = notification.tenant_id if lane is None else lane
            if key not in self._waiting:
                self._waiting[key] = collections.deque()
            if not self._waiting[key] and key not in self._turns:
                self._turns.append(key)
            self._waiting[key].append(notification)
            self._lane_of[notification.id] = key
            added += 1
        return added

    def hungry(self) -> set[Hashable]:
        """Lanes whose read-ahead ran low since the last call (to be read again)."""
        found, self._hungry = self._hungry, set()
        return found

    # --- serving ---------------------------------------------------------------------------------

    def running(self, lane: Hashable | None = None) -> int:
        if lane is not None:
            return len(self._running.get(lane, ()))
        return sum(len(ids) for ids in self._running.values())

    def tenants(self) -> set[str]:
        """The tenants with rows waiting or under way (a lane is a tenant, or a tenant's (tenant, channel))."""
        lanes = [*self._waiting, *self._running]
        return {str(lane[0]) if isinstance(lane, tuple) else str(lane) for lane in lanes}

    def waiting(self) -> int:
        return sum(len(rows) for rows in self._waiting.values())

    def take(self) -> Iterator[Notification]:
        """The rows to start now, one at a time from the lane with the fewest under way (ties in
        turn), skipping lanes at their cap: a newcomer goes ahead of a lane with many running."""
        running = self.running()
        while running < self.total and self._turns:
            open_ = [lane for lane in self._turns if self.running(lane) < self.per_tenant]
            if not open_:
                return
            lane = min(open_, key=self.running)
            self._turns.remove(lane)
            rows = self._waiting[lane]
            notification = rows.popleft()
            if rows:
                self._turns.append(lane)  # its next turn comes after the others'
                if len(rows) == self.per_tenant // 2:  # running low: read again (once, not on every take)
                    self._hungry.add(lane)
            else:
                del self._waiting[lane]
                self._hungry.add(lane)
            self._running.setdefault(lane, set()).add(notification.id)
            running += 1
            yield notification

    def done(self, notification: Notification) -> None:
        lane = self._lane_of.pop(notification.id, None)
        ids = self._running.get(lane) if lane is not None else None
        if lane is not None and ids is not None:
            ids.discard(notification.id)
            if not ids:
                del self._running[lane]

    def clear(self) -> None:
        """Forget what waits (the rows stay pending in the database)."""
        for rows in self._waiting.values():
            for notification in rows:
                self._lane_of.pop(notification.id, None)
        self._waiting.clear()
        self._turns.clear()
