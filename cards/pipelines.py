"""The organisation's pipelines and lost reasons on cards: the list (with each pipeline's stages and chances,
and the admins' buttons), the form that adds a pipeline or changes one's stages, the lost reasons' form, and
on a record: the question why it was lost, and the choices of another pipeline's stages."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.language import _
from bot.domain.lost import LOSING_STAGES, OTHER, reason_shown
from bot.domain.lost import MAX_NOTE as MAX_LOST_NOTE
from bot.domain.models import Kind, RecordView, stage_label
from bot.domain.pipeline import MAX_PIPELINE_NAME, MAX_STAGE_NAME, MAX_STAGES, PipelineStages
from cards import verbs
from cards.common import (
    Card,
    action_set,
    card,
    choice_set,
    command_button,
    execute,
    facts,
    heading,
    notice,
    plain,
    section,
    subtle,
    text,
    text_input,
)
from cards.elements import Action, Column, ColumnSet, Element

Values = dict[str, str]
Errors = dict[str, str]
NEW_ROWS = 3  # blank rows a pipeline's form offers for new stages


def stages_line(pipeline: PipelineStages) -> list[tuple[str, str]]:
    return [(plain(stage_label(s.name)), f"{s.probability}%") for s in pipeline.open]


def pipelines_card(
    pipelines: Sequence[PipelineStages], reasons: Sequence[str], admin: bool, message: str = "", good: bool = True
) -> Card:
    body: list[Element] = [notice(message, good)] if message else []
    body.append(heading(_("Pipelines")))
    for pipeline in pipelines:
        title = _("{name} (the default)", name=plain(pipeline.name)) if pipeline.is_default else plain(pipeline.name)
        body += [section(title), facts(stages_line(pipeline)), subtle(_("then Won or Lost"))]
        buttons: list[Action] = [command_button(_("Chart"), f"pipeline {pipeline.name}")]
        if admin and not pipeline.is_default:
            data = {"pipeline": pipeline.key}
            buttons += [
                execute(_("Change stages"), verbs.PIPELINE_FORM, data),
                execute(_("Delete"), verbs.PIPELINE_DELETE, data, "destructive"),
            ]
        body.append(action_set(buttons))
    body.append(section(_("Lost reasons")))
    body.append(text(", ".join(plain(reason_shown(r)) for r in reasons) + ", " + reason_shown(OTHER)))
    if admin:
        body.append(
            action_set(
                [
                    execute(_("Add pipeline"), verbs.PIPELINE_FORM, {}, "positive"),
                    execute(_("Change lost reasons"), verbs.LOST_REASONS_FORM, {}),
                ]
            )
        )
        body.append(subtle(_("Or type: pipeline add Renewals: Due 30%, Quoted 60%, Agreed 90%")))
    else:
        body.append(subtle(_("Admins add and change pipelines and lost reasons (see admins).")))
    return card(body)


def _row(index: int, values: Values, errors: Errors | None) -> list[Element]:
    name_id, chance_id = f"stage_{index}", f"chance_{index}"
    columns: list[Column] = [
        {
            "type": "Column",
            "width": "stretch",
            "items": text_input(name_id, _("Stage {n}", n=index + 1), values.get(name_id), max_length=MAX_STAGE_NAME),
        },
        {
            "type": "Column",
            "width": "auto",
            "items": text_input(chance_id, _("Chance (%)"), values.get(chance_id), max_length=3, placeholder="50"),
        },
    ]
    row: ColumnSet = {"type": "ColumnSet", "columns": columns}
    message = (errors or {}).get(name_id)
    return [row, text(plain(message), color="Attention", size="Small", spacing="None")] if message else [row]


def pipeline_values(pipeline: PipelineStages | None) -> Values:
    if pipeline is None:
        return {}
    values = {"name": pipeline.name}
    for index, stage in enumerate(pipeline.open):
        values |= {f"stage_{index}": stage.name, f"chance_{index}": str(stage.probability)}
    return values


def pipeline_form(
    pipeline: PipelineStages | None, values: Values, errors: Errors | None = None, message: str = ""
) -> Card:
    """A new pipeline (`pipeline` None), or an existing one: its name and its open stages in order, each with its
    chance of closing. A stage renamed takes its deals along; one left blank is taken out (when no deal is in it)."""
    rows = min(len(pipeline.open) + NEW_ROWS, MAX_STAGES) if pipeline else 5
    body: list[Element] = [notice(message, good=False)] if message else []
    title = _("Change the {name} pipeline", name=plain(pipeline.name)) if pipeline else _("Add a pipeline")
    body += [
        heading(title),
        *text_input("name", _("Name"), values.get("name"), max_length=MAX_PIPELINE_NAME, required=True, errors=errors),
        text(_("Open stages, in order (every pipeline then ends in Won or Lost)"), weight="Bolder"),
    ]
    for index in range(rows):
        body += _row(index, values, errors)
    data: dict[str, object] = {}
    if pipeline is not None:
        data = {"pipeline": pipeline.key, "was": [s.name for s in pipeline.open]}
        body.append(subtle(_("Renaming a stage moves its deals with it; clear a stage's name to take it out.")))
    body.append(
        action_set(
            [
                execute(_("Save pipeline"), verbs.PIPELINE_SAVE, data, "positive"),
                execute(_("Back"), verbs.PIPELINES_SHOW, {}, inputs=False),
            ]
        )
    )
    return card(body)


def lost_reasons_form(reasons: Sequence[str], values: Values | None = None, errors: Errors | None = None) -> Card:
    typed = (values or {}).get("reasons")
    if typed is None:
        typed = "\n".join(reason_shown(r) for r in reasons)
    body: list[Element] = [
        heading(_("Lost reasons")),
        *text_input(
            "reasons",
            _("One reason a line (Other is always offered after them)"),
            typed,
            max_length=2000,
            multiline=True,
            required=True,
            errors=errors,
        ),
        subtle(_("Deals lost before keep the reason they were given; the pipeline card counts them by it.")),
        action_set(
            [
                execute(_("Save reasons"), verbs.LOST_REASONS_SAVE, {}, "positive"),
                execute(_("Back"), verbs.PIPELINES_SHOW, {}, inputs=False),
            ]
        ),
    ]
    return card(body)


# --- on a record -----------------------------------------------------------------------------------


def reason_inputs(reasons: Sequence[str], label: str, errors: Errors | None = None) -> list[Element]:
    """The organisation's reasons and Other, and Other's words."""
    choices = [(reason_shown(r), r) for r in reasons] + [(reason_shown(OTHER), OTHER)]
    return [
        *choice_set("lost_reason", label, choices, placeholder=_("Pick a reason"), errors=errors),
        *text_input("lost_note", _("Other: in a few words"), None, max_length=MAX_LOST_NOTE),
    ]


def lost_prompt(view: RecordView, data: dict[str, object]) -> list[Element]:
    """On the card of a deal lost (or a lead disqualified) without a reason: the question, and the list."""
    record = view.record
    if record.stage not in LOSING_STAGES or record.lost_reason or not view.lost_reasons:
        return []
    asked = _("Why was it disqualified?") if record.kind is Kind.LEAD else _("Why was it lost?")
    return [
        text(asked, weight="Bolder", color="Attention", spacing="Medium"),
        *reason_inputs(view.lost_reasons, _("Reason")),
        action_set([execute(_("Save reason"), verbs.LOST_REASON, data, "positive")]),
    ]


def move_choices(
    current: PipelineStages, others: Sequence[PipelineStages], stage: str, is_open: bool
) -> list[tuple[str, str]]:
    """Every stage of the other pipelines as `Renewals: Quoted (60%)` (value `<pipeline>:<stage>`), the stage a deal
    in `stage` would map to first in each."""
    found: list[tuple[str, str]] = []
    chance = current.probability(stage) if is_open else None
    for pipeline in others:
        mapped = pipeline.mapped(stage, chance)
        ordered = [mapped, *(s for s in pipeline.stages if s != mapped)]
        for name in ordered:
            chance_of = pipeline.probability(name)
            label = f"{pipeline.name}: {stage_label(name)}" + (
                f" ({chance_of}%)" if name in pipeline.open_stages else ""
            )
            found.append((label, f"{pipeline.key}:{name}"))
    return found


def move_section(
    choices: list[tuple[str, str]], data: dict[str, object], errors: Errors | None = None
) -> list[Element]:
    if not choices:
        return []
    return [
        section(_("Or move it to another pipeline")),
        *choice_set("move_to", _("Pipeline and stage"), choices, value=choices[0][1], errors=errors),
        action_set([execute(_("Move to pipeline"), verbs.MOVE_PIPELINE, data, "positive")]),
    ]
