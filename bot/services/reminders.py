"""A task's reminder and the note to a colleague given a task, as rows of the one outbox: written in the
task's own transaction (so a task done, re-dated or reassigned cancels or re-dates its reminder with it), and
checked again when the sender reads them (still open, still due then, still theirs), so a stale one is dropped.
A reminder is due at the task's moment less its lead time, or at the start of the assignee's working day for
a date-only task (bot/domain/tasks.py `reminder_at`); never before, and once (one row per task and due)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.clock import format_time, parse_time, shifted
from bot.domain.delivery import DeliverTo, Notification, NotificationView, Purpose
from bot.domain.hours import WorkingHours, zone
from bot.domain.models import Event, Kind, NotifyChoice, Record
from bot.domain.tasks import QUIET_DEFAULTS, QUIET_LEADS, QUIET_OTHER, Task, quiet_days, quiet_limit, reminder_at

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
        re-dated (a reminder's due is in its occasion) or given to someone else, or its record is one the
        recipient may no longer see (a private record unshared since)."""
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
        if record is None or recipient is None or not self.deliveries.may_see(recipient, record):
            return None  # someone who may no longer see the record hears nothing of its tasks
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


class MyDay:
    """The day's card (Purpose.MY_DAY): at the start of a person's working day (their hours, Monday to Friday
    08:00 by default, in their zone), one card of their overdue and today's tasks when they had any then; none
    on a day without. One row per person and day (the unique index notifications_person_once), opened by a
    sweep of the sender's, so a restart or a second replica never sends two; a bot that was down at the start
    opens it once it is back, within that working day."""

    SHOWN = 20  # tasks on the card

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo
        self._looked: set[tuple[str, int, str]] = set()  # (tenant, person, day) already decided in this process

    def open_due_days(self) -> int:
        now = parse_time(self.deliveries.clock())
        latest = (now + timedelta(days=1)).date().isoformat()  # today in the zone furthest ahead
        opened = 0
        for tenant, user_id in self.repo.tasks.my_day_people(latest):
            schedule = self.deliveries.schedules.of(tenant, user_id)
            where = zone(schedule.time_zone)
            hours = schedule.hours or WorkingHours()
            local = now.astimezone(where)
            key = (tenant, user_id, local.date().isoformat())
            if key in self._looked or hours.held_until(now, where) is not None:
                continue  # decided already, or not within their working day
            self._looked.add(key)
            start = format_time(datetime.combine(local.date(), hours.start, tzinfo=where).astimezone(UTC))
            person = self.repo.people.get_user(tenant, user_id)
            reader = self.deliveries.reader(person) if person is not None else None
            if reader is None or not self.repo.tasks.due_by(tenant, user_id, key[2], 1, start, reader):
                continue  # nothing overdue or due today at the start of their day (on records they may see)
            stamp = format_time(now)
            with self.repo.transaction():
                if self.repo.outbox.enqueue_once(tenant, Purpose.MY_DAY, user_id, None, key[2], stamp, stamp):
                    opened += 1
        if len(self._looked) > 100_000:
            self._looked.clear()
        if opened:
            self.deliveries.news = True
        return opened

    def view(self, notification: Notification) -> NotificationView | None:
        """The person's overdue and today's tasks as they are when it is sent; None when none is left."""
        tenant, recipient_id, day = notification.tenant_id, notification.recipient_id, notification.occasion or ""
        if recipient_id is None or not self.repo.tasks.my_day_on(tenant, recipient_id):
            return None
        recipient = self.repo.people.get_user(tenant, recipient_id)
        if recipient is None:
            return None
        reader = self.deliveries.reader(recipient)  # only the tasks of records they may see
        tasks = tuple(self.repo.tasks.due_by(tenant, recipient_id, day, self.SHOWN + 1, reader=reader))
        if not tasks:
            return None
        record = self.repo.records.get_record(tenant, tasks[0].record_id)
        if record is None:
            return None
        return NotificationView(
            notification, record, recipient, (), NotifyChoice.ALL, following=False, day_tasks=tasks,
            now=self.deliveries.clock(),
        )  # fmt: skip


class QuietDeals:
    """Deals that go quiet (Purpose.QUIET): an open record without activity for more than its stage allows
    (bot/domain/tasks.py `quiet_limit`, per organisation) is told to its owner once per quiet spell: one row per
    record and last activity (occasion "<record id>@<updated_at>"); any activity ends the spell, and a later
    one is a new spell. Due at once within the owner's working hours, else at their next start."""

    SWEPT = 5_000  # candidates read per sweep, the longest quiet first

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo

    def open_quiet_spells(self) -> int:
        stamp = self.deliveries.clock()
        now = parse_time(stamp)
        shortest = min([*QUIET_DEFAULTS.values(), QUIET_LEADS, QUIET_OTHER, *self.repo.tasks.shortest_quiet()])
        before = format_time(now - timedelta(days=shortest + 1))
        settings: dict[str, dict[str, int]] = {}
        opened = 0
        for tenant, record_id, kind, stage, owner_id, last in self.repo.tasks.quiet_candidates(before, self.SWEPT):
            if tenant not in settings:
                settings[tenant] = self.repo.tasks.quiet_settings(tenant)
            if quiet_days(last, now, quiet_limit(kind == Kind.LEAD.value, stage, settings[tenant])) is None:
                continue
            schedule = self.deliveries.schedules.of(tenant, owner_id)
            held = schedule.hours.held_until(now, zone(schedule.time_zone)) if schedule.hours else None
            due = format_time(held) if held else stamp
            with self.repo.transaction():
                occasion = f"{record_id}@{last}"
                if self.repo.outbox.enqueue_once(tenant, Purpose.QUIET, owner_id, record_id, occasion, stamp, due):
                    opened += 1
        if opened:
            self.deliveries.news = True
        return opened

    def view(self, notification: Notification) -> NotificationView | None:
        """The deal, still open, still quiet since the same moment, still the recipient's; else None."""
        tenant, recipient_id, record_id = notification.tenant_id, notification.recipient_id, notification.record_id
        if recipient_id is None or record_id is None:
            return None
        record = self.repo.records.get_record(tenant, record_id)
        if record is None or not record.is_open or record.converted_to or record.owner_id != recipient_id:
            return None
        if notification.occasion != f"{record.id}@{record.updated_at}":
            return None  # there was activity since
        recipient = self.repo.people.get_user(tenant, recipient_id)
        if recipient is None:
            return None
        now = self.deliveries.clock()
        limit = quiet_limit(record.kind is Kind.LEAD, record.stage, self.repo.tasks.quiet_settings(tenant))
        days = quiet_days(record.updated_at, parse_time(now), limit)
        if days is None:
            return None  # the organisation allowed its stage more days meanwhile
        return NotificationView(
            notification, record, recipient, (), NotifyChoice.ALL, following=False, quiet_days=days, now=now
        )
