"""Issue 31's bad input through HTTP, on both engines: each gets a clear sentence and nothing is half-written
(a field named like a built-in one, a 51st field, a choice not in the list, a number given `abc` or `1e309`, a
field removed while a form still shows it, a pipeline deleted while deals are in it, a lost reason not in the
list); and the card budget: a record with 50 fields full of long values stays under Teams' size, and Edit
details with 50 long choice lists reaches every field through its More fields pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.models import User
from tests.bot.test_follow_news import Clock
from tests.conftest import ALICE, BOB, FAST, MALLORY, CardInHand, Person, Teams, all_text, find

NOW = "2026-12-01T10:00:00.000000Z"
BUDGET = 28 * 1024  # Teams' limit for a card, the message around it included (tests/bot/test_card_budgets.py)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config) -> Teams:
    fake, service_url = connector
    return Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=Clock(NOW))), fake, service_url)


def user(teams: Teams, person: Person) -> User:
    return teams.services.people.record_user(person.tenant_id, person.teams_id, person.aad_object_id, person.name, None)


def stored(teams: Teams, ref: str = "O-1") -> tuple[str, str | None, str]:
    record = teams.services.records.get_record(ALICE.tenant_id, ref)
    return record.title, record.custom, record.stage


def size(node: Any) -> int:
    return len(json.dumps(node).encode())


@pytest.fixture
async def region(teams: Teams) -> Teams:
    """Alice (the organisation's first person: its admin) added Region and Seats; Bob has O-1."""
    await teams.text(ALICE, "help")
    await teams.card(ALICE, "field add opportunity Region choice EMEA, Americas, APAC")
    await teams.card(ALICE, "field add opportunity Seats number")
    await teams.card(BOB, "new opportunity Acme renewal")
    return teams


async def test_a_field_named_like_a_built_in_one_or_another_field_is_refused(region: Teams) -> None:
    for said, answer in (
        ("field add opportunity Title text", "“Title” is already a built-in field: give your field another name."),
        ("field add record close  date date", "“close date” is already a built-in field"),
        ("field add record region text", "There is already a field called “Region” on opportunities."),
        ("field add contact Mobile text", "“Mobile” is what a contacts file calls a built-in column"),
        ("field add opportunity Tier choice", "A choice field needs its choices"),
        ("field add opportunity Size choice S, M, s", "“s” is in the list twice."),
        ("field add opportunity Budget money EUR", "Say the field's type after its name"),
        ("field add opportunity =Fee text", "A field's name can't hold a comma or start with =, +, - or @."),
        ("field add deals Region text", "“deals” is not something a field can be on."),
    ):
        assert answer in await region.text(ALICE, said), said
    assert len(region.services.fields.fields(ALICE.tenant_id)) == 2
    assert "Your organisation has no custom fields yet." in all_text(await region.card(MALLORY, "fields"))


async def test_the_51st_field_on_opportunities_is_refused_and_a_leads_field_still_fits(teams: Teams) -> None:
    alice = user(teams, ALICE)
    for n in range(49):
        teams.services.fields.add_field(alice, "opportunity", f"Field {n}", "text")
    teams.services.fields.add_field(alice, "record", "On both", "yes/no")  # counts for leads and opportunities
    refused = await teams.text(ALICE, "field add opportunity Field 50 text")
    assert "Your organisation has 50 fields on opportunities, the most it may: remove one first." in refused
    assert "the most it may" in await teams.text(ALICE, "field add record Both again text")
    assert "The field Lead only is on leads now." in all_text(await teams.card(ALICE, "field add lead Lead only text"))
    assert len(teams.services.fields.fields(ALICE.tenant_id)) == 51


async def test_a_value_its_field_cannot_take_is_refused_and_the_form_saves_nothing(region: Teams) -> None:
    assert "“Mars” is not one of the choices of Region: EMEA, Americas, APAC." in await region.text(
        BOB, "set O-1 Region Mars"
    )
    assert "“abc” is not a number for Seats. Write it like 25 or 25.5." in await region.text(BOB, "set O-1 Seats abc")
    assert "“1e309” is not a number for Seats" in await region.text(BOB, "set O-1 seats 1e309")
    assert "too large or too precise for Seats" in await region.text(BOB, "set O-1 Seats 12345678901234567")
    assert "Which field? O-1 has these: Region, Seats." in await region.text(BOB, "set O-1 Colour red")
    assert stored(region)[1] is None
    deal = await CardInHand.posted(region, BOB, "show O-1")
    await deal.press("Edit details")
    await deal.press("Save details", title="Renamed", field_1="EMEA", field_2="1e309")
    assert "“1e309” is not a number for Seats" in deal.text and deal.inputs()["field_2"]["value"] == "1e309"
    assert stored(region)[:2] == ("Acme renewal", None)  # neither the title nor Region: nothing half-written
    await deal.press("Save details", field_1="Venus", field_2="12")
    assert "“Venus” is not one of the choices of Region" in deal.text and stored(region)[1] is None
    await deal.press("Save details", field_1="EMEA", field_2="1,250.5")
    assert "Seats: 1,250.5" in deal.text and "Region: EMEA" in deal.text
    assert "set Seats to 1,250.5" in deal.text


async def test_a_field_removed_while_a_form_shows_it_saves_nothing(region: Teams) -> None:
    deal = await CardInHand.posted(region, BOB, "show O-1")
    await deal.press("Edit details")
    assert {"field_1", "field_2"} <= set(deal.inputs())
    manage = await CardInHand.posted(region, ALICE, "fields")
    await manage.press("Rename or remove")
    await manage.press("Remove", field="1")
    assert "Remove the field Region?" in manage.text
    await manage.press("Remove field")
    assert "The field Region was removed (0 records or contacts held a value" in manage.text
    await deal.press("Save details", title="Renamed", field_1="EMEA", field_2="3")
    assert "The field “Region” was removed while your form was open: nothing was saved." in deal.text
    assert stored(region)[:2] == ("Acme renewal", None)
    await deal.press("Edit details")
    assert "field_1" not in deal.inputs() and "field_2" in deal.inputs()
    assert "no field called “Region”" in await region.text(ALICE, "field remove Region")


async def test_removing_a_field_keeps_its_values_in_the_timeline_only(region: Teams) -> None:
    await region.card(BOB, "set O-1 Region APAC")
    assert "Region: APAC" in all_text(await region.card(BOB, "show O-1"))
    assert "Acme renewal" in all_text(await region.card(BOB, "find apac"))
    await region.card(ALICE, "field remove Region")
    field = region.services.fields.field_named(ALICE.tenant_id, "Region")
    region.services.fields.remove_field(user(region, ALICE), field.id)
    card = all_text(await region.card(BOB, "show O-1"))
    assert "Region: APAC" not in card and "set Region to APAC" in card
    assert "Acme renewal" not in all_text(await region.card(BOB, "find apac"))
    assert stored(region)[1] is None


async def test_only_admins_change_fields_pipelines_and_reasons(region: Teams) -> None:
    refusal = "Only an admin of your organisation can do that (see `admins`)."
    for said in ("field add opportunity X text", "field rename Region to Area", "field remove Region",
                 "pipeline add New biz: Open 50%", "pipeline delete Sales", "lost reasons Price, Timing"):  # fmt: skip
        assert refusal in await region.text(BOB, said), said
    manage = await CardInHand.posted(region, BOB, "fields")
    assert "[Add field]" not in manage.text and "Admins add and change fields" in manage.text
    answer = await region.click(BOB, "fields.remove", {"field": "1"})
    assert refusal in json.dumps(answer)
    assert [f.name for f in region.services.fields.fields(ALICE.tenant_id)] == ["Region", "Seats"]


async def test_a_pipeline_with_deals_is_not_deleted_and_its_stages_are_its_own(region: Teams) -> None:
    await region.card(ALICE, "pipeline add Renewals: Due 30%, Quoted 60%, Agreed 90%")
    card = all_text(await region.card(BOB, "move O-1 Renewals"))
    assert "O-1 moved to the Renewals pipeline, stage Due." in card  # Prospecting's 10% is closest to Due's 30%
    assert (
        "“Proposal” is not a stage of the Renewals pipeline. Choose one of: Due, Quoted, Agreed, Won, Lost."
        in await region.text(BOB, "stage O-1 Proposal")
    )
    refused = await region.text(ALICE, "pipeline delete Renewals")
    assert "Renewals still holds 1 deal (open, closed or archived): move it to another pipeline first" in refused
    assert "move ‹ref› ‹pipeline›" in refused  # a placeholder Teams keeps (not an HTML tag)
    assert [p.name for p in region.services.pipelines.pipelines(ALICE.tenant_id)] == ["Sales", "Renewals"]
    for said, answer in (
        ("pipeline add Renewals: A 10%", "There is already a pipeline called “Renewals”."),
        ("pipeline add Deals: Won 50%", "Every pipeline ends in Won and Lost"),
        ("pipeline add Deals: Open 150%", "A stage's chance is a whole percent from 0 to 100"),
        ("pipeline add list: Open 50%", "is a word the pipeline command reads itself"),
        ("pipeline add Deals: Open", "Give each stage its chance of closing"),
        ("move O-1 Nowhere", "Your organisation has no pipeline called “Nowhere”"),
        ("move O-1 Renewals", "O-1 is already in the Renewals pipeline."),
    ):
        assert answer in await region.text(ALICE, said), said
    assert "O-1 moved to the Sales pipeline, stage Prospecting." in all_text(await region.card(BOB, "move O-1 Sales"))
    assert "The Renewals pipeline was deleted." in all_text(await region.card(ALICE, "pipeline delete Renewals"))


async def test_a_lost_reason_not_in_the_list_is_refused_and_other_takes_words(region: Teams) -> None:
    answer = await region.text(BOB, "stage O-1 Lost Prise")
    assert "“Prise” is not one of your organisation's reasons. Choose one of: Price, Chose a competitor" in answer
    assert stored(region)[2] == "Prospecting"  # nothing moved
    card = all_text(await region.card(BOB, "stage O-1 Lost"))
    assert "O-1 moved to Lost. Why was it lost? Pick the reason on the card." in card and "[Save reason]" in card
    assert "Say in a few words why, after Other." in await region.text(BOB, "reason O-1 Other")
    card = all_text(await region.card(BOB, "reason O-1 other: they went quiet"))
    assert "Lost reason: Other: they went quiet" in card and "[Save reason]" not in card
    assert "said why it was lost: Other: they went quiet" in card
    await region.card(ALICE, "lost reasons Too dear, Went in-house")
    assert "Choose one of: Too dear, Went in-house" in await region.text(BOB, "reason O-1 Price")
    card = all_text(await region.card(BOB, "reason O-1 went in-house"))
    assert "changed why it was lost: Other: they went quiet → Went in-house" in card
    assert "Lost reason:" not in all_text(await region.card(BOB, "stage O-1 Negotiation"))  # reopened: no reason


async def test_a_record_with_50_long_fields_fits_and_edit_details_reaches_every_field(teams: Teams) -> None:
    alice = user(teams, ALICE)
    long_choices = ", ".join(f"{'Option' * 9} {n}" for n in range(50))  # 50 choices of 56 characters
    for n in range(25):
        teams.services.fields.add_field(alice, "opportunity", f"Notes {n:02d} {'x' * 28}", "text")
        teams.services.fields.add_field(alice, "opportunity", f"Pick {n:02d} {'y' * 29}", "choice", long_choices)
    await teams.card(ALICE, "new opportunity Crowded")
    for field in teams.services.fields.fields(ALICE.tenant_id):
        value = "z" * 500 if field.type.value == "text" else field.choices[-1]
        teams.services.fields.set_value(alice, "O-1", f"{field.name} {value}")
    deal = await CardInHand.posted(teams, ALICE, "show O-1")
    assert size(deal.card) < BUDGET and "more fields: Edit details" in deal.text
    shown = [f["title"] for f in find(deal.card, "FactSet")[-1]["facts"]]
    assert shown[0].startswith("Notes 00") and len(shown) < 50
    await deal.press("Edit details")
    seen = {i for i in deal.inputs() if i.startswith("field_")}
    assert size(deal.answer) < BUDGET and seen
    for _page in range(50):
        more = [b for b in deal.buttons() if b.startswith("More fields")]
        if not more:
            break
        await deal.press(more[0])
        assert size(deal.answer) < BUDGET
        seen |= {i for i in deal.inputs() if i.startswith("field_")}
    assert len(seen) == 50
    last = [i for i in deal.inputs() if i.startswith("field_")][-1]
    await deal.press("Save fields", **{last: ""})  # the last page saves its own fields
    assert "cleared" in deal.text and size(deal.answer) < BUDGET


async def test_changing_a_pipelines_stages_takes_its_deals_along_and_keeps_a_busy_stage(region: Teams) -> None:
    await region.card(ALICE, "pipeline add Renewals: Due 30%, Quoted 60%")
    await region.card(BOB, "move O-1 Renewals Quoted")
    pipelines = await CardInHand.posted(region, ALICE, "pipelines")
    await pipelines.press("Change stages")
    assert pipelines.inputs()["stage_1"]["value"] == "Quoted" and pipelines.inputs()["chance_1"]["value"] == "60"
    await pipelines.press("Save pipeline", stage_1="")  # Quoted holds O-1
    assert "Deals are still in Quoted (1): move them to another stage first" in pipelines.text
    await pipelines.press("Save pipeline", stage_1="Offer sent", chance_1="65", stage_2="Signed", chance_2="95")
    assert "The Renewals pipeline was saved (1 deal moved with a renamed stage)." in pipelines.text
    assert "Offer sent: 65%" in pipelines.text and "Signed: 95%" in pipelines.text
    assert "Stage: Offer sent" in all_text(await region.card(BOB, "show O-1"))
    bobs = await CardInHand.posted(region, BOB, "pipelines")
    assert "[Change stages]" not in bobs.text
    refused = await region.click(BOB, "pipelines.save", {"pipeline": 1, "was": ["Due"], "name": "Mine", "stage_0": "X"})
    assert "Only an admin of your organisation can do that" in json.dumps(refused)
    assert [p.name for p in region.services.pipelines.pipelines(ALICE.tenant_id)] == ["Sales", "Renewals"]


async def test_a_stale_more_fields_page_keeps_a_value_someone_else_set_meanwhile(teams: Teams) -> None:
    """A More fields page is a form like Edit details: the values it showed, sent back untouched, do not put back
    what was there when it opened (issue 25's rule); what its sender changed applies."""
    alice = user(teams, ALICE)
    for n in range(30):
        teams.services.fields.add_field(alice, "opportunity", f"Notes {n:02d} {'x' * 28}", "text")
    await teams.card(ALICE, "new opportunity Crowded")
    for field in teams.services.fields.fields(ALICE.tenant_id):
        teams.services.fields.set_value(alice, "O-1", f"{field.name} {'z' * 500}")
    bob = await CardInHand.posted(teams, BOB, "show O-1")
    await bob.press("Edit details")
    await bob.press(next(b for b in bob.buttons() if b.startswith("More fields")))
    page = [i for i in bob.inputs() if i.startswith("field_")]
    assert len(page) >= 2 and bob.inputs()[page[0]]["value"] == "z" * 500
    first, second = (f for f in teams.services.fields.fields(ALICE.tenant_id) if f.input_id in page[:2])
    await teams.card(ALICE, f"set O-1 {first.name} Alice's newer note")
    await bob.press("Save fields", **{second.input_id: "Bob's own note"})  # the first still shows z…z, sent so
    custom = json.loads(stored(teams)[1] or "{}")
    assert custom[first.key] == "Alice's newer note", custom[first.key][:40]
    assert custom[second.key] == "Bob's own note"
