"""The pipeline card: per currency a Teams bar chart of open opportunities by stage (value, with the deal
count in each bar's label) beside its totals as text, a donut of the quarter's won vs lost deals, and
buttons that list the deals behind each bar. Every chart carries a `fallback` (a title and a FactSet) for
clients that cannot draw charts; the chart elements themselves are Teams' (docs/charts.md)."""

from __future__ import annotations

from bot.domain.language import N_, _, current, day, ngettext, translated
from bot.domain.lost import reason_shown
from bot.domain.models import stage_label
from bot.domain.money import as_decimal, format_money
from bot.domain.pipeline import CLOSED_STAGES, Pipeline, PipelineScope, StageTotal
from cards.common import Card, action_set, beside, card, command_button, facts, heading, plain, subtle, text
from cards.elements import (
    Action,
    BarDatum,
    ChartDonut,
    ChartHorizontalBar,
    ChartVerticalBar,
    Container,
    Element,
)

MAX_CHARTS = 3  # currencies drawn as charts; others get a line of text each (a card stays small)
# Each open stage's name under its bar, where about 8 characters fit: Teams' chart renderer (the Playground's too)
# draws each bar's group 64 px wide whatever the card's width and cuts a longer label with "…". The buttons and the
# fallback name every stage in full.
CHART_LABELS = {"Prospecting": N_("Prospect"), "Negotiation": N_("Negotiate")}


def scope_title(scope: PipelineScope, escaped: bool = True) -> str:
    """`escaped=False` for a caller that escapes the whole title itself (a list card's heading)."""
    name = plain(scope.owner_name) if escaped else scope.owner_name
    whose = _("{name}'s pipeline", name=name) if scope.owner_id is not None else _("The team's pipeline")
    if scope.quarter is not None:
        first, last = scope.quarter.first_day, scope.quarter.last_day
        if current().language == "en":
            span = f"{first:%d %b} – {last:%d %b %Y}"
        else:
            span = f"{day(first.isoformat())} – {day(last.isoformat())}"
        whose = _("{pipeline}, closing in {quarter} ({span})", pipeline=whose, quarter=scope.quarter.label, span=span)
    return whose


def _deals(n: int) -> str:
    return ngettext("{count} deal", "{count} deals", n, count=current().number(n))


def _stage_fact(row: StageTotal | None, stage: str, locale: str | None) -> tuple[str, str]:
    if row is None:
        return stage_label(stage), _("none")
    money = format_money(row.total, row.currency, locale)
    weighted = format_money(row.weighted, row.currency, locale)
    return stage_label(stage), _(
        "{deals} · {money} · weighted {weighted}", deals=_deals(row.deals), money=money, weighted=weighted
    )


def open_chart(pipeline: Pipeline, currency: str, locale: str | None) -> ChartVerticalBar:
    """Bars labelled with the stage's name alone and no figure over each bar, so that a narrow chat (the
    Playground's, a phone's) fits them: the axis writes amounts compactly (48k), the deal counts are on the
    buttons, the exact amounts in the totals beneath and in the fallback."""
    rows = pipeline.by_currency(currency)
    stages = pipeline.definition.open_stages
    data: list[BarDatum] = []
    for stage in stages:
        row = rows.get(stage)
        label = translated(CHART_LABELS[stage]) if stage in CHART_LABELS else stage_label(stage)
        data.append({"x": label, "y": float(as_decimal(row.total if row else 0, currency))})
    title = _("Open opportunities by stage, {currency}", currency=currency)
    fallback: Container = {
        "type": "Container",
        "items": [
            text(title, weight="Bolder"),
            facts([_stage_fact(rows.get(stage), stage, locale) for stage in stages]),
        ],
    }
    return {
        "type": "Chart.VerticalBar",
        "title": title,
        "yAxisTitle": currency,
        "data": data,
        "fallback": fallback,
    }


def currency_totals(pipeline: Pipeline, currency: str, locale: str | None) -> list[Element]:
    rows = list(pipeline.by_currency(currency).values())
    total = sum(r.total for r in rows)
    weighted = sum(r.weighted for r in rows)
    return [
        text(f"**{currency}**", spacing="None"),
        text(_("Open: {deals}", deals=_deals(sum(r.deals for r in rows))), spacing="None"),
        text(_("Total: {money}", money=format_money(total, currency, locale)), spacing="None"),
        text(_("Weighted: {money}", money=format_money(weighted, currency, locale)), spacing="None"),
    ]


def won_lost_chart(pipeline: Pipeline, locale: str | None) -> ChartDonut:
    quarter = pipeline.this_quarter.label
    counts = {stage: pipeline.deals_in(stage, pipeline.closed) for stage in CLOSED_STAGES}
    title = _("Won vs lost, {quarter}", quarter=quarter)
    fallback: Container = {
        "type": "Container",
        "items": [
            text(title, weight="Bolder"),
            facts([(stage_label(stage), _deals(counts[stage])) for stage in CLOSED_STAGES]),
        ],
    }
    return {
        "type": "Chart.Donut",
        "title": title,
        "data": [{"legend": stage_label(stage), "value": counts[stage]} for stage in CLOSED_STAGES],
        "fallback": fallback,
    }


def won_lost_totals(pipeline: Pipeline, locale: str | None) -> list[Element]:
    lines: list[Element] = []
    for stage in CLOSED_STAGES:
        rows = [r for r in pipeline.closed if r.stage == stage]
        amounts = ", ".join(format_money(r.total, r.currency, locale) for r in rows if r.currency)
        line = f"{stage_label(stage)}: {_deals(sum(r.deals for r in rows))}" + (f" · {amounts}" if amounts else "")
        lines.append(text(line, spacing="None"))
    return lines


def lost_reasons_chart(pipeline: Pipeline) -> ChartHorizontalBar:
    """The quarter's lost deals by the reason they were given (those given none as such)."""
    quarter = pipeline.this_quarter.label
    rows = [(reason_shown(r) if r else _("no reason given"), n) for r, n in pipeline.lost_by_reason]
    title = _("Why deals were lost, {quarter}", quarter=quarter)
    fallback: Container = {
        "type": "Container",
        "items": [text(title, weight="Bolder"), facts([(plain(r), _deals(n)) for r, n in rows])],
    }
    return {
        "type": "Chart.HorizontalBar",
        "title": title,
        "data": [{"x": r, "y": float(n)} for r, n in rows],
        "fallback": fallback,
    }


def pipeline_card(pipeline: Pipeline, locale: str | None = None, message: str = "") -> Card:
    scope = pipeline.scope
    definition = pipeline.definition
    heading_text = (
        _("Pipeline")
        if definition.is_default and not pipeline.others
        else _("Pipeline: {name}", name=plain(definition.name))
    )
    body: list[Element] = [heading(heading_text), subtle(scope_title(scope))]
    if message:
        body.append(text(plain(message), color="Good", weight="Bolder"))
    currencies = pipeline.currencies()
    if not pipeline.open:
        body.append(text(_("No open opportunities here yet. Try: new opportunity ‹title›")))
    for currency in currencies[:MAX_CHARTS]:  # each chart across the card, its totals beneath: bars and axis fit
        body += [open_chart(pipeline, currency, locale), *currency_totals(pipeline, currency, locale)]
    for currency in currencies[MAX_CHARTS:]:
        rows = list(pipeline.by_currency(currency).values())
        total = format_money(sum(r.total for r in rows), currency, locale)
        weighted = format_money(sum(r.weighted for r in rows), currency, locale)
        deals = _deals(sum(r.deals for r in rows))
        line = _("{deals} · {money} · weighted {weighted}", deals=deals, money=total, weighted=weighted)
        body.append(text(f"{currency}: {line}"))
    unvalued = sum(r.deals for r in pipeline.open if not r.currency)
    if unvalued:
        body.append(
            subtle(
                _(
                    "{deals} without a value yet (counted in the buttons below, not in the totals).",
                    deals=_deals(unvalued),
                )
            )
        )
    if pipeline.closed:
        body.append(beside([won_lost_chart(pipeline, locale)], won_lost_totals(pipeline, locale)))
    else:
        quarter = pipeline.this_quarter.label
        body.append(text(_("No deal won or lost with a close date in {quarter} yet.", quarter=quarter)))
    if any(reason for reason, _n in pipeline.lost_by_reason):
        body.append(lost_reasons_chart(pipeline))
    weights = ", ".join(f"{stage_label(stage)} {definition.probability(stage)}%" for stage in definition.open_stages)
    body.append(subtle(_("Weighted by the chance each stage closes: {weights}.", weights=weights)))
    buttons: list[Action] = []
    listing = "pipeline list" if definition.is_default else f"pipeline {definition.name} list"
    for stage in definition.open_stages:
        count = pipeline.deals_in(stage)
        if count:
            command = " ".join(w for w in (listing, stage, scope.words) if w)
            buttons.append(command_button(f"{stage_label(stage)} ({current().number(count)})", command))
    if buttons:
        body.append(action_set(buttons))
    if pipeline.others:
        others: list[Action] = [
            command_button(name, " ".join(w for w in ("pipeline", name, scope.words) if w))
            for name in pipeline.others[:5]
        ]
        body += [subtle(_("The organisation's other pipelines:")), action_set(others)]
    return card(body)
