"""Our chart elements against Teams' documentation: docs/charts.md records the documented facts with their
sources (element names, required fields, each data point's keys); this test reads that table and checks
every chart of every pipeline card variant against it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import all_text, find
from tests.unit.pipeline_cards import pipeline_variants, with_fallbacks

ROOT = Path(__file__).resolve().parents[2]
# Learn: "fallback: An alternate element to render ... Allowed values: Container, ActionSet, ColumnSet, ..."
FALLBACK_TYPES = {"Container", "ActionSet", "ColumnSet", "FactSet", "TextBlock", "Table", "RichTextBlock", "Image"}


def documented() -> dict[str, dict[str, Any]]:
    """docs/charts.md's table: element -> required keys, data point keys (number keys), optional keys."""
    facts: dict[str, dict[str, Any]] = {}
    for line in (ROOT / "docs" / "charts.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("Chart."):
            continue
        data_keys = [k.strip() for k in cells[2].split(",")]
        facts[cells[0]] = {
            "required": {k.strip() for k in cells[1].split(",")},
            "data": {k.rstrip("#") for k in data_keys},
            "numbers": {k.rstrip("#") for k in data_keys if k.endswith("#")},
            "optional": {k.strip() for k in cells[3].split(",")},
        }
    return facts


def test_the_documented_table_is_read() -> None:
    facts = documented()
    assert {"Chart.VerticalBar", "Chart.Donut"} <= set(facts)
    assert facts["Chart.Donut"]["data"] == {"legend", "value"} and facts["Chart.VerticalBar"]["numbers"] == {"y"}


@pytest.mark.parametrize("name", list(pipeline_variants()))
def test_every_chart_has_a_documented_name_its_required_fields_and_a_fallback(name: str) -> None:
    facts = documented()
    card = pipeline_variants()[name]
    charts = find(card, "Chart.")
    if name != "pipeline, empty":
        assert charts, "the card draws charts"
    for chart in charts:
        kind = chart["type"]
        assert kind in facts, f"{kind} is not a documented Teams chart"
        fact = facts[kind]
        assert fact["required"] <= set(chart), (kind, fact["required"] - set(chart))
        assert set(chart) <= fact["required"] | fact["optional"], set(chart) - fact["required"] - fact["optional"]
        assert isinstance(chart["data"], list) and chart["data"]
        for point in chart["data"]:
            assert fact["data"] <= set(point) <= fact["data"] | {"color"}, point
            for key in fact["data"]:
                wanted = (int, float) if key in fact["numbers"] else str
                assert isinstance(point[key], wanted) and not isinstance(point[key], bool), (key, point)
        assert chart["fallback"]["type"] in FALLBACK_TYPES


def test_without_charts_the_fallbacks_carry_the_same_figures() -> None:
    card = pipeline_variants()["pipeline"]
    plain = with_fallbacks(card)
    assert find(plain, "Chart.") == []
    facts = [(f["title"], f["value"]) for fact_set in find(plain, "FactSet") for f in fact_set["facts"]]
    assert ("Proposal", "2 deals · 2,500.50 EUR · weighted 1,250.25 EUR") in facts
    assert ("Proposal", "1 deal · 700.00 USD · weighted 350.00 USD") in facts
    assert ("Negotiation", "1 deal · 90,000 JPY · weighted 72,000 JPY") in facts
    assert ("Won", "2 deals") in facts and ("Lost", "1 deal") in facts


def test_a_persons_name_is_escaped_once_on_the_card_and_on_the_list_behind_a_bar() -> None:
    from bot.domain.pipeline import PipelineScope
    from cards.common import plain as escape
    from cards.pipeline import scope_title
    from cards.records import record_list_card
    from tests.conftest import all_text

    assert f"{escape('Alice *Owner*')}'s pipeline" in all_text(pipeline_variants()["pipeline, mine this quarter"])
    scope = PipelineScope(1, "Alice *Owner*", "mine")
    listed = all_text(record_list_card(f"Proposal: {scope_title(scope, escaped=False)}", [], "none"))
    assert f"Proposal: {escape('Alice *Owner*')}'s pipeline" in listed


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed to run Microsoft's Adaptive Cards library")
def test_a_client_that_cannot_draw_charts_shows_exactly_their_fallbacks() -> None:
    """What an older or mobile client shows (open reports that charts do not render on Teams iOS: docs/charts.md):
    Adaptive Cards' `fallback` "describes what to do when an unknown element is encountered"
    (https://learn.microsoft.com/en-us/adaptive-cards/schema-explorer/fact-set). Microsoft's own renderer
    library, which knows no Chart.*, is that client here: it keeps each chart's fallback in the chart's place,
    and the card it ends up with is the one our `with_fallbacks` walk builds, the figures included."""
    cards = pipeline_variants()
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "validate_cards.js"), "--as-rendered"],
        input=json.dumps(list(cards.values())), capture_output=True, text=True, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    for (name, card), shown in zip(cards.items(), json.loads(result.stdout), strict=True):
        assert find(shown, "Chart.") == [], name
        assert all_text(shown) == all_text(with_fallbacks(card)), name
    shown = json.loads(result.stdout)[0]
    assert "Proposal: 2 deals · 2,500.50 EUR · weighted 1,250.25 EUR" in all_text(shown)
    assert "Won: 2 deals" in all_text(shown) and "Open opportunities by stage, EUR" in all_text(shown)
