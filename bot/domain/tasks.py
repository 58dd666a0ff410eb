"""Next steps: a task on a record (a call, a meeting, an email, a to-do), due on a day or at a moment, done
by an assignee, reminded through the outbox. What a task is, its limits and when its reminder is due. No I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.language import N_

MAX_TEXT = 2000  # characters of a task's text (and of its note)
MAX_OPEN = 500  # open tasks on one record
LEADS = (0, 15, 60)  # minutes before a timed task that its reminder comes
DEFAULT_LEAD = 15
PREFIX = "T-"


class TaskType(enum.StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    TODO = "todo"

    @property
    def label(self) -> str:
        """Its name, marked for translation (translate where read: `_(task.type.label)`)."""
        return _LABELS[self]


_LABELS = {
    TaskType.CALL: N_("Call"),
    TaskType.MEETING: N_("Meeting"),
    TaskType.EMAIL: N_("Email"),
    TaskType.TODO: N_("To-do"),
}


@dataclass(frozen=True)
class Task:
    id: int
    tenant_id: str
    number: int
    record_id: int
    text: str
    type: TaskType
    due_on: str  # the local day, ISO
    due_at: str | None  # the UTC moment (None: date-only)
    lead_minutes: int
    assignee_id: int
    created_by: int
    created_at: str
    updated_at: str
    done_at: str | None = None
    done_by: int | None = None
    note: str | None = None
    record_ref: str = ""  # L-3 / O-7, read with it
    record_title: str = ""
    assignee_name: str = ""

    @property
    def ref(self) -> str:
        return f"{PREFIX}{self.number}"

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def due(self) -> str:
        """What its reminder's occasion holds: the moment, else the day."""
        return self.due_at or self.due_on

    def overdue(self, now: datetime, today: date) -> bool:
        """Open and past: a timed task once its moment passed, a date-only one from the day after."""
        if self.done:
            return False
        if self.due_at is not None:
            return _moment(self.due_at) <= now
        return date.fromisoformat(self.due_on) < today


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def task_number(raw: str) -> int | None:
    """`T-12`, `t12`, `12` -> 12; anything else None."""
    said = raw.strip().upper().removeprefix(PREFIX).removeprefix("T")
    if not said.isdigit() or len(said) > 12:
        return None
    number = int(said)
    return number if number > 0 else None


def reminder_at(
    due_on: date, due_at: datetime | None, lead_minutes: int, now: datetime, day_start: time, where: tzinfo
) -> datetime | None:
    """When the assignee is reminded, or None (not at all). A timed task: its lead time before the moment, or
    at the moment when the lead time has already begun; none once the moment has passed (it shows overdue).
    A date-only task: at the start of the assignee's working day on that day; none once that has passed."""
    if due_at is not None:
        if due_at <= now:
            return None
        early = due_at - timedelta(minutes=lead_minutes)
        return early if early > now else due_at
    start = datetime.combine(due_on, day_start, tzinfo=where).astimezone(UTC)
    return start if start > now else None
