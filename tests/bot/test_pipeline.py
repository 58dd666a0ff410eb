"""`pipeline` through HTTP as Teams sends it: the chart card's figures for a seeded tenant, computed here
independently from the seed (in Decimal, from the documented stage probabilities), its filters, the
records behind each bar, another tenant's deals never counted, and bad input changing nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.models import Kind
from cards import verbs
from cards.pipeline import CHART_LABELS
from tests.bot.test_follow_news import Clock
from tests.conftest import ALICE, BOB, FAST, MALLORY, TENANT, Person, Teams, all_text, find

NOW = "2026-12-01T10:00:00.000000Z"  # a Tuesday in Q4 2026
# The probabilities docs/usage.md "The pipeline" documents, typed here again on purpose.
DOCUMENTED = {"Prospecting": 10, "Proposal": 50, "Negotiation": 80}
DECIMALS = {"EUR": 2, "USD": 2, "JPY": 0}

# owner, title, stage, value, currency, close date
DEALS: list[tuple[Person, str, str, str | None, str | None, str | None]] = [
    (ALICE, "Alpha one", "Prospecting", "1000", "EUR", "2026-12-15"),
    (ALICE, "Alpha two", "Proposal", "2500.50", "EUR", "2027-01-20"),
    (ALICE, "Alpha three", "Negotiation", "333.33", "EUR", "2026-11-30"),
    (ALICE, "Alpha dollars", "Proposal", "700", "USD", "2026-10-05"),
    (BOB, "Bravo one", "Proposal", "1200.25", "EUR", "2027-02-01"),
    (BOB, "Bravo yen", "Negotiation", "90000", "JPY", "2026-12-31"),
    (BOB, "Bravo bare", "Prospecting", None, None, None),
    (ALICE, "Won here", "Won", "5000", "EUR", "2026-11-02"),
    (BOB, "Won dollars", "Won", "800", "USD", "2026-10-10"),
    (ALICE, "Lost here", "Lost", "400", "EUR", "2026-12-01"),
    (ALICE, "Lost last quarter", "Lost", "999", "EUR", "2026-09-30"),
]
ARCHIVED = (ALICE, "Put away", "Proposal", "100000", "EUR", "2026-12-01")


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: Clock) -> Teams:
    fake, service_url = connector
    return Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock)), fake, service_url)


async def seed(teams: Teams) -> None:
    await teams.text(BOB, "help")  # Bob has talked to the bot: a colleague it can name
    for number, (person, title, stage, value, currency, close) in enumerate([*DEALS, ARCHIVED], start=1):
        ref = f"O-{number}"
        assert f"{ref} · Opportunity" in all_text(await teams.card(person, f"new opportunity {title}"))
        if value:
            await teams.card(person, f"value {ref} {value} {currency}")
        if close:
            await teams.card(person, f"close {ref} {close}")
        if stage != "Prospecting":
            assert f"Stage: {stage}" in all_text(await teams.card(person, f"stage {ref} {stage}"))
    await teams.card(ALICE, f"archive O-{len(DEALS) + 1}")
    await teams.card(ALICE, "new lead Not a deal")
    await teams.card(ALICE, "value L-1 123456 EUR")
    await teams.card(MALLORY, "new opportunity Elsewhere")
    await teams.card(MALLORY, "value O-1 777777 EUR")
    await teams.card(MALLORY, "stage O-1 proposal")


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.{DECIMALS[currency]}f} {currency}"


def expected(deals: Iterable[tuple[Person, str, str, str | None, str | None, str | None]]) -> dict[str, Any]:
    """Per currency and open stage: deals, total, weighted; and the quarter's won and lost counts."""
    open_by: dict[str, dict[str, list[Decimal]]] = {}
    counts = {s: 0 for s in DOCUMENTED}
    closed = {"Won": 0, "Lost": 0}
    for _person, _title, stage, value, currency, close in deals:
        if stage in DOCUMENTED:
            counts[stage] += 1
            if value and currency:
                open_by.setdefault(currency, {}).setdefault(stage, []).append(Decimal(value))
        elif close and "2026-10-01" <= close <= "2026-12-31":
            closed[stage] += 1
    figures: dict[str, Any] = {"counts": counts, "closed": closed, "currencies": {}}
    for currency, stages in open_by.items():
        unit = Decimal(1).scaleb(-DECIMALS[currency])
        rows = {
            stage: (len(values), sum(values, Decimal(0)), (sum(values, Decimal(0)) * DOCUMENTED[stage] / 100))
            for stage, values in stages.items()
        }
        rows = {s: (n, t, w.quantize(unit, rounding=ROUND_HALF_UP)) for s, (n, t, w) in rows.items()}
        figures["currencies"][currency] = rows
    return figures


def check_card(card: dict[str, Any], figures: dict[str, Any]) -> None:
    text = all_text(card)
    charts = {c["yAxisTitle"]: c for c in find(card, "Chart.VerticalBar")}
    assert set(charts) == set(figures["currencies"])
    for currency, rows in figures["currencies"].items():
        bars = {d["x"]: d["y"] for d in charts[currency]["data"]}
        for stage in DOCUMENTED:
            n, total, _ = rows.get(stage, (0, Decimal(0), Decimal(0)))
            shown = CHART_LABELS.get(stage, stage)  # a short name that fits under its bar
            assert bars[shown] == pytest.approx(float(total)), (currency, stage)
        deals = sum(n for n, _, _ in rows.values())
        total = sum((t for _, t, _ in rows.values()), Decimal(0))
        weighted = sum((w for _, _, w in rows.values()), Decimal(0))
        assert f"Open: {deals} deal" in text
        assert f"Total: {money(total, currency)}" in text, text
        assert f"Weighted: {money(weighted, currency)}" in text, text
        for stage, (n, total, weight) in rows.items():  # the fallback table says the same
            assert (
                f"{stage}: {n} deal{'s' if n != 1 else ''} · {money(total, currency)} · weighted {money(weight, currency)}"
                in text
            )
    buttons = [b["title"] for b in find(card, "Action.Execute") if b["verb"] == verbs.RUN_COMMAND]
    assert buttons == [f"{s} ({n})" for s, n in figures["counts"].items() if n]
    donuts = find(card, "Chart.Donut")
    if any(figures["closed"].values()):
        [donut] = donuts
        assert {d["legend"]: d["value"] for d in donut["data"]} == figures["closed"]
        assert "Won vs lost, Q4 2026" in text
    else:
        assert donuts == []


def mine(person: Person) -> list[tuple[Person, str, str, str | None, str | None, str | None]]:
    return [d for d in DEALS if d[0] == person]


def closing(first: str, last: str) -> list[tuple[Person, str, str, str | None, str | None, str | None]]:
    return [d for d in DEALS if d[2] not in DOCUMENTED or (d[5] and first <= d[5] <= last)]


async def test_the_pipeline_card_shows_every_figure_right_for_everyone_and_for_each_filter(teams: Teams) -> None:
    await seed(teams)
    card = await teams.card(ALICE, "pipeline")
    assert "The team's pipeline" in all_text(card)
    check_card(card, expected(DEALS))
    check_card(await teams.card(ALICE, "pipeline mine"), expected(mine(ALICE)))
    bobs = await teams.card(ALICE, "pipeline bob@contoso.example")
    assert "Bob Follower's pipeline" in all_text(bobs)
    check_card(bobs, expected(mine(BOB)))
    check_card(await teams.card(BOB, "pipeline Alice Owner"), expected(mine(ALICE)))
    this = await teams.card(ALICE, "pipeline this quarter")
    assert "closing in Q4 2026 (01 Oct – 31 Dec 2026)" in all_text(this)
    check_card(this, expected(closing("2026-10-01", "2026-12-31")))
    check_card(await teams.card(ALICE, "pipeline next quarter"), expected(closing("2027-01-01", "2027-03-31")))
    both = await teams.card(ALICE, "pipeline mine next quarter")
    check_card(both, expected([d for d in closing("2027-01-01", "2027-03-31") if d[0] == ALICE]))
    assert "deal without a value yet" in all_text(card) and "Weighted by the chance each stage closes" in all_text(card)


async def test_the_buttons_list_the_deals_behind_each_bar_with_the_cards_filters(teams: Teams) -> None:
    await seed(teams)
    card = await teams.card(ALICE, "pipeline mine")
    [proposal] = [b for b in find(card, "Action.Execute") if b["title"].startswith("Proposal")]
    assert proposal["verb"] == verbs.RUN_COMMAND
    command = proposal["data"]["command"]
    assert command == "pipeline list Proposal mine"
    listed = all_text(await teams.card(ALICE, command))
    assert "Alpha two" in listed and "Alpha dollars" in listed
    assert "Bravo one" not in listed and "Put away" not in listed and "Elsewhere" not in listed
    everyone = all_text(await teams.card(BOB, "pipeline list proposal next quarter"))
    assert "Alpha two" in everyone and "Bravo one" in everyone and "Alpha dollars" not in everyone


async def test_another_tenants_deals_are_never_counted(teams: Teams) -> None:
    await seed(teams)
    text = all_text(await teams.card(ALICE, "pipeline"))
    assert "777,777" not in text and "100,000" not in text and "123,456" not in text
    theirs = await teams.card(MALLORY, "pipeline")
    check_card(theirs, expected([(MALLORY, "Elsewhere", "Proposal", "777777", "EUR", None)]))
    refused = await teams.text(MALLORY, "pipeline alice@contoso.example")
    assert "I can't find a colleague “alice@contoso.example”" in refused


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(teams: Teams) -> None:
    await seed(teams)
    before = all_text(await teams.card(ALICE, "pipeline"))
    refused = await teams.text(ALICE, "pipeline nobody")
    assert "I can't find a colleague “nobody” in your organisation" in refused
    assert "is not a stage of opportunities" in await teams.text(ALICE, "pipeline list Thinking")
    personal = await teams.text(ALICE, "pipeline weekly here")
    assert "goes to a team channel" in personal
    assert "Try: pipeline weekly here" in await teams.text(ALICE, "pipeline weekly sometimes")
    rows = teams.services.repo.db.execute("SELECT count(*) FROM weekly_posts").fetchone()[0]
    assert rows == 0
    markdown = await teams.text(ALICE, "pipeline **bold** [x](http://evil.example)")
    assert "I can't find a colleague" in markdown
    assert all_text(await teams.card(ALICE, "pipeline")) == before


async def test_the_totals_follow_every_change_to_a_deal(teams: Teams) -> None:
    """The stored totals move with value, currency, stage, owner, close date, archive and restore."""
    await teams.text(BOB, "help")
    await teams.card(ALICE, "new opportunity Moving")
    await teams.card(ALICE, "value O-1 100 EUR")
    await teams.card(ALICE, "close O-1 2026-12-01")
    deal = [ALICE, "Moving", "Prospecting", "100", "EUR", "2026-12-01"]
    check_card(await teams.card(ALICE, "pipeline"), expected([tuple(deal)]))  # type: ignore[list-item]
    steps: list[tuple[str, int, str]] = [
        ("value O-1 250.75 USD", 3, "250.75"),
        ("stage O-1 negotiation", 2, "Negotiation"),
        ("close O-1 2027-01-15", 5, "2027-01-15"),
    ]
    for command, index, new in steps:
        await teams.card(ALICE, command)
        deal[index] = new
        if index == 3:
            deal[4] = "USD"
        check_card(await teams.card(ALICE, "pipeline"), expected([tuple(deal)]))  # type: ignore[list-item]
    check_card(await teams.card(ALICE, "pipeline next quarter"), expected([tuple(deal)]))  # type: ignore[list-item]
    await teams.card(ALICE, "owner O-1 bob@contoso.example")
    check_card(await teams.card(ALICE, "pipeline mine"), expected([]))
    check_card(await teams.card(BOB, "pipeline mine"), expected([tuple(deal)]))  # type: ignore[list-item]
    await teams.card(BOB, "archive O-1")
    check_card(await teams.card(ALICE, "pipeline"), expected([]))
    await teams.card(BOB, "restore O-1")
    check_card(await teams.card(ALICE, "pipeline"), expected([tuple(deal)]))  # type: ignore[list-item]
    await teams.card(BOB, "stage O-1 won")
    won = all_text(await teams.card(ALICE, "pipeline"))
    assert "No deal won or lost with a close date in Q4 2026 yet." in won  # it closes in Q1 2027
    assert TENANT


async def test_many_deals_at_the_largest_value_sum_exactly_on_either_engine(teams: Teams) -> None:
    """922 deals of 999,999,999,999.9999 CLF (the largest value; CLF has 4 decimals) fill a 64-bit integer
    to its last deal; two owners' and one more deal overflow it. Every sum stays exact."""
    await teams.text(ALICE, "help")
    await teams.text(BOB, "help")
    repo = teams.services.repo
    largest = 10**16 - 1  # minor units of 999,999,999,999.9999 CLF
    owners = [repo.people.find_user(TENANT, person.teams_id, None) for person in (ALICE, BOB)]
    with repo.transaction():
        for owner in owners:
            assert owner is not None
            for i in range(922):
                repo.records.insert_record(
                    TENANT, Kind.OPPORTUNITY, f"Big {owner.id}-{i}", "Prospecting", owner.id, NOW,
                    value=largest, currency="CLF",
                )  # fmt: skip
    assert "O-1845 · Opportunity" in all_text(await teams.card(ALICE, "new opportunity One more"))
    too_large = await teams.text(ALICE, "value O-1845 1000000000000 KWD")
    assert "too large for a deal's value (at most 999,999,999,999)" in too_large
    # CLF is a fund code, refused as a new value since (bot/domain/money.py); one stored before is still summed.
    one_more = teams.services.records.get_record(TENANT, "O-1845")
    with repo.transaction():  # through the triggers' update path
        repo.details.update_record_fields(TENANT, one_more.id, NOW, value=largest, currency="CLF")
    total = Decimal(1845) * Decimal("999999999999.9999")
    weighted = (total / 10).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    text = all_text(await teams.card(ALICE, "pipeline"))
    assert f"Total: {total:,.4f} CLF" in text and f"Weighted: {weighted:,.4f} CLF" in text, text
    mine = Decimal(923) * Decimal("999999999999.9999")
    assert f"Total: {mine:,.4f} CLF" in all_text(await teams.card(ALICE, "pipeline mine"))
