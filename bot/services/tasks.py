"""Next steps: tasks on a record with a due day or moment, an assignee and a reminder. Each change is one
transaction: the task, its timeline event, its reminder row (re-dated or cancelled with it) and the note to
a colleague given it. A completed task is news for the record's followers; creating one is not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from bot.domain.clock import parse_time
from bot.domain.errors import DomainError, NotFound
from bot.domain.hours import zone
from bot.domain.language import _
from bot.domain.models import OPPORTUNITY_STAGES, Change, Event, EventKind, Kind, Record, Seen, User, stage_label
from bot.domain.tasks import (
    DEFAULT_LEAD,
    LEADS,
    LEADS_KEY,
    MAX_OPEN,
    MAX_QUIET_DAYS,
    MAX_TEXT,
    RecordMark,
    Task,
    TaskType,
    quiet_days,
    quiet_limit,
    task_number,
)
from bot.domain.when import Due, parse_due
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.outbox import Deliveries
from bot.services.work import UnitOfWork

MINE_SHOWN = 50  # tasks on the `tasks` card
RECORD_SHOWN = 25


@dataclass(frozen=True)
class TaskList:
    """What a `tasks` card shows: open tasks (the first of them), a few done ones, and the moment it was read."""

    title: str
    open: tuple[Task, ...]
    done: tuple[Task, ...] = ()
    record: Record | None = None
    now: str = ""
    today: str = ""  # the reader's local day, ISO
    more: bool = False


def clean(text: str | None, field: str = "text") -> str:
    """A task's text or its note: one line of at most MAX_TEXT characters."""
    body = " ".join((text or "").replace("\x00", "").split())
    if len(body) > MAX_TEXT:
        limit, count = f"{MAX_TEXT:,}", f"{len(body):,}"
        if field == "note":
            message = _("A note can be at most {limit} characters (this one has {count}).", limit=limit, count=count)
        else:
            message = _(
                "A task's text can be at most {limit} characters (this one has {count}).", limit=limit, count=count
            )
        raise DomainError(message, field)
    return body


def lead_of(raw: object) -> int:
    if raw in (None, ""):
        return DEFAULT_LEAD
    try:
        minutes = int(str(raw))
    except ValueError:
        minutes = -1
    if minutes not in LEADS:
        raise DomainError(_("Remind me 0, 15 or 60 minutes before."), "lead")
    return minutes


def type_of(raw: object) -> TaskType:
    said = str(raw or "").strip().lower()
    if not said:
        return TaskType.TODO
    if said in ("to-do", "to do"):
        return TaskType.TODO
    if said not in TaskType._value2member_map_:
        raise DomainError(_("A task is a call, a meeting, an email or a to-do."), "type")
    return TaskType(said)


class TaskCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, deliveries: Deliveries) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.deliveries = deliveries
        self.reminders = deliveries.reminders

    # --- reading ---------------------------------------------------------------------------------

    def zone_of(self, user: User) -> str:
        return self.deliveries.schedules.of(user.tenant_id, user.id).time_zone

    def today(self, user: User) -> str:
        return parse_time(self.clock()).astimezone(zone(self.zone_of(user))).date().isoformat()

    def due(self, user: User, raw: str | None) -> Due:
        """`raw` in the person's own time zone (bot/domain/when.py); a refusal names the `due` field."""
        return parse_due(raw, parse_time(self.clock()), zone(self.zone_of(user)))

    def task(self, actor: User, ref: str) -> Task:
        """The task `ref` as `actor` may see it: a task of a record they may not see is not found, in the same
        words as one that does not exist."""
        number = task_number(ref or "")
        found = self.repo.tasks.task_by_number(actor.tenant_id, number) if number else None
        if found is None or self.changes.visible_by_id(actor, found.record_id) is None:
            shown = " ".join((ref or "").split())[:20]
            raise NotFound(_("I can't find the task {ref}. Try: tasks", ref=shown or "?"))
        return found

    def mine(self, actor: User) -> TaskList:
        """The actor's open tasks on the records they may see (a private record's, only while they may)."""
        reader = self.changes.reader(actor)
        found = self.repo.tasks.open_of_assignee(actor.tenant_id, actor.id, MINE_SHOWN + 1, reader)
        return TaskList(
            _("Your next steps"), tuple(found[:MINE_SHOWN]), now=self.clock(), today=self.today(actor),
            more=len(found) > MINE_SHOWN,
        )  # fmt: skip

    def of_record(self, actor: User, ref: str) -> TaskList:
        record = self.changes.get_record(actor, ref)
        found = self.repo.tasks.open_of_record(actor.tenant_id, record.id, RECORD_SHOWN + 1)
        done = self.repo.tasks.done_of_record(actor.tenant_id, record.id, 5)
        return TaskList(
            _("Next steps on {ref}", ref=record.ref), tuple(found[:RECORD_SHOWN]), tuple(done), record,
            self.clock(), self.today(actor), len(found) > RECORD_SHOWN,
        )  # fmt: skip

    def marks(self, actor: User, records: list[Record]) -> dict[int, RecordMark]:
        """What a list shows beside each record: its next step (overdue or not) or "No next step" on an open
        deal, and whether it has gone quiet."""
        tenant = actor.tenant_id
        shown = [r for r in records if r.is_open and not r.converted_to]
        if not shown:
            return {}
        nexts = self.repo.tasks.next_open(tenant, [r.id for r in shown])
        settings = self.repo.tasks.quiet_settings(tenant)
        now = parse_time(self.clock())
        today = parse_time(self.today(actor) + "T00:00:00Z").date()
        marks: dict[int, RecordMark] = {}
        for record in shown:
            task = nexts.get(record.id)
            limit = quiet_limit(record.kind is Kind.LEAD, record.stage, settings)
            marks[record.id] = RecordMark(
                task, task is not None and task.overdue(now, today), task is None,
                quiet_days(record.updated_at, now, limit),
            )  # fmt: skip
        return marks

    def quiet_after(self, actor: User, said: str) -> str:
        """`quiet after <stage> <days>` (a stage of opportunities, or `leads`) for the whole organisation;
        `quiet after` alone says what holds."""
        words = " ".join((said or "").split()).rsplit(" ", 1)
        stages = {s.casefold(): s for s in OPPORTUNITY_STAGES[:3]}
        stages.update({stage_label(s).casefold(): s for s in OPPORTUNITY_STAGES[:3]})
        stages[LEADS_KEY] = stages[_("leads").casefold()] = LEADS_KEY
        settings = self.repo.tasks.quiet_settings(actor.tenant_id)
        if not said.strip():
            return self._quiet_summary(settings)
        stage = stages.get(words[0].casefold()) if len(words) == 2 else None
        days = int(words[1]) if len(words) == 2 and words[1].isdigit() and len(words[1]) <= 4 else 0
        if stage is None or not 1 <= days <= MAX_QUIET_DAYS:
            raise DomainError(
                _(
                    "Say a stage and a number of days from 1 to {most}: quiet after {example} 10 ({stages}).",
                    most=MAX_QUIET_DAYS,
                    example=stage_label(OPPORTUNITY_STAGES[1]),
                    stages=", ".join([*(stage_label(s) for s in OPPORTUNITY_STAGES[:3]), _("leads")]),
                )
            )
        with self.work.writing():
            self.repo.tasks.set_quiet_after(actor.tenant_id, stage, days, self.clock())
        return self._quiet_summary({**settings, stage: days})

    def _quiet_summary(self, settings: dict[str, int]) -> str:
        parts = [f"{stage_label(s)} {quiet_limit(False, s, settings)}" for s in OPPORTUNITY_STAGES[:3]] + [
            f"{_('leads')} {quiet_limit(True, '', settings)}"
        ]
        return _("A deal is quiet after this many days without activity: {limits}.", limits=", ".join(parts))

    def set_my_day(self, actor: User, on: bool) -> str:
        with self.work.writing():
            self.repo.tasks.set_my_day(actor.tenant_id, actor.id, on)
        if on:
            return _("My day is on: on a working day with tasks due, you get them at the start of your day.")
        return _("My day is off: no card of the day's tasks. Turn it on again with: my day on")

    # --- changing --------------------------------------------------------------------------------

    def add(
        self, actor: User, ref: str, text: str, due: str | None, assignee: User | None = None,
        task_type: object = None, lead: object = None, seen: Seen = NOTHING_SEEN,
    ) -> Change:  # fmt: skip
        """A next step on the record, for `assignee` (the actor when None), due `due` (today when None)."""
        body = clean(text)
        if not body:
            raise DomainError(_("Say what the next step is: task O-3 Call Jane due tomorrow 9:00"), "text")
        kind, minutes = type_of(task_type), lead_of(lead)
        when = self.due(actor, due or "today")
        who = self._colleague(actor, assignee)
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            self._may_have_it(record, who)
            if self.repo.tasks.open_count(actor.tenant_id, record.id) >= MAX_OPEN:
                raise DomainError(
                    _(
                        "{ref} has {limit} open tasks, the most a record can have: mark some done first.",
                        ref=record.ref,
                        limit=MAX_OPEN,
                    )
                )
            now = self.clock()
            task = self.repo.tasks.insert_task(
                actor.tenant_id, record.id, body, kind, when.day.isoformat(), when.stamp, minutes, who.id, actor.id, now
            )
            event = self.changes.event(
                actor, record, EventKind.TASK_ADDED, new=body[:200], detail=task.ref, notify=False
            )
            self.reminders.schedule(task, event)
            self.reminders.assigned(task, record, actor.id, event)
            updated = self.changes.touch(record)
            message = _("Next step {task} added to {ref}.", task=task.ref, ref=record.ref)
            if when.at is not None and when.at <= parse_time(now).astimezone(UTC):
                message += " " + _("Its time has already passed: it shows as overdue.")
            return self.changes.changed(updated, (event,), message, seen)

    def done(self, actor: User, ref: str, note: str | None = None) -> tuple[Change, Task]:
        """The task done (with a note, news for the record's followers); its reminder is not sent."""
        said = clean(note, "note") or None
        with self.work.writing():
            task = self.task(actor, ref)
            if task.done:
                raise DomainError(_("{task} is already done.", task=task.ref))
            record = self._record(actor, task)
            now = self.clock()
            self.repo.tasks.update_task(actor.tenant_id, task.id, now, done_at=now, done_by=actor.id, note=said)
            self.repo.outbox.cancel_reminders(actor.tenant_id, task.id)
            event = self.changes.event(
                actor, record, EventKind.TASK_DONE, old=said, new=task.text[:200], detail=task.ref
            )
            updated = self.changes.touch(record)
            finished = self.repo.tasks.get_task(actor.tenant_id, task.id) or task
            message = _("{task} done.", task=task.ref)
            return self.changes.changed(updated, (event,), message), finished

    def reopen(self, actor: User, ref: str) -> Change:
        with self.work.writing():
            task = self.task(actor, ref)
            if not task.done:
                raise DomainError(_("{task} is still open.", task=task.ref))
            record = self._record(actor, task)
            if self.repo.tasks.open_count(actor.tenant_id, record.id) >= MAX_OPEN:
                raise DomainError(
                    _("{ref} has {limit} open tasks, the most a record can have.", ref=record.ref, limit=MAX_OPEN)
                )
            now = self.clock()
            self.repo.tasks.update_task(actor.tenant_id, task.id, now, done_at=None, done_by=None)
            event = self._changed_event(actor, record, task, "done", "open")
            self.reminders.schedule(self._reread(task), event)
            return self.changes.changed(self.changes.touch(record), (event,), _("{task} is open again.", task=task.ref))

    def edit(
        self, actor: User, ref: str, text: str | None = None, due: str | None = None, task_type: object = None,
        lead: object = None,
    ) -> Change:  # fmt: skip
        """A new text, type, due time or lead time (what is given); a new due time re-dates its reminder."""
        body = clean(text) if text is not None else None
        if text is not None and not body:
            raise DomainError(_("A task's text can't be empty."), "text")
        when = self.due(actor, due) if due else None
        kind = type_of(task_type) if task_type not in (None, "") else None
        minutes = lead_of(lead) if lead not in (None, "") else None
        with self.work.writing():
            task = self.task(actor, ref)
            if task.done:
                raise DomainError(_("{task} is done: reopen it first.", task=task.ref))
            record = self._record(actor, task)
            changes: dict[str, object] = {}
            if body is not None and body != task.text:
                changes["text"] = body
            if kind is not None and kind is not task.type:
                changes["type"] = kind
            if minutes is not None and minutes != task.lead_minutes:
                changes["lead_minutes"] = minutes
            if when is not None and (when.day.isoformat(), when.stamp) != (task.due_on, task.due_at):
                changes["due_on"], changes["due_at"] = when.day.isoformat(), when.stamp
            if not changes:
                return self.changes.changed(record, (), _("{task} is unchanged.", task=task.ref))
            self.repo.tasks.update_task(actor.tenant_id, task.id, self.clock(), **changes)
            old, new = (task.due_at or task.due_on, str(changes.get("due_at") or changes.get("due_on"))) if (
                "due_on" in changes
            ) else ("", ", ".join(sorted(changes)))  # fmt: skip
            event = self._changed_event(actor, record, task, old, new)
            self.reminders.schedule(self._reread(task), event)
            return self.changes.changed(self.changes.touch(record), (event,), _("{task} changed.", task=task.ref))

    def reassign(self, actor: User, ref: str, colleague: User) -> Change:
        who = self._colleague(actor, colleague)
        with self.work.writing():
            task = self.task(actor, ref)
            if task.done:
                raise DomainError(_("{task} is done: reopen it first.", task=task.ref))
            record = self._record(actor, task)
            self._may_have_it(record, who)
            if who.id == task.assignee_id:
                return self.changes.changed(record, (), _("{task} is already {name}'s.", task=task.ref, name=who.name))
            self.repo.tasks.update_task(actor.tenant_id, task.id, self.clock(), assignee_id=who.id)
            event = self._changed_event(actor, record, task, task.assignee_name, who.name)
            moved = self._reread(task)
            self.reminders.schedule(moved, event)
            self.reminders.assigned(moved, record, actor.id, event)
            message = _("{task} is now {name}'s.", task=task.ref, name=who.name)
            return self.changes.changed(self.changes.touch(record), (event,), message)

    # --- helpers ---------------------------------------------------------------------------------

    def _colleague(self, actor: User, assignee: User | None) -> User:
        if assignee is None:
            return actor
        if assignee.tenant_id != actor.tenant_id:
            raise NotFound(_("I can't find that colleague in your organisation."), "assignee")
        return assignee

    def _may_have_it(self, record: Record, who: User) -> None:
        """A task of a private (or team) record goes only to a colleague who may see the record."""
        if not self.changes.may_see(who, record):
            raise DomainError(
                _(
                    "{name} can't see {ref}, so the task can't be theirs: share it with them first"
                    " (share {ref} ‹colleague›).",
                    name=who.name,
                    ref=record.ref,
                ),
                "assignee",
            )

    def _record(self, actor: User, task: Task) -> Record:
        record = self.changes.visible_by_id(actor, task.record_id)
        if record is None:
            raise NotFound(_("I can't find the task {ref}. Try: tasks", ref=task.ref))
        return self.changes.changeable(record)

    def _reread(self, task: Task) -> Task:
        found = self.repo.tasks.get_task(task.tenant_id, task.id)
        if found is None:
            raise LookupError(f"task {task.id} vanished inside its own transaction")
        return found

    def _changed_event(self, actor: User, record: Record, task: Task, old: str, new: str) -> Event:
        return self.changes.event(
            actor, record, EventKind.TASK_CHANGED, old=old[:200], new=new[:200], detail=task.ref, notify=False
        )
