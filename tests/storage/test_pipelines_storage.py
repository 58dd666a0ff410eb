"""Migration 28's stored totals on both engines: kept by pipeline and, for Lost, by reason, as deals are added,
moved between pipelines and stages, given a reason, archived and deleted, they always equal the records
counted afresh; each tenant's pipelines and fields are its own."""

from __future__ import annotations

import random

from bot.domain.fields import AppliesTo, FieldType
from bot.domain.models import Kind
from bot.domain.pipeline import Stage
from bot.domain.visibility import Reader
from storage.repository import Repository

NOW = "2026-12-01T10:00:00.000000Z"
COUNTED = (
    "SELECT tenant_id, COALESCE(pipeline_id, 0), stage, COALESCE(currency, ''), CASE WHEN stage = 'Lost'"
    " THEN COALESCE(lost_reason, '') ELSE '' END, count(*), COALESCE(sum(value), 0) FROM records"
    " WHERE kind = 'opportunity' AND archived_at IS NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
)
KEPT = (
    "SELECT tenant_id, pipeline_id, stage, currency, reason, sum(deals), sum(total_high) * 1000000000 + sum(total_low)"
    " FROM pipeline_totals"
    " WHERE deals > 0 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
)


def test_the_totals_follow_every_change_by_pipeline_and_reason(repo: Repository) -> None:
    rng = random.Random(31)
    with repo.transaction():
        repo.people.ensure_tenant("t", None, NOW)
        owner = repo.people.upsert_user("t", "29:o", "aad-o", "Owner", NOW).id
        renewals = repo.pipelines.add_pipeline("t", "Renewals", (Stage("Due", 30), Stage("Quoted", 60)), owner, NOW)
        ids = [
            repo.records.insert_record("t", Kind.OPPORTUNITY, f"Deal {i}", "Prospecting", owner, NOW, value=100 * i,
                                       currency=rng.choice(["EUR", "USD"]), close_date="2026-11-15").id
            for i in range(40)
        ]  # fmt: skip
    stages = {None: ["Prospecting", "Proposal", "Won", "Lost"], renewals: ["Due", "Quoted", "Won", "Lost"]}
    for _ in range(200):
        record_id = rng.choice(ids)
        pipeline = rng.choice([None, renewals])
        stage = rng.choice(stages[pipeline])
        reason = rng.choice([None, "Price", "Timing"]) if stage == "Lost" else None
        with repo.transaction():
            if rng.random() < 0.05:
                repo.details.update_record_fields("t", record_id, NOW, archived_at=NOW if rng.random() < 0.5 else None)
            else:
                repo.records.touch_record("t", record_id, NOW, pipeline_id=pipeline, stage=stage, lost_reason=reason)
    with repo.transaction():
        repo.db.execute("DELETE FROM records WHERE tenant_id = 't' AND id = ?", [ids[0]])
    counted = [tuple(r) for r in repo.db.execute(COUNTED).fetchall()]
    assert counted and [tuple(r) for r in repo.db.execute(KEPT).fetchall()] == counted
    definition = repo.pipelines.pipeline("t", renewals)
    assert definition is not None
    opened, closed, reasons = repo.pipeline.pipeline_totals(Reader("t", None), None, None, "2026-Q4", definition)
    in_renewals = [r for r in counted if r[1] == renewals]
    assert sum(t.deals for t in opened) == sum(r[5] for r in in_renewals if r[2] in ("Due", "Quoted"))
    assert sum(t.deals for t in closed) == sum(r[5] for r in in_renewals if r[2] in ("Won", "Lost"))
    assert dict(reasons) == {
        reason: sum(r[5] for r in in_renewals if r[2] == "Lost" and r[4] == reason)
        for reason in {r[4] for r in in_renewals if r[2] == "Lost"}
    }
    assert all(t.probability in (30, 60) for t in opened)


def test_pipelines_fields_and_lost_reasons_belong_to_their_tenant(repo: Repository) -> None:
    with repo.transaction():
        for tenant in ("a", "b"):
            repo.people.ensure_tenant(tenant, None, NOW)
        owner = repo.people.upsert_user("a", "29:o", "aad-o", "Owner", NOW).id
        pipeline = repo.pipelines.add_pipeline("a", "Renewals", (Stage("Due", 30),), owner, NOW)
        field = repo.fields.add_field("a", AppliesTo.RECORD, "Region", FieldType.CHOICE, ("EMEA",), owner, NOW)
        repo.pipelines.set_lost_reasons("a", '["Too dear"]')
    assert [p.name for p in repo.pipelines.pipelines("a")] == ["Renewals"] and repo.pipelines.pipelines("b") == []
    assert repo.pipelines.pipeline("b", pipeline) is None and repo.fields.field("b", field.id) is None
    assert [f.name for f in repo.fields.definitions("a")] == ["Region"] and repo.fields.definitions("b") == []
    assert repo.fields.fields_by_ids("b", [field.id]) == [] and repo.pipelines.lost_reasons("b") is None
    with repo.transaction():
        repo.fields.remove_field("a", field.id, NOW)
    assert repo.fields.definitions("a") == [] and repo.fields.field("a", field.id).removed_at == NOW  # type: ignore[union-attr]
