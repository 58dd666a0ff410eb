"""A task's reminder and the note to a colleague given a task, as rows of the one outbox: written in the
task's own transaction (so a task done, re-dated or reassigned cancels or re-dates its reminder with it), and
checked again when the sender reads them (still open, still due then, still theirs), so a stale one is dropped.
A reminder is due at the task's moment less its lead time, or at the start of the assignee's working day for
a date-only task (bot/domain/tasks.py `reminder_at`); never before, and once (one row per task and due)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.clock import format_time, parse_time, shifted
from bot.domain.delivery import DeliverTo, Notification, NotificationView, Purpose
from bot.domain.hours import WorkingHours, zone
from bot.domain.models import Event, NotifyChoice, Record
from bot.domain.tasks import Task, reminder_at

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries


class Reminders:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo

    def schedule(self, task: Task, event: Event) -> str | None:
        """The task's pending reminder replaced by one for its due time now (none when it is done or past):
        inside the task's transaction. Returns when it is due, if at all."""
        if not self.repo.in_transaction():
            raise RuntimeError("a reminder is written in its task's transaction")
        self.repo.outbox.cancel_reminders(task.tenant_id, task.id)
        if task.done or event.id is None:
            return None
        now = self.deliveries.clock()
        schedule = self.deliveries.schedules.of(task.tenant_id, task.assignee_id)
        where = zone(schedule.time_zone)
        start = (schedule.hours or WorkingHours()).start
        due_at = parse_time(task.due_at) if task.due_at else None
        when = reminder_at(
            parse_time(task.due_on + "T00:00:00Z").date(), due_at, task.lead_minutes, parse_time(now), start, where
        )
        if when is None:
            return None
        stamp = format_time(when)
        self.repo.outbox.enqueue_reminder(
            task.tenant_id, task.record_id, task.assignee_id, event.id, f"{task.id}@{task.due}",
            self.repo.transaction_id, now, stamp,
        )  # fmt: skip
        self.deliveries.news = True
        return stamp

    def assigned(self, task: Task, record: Record, actor_id: int, event: Event) -> None:
        """A colleague given a task by someone else is told once, soon (in the change's transaction)."""
        if task.assignee_id == actor_id or event.id is None:
            return
        now = self.deliveries.clock()
        self.repo.notices.enqueue(
            task.tenant_id, record.id, task.assignee_id, actor_id, event.id, Purpose.ASSIGNED,
            self.repo.transaction_id, now, shifted(now, self.deliveries.window_seconds),
        )  # fmt: skip
        self.deliveries.news = True

    def view(self, notification: Notification) -> NotificationView | None:
        """What a reminder or an assignment shows, or None when it no longer applies: the task is done, was
        re-dated (a reminder's due is in its occasion) or given to someone else."""
        tenant, recipient_id = notification.tenant_id, notification.recipient_id
        if recipient_id is None or notification.record_id is None:
            return None
        task = self._task_of(notification)
        if task is None or task.done or task.assignee_id != recipient_id:
            return None
        if notification.purpose is Purpose.REMINDER and notification.occasion != f"{task.id}@{task.due}":
            return None
        record = self.repo.records.get_record(tenant, notification.record_id)
        recipient = self.repo.people.get_user(tenant, recipient_id)
        if record is None or recipient is None:
            return None
        events = tuple(self.repo.records.events(tenant, record.id, notification.event_ids))
        choice = self.repo.outbox.follower_choice(tenant, record.id, recipient.id)
        where = self.repo.outbox.follower_delivery(tenant, record.id, recipient.id) or DeliverTo.CHAT.value
        offered = self.deliveries.feed_tenant == tenant
        return NotificationView(
            notification, record, recipient, events, choice or NotifyChoice.ALL, following=choice is not None,
            deliver_to=DeliverTo(where), feed_offered=offered, task=task,
        )  # fmt: skip

    def _task_of(self, notification: Notification) -> Task | None:
        tenant = notification.tenant_id
        if notification.purpose is Purpose.REMINDER:
            task_id = (notification.occasion or "").split("@", 1)[0]
            return self.repo.tasks.get_task(tenant, int(task_id)) if task_id.isdigit() else None
        if notification.record_id is None:
            return None
        for event in self.repo.records.events(tenant, notification.record_id, notification.event_ids):
            number = (event.detail or "").removeprefix("T-")
            if number.isdigit():
                return self.repo.tasks.task_by_number(tenant, int(number))
        return None
