"""Use cases of an organisation's pipelines and lost reasons: admins add, change and delete pipelines (each
with its ordered stages and their chances; the default pipeline is today's stages) and keep the list of
reasons a deal is lost for; anyone moves an opportunity to another pipeline, its stage mapped on the way.
A pipeline that still holds deals is not deleted: they are moved first."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.admins import admins_only
from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.language import _, ngettext
from bot.domain.lost import LOSING_STAGES, reason_list, reasons_of, stored_list
from bot.domain.models import Change, EventKind, Kind, Record, Seen, User, stage_label, stages_for
from bot.domain.pipeline import (
    DEFAULT_PIPELINE,
    MAX_PIPELINES,
    MAX_STAGE_NAME,
    MAX_STAGES,
    PipelineStages,
    Stage,
    name_key,
    pipeline_name,
    stage_list,
    stage_of,
)
from bot.domain.rules import clean_text
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.people import UserCases
from bot.services.work import UnitOfWork


@dataclass(frozen=True)
class StageRow:
    """One row of a pipeline's edit form: the stage it was (None: a new one), its name and chance as typed."""

    was: str | None
    name: str
    probability: str


class PipelineDefinitionCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, people: UserCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.people = people

    def require_admin(self, actor: User) -> None:
        if not self.people.is_admin(actor):
            raise DomainError(admins_only(), "admin")

    # --- reading ---------------------------------------------------------------------------------

    def pipelines(self, tenant_id: str) -> list[PipelineStages]:
        """The default pipeline first, then the organisation's own."""
        return [DEFAULT_PIPELINE, *self.repo.pipelines.pipelines(tenant_id)]

    def pipeline(self, tenant_id: str, pipeline_id: int | None) -> PipelineStages:
        if pipeline_id is None:
            return DEFAULT_PIPELINE
        found = self.repo.pipelines.pipeline(tenant_id, pipeline_id)
        if found is None:
            raise NotFound(_("That pipeline no longer exists. Type pipelines to see them."), "pipeline")
        return found

    def stages_of(self, record: Record) -> tuple[str, ...]:
        """The stages a record may move to: a lead's, or its pipeline's (the default one's without a pipeline)."""
        if record.kind is Kind.LEAD or record.pipeline_id is None:
            return stages_for(record.kind)
        return self.pipeline(record.tenant_id, record.pipeline_id).stages

    def of_record(self, record: Record) -> PipelineStages:
        return self.pipeline(record.tenant_id, record.pipeline_id)

    def named(
        self, tenant_id: str, said: str, every: list[PipelineStages] | None = None
    ) -> tuple[PipelineStages | None, str]:
        """The pipeline whose name `said` starts with (the longest that fits), and the rest of it."""
        text = " ".join(clean_text(said).split())
        key = name_key(text)
        best: PipelineStages | None = None
        for pipeline in every if every is not None else self.pipelines(tenant_id):
            name = name_key(pipeline.name)
            if (key == name or key.startswith(name + " ")) and (best is None or len(name) > len(name_key(best.name))):
                best = pipeline
        if best is None:
            return None, text
        return best, text[len(best.name) :].strip()

    def by_name(self, tenant_id: str, said: str) -> PipelineStages:
        found, rest = self.named(tenant_id, said)
        if found is None or rest:
            names = ", ".join(p.name for p in self.pipelines(tenant_id))
            raise NotFound(
                _(
                    "Your organisation has no pipeline called “{name}”. Its pipelines: {names}.",
                    name=clean_text(said)[:60],
                    names=names,
                ),
                "pipeline",
            )
        return found

    # --- admins define them ----------------------------------------------------------------------

    def add_pipeline(self, actor: User, name: str, stages: str | list[StageRow]) -> PipelineStages:
        """A new pipeline: its name and its open stages, typed (`Due 30%, Quoted 60%`) or a form's rows."""
        self.require_admin(actor)
        errors: dict[str, str] = {}
        clean, parsed = "", tuple[Stage, ...]()
        try:
            clean = pipeline_name(name)
        except DomainError as exc:
            errors["name"] = exc.message
        if isinstance(stages, str):
            try:
                parsed = stage_list(stages)
            except DomainError as exc:
                errors["stages"] = exc.message
        else:
            parsed = self._stages(stages, errors)[0]
        if errors:
            raise Invalid(errors)
        with self.work.writing():
            self.repo.pipelines.lock_pipelines(actor.tenant_id)
            existing = self.pipelines(actor.tenant_id)
            self._name_free(existing, clean)
            if len(existing) >= MAX_PIPELINES:
                raise DomainError(
                    _("Your organisation has {n} pipelines, the most it may: delete one first.", n=MAX_PIPELINES),
                    "name",
                )
            pipeline_id = self.repo.pipelines.add_pipeline(actor.tenant_id, clean, parsed, actor.id, self.clock())
            return PipelineStages(pipeline_id, clean, parsed)

    @staticmethod
    def _stages(rows: list[StageRow], errors: dict[str, str]) -> tuple[tuple[Stage, ...], dict[str, str], list[str]]:
        """A form's rows -> the open stages, the stages renamed (old -> new) and those left blank (taken out)."""
        stages: list[Stage] = []
        renamed: dict[str, str] = {}
        dropped: list[str] = []
        for index, row in enumerate(rows):
            if not clean_text(row.name):
                if row.was:
                    dropped.append(row.was)
                elif clean_text(row.probability):
                    errors[f"stage_{index}"] = _("A stage's name is 1 to {n} characters.", n=MAX_STAGE_NAME)
                continue
            try:
                stage = stage_of(row.name, row.probability, f"stage_{index}", stages)
            except DomainError as exc:
                errors[f"stage_{index}"] = exc.message
                continue
            stages.append(stage)
            if row.was and row.was != stage.name:
                renamed[row.was] = stage.name
        if set(renamed) & set(renamed.values()):
            errors["stage_0"] = _("Swap two stages' names in two steps: rename one to a new name first.")
        if len(stages) > MAX_STAGES:
            errors["stage_0"] = _(
                "A pipeline can have at most {n} open stages (Won and Lost come after them).", n=MAX_STAGES
            )
        if not stages and not errors:
            errors["stage_0"] = _("A pipeline needs at least one open stage.")
        return tuple(stages), renamed, dropped

    @staticmethod
    def _name_free(existing: list[PipelineStages], name: str, but: int | None = None) -> None:
        if any(p.id != but and name_key(p.name) == name_key(name) for p in existing):
            raise DomainError(_("There is already a pipeline called “{name}”.", name=name), "name")

    def change_pipeline(
        self, actor: User, pipeline_id: int, name: str, rows: list[StageRow]
    ) -> tuple[PipelineStages, int]:
        """A pipeline's new name and stages: a stage renamed takes its deals along; a stage left blank goes, refused
        while deals are in it; a new row adds a stage. The pipeline afterwards, and the deals that moved with a
        renamed stage."""
        self.require_admin(actor)
        errors: dict[str, str] = {}
        clean = ""
        try:
            clean = pipeline_name(name)
        except DomainError as exc:
            errors["name"] = exc.message
        stages, renamed, dropped = self._stages(rows, errors)
        if errors:
            raise Invalid(errors)
        with self.work.writing():
            self.repo.pipelines.lock_pipelines(actor.tenant_id)
            current = self.pipeline(actor.tenant_id, pipeline_id)
            self._name_free(self.pipelines(actor.tenant_id), clean, but=pipeline_id)
            if any(was not in current.open_stages for was in (*renamed, *dropped)):
                raise DomainError(_("The pipeline changed while your form was open: nothing was saved. Open it again."))
            deals = self.repo.pipelines.deals_by_stage(actor.tenant_id, pipeline_id)
            busy = [stage for stage in dropped if deals.get(stage)]
            if busy:
                counts = ", ".join(f"{stage} ({deals[stage]})" for stage in busy)
                raise DomainError(
                    _(
                        "Deals are still in {stages}: move them to another stage first, or rename the stage instead.",
                        stages=counts,
                    )
                )
            moved = self.repo.pipelines.change_pipeline(
                actor.tenant_id, pipeline_id, clean, stages, renamed, self.clock()
            )
            return PipelineStages(pipeline_id, clean, stages), moved

    def delete_pipeline(self, actor: User, pipeline_id: int) -> PipelineStages:
        self.require_admin(actor)
        with self.work.writing():
            self.repo.pipelines.lock_pipelines(actor.tenant_id)
            pipeline = self.pipeline(actor.tenant_id, pipeline_id)
            deals = sum(self.repo.pipelines.deals_by_stage(actor.tenant_id, pipeline_id).values())
            if deals:
                raise DomainError(
                    ngettext(
                        "{name} still holds {n} deal (open, closed or archived): move it to another pipeline first (Change stage on its card, or move ‹ref› ‹pipeline›); nothing was deleted.",
                        "{name} still holds {n} deals (open, closed or archived): move them to another pipeline first (Change stage on each card, or move ‹ref› ‹pipeline›); nothing was deleted.",
                        deals,
                        name=pipeline.name,
                    )
                )
            self.repo.pipelines.delete_pipeline(actor.tenant_id, pipeline_id)
            return pipeline

    # --- moving a deal ---------------------------------------------------------------------------

    def move(
        self, actor: User, ref: str, pipeline_id: int | None, stage: str | None = None, seen: Seen = NOTHING_SEEN
    ) -> Change:
        """The opportunity into another pipeline, at `stage` (None: mapped: the same name, Won or Lost, else the
        open stage closest in chance); followers are told."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            if record.kind is not Kind.OPPORTUNITY:
                raise DomainError(_("Only an opportunity is in a pipeline; convert {ref} first.", ref=record.ref))
            before = self.of_record(record)
            target = self.pipeline(actor.tenant_id, pipeline_id)
            if target.key == before.key:
                raise DomainError(
                    _("{ref} is already in the {name} pipeline.", ref=record.ref, name=target.name), "pipeline"
                )
            if stage:
                landing = target.match(stage)
                if landing is None:
                    raise DomainError(
                        _("“{stage}” is not a stage of {name}. Choose one of: {stages}.", stage=clean_text(stage)[:40], name=target.name, stages=", ".join(stage_label(s) for s in target.stages)),
                        "stage",
                    )  # fmt: skip
            else:
                landing = target.mapped(record.stage, before.probability(record.stage) if record.is_open else None)
            old = f"{before.name}: {record.stage}"
            new = f"{target.name}: {landing}"
            event = self.changes.event(actor, record, EventKind.PIPELINE_CHANGED, old=old, new=new)
            changes: dict[str, object] = {"pipeline_id": target.id, "stage": landing}
            if landing not in LOSING_STAGES and record.lost_reason:
                changes |= {"lost_reason": None, "lost_note": None}
            self.changes.touch(record, **changes)
            moved = self.repo.records.get_record(actor.tenant_id, record.id)
            if moved is None:
                raise LookupError(f"record {record.id} vanished inside its own transaction")
            message = _(
                "{ref} moved to the {name} pipeline, stage {stage}.", ref=record.ref, name=target.name, stage=landing
            )
            return self.changes.changed(moved, (event,), message, seen)

    # --- lost reasons ------------------------------------------------------------------------------

    def lost_reasons(self, tenant_id: str) -> tuple[str, ...]:
        return reasons_of(self.repo.pipelines.lost_reasons(tenant_id))

    def set_lost_reasons(self, actor: User, said: str) -> tuple[str, ...]:
        """The organisation's list as an admin typed it (one a line or separated by commas); `default` restores
        the default list."""
        self.require_admin(actor)
        reasons = None if clean_text(said).casefold() in ("default", "reset") else reason_list(said)
        with self.work.writing():
            self.repo.pipelines.set_lost_reasons(actor.tenant_id, stored_list(reasons) if reasons else None)
        return self.lost_reasons(actor.tenant_id)
