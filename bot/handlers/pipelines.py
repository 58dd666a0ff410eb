"""The organisation's pipelines and lost reasons through text and clicks: `pipelines`, the admins' `pipeline add`
and `pipeline delete` and their forms, `lost reasons`, `admins`; on a record: `move O-3 Renewals`, the reason a
deal was lost (`reason O-3 Price`, or the card's question). Their router is listed in bot/handlers/routing.py."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.language import _, ngettext
from bot.domain.models import Kind
from bot.domain.pipeline import MAX_STAGES, PipelineStages
from bot.handlers.commands import ParsedCommand
from bot.handlers.payload import BadPayload, int_field, text_field
from bot.handlers.replies import Reply
from bot.handlers.router import Answer, Clicked, Router, Said
from bot.services.pipelines import StageRow
from cards import verbs
from cards.forms import stage_form
from cards.pipelines import lost_reasons_form, move_choices, pipeline_form, pipeline_values, pipelines_card

routes = Router()


def _pipelines_card(ctx: Clicked | Said, message: str = "", good: bool = True) -> Reply:
    tenant = ctx.user.tenant_id
    pipelines = ctx.services.pipelines.pipelines(tenant)
    reasons = ctx.services.pipelines.lost_reasons(tenant)
    return Reply(card=pipelines_card(pipelines, reasons, ctx.services.people.is_admin(ctx.user), message, good))


# --- the commands ----------------------------------------------------------------------------------


@routes.command("admins")
def admins(ctx: Said, command: ParsedCommand) -> Answer:
    names = ctx.services.people.admin_names(ctx.user.tenant_id)
    if not names:
        return Reply(text=_("Your organisation has no admin yet: the first person who talks to me becomes one."))
    return Reply(
        text=_(
            "Admins of your organisation: {names}. They see and manage every record, and add custom fields (fields),"
            " pipelines (pipelines) and lost reasons.",
            names=", ".join(names),
        )
    )


@routes.command("pipelines")
def list_pipelines(ctx: Said, command: ParsedCommand) -> Answer:
    return _pipelines_card(ctx)


@routes.command("pipeline add")
def add_pipeline(ctx: Said, command: ParsedCommand) -> Answer:
    name, colon, stages = command.text.partition(":")
    if not colon:
        return Reply(
            text=_("Say its name, a colon, then its stages: pipeline add Renewals: Due 30%, Quoted 60%, Agreed 90%"),
            outcome="refused",
        )
    try:
        pipeline = ctx.services.pipelines.add_pipeline(ctx.user, name, stages)
    except Invalid as exc:
        return Reply(text=" ".join(exc.errors.values()), outcome="refused")
    return _pipelines_card(
        ctx, _("The {name} pipeline is ready: move deals into it with move ‹ref› {name}.", name=pipeline.name)
    )


@routes.command("pipeline delete")
def delete_pipeline(ctx: Said, command: ParsedCommand) -> Answer:
    ctx.services.pipelines.require_admin(ctx.user)
    pipeline = ctx.services.pipelines.by_name(ctx.user.tenant_id, command.text)
    if pipeline.is_default:
        return Reply(text=_("The default pipeline stays; delete one your organisation added."), outcome="refused")
    gone = ctx.services.pipelines.delete_pipeline(ctx.user, pipeline.key)
    return _pipelines_card(ctx, _("The {name} pipeline was deleted.", name=gone.name))


@routes.command("move")
def move(ctx: Said, command: ParsedCommand) -> Answer:
    """`move O-3 Renewals` (the stage mapped), `move O-3 Renewals Quoted`."""
    ctx.services.records.get_record(ctx.user, command.ref)  # an unknown (or unseen) record is said first
    found, rest = ctx.services.pipelines.named(ctx.user.tenant_id, command.text)
    if found is None:
        names = ", ".join(p.name for p in ctx.services.pipelines.pipelines(ctx.user.tenant_id))
        raise NotFound(
            _(
                "Your organisation has no pipeline called “{name}”. Its pipelines: {names}.",
                name=command.text[:60],
                names=names,
            )
        )
    return ctx.services.pipelines.move(ctx.user, command.ref, found.id, rest or None)


@routes.command("lost reasons")
def lost_reasons(ctx: Said, command: ParsedCommand) -> Answer:
    if not command.text:
        return _pipelines_card(ctx)
    reasons = ctx.services.pipelines.set_lost_reasons(ctx.user, command.text)
    return _pipelines_card(ctx, _("Your organisation's lost reasons are now: {reasons}.", reasons=", ".join(reasons)))


@routes.command("reason")
def reason(ctx: Said, command: ParsedCommand) -> Answer:
    return ctx.services.records.set_lost_reason(ctx.user, command.ref, command.text)


# --- the admins' forms -----------------------------------------------------------------------------


@routes.verb(verbs.PIPELINES_SHOW)
def show_pipelines(ctx: Clicked) -> Reply:
    return _pipelines_card(ctx)


def _pipeline_of(ctx: Clicked) -> PipelineStages | None:
    pipeline_id = int_field(ctx.data, "pipeline")
    return None if not pipeline_id else ctx.services.pipelines.pipeline(ctx.user.tenant_id, pipeline_id)


@routes.verb(verbs.PIPELINE_FORM)
def open_pipeline_form(ctx: Clicked) -> Reply:
    ctx.services.pipelines.require_admin(ctx.user)
    pipeline = _pipeline_of(ctx)
    return Reply(card=pipeline_form(pipeline, pipeline_values(pipeline)), outcome="form")


def _rows(ctx: Clicked, was: list[str]) -> list[StageRow]:
    rows = []
    for index in range(MAX_STAGES + 3):
        name, chance = text_field(ctx.data, f"stage_{index}"), text_field(ctx.data, f"chance_{index}")
        earlier = was[index] if index < len(was) else None
        if name or chance or earlier:
            rows.append(StageRow(earlier, name, chance))
    return rows


def _was(data: dict[str, Any]) -> list[str]:
    was = data.get("was", [])
    if not isinstance(was, list) or len(was) > MAX_STAGES or not all(isinstance(w, str) and len(w) < 100 for w in was):
        raise BadPayload(_("This form sent something I can't read; please open it again."))
    return was


@routes.verb(verbs.PIPELINE_SAVE)
def save_pipeline(ctx: Clicked) -> Reply:
    pipeline = _pipeline_of(ctx)
    was = _was(ctx.data) if pipeline is not None else []
    values = {
        k: text_field(ctx.data, k)
        for k in ["name", *(f"{p}_{i}" for p in ("stage", "chance") for i in range(MAX_STAGES + 3))]
    }
    rows = _rows(ctx, was)
    try:
        if pipeline is None:
            saved = ctx.services.pipelines.add_pipeline(ctx.user, values["name"], rows)
            message = _("The {name} pipeline is ready: move deals into it with move ‹ref› {name}.", name=saved.name)
        else:
            saved, moved = ctx.services.pipelines.change_pipeline(ctx.user, pipeline.key, values["name"], rows)
            message = ngettext(
                "The {name} pipeline was saved ({n} deal moved with a renamed stage).",
                "The {name} pipeline was saved ({n} deals moved with a renamed stage).",
                moved,
                name=saved.name,
            )
    except Invalid as exc:
        return Reply(card=pipeline_form(pipeline, values, exc.errors), outcome="invalid")
    except DomainError as exc:
        if exc.field == "name":
            return Reply(card=pipeline_form(pipeline, values, {"name": exc.message}), outcome="invalid")
        return Reply(card=pipeline_form(pipeline, values, None, exc.message), outcome="refused")
    return _pipelines_card(ctx, message)


@routes.verb(verbs.PIPELINE_DELETE)
def delete_pipeline_click(ctx: Clicked) -> Reply:
    pipeline_id = int_field(ctx.data, "pipeline")
    if not pipeline_id:
        raise BadPayload(_("This card points at a pipeline I can't read; type pipelines."))
    try:
        gone = ctx.services.pipelines.delete_pipeline(ctx.user, pipeline_id)
    except DomainError as exc:
        return _pipelines_card(ctx, exc.message, good=False)
    return _pipelines_card(ctx, _("The {name} pipeline was deleted.", name=gone.name))


@routes.verb(verbs.LOST_REASONS_FORM)
def open_reasons_form(ctx: Clicked) -> Reply:
    ctx.services.pipelines.require_admin(ctx.user)
    return Reply(card=lost_reasons_form(ctx.services.pipelines.lost_reasons(ctx.user.tenant_id)), outcome="form")


@routes.verb(verbs.LOST_REASONS_SAVE)
def save_reasons(ctx: Clicked) -> Reply:
    typed = text_field(ctx.data, "reasons")
    try:
        reasons = ctx.services.pipelines.set_lost_reasons(ctx.user, typed)
    except DomainError as exc:
        if exc.field == "reasons":
            current = ctx.services.pipelines.lost_reasons(ctx.user.tenant_id)
            return Reply(
                card=lost_reasons_form(current, {"reasons": typed}, {"reasons": exc.message}), outcome="invalid"
            )
        return _pipelines_card(ctx, exc.message, good=False)
    return _pipelines_card(ctx, _("Your organisation's lost reasons are now: {reasons}.", reasons=", ".join(reasons)))


# --- on a record -----------------------------------------------------------------------------------


def stage_form_reply(ctx: Clicked, errors: dict[str, str] | None = None) -> Reply:
    """The record's pipeline's stages, why it was lost, and the organisation's other pipelines' stages."""
    view = ctx.view()
    record = view.record
    tenant = ctx.user.tenant_id
    stages = ctx.services.pipelines.stages_of(record)
    reasons = ctx.services.pipelines.lost_reasons(tenant)
    moves: list[tuple[str, str]] = []
    if record.kind is Kind.OPPORTUNITY:
        every = ctx.services.pipelines.pipelines(tenant)
        current = next((p for p in every if p.key == (record.pipeline_id or 0)), every[0])
        moves = move_choices(current, [p for p in every if p.key != current.key], record.stage, record.is_open)
    card = stage_form(view, errors, viewer_id=ctx.user.id, stages=stages, reasons=reasons, moves=moves)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@routes.verb(verbs.LOST_REASON)
def set_lost_reason(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    said, note = text_field(ctx.data, "lost_reason"), text_field(ctx.data, "lost_note")
    return ctx.attempt(lambda: ctx.services.records.set_lost_reason(ctx.user, ref, said, note, seen))


@routes.verb(verbs.MOVE_PIPELINE)
def move_pipeline(ctx: Clicked) -> Reply:
    seen, ref = ctx.seen(), ctx.ref()
    picked = text_field(ctx.data, "move_to")
    key, colon, stage = picked.partition(":")
    if not colon or not key.isascii() or not key.isdigit() or len(key) > 9:
        return stage_form_reply(ctx, {"move_to": _("Pick a pipeline and a stage from the list.")})
    target = int(key) or None
    return ctx.attempt(
        lambda: ctx.services.pipelines.move(ctx.user, ref, target, stage, seen),
        "stage",
        lambda message: stage_form_reply(ctx, {"move_to": message}),
    )
