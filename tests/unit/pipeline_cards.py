"""Pipeline cards built from plain figures (no bot): the variants the card tests check, and the walk that
puts each Teams chart's `fallback` in its place (what a client that cannot draw charts shows)."""

from __future__ import annotations

import copy
from typing import Any

from bot.domain.pipeline import Pipeline, PipelineScope, PipelineStages, Quarter, Stage, StageTotal
from cards.common import Card
from cards.pipeline import pipeline_card

Q4 = Quarter(2026, 4)
OPEN = (
    StageTotal("Prospecting", "EUR", 3, 1_000_00),
    StageTotal("Proposal", "EUR", 2, 2_500_50),
    StageTotal("Negotiation", "EUR", 1, 333_33),
    StageTotal("Proposal", "USD", 1, 700_00),
    StageTotal("Negotiation", "JPY", 1, 90_000),
    StageTotal("Prospecting", "", 2, 0),
)
CLOSED = (StageTotal("Won", "EUR", 2, 5_000_00), StageTotal("Lost", "EUR", 1, 400_00))
RENEWALS = PipelineStages(2, "Renewals", (Stage("Due", 30), Stage("Quoted", 60)))
RENEWALS_OPEN = (StageTotal("Due", "EUR", 2, 1_000_00, 30), StageTotal("Quoted", "EUR", 1, 500_00, 60))
MANY = tuple(StageTotal("Proposal", code, 1, 100) for code in ("CHF", "GBP", "SEK", "NOK", "DKK", "PLN", "CZK"))


def pipeline_variants() -> dict[str, Card]:
    team = PipelineScope()
    mine = PipelineScope(1, "Alice *Owner*", "mine", Q4, "this quarter")
    return {
        "pipeline": pipeline_card(Pipeline(team, Q4, OPEN, CLOSED, "EUR"), "en-US", "Saved."),
        "pipeline, mine this quarter": pipeline_card(Pipeline(mine, Q4, OPEN[:2], (), "EUR"), "de-DE"),
        "pipeline, empty": pipeline_card(Pipeline(team, Q4, (), (), None)),
        "pipeline, many currencies": pipeline_card(Pipeline(team, Q4, OPEN + MANY, CLOSED, "EUR")),
        "pipeline of its own, lost by reason": pipeline_card(
            Pipeline(team, Q4, RENEWALS_OPEN, CLOSED, "EUR", RENEWALS, (("Price", 2), ("", 1)), ("Sales",))
        ),
    }


def with_fallbacks(card: Any) -> Any:
    """The card as a client without charts renders it: every `Chart.*` element replaced by its fallback."""

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Chart."):
                return swap(node["fallback"])
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    return swap(copy.deepcopy(card))
