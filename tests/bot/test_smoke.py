from tests.conftest import ALICE, Teams, all_text


async def test_help(teams: Teams) -> None:
    card = await teams.card(ALICE, "help")
    assert "new lead ‹title›" in all_text(card)
