"""The fair queue alone: round-robin across tenants, a cap per tenant and in all, no row twice."""

from __future__ import annotations

from bot.domain.delivery import DeliveryStatus, Notification
from bot.notify.fair_queue import FairQueue


def row(notification_id: int, tenant: str) -> Notification:
    return Notification(
        id=notification_id, tenant_id=tenant, record_id=1, recipient_id=notification_id, actor_id=None,
        event_ids=(1,), status=DeliveryStatus.PENDING, attempts=0, due_at="", next_attempt_at="", last_error=None,
    )  # fmt: skip


def test_tenants_take_turns_and_each_is_capped() -> None:
    queue = FairQueue(per_tenant=3, total=100)
    queue.add(row(i, "a") for i in range(1000))
    queue.add([row(5000, "b"), row(5001, "b")])
    started = [(n.tenant_id, n.id) for n in queue.take()]
    assert started == [("a", 0), ("b", 5000), ("a", 1), ("b", 5001), ("a", 2)]
    assert list(queue.take()) == []  # a is at its cap, b has nothing left
    queue.done(row(0, "a"))
    assert [n.id for n in queue.take()] == [3]


def test_a_late_tenant_is_served_at_the_next_free_place() -> None:
    queue = FairQueue(per_tenant=8, total=8)
    queue.add(row(i, "a") for i in range(1000))
    assert len(list(queue.take())) == 8
    queue.add([row(9000, "b")])
    assert list(queue.take()) == []  # every place taken
    queue.done(row(0, "a"))
    assert [n.id for n in queue.take()] == [9000]  # ahead of a's 992 waiting rows


def test_a_row_is_never_queued_twice_and_refills_are_asked_for_once() -> None:
    queue = FairQueue(per_tenant=4, total=100)
    assert queue.read_ahead("a") == 8
    queue.add(row(i, "a") for i in range(8))
    assert queue.read_ahead("a") == 0
    assert queue.add(row(i, "a") for i in range(8)) == 0
    first = list(queue.take())
    assert len(first) == 4 and queue.hungry() == set() and queue.read_ahead("a") == 0
    for notification in first[:2]:
        queue.done(notification)
    assert len(list(queue.take())) == 2 and queue.hungry() == {"a"}  # 2 left: running low
    assert queue.hungry() == set()  # asked once
    assert queue.read_ahead("a") == 2 * 4 + 4  # the rows it holds are read again and skipped


def test_the_tenants_with_rows_waiting_or_under_way_are_known() -> None:
    """A replica hands back only the tenants it holds nothing of (bot/notify/sender.py)."""
    queue = FairQueue(per_tenant=1, total=100)
    queue.add([row(1, "a"), row(2, "a")], ("a", "chat"))
    queue.add([row(3, "b")], ("b", None))
    assert queue.tenants() == {"a", "b"}
    started = list(queue.take())
    queue.done(started[1])  # b's only row is done; a has one under way and one waiting
    assert queue.tenants() == {"a"}
    queue.done(started[0])
    queue.done(next(iter(queue.take())))
    assert queue.tenants() == set()
