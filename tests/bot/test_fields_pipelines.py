"""Issue 31 through HTTP as Teams sends it, on both engines: an admin adds a choice field and a second pipeline
through the cards' forms; a salesperson fills the field in Edit details, moves a deal into the second pipeline
and through its stages to Lost with a reason; the card, the timeline, the followers, the pipeline's chart,
`find`, a contacts import and both exports show it. Who is an admin follows CRM_ADMINS, else the organisation's
first person."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_contact_care import database_bytes
from tests.bot.test_contact_files import csv_bytes, preview
from tests.bot.test_follow_news import Clock, texts
from tests.bot.test_languages import ANA, HANS
from tests.bot.test_message_extension import search
from tests.conftest import ALICE, BOB, CAROL, FAST, MALLORY, CardInHand, Teams, all_text, find
from tests.teams_files import export_file

NOW = "2026-12-01T10:00:00.000000Z"  # Q4 2026
ADMINS_ONLY = "Only an admin of your organisation can do that (see `admins`)."


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config) -> Teams:
    fake, service_url = connector
    return Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=Clock(NOW))), fake, service_url)


def choices(card: CardInHand, input_id: str) -> list[str]:
    return [c["value"] for c in card.inputs()[input_id]["choices"]]


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    return {f["title"]: f["value"] for fs in find(card, "FactSet") for f in fs["facts"]}


async def test_an_admin_shapes_the_crm_and_a_salesperson_loses_a_deal_in_the_second_pipeline(teams: Teams) -> None:
    assert "Admins of your organisation: Alice Owner." in await teams.text(ALICE, "admins")  # the first person
    # The admin adds a choice field and a second pipeline through the forms.
    fields = await CardInHand.posted(teams, ALICE, "fields")
    await fields.press("Add field")
    await fields.press(
        "Add field", applies_to="opportunity", name="Region", type="choice", choices="EMEA, Americas, APAC"
    )
    assert (
        "The field Region is on opportunities now." in fields.text
        and "Region: choice: EMEA, Americas, APAC" in fields.text
    )
    pipelines = await CardInHand.posted(teams, ALICE, "pipelines")
    await pipelines.press("Add pipeline")
    stages = {
        "stage_0": "Due",
        "chance_0": "30",
        "stage_1": "Quoted",
        "chance_1": "60",
        "stage_2": "Agreed",
        "chance_2": "90",
    }
    await pipelines.press("Save pipeline", name="Renewals", **stages)
    assert "The Renewals pipeline is ready: move deals into it with move ‹ref› Renewals." in pipelines.text
    assert "Quoted: 60%" in pipelines.text
    # A salesperson: not an admin, so refused, and nothing is added.
    assert ADMINS_ONLY in await teams.text(BOB, "field add opportunity Seats number")
    assert ADMINS_ONLY in await teams.text(BOB, "pipeline add Upsell: Open 50%")
    assert "Seats" not in all_text(await teams.card(BOB, "fields"))
    # Bob fills the field in Edit details, and moves the deal through the second pipeline.
    await teams.card(BOB, "new opportunity Acme renewal")
    await teams.card(ALICE, "follow O-1")
    await teams.card(BOB, "value O-1 12000 EUR")
    await teams.card(BOB, "close O-1 2026-12-20")
    deal = await CardInHand.posted(teams, BOB, "show O-1")
    await deal.press("Edit details")
    assert choices(deal, "field_1") == ["EMEA", "Americas", "APAC", "none"]
    await deal.press("Save details", field_1="EMEA")
    assert facts_of(deal.card)["Region"] == "EMEA" and "O-1: Region EMEA." in deal.text
    await deal.press("Change stage")
    assert choices(deal, "stage") == ["Prospecting", "Proposal", "Negotiation", "Won", "Lost"]
    assert choices(deal, "move_to")[0] == "1:Due"  # Prospecting (10%) maps to the closest chance: Due (30%)
    await deal.press("Move to pipeline", move_to="1:Due")
    assert facts_of(deal.card)["Pipeline"] == "Renewals" and facts_of(deal.card)["Stage"] == "Due"
    await deal.press("Change stage")
    assert choices(deal, "stage") == ["Due", "Quoted", "Agreed", "Won", "Lost"]  # the pipeline's own stages
    await deal.press("Change stage", stage="Quoted")
    await deal.press("Change stage")
    assert "Price" in choices(deal, "lost_reason") and choices(deal, "lost_reason")[-1] == "Other"
    await deal.press("Change stage", stage="Lost", lost_reason="Price")
    assert facts_of(deal.card)["Stage"] == "Lost" and facts_of(deal.card)["Lost reason"] == "Price"
    assert "changed the stage: Quoted → Lost · reason: Price" in deal.text
    await teams.settled()
    told = "\n".join(texts(teams, ALICE))
    assert "moved it to another pipeline: Sales: Prospecting → Renewals: Due" in told
    assert "changed the stage: Quoted → Lost · reason: Price" in told
    # The chart breaks the quarter's lost deals down by reason; the default pipeline's card no longer counts it.
    chart = await teams.card(BOB, "pipeline Renewals")
    [bars] = find(chart, "Chart.HorizontalBar")
    assert [(d["x"], d["y"]) for d in bars["data"]] == [("Price", 1.0)]
    assert {d["legend"]: d["value"] for d in find(chart, "Chart.Donut")[0]["data"]} == {"Won": 0, "Lost": 1}
    assert "Weighted by the chance each stage closes: Due 30%, Quoted 60%, Agreed 90%." in all_text(chart)
    default = await teams.card(BOB, "pipeline")
    assert find(default, "Chart.Donut") == [] and "[Renewals]" in all_text(default)
    # find matches the choice; the export has the field's column, the pipeline and the reason.
    assert "Acme renewal" in all_text(await teams.card(BOB, "find emea"))
    assert "Acme renewal" not in all_text(await teams.card(MALLORY, "find emea"))
    [row] = list(csv.DictReader(io.StringIO((await export_file(teams, BOB, "records")).decode("utf-8-sig"))))
    assert (row["Ref"], row["Region"], row["Pipeline"], row["Lost reason"]) == ("O-1", "EMEA", "Renewals", "Price")
    # The message extension's search finds it by the choice too, and its preview shows the field.
    result = await search(teams, BOB, "searchRecords", "emea")
    [found] = result["attachments"]
    assert found["preview"]["content"]["text"] == "Opportunity · Lost · No Contact yet · Region: EMEA"


async def test_a_contact_field_comes_in_from_a_file_and_goes_out_in_the_export(teams: Teams) -> None:
    assert "The field Tier is on contacts now." in all_text(
        await teams.card(ALICE, "field add contact Tier choice Gold, Silver")
    )
    data = csv_bytes(
        ["Name", "Email", "Tier"],
        [["Jane Buyer", "jane@acme.example", "gold"], ["Old Ross", "ross@acme.example", "Platinum"]],
    )
    card = await preview(teams, ALICE, "contacts.csv", data)
    assert "New: 1" in card.text and "A value does not fit its custom field: row 3" in card.text
    await card.press("Import")
    rows = list(csv.DictReader(io.StringIO((await export_file(teams, ALICE, "contacts")).decode("utf-8-sig"))))
    assert [(r["Name"], r["Tier"]) for r in rows] == [("Jane Buyer", "Gold")]
    edit = await CardInHand.posted(teams, ALICE, "edit contact jane@acme.example")
    assert edit.inputs()["field_1"]["value"] == "Gold"
    await edit.press("Save contact", field_1="Bronze")
    assert "“Bronze” is not one of the choices of Tier: Gold, Silver." in edit.text
    await edit.press("Save contact", field_1="Silver")
    rows = list(csv.DictReader(io.StringIO((await export_file(teams, ALICE, "contacts")).decode("utf-8-sig"))))
    assert [(r["Name"], r["Tier"]) for r in rows] == [("Jane Buyer", "Silver")]


async def test_a_stale_form_keeps_a_custom_value_someone_else_set_meanwhile(teams: Teams) -> None:
    """Teams sends a prefilled input's value untouched: a form shown before Alice's change must not put back
    the value it showed (issue 25's rule, for custom fields too), on Edit details and on Edit contact."""
    await teams.card(ALICE, "field add lead Region choice EMEA, APAC")
    await teams.card(ALICE, "field add contact Tier choice Gold, Silver")
    await teams.card(ALICE, "new lead Rollout")
    await teams.card(ALICE, "set L-1 Region EMEA")
    bob = await CardInHand.posted(teams, BOB, "show L-1")
    await bob.press("Edit details")
    assert bob.inputs()["field_1"]["value"] == "EMEA"
    await teams.card(ALICE, "set L-1 Region APAC")
    await bob.press("Save details", title="Rollout 2027")  # Region still shows EMEA, and is sent so
    assert "title Rollout 2027" in bob.text, bob.text
    assert "APAC" in all_text(await teams.card(ALICE, "show L-1"))
    await bob.press("Edit details")
    await bob.press("Save details", field_1="EMEA")  # a change Bob makes himself applies
    assert "EMEA" in all_text(await teams.card(ALICE, "show L-1"))
    await teams.card(ALICE, "new contact Jane Buyer jane@acme.example")
    edit = await CardInHand.posted(teams, BOB, "edit contact jane@acme.example")
    await edit.press("Save contact", field_2="Silver", phone="020 7946 0000")
    stale = await CardInHand.posted(teams, CAROL, "edit contact jane@acme.example")
    await edit.press("Edit")
    await edit.press("Save contact", field_2="Gold")
    await stale.press("Save contact", job_title="Buyer")  # Carol's form still shows Silver
    rows = list(csv.DictReader(io.StringIO((await export_file(teams, ALICE, "contacts")).decode("utf-8-sig"))))
    assert [(r["Name"], r["Tier"], r["Phone"], r["Job title"]) for r in rows] == [
        ("Jane Buyer", "Gold", "020 7946 0000", "Buyer")
    ]


@pytest.fixture
async def admins_configured(aiohttp_client: Any, connector: Any, bot_config: Config) -> Teams:
    fake, service_url = connector
    config = Config(**{**vars(bot_config), "admins": frozenset({CAROL.aad_object_id})})
    return Teams(await aiohttp_client(create_app(config, delivery=FAST, clock=Clock(NOW))), fake, service_url)


async def test_crm_admins_decides_who_administers_and_the_first_person_no_longer_does(admins_configured: Teams) -> None:
    teams = admins_configured
    assert ADMINS_ONLY in await teams.text(ALICE, "field add lead Budget money")  # first, but not named
    assert "Admins of your organisation: " + CAROL.aad_object_id in await teams.text(ALICE, "admins")  # not met yet
    assert "The field Budget is on leads now." in all_text(await teams.card(CAROL, "field add lead Budget money"))
    assert "Admins of your organisation: Carol Other." in await teams.text(ALICE, "admins")


async def test_an_erasure_reaches_the_custom_values_and_the_lost_reason_that_name_the_person(teams: Teams) -> None:
    await teams.card(ALICE, "field add opportunity Notes text")
    await teams.card(ALICE, "field add contact Nickname text")
    await teams.say(ALICE, "new contact Zoe Zyxwerase zoe.zyx@erase.example")
    edit = await CardInHand.posted(teams, ALICE, "edit contact zoe.zyx@erase.example")
    await edit.press("Save contact", field_2="Zyxie")
    await teams.card(ALICE, "new opportunity Rollout")
    await teams.card(ALICE, "contact O-1 zoe.zyx@erase.example")
    await teams.card(ALICE, "set O-1 Notes call Zoe Zyxwerase at zoe.zyx@erase.example")
    await teams.card(ALICE, "stage O-1 Lost Other: Zoe Zyxwerase went quiet")
    assert "Rollout" in all_text(await teams.card(ALICE, "find zyxwerase"))
    before = database_bytes(teams)
    assert [w for w in (b"zyxwerase", b"zyxie", b"zoe.zyx@erase.example") if w not in before] == []
    confirm = await CardInHand.posted(teams, ALICE, "erase contact zoe.zyx@erase.example")
    await confirm.press("Erase")
    shown = all_text(await teams.card(ALICE, "show O-1"))
    assert "Notes: call erased contact at erased contact" in shown
    assert "Lost reason: Other: erased contact went quiet" in shown
    assert "Rollout" not in all_text(await teams.card(ALICE, "find zyxwerase"))
    after = database_bytes(teams)
    assert [w for w in (b"zyxwerase", b"zyxie", b"zoe.zyx@erase.example") if w in after] == []


async def test_a_german_and_a_brazilian_colleague_use_fields_pipelines_and_lost_reasons_in_their_words(
    teams: Teams,
) -> None:
    """Issue 31's commands in the reader's words (English always works), stages and reasons named in the
    reader's language, and the answers in it; what people typed (names, choices) is never translated."""
    assert "Admins" in await teams.text(ALICE, "admins")  # Alice, the first person, is the admin
    await teams.card(HANS, "felder")  # Hans and Ana are colleagues, not admins
    await teams.card(ANA, "campos")
    assert "Nur ein Admin Ihrer Organisation" in await teams.text(HANS, "feld hinzufügen opportunity Gebiet text")
    await teams.card(ALICE, "field add opportunity Region choice EMEA, APAC")
    assert "Vertriebsregion" in all_text(await teams.card(ALICE, "feld umbenennen Region zu Vertriebsregion"))
    assert "Região" in all_text(await teams.card(ALICE, "renomear campo Vertriebsregion para Região"))
    await teams.card(HANS, "neue verkaufschance Acme Verlängerung")
    deal = all_text(await teams.card(HANS, "setzen O-1 Região EMEA"))
    assert "Região: EMEA" in deal
    moved = all_text(await teams.card(HANS, "phase O-1 Verloren Preis"))
    assert "Phase: Verloren" in moved and "Verlustgrund: Preis" in moved, moved
    assert "Grund: Preis" in moved  # the timeline: the stage change and why
    await teams.card(ANA, "nova oportunidade Globex")
    refused = await teams.text(ANA, "fase O-2 Perdido Preço baixo")
    assert "não é um dos motivos da sua organização" in refused and "Preço" in refused
    lost = all_text(await teams.card(ANA, "fase O-2 Perdido Preço"))
    assert "Fase: Perdido" in lost and "Preço" in lost
    both = all_text(await teams.card(ALICE, "show O-1"))
    assert "Stage: Lost" in both and "Lost reason: Price" in both  # stored as the list's reason, read in English
    assert "Sem orçamento" in all_text(await teams.card(ANA, "motivos de perda"))  # the default list, in pt-BR


async def test_a_german_and_a_portuguese_admin_name_the_type_in_their_words(teams: Teams) -> None:
    german, brazilian = replace(ALICE, locale="de-DE"), replace(ALICE, locale="pt-BR")
    await teams.say(german, "feld hinzufügen opportunity Region Auswahl EMEA, APAC")
    await teams.say(brazilian, "adicionar campo lead Orçamento valor")
    await teams.say(german, "feld hinzufügen contact Geburtstag Datum")
    types = {f.name: f.type.value for f in teams.services.fields.fields(ALICE.tenant_id)}
    assert types == {"Region": "choice", "Orçamento": "money", "Geburtstag": "date"}
    refused = await teams.text(german, "feld hinzufügen lead Farbe Farbe")
    assert "Text, Zahl, Geldbetrag, Datum, Auswahl, ja/nein, Kollege" in refused, refused[-500:]
