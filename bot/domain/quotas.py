"""Write quotas: how much one person and one organisation may create in a minute, so a careless script
or a stuck client cannot fill the database (one user once created 400 leads at 67 a second). Kept in
memory per process (a replica counts its own turns; Teams sends a person's turns to any replica, so
with N replicas the effective limit is at most N times this). No I/O."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, translated

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Quota:
    per_user: int  # in any minute
    per_tenant: int
    noun: str  # "records", for the message


QUOTAS = {
    "records": Quota(30, 600, N_("records")),  # leads and opportunities created
    "contacts": Quota(60, 1200, N_("contacts")),
}


class QuotaExceeded(DomainError):
    """Too many writes of one kind in the last minute."""


@dataclass
class WriteQuotas:
    clock: Callable[[], float] = time.monotonic
    quotas: dict[str, Quota] = field(default_factory=lambda: dict(QUOTAS))
    _spent: dict[tuple[str, str, int | None], deque[float]] = field(default_factory=dict)

    def spend(self, kind: str, tenant_id: str, user_id: int) -> None:
        """Count one write; QuotaExceeded (and nothing counted) when the user or the tenant is over."""
        quota = self.quotas[kind]
        now = self.clock()
        mine, ours = self._log(kind, tenant_id, user_id, now), self._log(kind, tenant_id, None, now)
        if len(mine) >= quota.per_user:
            wait = int(mine[0] + WINDOW_SECONDS - now) + 1
            raise QuotaExceeded(
                _(
                    "You created {n} {what} in the last minute, the most one person may. "
                    "Please try again in {wait} seconds.",
                    n=len(mine),
                    what=translated(quota.noun),
                    wait=wait,
                )
            )
        if len(ours) >= quota.per_tenant:
            raise QuotaExceeded(
                _(
                    "Your organisation created {n} {what} in the last minute, the most it may. "
                    "Please try again in a minute.",
                    n=len(ours),
                    what=translated(quota.noun),
                )
            )
        mine.append(now)
        ours.append(now)

    def _log(self, kind: str, tenant_id: str, user_id: int | None, now: float) -> deque[float]:
        log = self._spent.setdefault((kind, tenant_id, user_id), deque())
        while log and log[0] <= now - WINDOW_SECONDS:
            log.popleft()
        return log
