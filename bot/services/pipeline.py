"""The pipeline's use cases: the figures of a pipeline card for a scope (everyone, one person, a quarter of
close dates), the records behind one bar, and the team channels that get the card every Monday morning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import format_time, parse_time
from bot.domain.delivery import Purpose
from bot.domain.errors import DomainError, NotFound
from bot.domain.hours import zone
from bot.domain.language import _
from bot.domain.models import Place, Record, User, stage_label
from bot.domain.pipeline import DEFAULT_PIPELINE, Pipeline, PipelineScope, PipelineStages, Quarter, next_weekly_post
from bot.domain.rules import clean_text
from bot.services.changes import RecordWork
from bot.services.lifecycle import LifecycleCases
from bot.services.pipelines import PipelineDefinitionCases
from bot.services.weekly import local_today, pipeline_of
from bot.services.work import UnitOfWork

_QUARTER = re.compile(r"\b(this|next)\s+quarter\b", re.IGNORECASE)
EVERYONE = ("", "all", "everyone", "team")
ME = ("mine", "me", "my", "myself")


@dataclass(frozen=True)
class StageList:
    stage: str
    scope: PipelineScope
    records: list[Record]
    pipeline: PipelineStages = DEFAULT_PIPELINE


@dataclass(frozen=True)
class WeeklyStatus:
    """A channel's weekly pipeline post: the zone its Monday 09:00 is in, the next post, the latest week."""

    time_zone: str
    next_post: datetime  # in `time_zone`
    last_week: str | None = None  # the local date of the Monday it was for
    last_status: str | None = None  # pending, sending, sent or failed
    last_error: str | None = None


class PipelineCases:
    def __init__(
        self, work: UnitOfWork, lifecycle: LifecycleCases, pipelines: PipelineDefinitionCases, changes: RecordWork
    ) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.lifecycle = lifecycle
        self.pipelines = pipelines
        self.changes = changes

    def which(self, actor: User, said: str) -> tuple[PipelineStages, str, tuple[str, ...]]:
        """`Renewals mine this quarter` -> the pipeline named first (else the default one), the rest of what was
        said, and the organisation's other pipelines' names."""
        every = self.pipelines.pipelines(actor.tenant_id)
        found, rest = self.pipelines.named(actor.tenant_id, said, every)
        chosen = found or DEFAULT_PIPELINE
        return chosen, rest, tuple(p.name for p in every if p.key != chosen.key)

    def pipeline_scope(self, actor: User, said: str, time_zone: str | None) -> PipelineScope:
        """`mine`, `‹colleague›`, `this quarter`, `next quarter`, or several: whose deals and which close dates."""
        text = clean_text(said)
        quarter: Quarter | None = None
        quarter_word = ""
        match = _QUARTER.search(text)
        if match:
            this = Quarter.of(local_today(self.clock(), time_zone))
            quarter = this if match.group(1).lower() == "this" else this.next()
            quarter_word = f"{match.group(1).lower()} quarter"
            text = (text[: match.start()] + " " + text[match.end() :]).strip()
        who = " ".join(text.split())
        if who.lower() in EVERYONE:
            return PipelineScope(quarter=quarter, quarter_word=quarter_word)
        if who.lower() in ME:
            return PipelineScope(actor.id, actor.name, "mine", quarter, quarter_word)
        try:
            colleague = self.lifecycle.find_colleague(actor, who)
        except NotFound:
            raise NotFound(
                _(
                    "I can't find a colleague “{name}” in your organisation. Try: pipeline, pipeline mine,"
                    " pipeline this quarter, or a colleague's name or email (they need to have talked to me once).",
                    name=who[:80],
                )
            ) from None
        if colleague.id == actor.id:
            return PipelineScope(actor.id, actor.name, "mine", quarter, quarter_word)
        return PipelineScope(colleague.id, colleague.name, colleague.email or colleague.name, quarter, quarter_word)

    def pipeline(
        self, actor: User, said: str, time_zone: str | None, definition: PipelineStages = DEFAULT_PIPELINE,
        others: tuple[str, ...] = (), everyone_reads: bool = False,
    ) -> Pipeline:  # fmt: skip
        """The card of one pipeline (the default one unless given) for the scope said: the deals the actor may
        see (posted in a channel or group chat: everyone's deals only)."""
        scope = self.pipeline_scope(actor, said, time_zone)
        today = local_today(self.clock(), time_zone)
        currency = self.repo.details.default_currency(actor.tenant_id)
        reader = self.changes.reader(actor, everyone_reads)
        return pipeline_of(self.repo, reader, scope, today, currency, definition, others)

    def stage_list(
        self,
        actor: User,
        said: str,
        time_zone: str | None,
        limit: int,
        definition: PipelineStages = DEFAULT_PIPELINE,
        everyone_reads: bool = False,
    ) -> StageList:
        """`Proposal [mine | ‹colleague›] [this quarter | next quarter]`: the opportunities behind one bar."""
        text = " ".join(clean_text(said).split())
        stages = definition.stages
        # English names always work, the reader's own too (`Gewonnen`, `Proposta`); an admin's stage may be words.
        names = sorted(((name, s) for s in stages for name in {s, stage_label(s)}), key=lambda n: -len(n[0]))
        said_key = text.casefold()
        named, stage = next(
            ((n, s) for n, s in names if said_key == n.casefold() or said_key.startswith(n.casefold() + " ")),
            ("", None),
        )
        if stage is None:
            shown = text.split()[0][:30] if text else ""
            if definition.is_default:
                raise DomainError(
                    _(
                        "“{stage}” is not a stage of opportunities. Try: pipeline list {example} ({stages}).",
                        stage=shown,
                        example=stage_label(stages[1]),
                        stages=", ".join(stage_label(s) for s in stages),
                    )
                )
            raise DomainError(
                _(
                    "“{stage}” is not a stage of the {pipeline} pipeline. Try: pipeline {pipeline} list {example} ({stages}).",
                    stage=shown, pipeline=definition.name, example=stage_label(stages[0]),
                    stages=", ".join(stage_label(s) for s in stages),
                )
            )  # fmt: skip
        scope = self.pipeline_scope(actor, text[len(named) :].strip(), time_zone)
        first = scope.quarter.first_day.isoformat() if scope.quarter else None
        last = scope.quarter.last_day.isoformat() if scope.quarter else None
        reader = self.changes.reader(actor, everyone_reads)
        found = self.repo.pipeline.stage_records(reader, stage, scope.owner_id, first, last, limit, definition.id)
        return StageList(stage, scope, found, definition)

    # --- the weekly post -------------------------------------------------------------------------

    def start_weekly_pipeline(self, actor: User, place: Place, time_zone: str | None) -> datetime:
        """The channel gets the pipeline card every Monday at 09:00 in the zone of `actor` (their Teams time
        zone; UTC when unknown). Returns the first post's moment."""
        if place.kind != "channel":
            raise DomainError(
                _("The weekly pipeline goes to a team channel: mention me there with “pipeline weekly here”.")
            )
        where = time_zone or "UTC"
        first = next_weekly_post(parse_time(self.clock()), zone(where))
        with self.work.writing():
            self.repo.pipeline.set_weekly_post(
                actor.tenant_id, place.conversation_id, place.service_url, actor.id, where, format_time(first),
                self.clock(),
            )  # fmt: skip
        return first

    def weekly_pipeline_status(self, actor: User, place: Place) -> WeeklyStatus | None:
        """The channel's weekly post, if it has one: its zone, the next post, how the latest week went."""
        if place.kind != "channel":
            raise DomainError(_("The weekly pipeline is set per team channel: say “pipeline weekly” in the channel."))
        found = self.repo.pipeline.weekly_post(actor.tenant_id, place.conversation_id)
        if found is None:
            return None
        time_zone, next_at = found[5], found[6]
        latest = self.repo.outbox.latest_post(actor.tenant_id, Purpose.WEEKLY, place.conversation_id)
        following = parse_time(next_at).astimezone(zone(time_zone))
        if latest is None:
            return WeeklyStatus(time_zone, following)
        return WeeklyStatus(time_zone, following, latest.occasion, latest.status.value, latest.last_error)

    def stop_weekly_pipeline(self, actor: User, place: Place) -> bool:
        if place.kind != "channel":
            raise DomainError(
                _("The weekly pipeline is set per team channel: say “pipeline weekly off” in the channel.")
            )
        with self.work.writing():  # its weeks not yet sent are cancelled with it, at once
            self.repo.outbox.cancel_posts(actor.tenant_id, Purpose.WEEKLY, place.conversation_id)
            return self.repo.pipeline.stop_weekly_post(actor.tenant_id, place.conversation_id)
