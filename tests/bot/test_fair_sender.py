"""One tenant's fan-out does not hold up another tenant's notifications (issue 12, item 8).

Tenant A comments on a record with 1,500 followers (30 s of Teams' per-tenant budget) while its users
keep working (light traffic: a comment every 0.2 s wakes the sender); tenant B's single notification
must go out while A's backlog is still there, not after it drains. Behaviour, not timing: the bound
(10 s) is a third of A's drain time, and B is checked against A's count still pending."""

from __future__ import annotations

import asyncio
import contextlib

from app import NOTIFIER
from bot.domain.models import Kind, User
from bot.services import CrmService
from tests.conftest import BOT_ID, MALLORY, OTHER_TENANT, TENANT, Teams

FAN_OUT = 1500


def followed_by(services: CrmService, owner: User, title: str, count: int, service_url: str, prefix: str) -> str:
    """A record of `owner`'s with `count` followers who each have a 1:1 chat with the bot."""
    record = services.records.create_record(owner, Kind.LEAD, title).record
    tenant = owner.tenant_id
    with services.repo.transaction():
        for i in range(count):
            user = services.repo.people.upsert_user(
                tenant, f"29:{prefix}{i}", f"aad-{prefix}{i}", f"{prefix} {i}", "2026-01-01"
            )
            services.repo.people.store_personal_conversation(
                tenant, user.id, f"a:1:29:{prefix}{i}", service_url, BOT_ID, "CRM", "2026-01-01"
            )
            services.repo.follows.add_follower(tenant, record.id, user.id, "2026-01-01")
    return record.ref


async def test_a_second_tenant_is_not_held_behind_another_tenants_fan_out(teams: Teams) -> None:
    services = teams.services
    owner_a = services.people.record_user(TENANT, "29:owner-a", "aad-owner-a", "Owner A", teams.service_url)
    owner_b = services.people.record_user(OTHER_TENANT, MALLORY.teams_id, MALLORY.aad_object_id, "B", teams.service_url)
    big = followed_by(services, owner_a, "Big launch", FAN_OUT, teams.service_url, "a")
    busy = followed_by(services, owner_a, "Busy", 1, teams.service_url, "busy")
    small = followed_by(services, owner_b, "Small deal", 1, teams.service_url, "b")

    clock = teams.clock
    assert clock is not None

    async def light_traffic() -> None:
        for i in range(10_000):
            services.records.comment(owner_a, busy, f"note {i}")
            _wake(teams)
            await clock.sleep(0.2)  # the bot's time: every 0.2 s of it, however fast the test moves it

    services.records.comment(owner_a, big, "Signed!")
    _wake(teams)
    traffic = asyncio.create_task(light_traffic())
    try:
        await teams.passing(0.5)  # A's fan-out is under way
        services.records.comment(owner_b, small, "Hello from B")
        _wake(teams)
        await teams.connector.wait_for(lambda: bool(teams.connector.notifications("a:1:29:b0")), timeout=10)
        backlog = teams.outbox(TENANT)["pending"]
    finally:
        traffic.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await traffic
    assert backlog > FAN_OUT // 2, backlog  # B went out long before A's backlog drained


def _wake(teams: Teams) -> None:
    """What app.py does after a turn that enqueued notifications."""
    teams.client.app[NOTIFIER].wake()
