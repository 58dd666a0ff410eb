"""Issue 31's rules without a bot: reading what people type into custom fields by type, the names a field or a
pipeline may take, a pipeline's stages and where a deal lands when it moves, and lost reasons."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import DomainError
from bot.domain.fields import (
    AppliesTo,
    CustomField,
    FieldType,
    FieldValue,
    choice_list,
    encoded,
    field_name,
    field_type,
    read_value,
    search_text,
    shown,
    typed,
    values_of,
)
from bot.domain.language import _catalog, speaking
from bot.domain.lost import DEFAULT_REASONS, OTHER, chosen, lost_line, name_of_stage_and_reason, reason_list
from bot.domain.models import Kind
from bot.domain.pipeline import DEFAULT_PIPELINE, PipelineStages, Stage, pipeline_name, stage_list
from bot.domain.when import fold

TODAY = date(2026, 12, 1)


def field(kind: FieldType, choices: tuple[str, ...] = ()) -> CustomField:
    return CustomField(7, "t", AppliesTo.OPPORTUNITY, "Seats", kind, choices)


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("25", "25"),
        ("25.50", "25.5"),
        ("1,250", "1250"),
        ("1 250,5", "1250.5"),
        ("-3", "-3"),
        ("007", "7"),
        ("0.000001", "0.000001"),
    ],
)
def test_a_number_is_kept_exactly(said: str, value: str) -> None:
    assert read_value(field(FieldType.NUMBER), said, TODAY) == value


@pytest.mark.parametrize(
    ("said", "refusal"),
    [
        ("abc", "“abc” is not a number for Seats"),
        ("1e309", "“1e309” is not a number for Seats"),
        ("inf", "“inf” is not a number"),
        ("NaN", "“NaN” is not a number"),
        ("١٢", "with the digits 0-9"),
        ("1" * 16, "too large or too precise"),
        ("1.1234567", "too large or too precise"),
        ("+5", "is not a number"),
    ],
)
def test_what_is_not_a_number_is_refused_with_a_sentence(said: str, refusal: str) -> None:
    with pytest.raises(DomainError, match=refusal) as refused:
        read_value(field(FieldType.NUMBER), said, TODAY)
    assert refused.value.field == "field_7"


def test_each_type_reads_its_values_and_none_clears() -> None:
    assert read_value(field(FieldType.MONEY), "25,000.50 EUR", TODAY) == [2500050, "EUR"]
    assert read_value(field(FieldType.MONEY), "JPY 1000", TODAY) == [1000, "JPY"]
    assert read_value(field(FieldType.MONEY), "300", TODAY, "USD") == [30000, "USD"]
    with pytest.raises(DomainError, match="Which currency for Seats"):
        read_value(field(FieldType.MONEY), "300", TODAY)
    with pytest.raises(DomainError, match="not a currency code"):
        read_value(field(FieldType.MONEY), "300 ZZZ", TODAY)
    assert read_value(field(FieldType.DATE), "2027-03-31", TODAY) == "2027-03-31"
    assert read_value(field(FieldType.DATE), "next friday", TODAY) == "2026-12-04"
    with pytest.raises(DomainError, match="is not a date for Seats"):
        read_value(field(FieldType.DATE), "2027-02-30", TODAY)
    assert read_value(field(FieldType.CHOICE, ("EMEA", "APAC")), "emea", TODAY) == "EMEA"
    with pytest.raises(DomainError, match="“Mars” is not one of the choices of Seats: EMEA, APAC"):
        read_value(field(FieldType.CHOICE, ("EMEA", "APAC")), "Mars", TODAY)
    assert (
        read_value(field(FieldType.YES_NO), "Yes", TODAY) is True
        and read_value(field(FieldType.YES_NO), "n", TODAY) is False
    )
    with pytest.raises(DomainError, match="yes or no"):
        read_value(field(FieldType.YES_NO), "maybe", TODAY)
    assert read_value(field(FieldType.TEXT), "  two   words ", TODAY) == "two words"
    with pytest.raises(DomainError, match="at most 500 characters"):
        read_value(field(FieldType.TEXT), "x" * 501, TODAY)
    for kind in FieldType:
        assert read_value(field(kind), "none", TODAY) is None and read_value(field(kind), "", TODAY) is None


def test_values_read_the_readers_way_and_write_back_as_typed() -> None:
    money = FieldValue(field(FieldType.MONEY), [2500050, "EUR"])
    number = FieldValue(field(FieldType.NUMBER), "1250.5")
    assert (shown(money), typed(money)) == ("25,000.50 EUR", "25000.50 EUR")
    assert shown(number) == "1,250.5"
    with speaking("de-DE"):
        assert shown(money) == "25.000,50 EUR" and shown(number) == "1.250,5"
        assert shown(FieldValue(field(FieldType.YES_NO), True)) == "ja"
    colleague = FieldValue(field(FieldType.COLLEAGUE), 3, "Bob Follower", "aad-b")
    assert shown(colleague) == typed(colleague) == "Bob Follower"


def test_values_are_json_beside_the_record_and_search_reads_text_and_choices() -> None:
    region = CustomField(1, "t", AppliesTo.RECORD, "Region", FieldType.CHOICE, ("EMEA",))
    notes = CustomField(2, "t", AppliesTo.RECORD, "Notes", FieldType.TEXT)
    seats = CustomField(3, "t", AppliesTo.RECORD, "Seats", FieldType.NUMBER)
    values = {"1": "EMEA", "2": "Called “Jane”", "3": "25", "4": None}
    assert values_of(encoded(values)) == {"1": "EMEA", "2": "Called “Jane”", "3": "25"}
    assert search_text([region, notes, seats], values) == "EMEA Called “Jane”"
    assert values_of("not json") == {} and values_of("[1]") == {} and encoded({"1": None}) is None


@pytest.mark.parametrize(
    ("name", "refusal"),
    [("Title", "already a built-in field"), ("close_date", "already a built-in field"), ("Next  Step", "built-in"),
     ("", "needs a name"), ("x" * 41, "at most 40"), ("a,b", "comma"), ("@x", "start with")],
)  # fmt: skip
def test_a_field_may_not_take_a_built_in_name(name: str, refusal: str) -> None:
    with pytest.raises(DomainError, match=refusal):
        field_name(name)


def test_choices_are_distinct_at_most_50_and_safe_in_a_spreadsheet() -> None:
    assert choice_list("EMEA, Americas,\nAPAC") == ("EMEA", "Americas", "APAC")
    assert len(choice_list(", ".join(f"c{i}" for i in range(50)))) == 50
    for said, refusal in (
        (", ".join(f"c{i}" for i in range(51)), "at most 50 choices"),
        ("a, A", "in the list twice"),
        ("=SUM(A1), b", "can't start with"),
        ("", "needs its choices"),
        ("x" * 61, "at most 60"),
    ):
        with pytest.raises(DomainError, match=refusal):
            choice_list(said)


def test_a_pipeline_ends_in_won_and_lost_and_a_moved_deal_lands_by_name_else_by_chance() -> None:
    renewals = PipelineStages(4, "Renewals", stage_list("Due 30%, Quoted 60, Proposal 75%"))
    assert renewals.stages == ("Due", "Quoted", "Proposal", "Won", "Lost")
    assert renewals.mapped("Proposal", 50) == "Proposal"  # the same name first
    assert renewals.mapped("Negotiation", 80) == "Proposal" and renewals.mapped("Prospecting", 10) == "Due"
    assert renewals.mapped("Lost") == "Lost" and DEFAULT_PIPELINE.mapped("Quoted", 60) == "Proposal"
    assert DEFAULT_PIPELINE.stages == ("Prospecting", "Proposal", "Negotiation", "Won", "Lost")
    assert [DEFAULT_PIPELINE.probability(s) for s in DEFAULT_PIPELINE.open_stages] == [10, 50, 80]
    for said, refusal in (
        ("Won 50%", "ends in Won and Lost"), ("Due 101%", "0 to 100"), ("Due", "its chance"), ("A 1, a 2", "twice"),
        (", ".join(f"S{i} 5" for i in range(11)), "at most 10"),
    ):  # fmt: skip
        with pytest.raises(DomainError, match=refusal):
            stage_list(said)
    for name in ("list", "Mine too", "weekly", "A:B", ""):
        with pytest.raises(DomainError):
            pipeline_name(name)
    assert Stage("Due", 30) in renewals.open


def test_lost_reasons_come_from_the_list_or_other_with_words() -> None:
    assert chosen("price", None, DEFAULT_REASONS) == ("Price", None)
    assert chosen("Other: they went quiet", None, DEFAULT_REASONS) == (OTHER, "they went quiet")
    assert chosen("", "in-house build", DEFAULT_REASONS) == (OTHER, "in-house build")
    with pytest.raises(DomainError, match="Say in a few words why"):
        chosen("Other", None, DEFAULT_REASONS)
    with pytest.raises(DomainError, match="not one of your organisation's reasons"):
        chosen("Prise", None, DEFAULT_REASONS)
    with speaking("de-DE"):
        assert lost_line("Price", None) == "Preis" and chosen("Preis", None, DEFAULT_REASONS) == ("Price", None)
    assert name_of_stage_and_reason("lost: no budget", ("Won", "Lost")) == ("Lost", "no budget")
    assert name_of_stage_and_reason("Won big", ("Won", "Lost")) == (None, None)
    assert reason_list("Too dear\nWent in-house, Timing") == ("Too dear", "Went in-house", "Timing")
    with pytest.raises(DomainError, match="Other is always offered"):
        reason_list("Price, Other")
    assert AppliesTo.RECORD.covers(Kind.LEAD) and not AppliesTo.LEAD.covers(Kind.OPPORTUNITY)


def test_a_stage_and_its_reason_are_understood_in_the_readers_words_too() -> None:
    """Main's stages are said in the reader's language (`Gewonnen`); a pipeline's closing stages and the reason
    said after Lost are too, and English always works."""
    renewals = PipelineStages(4, "Renewals", stage_list("Due 30%, Quoted 60%"))
    with speaking("de-DE"):
        assert name_of_stage_and_reason("Verloren Preis", ("Prospecting", "Lost")) == ("Lost", "Preis")
        assert name_of_stage_and_reason("verloren: Timing", ("Lost",)) == ("Lost", "Timing")
        assert name_of_stage_and_reason("Disqualifiziert", ("New", "Disqualified")) == ("Disqualified", None)
        assert name_of_stage_and_reason("lost price", ("Lost",)) == ("Lost", "price")
        assert renewals.match("gewonnen") == "Won" and renewals.match("Quoted") == "Quoted"
        assert name_of_stage_and_reason("Verlorenheit", ("Lost",)) == (None, None)
    with speaking("pt-BR"):
        assert name_of_stage_and_reason("Perdido Preço", ("Won", "Lost")) == ("Lost", "Preço")
        assert renewals.match("Ganho") == "Won" and renewals.match("Due") == "Due"
    assert renewals.match("Gewonnen") is None  # an English reader's words are English


@pytest.mark.parametrize("language", ["de", "pt-PT", "pt-BR"])
def test_a_field_type_is_read_in_every_language_as_the_catalogs_word_it(language: str) -> None:
    catalog = _catalog(language)
    for kind in FieldType:
        label = catalog.gettext(FieldType(kind).label)  # the English label, translated
        assert label != FieldType(kind).label or kind is FieldType.TEXT, (language, kind)
        assert field_type(label) is kind and field_type(fold(label).upper()) is kind, (language, label)


def test_a_wrong_type_is_refused_with_the_types_in_the_readers_words() -> None:
    with speaking("de-DE"), pytest.raises(DomainError) as refused:
        field_type("Farbe")
    assert "Text, Zahl, Geldbetrag, Datum, Auswahl, ja/nein, Kollege" in refused.value.message
    with speaking("pt-BR"), pytest.raises(DomainError) as refused:
        field_type("cor")
    assert "texto, número, valor, data, escolha, sim/não, colega" in refused.value.message
