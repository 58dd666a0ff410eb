"""What a replica does when it becomes a tenant's sender (PostgreSQL, several replicas; see
storage/postgres.py `Coordination`). The previous sender's limiter died with it, so Teams' windows of the
tenant's conversations are rebuilt from the outbox's sends of the last hour, whichever replica made them:
no conversation gets more than Teams allows in the first seconds (or the first hour) after a takeover. The
tenant's own budget also waits out what is left of its window after the latest of those sends, because the
previous sender's card updates are in no table. A send is placed at its answer's time when it came (the
later, safe end), else at its call's; the replicas' clocks are taken to agree (NTP)."""

from __future__ import annotations

from bot.notify.rate_limits import CONVERSATION_LIMITS, RateLimiter, in_conversation, in_tenant
from bot.services.outbox import Deliveries

REBUILT_SECONDS = max(window for _, window in CONVERSATION_LIMITS)  # the longest window Teams counts


async def own(deliveries: Deliveries, limiter: RateLimiter, tenant_id: str, at_once: bool = False) -> bool:
    """Whether this replica sends for the tenant, taking it if nobody does (then its windows are rebuilt
    before anything is sent; see Deliveries.own for who takes a tenant nobody sends for)."""
    owned, taken_now = await deliveries.own(tenant_id, at_once)
    if taken_now:
        await rebuild(deliveries, limiter, tenant_id)
    return owned


async def rebuild(deliveries: Deliveries, limiter: RateLimiter, tenant_id: str) -> int:
    """Count the tenant's recent sends in this limiter's windows; how many there were."""
    sends = await deliveries.run(deliveries.recent_sends, tenant_id, REBUILT_SECONDS)
    by_conversation: dict[str, list[float]] = {}
    for conversation_id, seconds_ago in sends:
        by_conversation.setdefault(conversation_id, []).append(seconds_ago)
    for conversation_id, agos in by_conversation.items():
        limiter.remember(in_conversation(tenant_id, conversation_id), agos)
    if sends:
        key, limits = in_tenant(tenant_id)
        pause = max(window for _, window in limits) + limiter.slack - min(ago for _, ago in sends)
        if pause > 0:
            limiter.block(key, pause)
    return len(sends)
