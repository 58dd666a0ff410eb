"""The reader's language from the locale Teams reports, the translator's placeholders, and money, numbers
and days written the reader's way (Babel's locale data)."""

from __future__ import annotations

import pytest

from bot.domain import language
from bot.domain.errors import DomainError
from bot.domain.language import _, current, language_of, ngettext, speaking, translator, valid_tag
from bot.domain.money import format_money, parse_amount


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("de-DE", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("de", "de"),
        ("DE-de", "de"),
        ("pt-BR", "pt-BR"),
        ("pt", "pt-BR"),  # CLDR's `pt` is Brazil's Portuguese
        ("pt-PT", "pt-PT"),
        ("pt-AO", "pt-PT"),  # Angola writes as Portugal does
        ("pt-Latn-BR", "pt-BR"),
        ("fr-FR", "en"),
        ("xx", "en"),
        ("de_DE", "en"),  # not a BCP 47 tag
        ("../../etc", "en"),
        ("de-" + "x" * 200, "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_locale_resolves_to_one_of_our_languages_or_english(tag: str | None, expected: str) -> None:
    assert language_of(tag) == expected
    assert translator(tag).language == expected


@pytest.mark.parametrize("raw", ["de_DE", "../../etc", "de/../../x", "x" * 200, "de-DE\n", " de", 42, None, "e"])
def test_a_malformed_locale_is_no_tag_and_never_reaches_a_path(raw: object) -> None:
    assert valid_tag(raw) is None
    found = translator(valid_tag(raw))
    assert (found.language, found.locale) == ("en", "en")


def test_a_translation_is_made_first_then_filled_with_the_values() -> None:
    message = "“{value}” is not an amount. Write it like 25000 or 25000.50."
    with speaking("de-AT"):
        assert _(message, value="{zehn}") == "„{zehn}“ ist kein Betrag. Schreiben Sie ihn wie 25000 oder 25.000,50."
    with speaking("pt-BR"):
        assert _(message, value="dez").startswith("“dez” não é um valor.")
    with speaking("pt-PT"):
        assert _(message, value="dez").startswith("«dez» não é um montante.")
    assert _(message, value="ten").startswith("“ten” is not an amount")  # outside: English


def test_plural_forms_follow_each_language() -> None:
    singular = "{currency} amounts have at most {n} decimal (“{value}”)."
    plural = "{currency} amounts have at most {n} decimals (“{value}”)."
    with speaking("de-DE"):
        assert ngettext(singular, plural, 1, currency="KWD", value="x").endswith("1 Nachkommastelle („x“).")
        assert ngettext(singular, plural, 3, currency="KWD", value="x").endswith("3 Nachkommastellen („x“).")
    assert ngettext(singular, plural, 1, currency="JPY", value="x") == "JPY amounts have at most 1 decimal (“x”)."


def test_a_wrong_translation_falls_back_to_english_rather_than_failing() -> None:
    broken = language.Translator("de", "de", "de", _Catalog("Hallo {nom}"))
    assert broken.gettext("Hello {name}", name="Ana") == "Hello Ana"


class _Catalog(language.gettext.NullTranslations):
    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer

    def gettext(self, message: str) -> str:
        return self.answer


def test_speaking_is_scoped_and_the_default_is_english() -> None:
    assert current().language == "en"
    with speaking("de-DE") as german:
        assert current() is german
        with speaking("pt-BR"):
            assert current().language == "pt-BR"
        assert current().language == "de"
    assert current().language == "en"


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        (None, "25,000.50 EUR"),
        ("en-US", "25,000.50 EUR"),
        ("de-DE", "25.000,50 EUR"),
        ("de-CH", "25’000.50 EUR"),
        ("fr-FR", "25\u202f000,50 EUR"),
        ("pt-BR", "25.000,50 EUR"),
        ("pt-PT", "25\xa0000,50 EUR"),
        ("xx", "25,000.50 EUR"),
    ],
)
def test_money_is_grouped_with_the_readers_locale_data(tag: str | None, shown: str) -> None:
    assert format_money(2500050, "EUR", tag) == shown
    with speaking(tag):
        assert format_money(2500050, "EUR") == shown  # the current reader's, when not named


def test_money_keeps_the_currency_exponent_and_large_amounts_exact() -> None:
    assert format_money(123456789012345, "EUR", "de-CH") == "1’234’567’890’123.45 EUR"  # Babel would drop the marks
    assert format_money(1234567, "JPY", "de-DE") == "1.234.567 JPY"
    assert format_money(1234567, "KWD", "pt-BR") == "1.234,567 KWD"
    assert format_money(1234567890, "EUR", "en-IN") == "1,23,45,678.90 EUR"


def test_days_are_written_the_readers_way() -> None:
    assert translator("en-US").day("2027-03-31") == "2027-03-31"  # as typed: `close L-1 2027-03-31`
    assert translator("de-DE").day("2027-03-31") == "31.03.2027"
    assert translator("pt-PT").day("2027-03-31") == "31/03/2027"
    assert translator("pt-BR").day("2027-03-31") == "31 de mar. de 2027"
    assert translator("de-DE").day("soon") == "soon"


def test_englishs_numbers_are_cldrs_without_importing_babel_on_the_way() -> None:
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern

    grouping = parse_pattern(Locale.parse("en").decimal_formats[None]).grouping
    assert (get_group_symbol("en"), get_decimal_symbol("en"), *grouping) == language.ENGLISH_NUMBERS


def test_a_comma_reader_may_type_a_decimal_comma_and_nothing_becomes_ambiguous() -> None:
    with speaking("de-DE"):
        assert [parse_amount(t, "EUR") for t in ("25.000,50", "25000,5", "1.234.567,89")] == [
            2500050,
            2500050,
            123456789,
        ]
        assert parse_amount("25,000", "EUR") == 2500000  # a comma before three digits groups, as before
        assert parse_amount("25000.50", "EUR") == 2500050
    with speaking("pt-PT"):
        assert parse_amount("25 000,50", "EUR") == 2500050
    with pytest.raises(DomainError, match="is not an amount"):
        parse_amount("25000,5", "EUR")  # an English reader's comma is no decimal mark
