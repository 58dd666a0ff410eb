"""Next steps: `task ‹ref› ‹text› [due ‹when›] [for ‹colleague›]`, `tasks`, `tasks ‹ref›`, `done ‹task›
[note]`, and the buttons of the tasks card and the record card (Done, Edit, Reassign, Reopen, Add next step).
Done answers "What's next?" with the add form, prefilled from the task just done."""

from __future__ import annotations

import re

from bot.domain.errors import DomainError
from bot.domain.language import _
from bot.domain.models import Change, User
from bot.domain.tasks import Task
from bot.handlers.commands import ParsedCommand
from bot.handlers.payload import text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Answer, Clicked, Router, Said
from bot.services import CrmService
from bot.services.tasks import TaskList
from cards import verbs
from cards.tasks import add_task_form, edit_task_form, reassign_form, tasks_card

routes = Router()
_CLAUSE = re.compile(r"\s+(due|for)\s+", re.IGNORECASE)


def split_task(said: str) -> tuple[str, str | None, str | None]:
    """`Call Jane due tomorrow 9:00 for megan@x` -> text, when, colleague. A text in quotes is taken as it is
    (`"Ask for pricing" due friday`); otherwise the last `due` and the last `for` start their clauses."""
    rest = said.strip()
    quoted = re.match(r"^[\"“”](.*?)[\"“”](.*)$", rest, re.DOTALL)
    head, tail = (quoted.group(1), quoted.group(2)) if quoted else ("", rest)
    found: dict[str, str] = {}
    while True:
        matches = list(_CLAUSE.finditer(" " + tail))
        if not matches:
            break
        last = matches[-1]
        word = last.group(1).lower()
        if word in found:
            break
        found[word] = (" " + tail)[last.end() :].strip()
        tail = (" " + tail)[: last.start()].strip()
    text = (head + " " + tail).strip() if quoted else tail
    return text, found.get("due") or None, found.get("for") or None


def _list_reply(found: TaskList, message: str = "") -> Reply:
    ref = found.record.ref if found.record else None
    return Reply(
        card=tasks_card(found.title, found.open, found.now, found.today, found.done, ref, message, found.more),
        record_id=found.record.id if found.record else None,
    )


@routes.command("task")
def add_task(ctx: Said, command: ParsedCommand) -> Answer:
    text, due, colleague = split_task(command.text)
    ctx.services.records.get_record(ctx.user, command.ref)  # an unknown (or unseen) record before an unknown name
    assignee: User | None = None
    if colleague:
        assignee = ctx.services.lifecycle.find_colleague(ctx.user, colleague)
    return ctx.services.tasks.add(ctx.user, command.ref, text, due, assignee)


@routes.command("tasks")
def list_tasks(ctx: Said, command: ParsedCommand) -> Answer:
    if command.text:
        return _list_reply(ctx.services.tasks.of_record(ctx.user, command.text.split()[0]))
    return _list_reply(ctx.services.tasks.mine(ctx.user))


@routes.command("my day")
def my_day(ctx: Said, command: ParsedCommand) -> Answer:
    said = command.text.strip().lower()
    if said not in ("on", "off", "an", "aus", "ligado", "desligado"):
        return Reply(text=_("Say my day on or my day off."), outcome="refused")
    return Reply(text=ctx.services.tasks.set_my_day(ctx.user, said in ("on", "an", "ligado")))


@routes.command("quiet after")
def quiet_after(ctx: Said, command: ParsedCommand) -> Answer:
    return Reply(text=ctx.services.tasks.quiet_after(ctx.user, command.text))


@routes.command("done")
def done(ctx: Said, command: ParsedCommand) -> Answer:
    words = command.text.split(None, 1)
    if not words:
        return Reply(text=_("Say which task: done T-3 (tasks lists yours)."), outcome="refused")
    change, task = ctx.services.tasks.done(ctx.user, words[0], words[1] if len(words) > 1 else None)
    return _whats_next(ctx.services, ctx.user, change, task)


def _whats_next(services: CrmService, user: User, change: Change, task: Task) -> Reply:
    """After a next step is done: "What's next?", the add form prefilled from it (as Odoo chains activities)."""
    if change.view is None or not change.record.is_open or change.record.archived_at:
        return Reply(text=change.message, events=change.events, record_id=change.record.id)
    values = {"text": task.text, "type": task.type.value, "lead": str(task.lead_minutes)}
    card = add_task_form(
        change.view, services.people.colleagues(user.tenant_id), values,
        title=change.message + " " + _("What's next?"),
    )  # fmt: skip
    return Reply(card=card, events=change.events, record_id=change.record.id, view=change.view)


# --- the buttons -------------------------------------------------------------------------------


def _task_ref(ctx: Clicked) -> str:
    return text_field(ctx.data, "task", required=True)


@routes.verb(verbs.TASK_ADD_FORM)
def open_add_form(ctx: Clicked) -> Reply:
    return Reply(card=add_task_form(ctx.view(), ctx.services.people.colleagues(ctx.user.tenant_id)), outcome="form")


@routes.verb(verbs.TASK_ADD, colleague_field="assignee")
def add_from_form(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    values = {k: text_field(ctx.data, k) for k in ("text", "type", "due", "lead")}

    def form(field: str, message: str) -> Reply:
        card = add_task_form(ctx.view(), ctx.services.people.colleagues(ctx.user.tenant_id), values, {field: message})
        return Reply(card=card, outcome="invalid")

    try:
        picked, click = text_field(ctx.data, "assignee"), ctx.click
        assignee = (
            ctx.services.lifecycle.picked_colleague(
                ctx.user, picked, click.follower_name, click.follower_teams_id, click.follower_aad_id
            )
            if picked
            else None
        )
        change = ctx.services.tasks.add(
            ctx.user, ref, values["text"], values["due"] or None, assignee, values["type"], values["lead"], seen
        )
    except DomainError as exc:
        field = exc.field if exc.field in ("text", "type", "due", "lead") else "assignee" if exc.field else None
        if field is None:
            return ctx.record(ctx.view(), exc.message, good=False)
        return form(field, exc.message)
    return ctx.changed(change)


@routes.verb(verbs.TASK_DONE)
def done_clicked(ctx: Clicked) -> Reply:
    try:
        change, task = ctx.services.tasks.done(ctx.user, _task_ref(ctx))
    except DomainError as exc:
        return Reply(text=exc.message, outcome="refused")
    return _whats_next(ctx.services, ctx.user, change, task)


@routes.verb(verbs.TASK_REOPEN)
def reopen_clicked(ctx: Clicked) -> Reply:
    return ctx.changed(ctx.services.tasks.reopen(ctx.user, _task_ref(ctx)))


@routes.verb(verbs.TASK_EDIT_FORM)
def open_edit_form(ctx: Clicked) -> Reply:
    return Reply(card=edit_task_form(ctx.services.tasks.task(ctx.user, _task_ref(ctx))), outcome="form")


@routes.verb(verbs.TASK_SAVE)
def save_clicked(ctx: Clicked) -> Reply:
    ref = _task_ref(ctx)
    values = {k: text_field(ctx.data, k) for k in ("text", "type", "due", "lead")}
    try:
        change = ctx.services.tasks.edit(
            ctx.user, ref, values["text"], values["due"] or None, values["type"], values["lead"]
        )
    except DomainError as exc:
        task = ctx.services.tasks.task(ctx.user, ref)
        return Reply(card=edit_task_form(task, {exc.field or "text": exc.message}), outcome="invalid")
    return ctx.changed(change)


@routes.verb(verbs.TASK_REASSIGN_FORM)
def open_reassign_form(ctx: Clicked) -> Reply:
    task = ctx.services.tasks.task(ctx.user, _task_ref(ctx))
    return Reply(card=reassign_form(task, ctx.services.people.colleagues(ctx.user.tenant_id)), outcome="form")


@routes.verb(verbs.TASK_REASSIGN, colleague_field="assignee")
def reassign_clicked(ctx: Clicked) -> Reply:
    task = ctx.services.tasks.task(ctx.user, _task_ref(ctx))
    picked = text_field(ctx.data, "assignee")
    colleagues = ctx.services.people.colleagues(ctx.user.tenant_id)
    if not picked:
        return Reply(card=reassign_form(task, colleagues, {"assignee": _("Pick a colleague.")}), outcome="invalid")
    try:
        click = ctx.click
        colleague = ctx.services.lifecycle.picked_colleague(
            ctx.user, picked, click.follower_name, click.follower_teams_id, click.follower_aad_id
        )
        change = ctx.services.tasks.reassign(ctx.user, task.ref, colleague)
    except DomainError as exc:
        return Reply(card=reassign_form(task, colleagues, {"assignee": exc.message}), outcome="invalid")
    return ctx.changed(change)
