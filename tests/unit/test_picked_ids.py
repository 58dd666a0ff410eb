"""What a people picker sends, as (Teams id, Entra object id): Teams' picker sends Entra object ids, the
Playground's sends Teams ids (29:...); the roster's answer fills in the other id only when it is the same person."""

from __future__ import annotations

from bot.domain.rules import picked_ids

AAD = "00000000-0000-4000-8000-000000000022"
OTHER_AAD = "00000000-0000-4000-8000-000000000099"


def test_an_entra_id_keeps_the_rosters_teams_id_when_the_roster_agrees() -> None:
    assert picked_ids(AAD, "29:adele", AAD) == ("29:adele", AAD)
    assert picked_ids(AAD, "29:adele", None) == ("29:adele", AAD)
    assert picked_ids(AAD, None, None) == (None, AAD)
    assert picked_ids(AAD, "29:someone", OTHER_AAD) == (None, AAD)  # the roster spoke of someone else


def test_a_teams_id_takes_the_rosters_entra_id_only_for_the_same_member() -> None:
    assert picked_ids("29:playground-adele", "29:playground-adele", AAD) == ("29:playground-adele", AAD)
    assert picked_ids("29:playground-adele", None, None) == ("29:playground-adele", None)
    assert picked_ids("29:playground-adele", "29:other", AAD) == ("29:playground-adele", None)
    assert picked_ids("29:playground-adele", "29:playground-adele", "not-an-id") == ("29:playground-adele", None)


def test_anything_else_is_no_pick() -> None:
    for picked in ("", "Adele Vance", "adele@contoso.example", "29:", "29:a b", "../../users", AAD + "x"):
        assert picked_ids(picked, "29:adele", AAD) is None, picked
