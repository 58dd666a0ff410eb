"""Which due notification the sender starts next, fairly across tenants.

One FIFO per tenant, served round-robin, with a cap on each tenant's deliveries under way: a tenant
fanning out 1,500 notifications holds at most `per_tenant` of the sender's deliveries (most of them
waiting for its own Teams budget), and another tenant's next notification is started at the next free
place instead of behind that backlog. The queue knows nothing of the database: the sender refills a
tenant's FIFO when it runs low (`hungry()`), so nobody rereads the whole outbox on every request."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator

from bot.domain.delivery import Notification


class FairQueue:
    def __init__(self, per_tenant: int, total: int) -> None:
        self.per_tenant = per_tenant  # deliveries of one tenant under way at once
        self.total = total  # deliveries under way at once, all tenants
        self._waiting: dict[str, collections.deque[Notification]] = {}
        self._turns: collections.deque[str] = collections.deque()  # tenants with rows waiting, in serving order
        self._running: dict[str, set[int]] = {}
        self._known: set[int] = set()  # ids waiting or running: a refill never adds one twice
        self._hungry: set[str] = set()

    # --- filling ---------------------------------------------------------------------------------

    def read_ahead(self, tenant_id: str) -> int:
        """How many of this tenant's due rows to read (those it holds included), or 0: it has enough."""
        waiting = len(self._waiting.get(tenant_id, ()))
        if waiting > self.per_tenant // 2:
            return 0
        return 2 * self.per_tenant + self.running(tenant_id)

    def add(self, notifications: Iterable[Notification]) -> int:
        added = 0
        for notification in notifications:
            if notification.id in self._known:
                continue
            tenant = notification.tenant_id
            if tenant not in self._waiting:
                self._waiting[tenant] = collections.deque()
            if not self._waiting[tenant] and tenant not in self._turns:
                self._turns.append(tenant)
            self._waiting[tenant].append(notification)
            self._known.add(notification.id)
            added += 1
        return added

    def hungry(self) -> set[str]:
        """Tenants whose read-ahead ran low since the last call (to be read again)."""
        found, self._hungry = self._hungry, set()
        return found

    # --- serving ---------------------------------------------------------------------------------

    def running(self, tenant_id: str | None = None) -> int:
        if tenant_id is not None:
            return len(self._running.get(tenant_id, ()))
        return sum(len(ids) for ids in self._running.values())

    def waiting(self) -> int:
        return sum(len(rows) for rows in self._waiting.values())

    def take(self) -> Iterator[Notification]:
        """The rows to start now, one at a time from the tenant with the fewest under way (ties in
        turn), skipping tenants at their cap: a newcomer goes ahead of a tenant with many running."""
        running = self.running()
        while running < self.total and self._turns:
            open_ = [t for t in self._turns if self.running(t) < self.per_tenant]
            if not open_:
                return
            tenant = min(open_, key=self.running)
            self._turns.remove(tenant)
            rows = self._waiting[tenant]
            notification = rows.popleft()
            if rows:
                self._turns.append(tenant)  # its next turn comes after the others'
                if len(rows) == self.per_tenant // 2:  # running low: read again (once, not on every take)
                    self._hungry.add(tenant)
            else:
                del self._waiting[tenant]
                self._hungry.add(tenant)
            self._running.setdefault(tenant, set()).add(notification.id)
            running += 1
            yield notification

    def done(self, notification: Notification) -> None:
        tenant = notification.tenant_id
        ids = self._running.get(tenant)
        if ids is not None:
            ids.discard(notification.id)
            if not ids:
                del self._running[tenant]
        self._known.discard(notification.id)

    def clear(self) -> None:
        """Forget what waits (the rows stay pending in the database)."""
        for rows in self._waiting.values():
            self._known.difference_update(n.id for n in rows)
        self._waiting.clear()
        self._turns.clear()
