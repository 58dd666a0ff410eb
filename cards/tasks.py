"""Next steps: the `tasks` card (a person's or a record's, each task with Done / Edit / Reassign), the forms
to add, edit and reassign one, the record card's next step, and the reminder and assignment a person gets.
Every text a person wrote is escaped here, where it meets the card."""

from __future__ import annotations

from datetime import date
from typing import Literal

from bot.domain.clock import parse_time
from bot.domain.delivery import NotificationView, Purpose
from bot.domain.language import _, current, ngettext, translated
from bot.domain.models import RecordView, User, stage_label
from bot.domain.tasks import DEFAULT_LEAD, LEADS, MAX_TEXT, RecordMark, Task, TaskType
from cards import verbs
from cards.common import (
    Card,
    action_set,
    beside,
    card,
    choice_set,
    command_button,
    execute,
    heading,
    notice,
    plain,
    section,
    subtle,
    text,
    text_input,
    when,
)
from cards.elements import Action, Element

Errors = dict[str, str]


def type_name(task_type: TaskType) -> str:
    """Its name in the reader's language (the names are marked N_ in bot/domain/tasks.py)."""
    return current().gettext(task_type.label)


def due_text(task: Task) -> str:
    """When it is due, as the reader reads it (a moment in Teams' own time format; a day the reader's way)."""
    if task.due_at:
        return _("Due {when}", when=when(task.due_at))
    return _("Due {day}", day=current().day(task.due_on))


def is_overdue(task: Task, now: str, today: str) -> bool:
    return task.overdue(parse_time(now), date.fromisoformat(today)) if now and today else False


def task_lines(task: Task, now: str, today: str, with_record: bool = True) -> list[Element]:
    late = is_overdue(task, now, today)
    where = f"{task.record_ref} {plain(task.record_title)} · " if with_record else ""
    head = f"**{task.ref}** · {type_name(task.type)} · {plain(task.text)}"
    due = due_text(task) + (" · " + _("Overdue") if late else "")
    who = _("For {name}", name=plain(task.assignee_name) or "?")
    return [
        text(head, separator=True),
        text(f"{where}{due} · {who}", size="Small", spacing="None", color="Attention" if late else "Default"),
    ]


def task_buttons(task: Task) -> list[Element]:
    data = {"task": task.ref}
    if task.done:
        return [action_set([execute(_("Reopen"), verbs.TASK_REOPEN, data)])]
    return [
        action_set(
            [
                execute(_("Done"), verbs.TASK_DONE, data, "positive"),
                execute(_("Edit"), verbs.TASK_EDIT_FORM, data),
                execute(_("Reassign"), verbs.TASK_REASSIGN_FORM, data),
            ]
        )
    ]


def tasks_card(
    title: str, open_tasks: tuple[Task, ...], now: str, today: str, done: tuple[Task, ...] = (),
    record_ref: str | None = None, message: str = "", more: bool = False,
) -> Card:  # fmt: skip
    """Open tasks grouped overdue, today, upcoming; a record's also shows the latest done ones."""
    body: list[Element] = [notice(message)] if message else []
    body.append(heading(plain(title)))
    groups: list[tuple[str, list[Task]]] = [(_("Overdue"), []), (_("Today"), []), (_("Upcoming"), [])]
    for task in open_tasks:
        index = 0 if is_overdue(task, now, today) else 1 if task.due_on <= today else 2
        groups[index][1].append(task)
    for name, tasks in groups:
        if not tasks:
            continue
        body.append(section(name))
        for task in tasks:
            body += [*task_lines(task, now, today, with_record=record_ref is None), *task_buttons(task)]
    if not open_tasks:
        body.append(subtle(_("No open next step.")))
    if more:
        body.append(subtle(_("More are open: the first ones due are shown.")))
    if done:
        body.append(section(_("Done lately")))
        for task in done:
            line = f"~~{task.ref}~~ · {plain(task.text)}" + (f" · {plain(task.note)}" if task.note else "")
            body += [text(line, size="Small"), *task_buttons(task)]
    actions: list[Action] | None = (
        [execute(_("Add next step"), verbs.TASK_ADD_FORM, {"ref": record_ref})] if record_ref else None
    )
    return card(body, actions)


def _lead_choices() -> list[tuple[str, str]]:
    names = {0: _("At the time"), 15: _("15 minutes before"), 60: _("1 hour before")}
    return [(names[m], str(m)) for m in LEADS]


def _type_choices() -> list[tuple[str, str]]:
    return [(type_name(t), t.value) for t in TaskType]


def task_fields(values: dict[str, str], errors: Errors | None = None) -> list[Element]:
    return [
        *text_input("text", _("Next step"), values.get("text"), max_length=MAX_TEXT, required=True, errors=errors),
        *choice_set("type", _("Type"), _type_choices(), value=values.get("type") or TaskType.TODO.value, errors=errors),
        *text_input(
            "due",
            _("Due"),
            values.get("due"),
            placeholder=_("tomorrow 9:00, 2027-03-31 14:30, next friday"),
            errors=errors,
        ),
        *choice_set(
            "lead", _("Remind me"), _lead_choices(), value=values.get("lead") or str(DEFAULT_LEAD), errors=errors
        ),
    ]


def assignee_field(colleagues: list[User], errors: Errors | None = None) -> list[Element]:
    known = [(u.name or "?", u.aad_object_id) for u in colleagues if u.aad_object_id]
    return choice_set(
        "assignee", _("For"), known, dataset=verbs.PEOPLE_DATASET, placeholder=_("Type a colleague's name (empty: you)"),
        errors=errors,
    )  # fmt: skip


def add_task_form(
    view: RecordView, colleagues: list[User], values: dict[str, str] | None = None, errors: Errors | None = None,
    title: str | None = None,
) -> Card:  # fmt: skip
    """ "Add next step" (and "What's next?" after one is done, prefilled)."""
    record = view.record
    body: list[Element] = [
        subtle(f"{record.ref} · {record.stage}"),
        heading(plain(record.title)),
        text(title or _("Add next step"), weight="Bolder"),
        *task_fields(values or {}, errors),
        *assignee_field(colleagues, errors),
        action_set(
            [
                execute(_("Add"), verbs.TASK_ADD, {"ref": record.ref, "version": record.version}, "positive"),
                execute(_("Back"), verbs.RECORD_SHOW, {"ref": record.ref}, inputs=False),
            ]
        ),
    ]
    return card(body)


def edit_task_form(task: Task, errors: Errors | None = None, message: str = "") -> Card:
    values = {"text": task.text, "type": task.type.value, "lead": str(task.lead_minutes)}
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [
        subtle(f"{task.record_ref} · {plain(task.record_title)}"),
        heading(_("Edit {task}", task=task.ref)),
        text(due_text(task), size="Small"),
        *task_fields(values, errors),
        subtle(_("Leave Due empty to keep it.")),
        action_set([execute(_("Save"), verbs.TASK_SAVE, {"task": task.ref}, "positive")]),
    ]
    return card(body)


def reassign_form(task: Task, colleagues: list[User], errors: Errors | None = None) -> Card:
    body: list[Element] = [
        subtle(f"{task.record_ref} · {plain(task.record_title)}"),
        heading(_("Who does {task}?", task=task.ref)),
        text(plain(task.text)),
        *assignee_field([u for u in colleagues if u.id != task.assignee_id], errors),
        subtle(_("They are told once.")),
        action_set([execute(_("Reassign"), verbs.TASK_REASSIGN, {"task": task.ref}, "positive")]),
    ]
    return card(body)


def quiet_line(days: int | None) -> list[Element]:
    if days is None:
        return []
    return [text(_("Quiet for {n} days", n=days), color="Warning", size="Small", spacing="None")]


def mark_lines(mark: RecordMark | None) -> list[Element]:
    """A list's line for a record: its next step (overdue in the attention colour) or "No next step", and
    how long it has been quiet."""
    if mark is None:
        return []
    lines: list[Element] = []
    if mark.task is not None:
        due = due_text(mark.task) + (" · " + _("Overdue") if mark.overdue else "")
        line = _("Next step: {text}", text=plain(mark.task.text[:80]))
        lines.append(
            text(f"{line} · {due}", size="Small", spacing="None", color="Attention" if mark.overdue else "Default")
        )
    elif mark.wanted:
        lines.append(text(_("No next step"), color="Warning", size="Small", spacing="None"))
    return lines + quiet_line(mark.quiet_days)


def next_step_elements(view: RecordView, now: str, today: str) -> list[Element]:
    """The record card's next open step, overdue in the attention colour, with Done beside it; on an open deal
    without one, "No next step" with Add next step beside it (with one, Add next step is under More)."""
    task = view.next_task
    record = view.record
    if task is None:
        if not record.is_open or record.converted_to or record.archived_at:
            return []
        add = action_set([execute(_("Add next step"), verbs.TASK_ADD_FORM, {"ref": record.ref})])
        return [beside([text(_("No next step"), color="Warning", weight="Bolder")], [add])]
    late = is_overdue(task, now, today)
    colour: Literal["Attention", "Default"] = "Attention" if late else "Default"
    line = _("Next step: {text}", text=plain(task.text))
    due = due_text(task) + (" · " + _("Overdue") if late else "")
    who = _("For {name}", name=plain(task.assignee_name) or "?")
    shown: list[Element] = [
        text(f"**{task.ref}** · {line}", color=colour, weight="Bolder"),
        text(f"{due} · {who}", size="Small", spacing="None", color=colour),
    ]
    if record.archived_at or record.converted_to:
        return shown
    done = action_set([execute(_("Done"), verbs.TASK_DONE, {"task": task.ref}, "positive")])
    return [beside(shown, [done])]


def reminder_card(view: NotificationView, message: str = "") -> Card:
    """A task's reminder (its time has come) or the note to a colleague given it, with Done and Open."""
    task, record = view.task, view.record
    if task is None:
        raise ValueError("a reminder's view carries its task")
    title = (
        _("Reminder: {task} is due", task=task.ref)
        if view.purpose is Purpose.REMINDER
        else _("{name} gave you a next step", name=plain(view.events[-1].actor_name if view.events else "") or "?")
    )
    body: list[Element] = [notice(message)] if message else []
    body += [
        subtle(f"{record.ref} · {record.kind.label}"),
        heading(plain(record.title)),
        text(title, weight="Bolder"),
        text(f"**{task.ref}** · {type_name(task.type)} · {plain(task.text)}"),
        text(due_text(task), size="Small", spacing="None"),
    ]
    actions: list[Action] = [
        execute(_("Done"), verbs.TASK_DONE, {"task": task.ref}, "positive"),
        execute(_("Open"), verbs.RECORD_SHOW, {"ref": record.ref}),
    ]
    return card(body, actions)


def reminder_summary(view: NotificationView) -> str:
    task = view.task
    if task is None:
        return view.record.ref
    if view.purpose is Purpose.REMINDER:
        return _("Due: {task} {text}", task=task.ref, text=task.text)[:200]
    return _("New next step for you: {task} {text}", task=task.ref, text=task.text)[:200]


def my_day_card(view: NotificationView) -> Card:
    """The day's card: the person's overdue and today's tasks, each with Done; `my day off` stops it."""
    today = view.notification.occasion or ""
    shown = view.day_tasks[:20]
    body: list[Element] = [
        heading(_("Your day: {day}", day=current().day(today))),
        subtle(_("Overdue and due today")),
    ]
    for task in shown:
        body += [*task_lines(task, view.now, today), *task_buttons(task)]
    if len(view.day_tasks) > len(shown):
        body.append(subtle(_("More are open: the first ones due are shown.")))
    body.append(subtle(_("Not wanted? Say: my day off")))
    return card(body, [command_button(_("All my tasks"), "tasks")])


def my_day_summary(view: NotificationView) -> str:
    count = len(view.day_tasks)
    return ngettext("Your day: {n} task overdue or due today", "Your day: {n} tasks overdue or due today", count)


def quiet_card(view: NotificationView) -> Card:
    """A deal gone quiet, told to its owner once per quiet spell, with Open and Add next step."""
    record = view.record
    body: list[Element] = [
        subtle(f"{record.ref} · {translated(record.kind.label)} · {stage_label(record.stage)}"),
        heading(plain(record.title)),
        text(_("Quiet for {n} days", n=view.quiet_days or 0), color="Warning", weight="Bolder"),
        text(_("Nothing has happened on it for a while: what is the next step?")),
    ]
    actions: list[Action] = [
        execute(_("Add next step"), verbs.TASK_ADD_FORM, {"ref": record.ref}),
        execute(_("Open"), verbs.RECORD_SHOW, {"ref": record.ref}),
    ]
    return card(body, actions)


def quiet_summary(view: NotificationView) -> str:
    return _("{ref} has been quiet for {n} days", ref=view.record.ref, n=view.quiet_days or 0)[:200]
