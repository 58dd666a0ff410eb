"""Close dates as people say them, in each of the bot's languages (bot/domain/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import parse_close_date
from bot.domain.errors import DomainError
from bot.domain.language import speaking

TODAY = date(2027, 2, 10)  # a Wednesday in the first quarter


@pytest.mark.parametrize(
    ("said", "day"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("today", TODAY), ("heute", TODAY), ("hoje", TODAY),
        ("tomorrow", date(2027, 2, 11)), ("Morgen", date(2027, 2, 11)), ("amanhã", date(2027, 2, 11)),
        ("next friday", date(2027, 2, 12)), ("nächsten Freitag", date(2027, 2, 12)), ("am Freitag", date(2027, 2, 12)),
        ("próxima sexta", date(2027, 2, 12)), ("sexta-feira", date(2027, 2, 12)),
        ("wednesday", date(2027, 2, 17)), ("Mittwoch", date(2027, 2, 17)),  # the coming one, never today
        ("end of month", date(2027, 2, 28)), ("Monatsende", date(2027, 2, 28)), ("fim do mês", date(2027, 2, 28)),
        ("end of quarter", date(2027, 3, 31)), ("Quartalsende", date(2027, 3, 31)),
        ("fim do trimestre", date(2027, 3, 31)), ("Ende des nächsten Quartals", date(2027, 6, 30)),
        ("fim do próximo trimestre", date(2027, 6, 30)), ("end of next quarter", date(2027, 6, 30)),
        ("end of year", date(2027, 12, 31)), ("Jahresende", date(2027, 12, 31)), ("fim do ano", date(2027, 12, 31)),
        ("in 3 weeks", date(2027, 3, 3)), ("in 3 Wochen", date(2027, 3, 3)), ("daqui a 3 semanas", date(2027, 3, 3)),
        ("em 10 dias", date(2027, 2, 20)), ("in 2 Monaten", date(2027, 4, 10)), ("in 1 month", date(2027, 3, 10)),
    ],
)  # fmt: skip
def test_a_close_date_is_read_in_english_german_and_portuguese(said: str, day: date) -> None:
    assert parse_close_date(said, TODAY) == day


@pytest.mark.parametrize("said", ["someday", "in 3 fortnights", "2027-02-30", "ende", "in 9999 days", "in ٣ days"])
def test_what_is_not_a_date_is_refused(said: str) -> None:
    with pytest.raises(DomainError):
        parse_close_date(said, TODAY)


def test_the_hint_gives_examples_the_reader_can_type_in_their_language() -> None:
    with speaking("de"), pytest.raises(DomainError) as refused:
        parse_close_date("irgendwann", TODAY)
    assert "nächsten Freitag oder Quartalsende" in str(refused.value)
    assert parse_close_date("nächsten Freitag", TODAY) and parse_close_date("Quartalsende", TODAY)
    with speaking("pt-BR"), pytest.raises(DomainError) as refused:
        parse_close_date("um dia", TODAY)
    assert "próxima sexta ou fim do trimestre" in str(refused.value)
