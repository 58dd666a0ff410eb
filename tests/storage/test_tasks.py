"""Tasks on both engines, through the use cases: a reminder row is written with its task, re-dated and
cancelled with it in the same transaction, and every refusal leaves nothing half-written."""

from __future__ import annotations

import pytest

from bot.domain.clock import shifted
from bot.domain.errors import DomainError, NotFound
from bot.domain.models import EventKind, Kind, User
from bot.domain.tasks import MAX_TEXT, TaskType
from bot.services import CrmService
from storage.repository import Repository

NOW = "2026-12-01T09:00:00.000000Z"  # a Tuesday


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> str:
        return self.now


def setup(repo: Repository) -> tuple[CrmService, Clock, User, User, User]:
    clock = Clock()
    services = CrmService(repo, clock)
    alice = services.people.record_user("t1", "29:a", "aad-a", "Alice", None)
    bob = services.people.record_user("t1", "29:b", "aad-b", "Bob", None)
    other = services.people.record_user("t2", "29:m", "aad-m", "Mallory", None)
    services.records.create_record(alice, Kind.OPPORTUNITY, "Acme rollout")
    return services, clock, alice, bob, other


def reminders(repo: Repository) -> list[tuple[object, ...]]:
    rows = repo.db.execute(
        "SELECT recipient_id, next_attempt_at, occasion, status FROM notifications WHERE purpose = 'reminder'"
        " ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


def test_a_timed_task_is_reminded_its_lead_time_before_and_re_dated_or_cancelled_with_it(repo: Repository) -> None:
    services, _clock, alice, bob, _ = setup(repo)
    change = services.tasks.add(alice, "O-1", "Call Jane", "in 2 hours")
    assert "T-1" in change.message
    [task] = services.tasks.mine(alice).open
    assert task.due_at == "2026-12-01T11:00:00Z" and task.lead_minutes == 15 and task.assignee_id == alice.id
    assert reminders(repo) == [(alice.id, "2026-12-01T10:45:00.000000Z", f"{task.id}@2026-12-01T11:00:00Z", "pending")]
    assert [e.kind for e in change.events] == [EventKind.TASK_ADDED]

    services.tasks.edit(alice, "T-1", due="in 3 hours", lead="60")
    assert reminders(repo) == [(alice.id, "2026-12-01T11:00:00.000000Z", f"{task.id}@2026-12-01T12:00:00Z", "pending")]
    services.tasks.reassign(alice, "T-1", bob)
    assert [r[0] for r in reminders(repo)] == [bob.id]
    assert repo.db.execute("SELECT count(*) FROM notifications WHERE purpose = 'assigned'").fetchone()[0] == 1
    services.tasks.done(alice, "t-1", "She said yes")
    assert reminders(repo) == []
    assert services.tasks.mine(bob).open == ()
    with pytest.raises(DomainError, match="already done"):
        services.tasks.done(alice, "T-1")
    services.tasks.reopen(alice, "T-1")
    assert [r[0] for r in reminders(repo)] == [bob.id]


def test_a_task_whose_lead_time_began_is_reminded_at_its_due_time_and_a_past_one_not_at_all(repo: Repository) -> None:
    services, _clock, alice, _, _ = setup(repo)
    services.tasks.add(alice, "O-1", "Soon", "in 10 minutes")
    assert [r[1] for r in reminders(repo)] == [shifted(NOW, 600)]
    change = services.tasks.add(alice, "O-1", "Late", "today 8:00")
    assert "overdue" in change.message
    assert len(reminders(repo)) == 1
    services.tasks.add(alice, "O-1", "Someday", "2026-12-03")  # date-only: at the start of the working day (08:00)
    assert reminders(repo)[-1][1] == "2026-12-03T08:00:00.000000Z"


def test_refusals_change_nothing(repo: Repository) -> None:
    services, _clock, alice, _, mallory = setup(repo)
    for call, match in [
        (lambda: services.tasks.add(alice, "O-1", "x", "2027-02-30"), "not a date"),
        (lambda: services.tasks.add(alice, "O-1", "x" * (MAX_TEXT + 1), None), "at most"),
        (lambda: services.tasks.add(alice, "O-1", "", None), "Say what"),
        (lambda: services.tasks.add(alice, "O-1", "x", None, assignee=mallory), "can't find"),
        (lambda: services.tasks.add(alice, "O-9", "x", None), "can't find"),
        (lambda: services.tasks.done(alice, "T-99"), "can't find"),
        (lambda: services.tasks.done(mallory, "T-1"), "can't find"),
        (lambda: services.tasks.add(alice, "O-1", "x", None, lead="30"), "0, 15 or 60"),
    ]:
        with pytest.raises(DomainError, match=match):
            call()
    assert repo.db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0
    assert reminders(repo) == []
    with pytest.raises(NotFound):
        services.tasks.task(mallory, "T-1")


def test_at_most_500_open_tasks_on_a_record(repo: Repository) -> None:
    services, _clock, alice, _, _ = setup(repo)
    record = services.records.get_record("t1", "O-1")
    with repo.transaction():
        for i in range(500):
            repo.tasks.insert_task(
                "t1", record.id, f"step {i}", TaskType.TODO, "2026-12-02", None, 15, alice.id, alice.id, NOW
            )
    with pytest.raises(DomainError, match="500 open tasks"):
        services.tasks.add(alice, "O-1", "one more", None)
    assert repo.db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 500


def test_archiving_a_record_closes_its_open_tasks(repo: Repository) -> None:
    services, _clock, alice, _, _ = setup(repo)
    services.tasks.add(alice, "O-1", "Call", "tomorrow 10:00")
    services.lifecycle.archive(alice, "O-1")
    assert services.tasks.mine(alice).open == () and reminders(repo) == []
