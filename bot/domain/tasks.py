"""Next steps: a task on a record (a call, a meeting, an email, a to-do), due on a day or at a moment, done
by an assignee, reminded through the outbox. What a task is, its limits and when its reminder is due. No I/O."""

from __future__ import annotations

import enum
from collections.abc import Mapping
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


# Deals that go quiet: an open deal with no activity (a change, a comment, a task added or done: anything that
# moves the record's version) for more than this many days in its stage. Per organisation: `quiet after`.
QUIET_DEFAULTS = {"Prospecting": 14, "Proposal": 7, "Negotiation": 5}
LEADS_KEY = "leads"  # every open lead stage
QUIET_LEADS = 14
QUIET_OTHER = 14  # an open stage without a default of its own
MAX_QUIET_DAYS = 365


def quiet_key(is_lead: bool, stage: str) -> str:
    """Where an organisation's quiet limit for a record is kept: per stage, and one for every lead stage."""
    return LEADS_KEY if is_lead else stage


def quiet_limit(is_lead: bool, stage: str, settings: Mapping[str, int]) -> int:
    """Days without activity after which an open record of that stage is quiet."""
    if is_lead:
        return settings.get(LEADS_KEY, QUIET_LEADS)
    return settings.get(stage, QUIET_DEFAULTS.get(stage, QUIET_OTHER))


def quiet_days(last_activity: str, now: datetime, limit: int) -> int | None:
    """Whole days since the last activity when they are more than `limit`; else None."""
    if not last_activity:
        return None
    days = (now - _moment(last_activity)).days
    return days if days > limit else None


@dataclass(frozen=True)
class RecordMark:
    """What a list shows beside a record: its next open step (overdue or not), "No next step" on an open deal
    without one, and how many days it has been quiet (None: not quiet)."""

    task: Task | None = None
    overdue: bool = False
    wanted: bool = False
    quiet_days: int | None = None
