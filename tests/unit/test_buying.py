"""Reading buying roles from what people type, and the rule of the decision-maker nudge."""

import pytest

from bot.domain.buying import BuyingRole, lacks_decision_maker, parse_role, split_role
from bot.domain.errors import DomainError
from bot.domain.models import Kind, Record


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("Decision maker", BuyingRole.DECISION_MAKER), ("decision-maker", BuyingRole.DECISION_MAKER),
        ("ECONOMIC_BUYER", BuyingRole.ECONOMIC_BUYER), ("  technical   evaluator ", BuyingRole.TECHNICAL_EVALUATOR),
        ("legal or procurement", BuyingRole.LEGAL_PROCUREMENT), ("procurement", BuyingRole.LEGAL_PROCUREMENT),
        ("user", BuyingRole.USER), ("ＣＨＡＭＰＩＯＮ", BuyingRole.CHAMPION), ("none", None), ("", None), ("-", None),
    ],
)  # fmt: skip
def test_roles_are_read_as_people_type_them(typed: str, role: BuyingRole | None) -> None:
    assert parse_role(typed) == role


@pytest.mark.parametrize("typed", ["boss", "décision maker", "decision\x00maker", "x" * 500])
def test_anything_else_is_refused_with_the_list(typed: str) -> None:
    with pytest.raises(DomainError, match=r"is not a buying role\. Choose one of: Decision maker, Economic buyer"):
        parse_role(typed)


def test_the_role_is_the_end_of_the_line_and_the_rest_names_the_person() -> None:
    assert split_role("Jane Doe decision maker") == ("Jane Doe", BuyingRole.DECISION_MAKER)
    assert split_role("jane@acme.example Legal or procurement") == ("jane@acme.example", BuyingRole.LEGAL_PROCUREMENT)
    assert split_role("Other Person other") == ("Other Person", BuyingRole.OTHER)
    assert split_role("Carl none") == ("Carl", None)
    assert split_role("economic buyer") == ("", BuyingRole.ECONOMIC_BUYER)
    assert split_role("Carl boss") is None and split_role("") is None


def test_the_nudge_is_for_open_opportunities_past_their_first_stage_without_a_signer() -> None:
    def deal(stage: str, kind: Kind = Kind.OPPORTUNITY) -> Record:
        return Record(1, "t", kind, 1, "Deal", stage, 1)

    assert lacks_decision_maker(deal("Proposal"), [None, BuyingRole.CHAMPION])
    assert lacks_decision_maker(deal("Negotiation"), [])
    assert not lacks_decision_maker(deal("Negotiation"), [BuyingRole.ECONOMIC_BUYER])
    assert not lacks_decision_maker(deal("Proposal"), [BuyingRole.DECISION_MAKER])
    for stage in ("Prospecting", "Won", "Lost"):
        assert not lacks_decision_maker(deal(stage), [])
    assert not lacks_decision_maker(deal("Qualified", Kind.LEAD), [])
