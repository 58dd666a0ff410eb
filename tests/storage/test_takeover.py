"""A replica taking a tenant's sending over (issue 30): Teams' per-conversation windows are rebuilt from the
outbox's recent sends, whichever replica made them (bot/notify/takeover.py); and a replica hands back the
tenants it has not sent for lately, so that they spread over the replicas again (storage/postgres.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.domain.clock import shifted
from bot.domain.models import Kind, User
from bot.notify import takeover
from bot.notify.rate_limits import CONVERSATION_LIMITS, RateLimiter, in_conversation, in_tenant
from bot.services import CrmService
from storage.migrations import migrate
from storage.repository import Repository
from tests.storage.backends import open_any

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
START = "2026-11-23T12:00:00.000000Z"


class Clock:
    """The services' stamps and the new sender's limiter on one fake time line."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> str:
        return shifted(START, self.seconds)

    def monotonic(self) -> float:
        return 5_000.0 + self.seconds

    async def sleep(self, seconds: float) -> None:
        self.seconds += seconds


def person(services: CrmService, name: str) -> User:
    user = services.people.record_user(TENANT, f"29:{name}", None, name.title(), None)
    services.deliveries.save_conversation(user, f"a:1:{name}", "http://127.0.0.1:9/amer/", "28:bot", "CRM")
    return user


async def test_the_new_sender_counts_the_previous_senders_sends_in_each_conversations_windows(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock()
    db = open_any(database_url, str(tmp_path / "crm.db"))
    migrate(db)
    services = CrmService(Repository(db), clock)
    try:
        alice, bob, carol = person(services, "alice"), person(services, "bob"), person(services, "carol")
        services.records.create_record(alice, Kind.LEAD, "Acme")
        services.records.follow(bob, "L-1")
        services.records.follow(carol, "L-1")
        clock.seconds = 100.0
        for i in range(7):  # the previous sender: 7 comments told to Bob and Carol as fast as Teams allows
            services.records.comment(alice, "L-1", f"Call {i}")
            for notification in services.deliveries.due(TENANT, 10):
                assert services.deliveries.claim(notification)
                services.deliveries.sent(notification, f"m-{notification.id}")
            clock.seconds += 0.14
        services.records.comment(alice, "L-1", "Never sent")  # still pending: not a send
        before = [100.0 + 0.14 * i for i in range(7)]
        clock.seconds = 100.9  # the previous sender stopped; another takes over right after its last send
        limiter = RateLimiter(0.0, clock.monotonic, clock.sleep)
        # 14, and Alice told of the two follows (sent with the first comment)
        assert await takeover.rebuild(services.deliveries, limiter, TENANT) == 15
        after = []
        for _ in range(7):
            (await limiter.acquire([in_conversation(TENANT, "a:1:bob")], in_tenant(TENANT))).finished()
            after.append(clock.seconds)
        # The tenant waits out the second after the last send; Bob's 8 in any 2 s then lets one more through
        # until the first of the earlier 7 is 2 s old.
        assert after[0] == pytest.approx(before[-1] + 1.0) and after[1] == pytest.approx(before[0] + 2.0)
        sends = before + after
        for count, window in CONVERSATION_LIMITS:
            assert all(sum(1 for t in sends if s <= t < s + window - 1e-9) <= count for s in sends), (count, window)
    finally:
        db.close()


async def test_a_replica_hands_back_the_tenants_it_has_not_sent_for_lately(database_url: str) -> None:
    if not database_url:
        pytest.skip("several replicas share a tenant's sending through PostgreSQL's advisory locks")
    from storage.postgres import Coordination

    now = [0.0]
    first, second = (Coordination(database_url, idle_seconds=60, clock=lambda: now[0]) for _ in range(2))
    try:
        # The sender and the card updater asking at once take one lock (one release hands the tenant back).
        assert await asyncio.gather(first.own(TENANT), first.own(TENANT)) == [True, True]
        assert not await second.own(TENANT)
        now[0] = 50.0
        first.used(TENANT)  # it sent for the tenant (Deliveries.own / owns note it)
        now[0] = 109.0
        assert await first.hand_back_idle(set()) == []  # 59 s since: not idle yet
        now[0] = 111.0
        assert await first.hand_back_idle({TENANT}) == []  # rows of it read ahead or under way: kept
        assert await first.hand_back_idle(set()) == [TENANT] and first.owned == set()
        assert await second.own(TENANT)  # the next replica with something to send takes it
        assert not await first.own(TENANT)
    finally:
        await first.close()
        await second.close()


class Ownership:
    """Coordination's part the services see, in memory: `others` are sent for by other replicas."""

    def __init__(self, others: set[str]) -> None:
        self.owned: set[str] = set()
        self.others = others

    async def own(self, tenant_id: str) -> bool:
        if tenant_id in self.others:
            return False
        self.owned.add(tenant_id)
        return True

    def used(self, tenant_id: str) -> None:
        pass

    async def hand_back_idle(self, busy: set[str]) -> list[str]:
        return []


async def test_a_tenant_nobody_sends_for_goes_to_the_replica_whose_turn_enqueued_its_rows(
    tmp_path: Path, database_url: str
) -> None:
    """So that tenants follow the load balancer over the replicas; another replica takes them only once their
    rows have waited a while (their replica is gone)."""
    db = open_any(database_url, str(tmp_path / "crm.db"))
    migrate(db)
    ownership = Ownership(others={"busy-elsewhere"})
    services = CrmService(Repository(db), ownership=ownership)
    now = [0.0]
    services.deliveries.monotonic = lambda: now[0]
    try:
        alice, bob = person(services, "alice"), person(services, "bob")
        services.records.create_record(alice, Kind.LEAD, "Acme")
        services.records.follow(bob, "L-1")  # Alice is told: a row this replica's turn enqueued
        assert await services.deliveries.own(TENANT) == (True, True)
        other = "72f988bf-0000-4000-8000-00000000cccc"  # rows another replica enqueued
        assert await services.deliveries.own(other) == (False, False)
        now[0] = 0.9
        assert await services.deliveries.own(other) == (False, False)
        now[0] = 1.0
        assert await services.deliveries.own(other) == (True, True)
        assert await services.deliveries.own("at-once", at_once=True) == (True, True)  # a card update here
        now[0] = 5.0
        assert await services.deliveries.own("busy-elsewhere") == (False, False)
        now[0] = 6.0
        assert await services.deliveries.own("busy-elsewhere") == (False, False)  # its sender lives
        assert ownership.owned == {TENANT, other, "at-once"}
    finally:
        db.close()
