"""The cards of issue 31 (custom fields, pipelines, lost reasons) are valid Adaptive Cards 1.5 (Microsoft's own
library), stay small at their largest, and show what people typed as literal text."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest

from bot.domain.fields import AppliesTo, CustomField, FieldType, FieldValue
from bot.domain.lost import DEFAULT_REASONS
from bot.domain.models import Kind
from bot.domain.pipeline import DEFAULT_PIPELINE, PipelineStages, Stage
from cards.common import CARD_BUDGET, Card, size_of
from cards.detail_forms import details_form, details_values, fields_form
from cards.fields import field_add_form, field_facts, field_manage_form, field_remove_confirm, fields_card
from cards.forms import stage_form
from cards.pipelines import lost_reasons_form, move_choices, pipeline_form, pipeline_values, pipelines_card
from cards.records import record_card
from tests.conftest import all_text
from tests.unit.test_cards import OWNER, ROOT, TEAMS_EXTENSIONS, view

LONG = tuple(f"{'Option' * 9} {n}" for n in range(50))
FIELDS = [
    CustomField(i, "t", AppliesTo.RECORD, f"Field *{i}* {'n' * 30}", kind, LONG if kind is FieldType.CHOICE else ())
    for i, kind in enumerate([*FieldType] * 8, start=1)
][:50]
RENEWALS = PipelineStages(2, "Renewals [x](http://evil)", (Stage("Due", 30), Stage("Quoted", 60)))


def lost(kind: Kind = Kind.OPPORTUNITY) -> object:
    base = view()
    record = replace(base.record, kind=kind, stage="Lost" if kind is Kind.OPPORTUNITY else "Disqualified")
    return replace(base, record=record, lost_reasons=DEFAULT_REASONS)


def crowded() -> object:
    texts = [CustomField(100 + f.id, "t", AppliesTo.RECORD, f.name, FieldType.TEXT) for f in FIELDS]
    values = tuple(FieldValue(f, "x" * 500) for f in texts)
    base = view(60, 60)
    record = replace(base.record, pipeline_id=2, pipeline_name="Renewals", lost_reason="Other", lost_note="*quiet*")
    return replace(base, record=record, custom=values)


def cards() -> dict[str, Card]:
    v = view()
    return {
        "fields, admin": fields_card(FIELDS, admin=True, message="Saved."),
        "fields, none, not admin": fields_card([], admin=False),
        "add field refused": field_add_form({"name": "Title"}, {"name": "built-in"}, "No"),
        "rename or remove": field_manage_form(FIELDS, {"field": "1"}, {"new_name": "x"}),
        "remove confirm": field_remove_confirm(FIELDS[0]),
        "edit details with 50 fields": details_form(v, details_values(v, "EUR"), fields=FIELDS),
        "more fields page": fields_form(v, FIELDS, 3, {}, {"field_4": "bad"}),
        "record with 50 fields, a pipeline, a reason": record_card(crowded(), viewer_id=1),  # type: ignore[arg-type]
        "lost without a reason": record_card(lost(), viewer_id=1),  # type: ignore[arg-type]
        "disqualified without a reason": record_card(lost(Kind.LEAD), viewer_id=1),  # type: ignore[arg-type]
        "stage form with reasons and moves": stage_form(
            v,
            {"lost_reason": "x"},
            stages=DEFAULT_PIPELINE.stages,
            reasons=DEFAULT_REASONS,
            moves=move_choices(DEFAULT_PIPELINE, [RENEWALS], "Proposal", True),
        ),
        "pipelines, admin": pipelines_card([DEFAULT_PIPELINE, RENEWALS], DEFAULT_REASONS, admin=True, message="Saved."),
        "pipelines, not admin": pipelines_card([DEFAULT_PIPELINE], ("Too dear",), admin=False),
        "new pipeline": pipeline_form(None, {"name": "x"}, {"stage_1": "bad"}),
        "change a pipeline": pipeline_form(RENEWALS, pipeline_values(RENEWALS)),
        "lost reasons": lost_reasons_form(DEFAULT_REASONS, errors={"reasons": "x"}),
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed to run Microsoft's Adaptive Cards library")
def test_the_cards_are_valid_adaptive_cards_1_5() -> None:
    found = cards()
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "validate_cards.js")], input=json.dumps(list(found.values())),
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    problems = dict(zip(found, json.loads(result.stdout), strict=True))
    real = {name: [p for p in seen if p not in TEAMS_EXTENSIONS] for name, seen in problems.items()}
    assert {name: seen for name, seen in real.items() if seen} == {}


def test_every_card_stays_within_the_budget_at_its_largest() -> None:
    assert {name: size_of(card) for name, card in cards().items() if size_of(card) > CARD_BUDGET} == {}


def test_what_people_typed_is_shown_as_literal_text() -> None:
    text = all_text(cards()["record with 50 fields, a pipeline, a reason"])
    assert "Field \\*1\\* " in text and "Lost reason: Other: \\*quiet\\*" in text and "Pipeline: Renewals" in text
    assert "[x](http://evil)" not in all_text(cards()["pipelines, admin"])
    facts = field_facts(crowded().custom)  # type: ignore[attr-defined]
    assert "more fields: Edit details" in json.dumps(facts)
    assert OWNER.name in all_text(cards()["lost without a reason"]) and "Why was it lost?" in all_text(
        cards()["lost without a reason"]
    )
    assert "Why was it disqualified?" in all_text(cards()["disqualified without a reason"])
