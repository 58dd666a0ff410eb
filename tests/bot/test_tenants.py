"""Two tenants in one database: neither ever sees the other."""

from bot.config import Config
from tests.conftest import ALICE, MALLORY, OTHER_TENANT, TENANT, Teams, all_text


async def test_another_tenants_records_and_contacts_are_invisible(teams: Teams) -> None:
    await teams.card(ALICE, "new contact Jane Buyer jane@acme.example")
    await teams.card(ALICE, "new lead Contoso secret deal")

    # Same reference, other tenant: "not found", worded exactly like a reference that exists nowhere.
    elsewhere = await teams.text(MALLORY, "show L-1")
    nowhere = await teams.text(MALLORY, "show L-2")
    assert elsewhere == "I can't find L-1." and nowhere == "I can't find L-2."
    for command in ("follow L-1", "comment L-1 hi", "stage L-1 Contacted", "convert L-1", "email L-1"):
        assert await teams.text(MALLORY, command) == "I can't find L-1."
    assert "L-1" in all_text(await teams.card(MALLORY, "new lead Mine"))  # Mallory's own L-1
    assert "No contact has the email" in await teams.text(MALLORY, "contact L-1 jane@acme.example")

    assert "No record matches." in all_text(await teams.card(MALLORY, "find secret"))
    assert "Jane" not in all_text(await teams.card(MALLORY, "contacts"))
    assert "No contact matches." in all_text(await teams.card(MALLORY, "find jane"))
    assert "Contoso" not in all_text(await teams.card(MALLORY, "leads"))

    # Each tenant numbers its own records and may reuse an email.
    await teams.card(MALLORY, "new contact Jane Elsewhere jane@acme.example")
    mine = all_text(await teams.card(MALLORY, "show L-1"))
    assert "Mine" in mine and "secret" not in mine
    assert teams.services.records.get_record(OTHER_TENANT, "L-1").title == "Mine"
    assert teams.services.records.get_record(TENANT, "L-1").title == "Contoso secret deal"


async def test_a_card_action_cannot_reach_another_tenants_record(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Contoso secret deal")
    body = await teams.click(MALLORY, "record.show", {"ref": "L-1"})
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == "I can't find L-1."


async def test_allowed_tenants_refuses_others(aiohttp_client, connector, tmp_path) -> None:
    from app import create_app
    from tests.conftest import Teams as TeamsClient

    fake, service_url = connector
    config = Config(database_path=str(tmp_path / "crm.db"), allowed_tenants=frozenset({TENANT}))
    teams = TeamsClient(await aiohttp_client(create_app(config)), fake, service_url)
    assert "L-1" in all_text(await teams.card(ALICE, "new lead Allowed"))
    status, _ = await teams.post(teams.message(MALLORY, "new lead Refused"))
    assert status == 403
    assert teams.services.records.list_records(OTHER_TENANT, None) == []
