"""The foundation's "done when", by chat alone, through HTTP exactly as Teams calls the bot."""

from bot.domain.models import Kind
from cards.common import plain
from tests.conftest import ALICE, BOB, Teams, all_text


async def test_the_whole_path_by_chat(teams: Teams) -> None:
    assert "Jane Buyer added" in all_text(await teams.card(ALICE, "new contact Jane Buyer jane@acme.example Acme"))
    assert "Carl CFO added" in all_text(await teams.card(ALICE, "new contact Carl CFO carl@acme.example"))

    created = all_text(await teams.card(ALICE, "new lead Acme rollout"))
    assert "L-1 · Lead" in created and "Acme rollout" in created and "Stage: New" in created
    assert "Followers (1)" in created and "Alice Owner" in created  # the creator follows

    card = all_text(await teams.card(ALICE, "contact L-1 jane@acme.example"))
    assert "Jane Buyer is now the Contact of L-1." in card
    assert plain("Jane Buyer · jane@acme.example · Acme") in card

    card = all_text(await teams.card(ALICE, "participant l-1 Carl CFO"))
    assert "Other participants (1)" in card and plain("• Carl CFO · carl@acme.example") in card

    card = all_text(await teams.card(ALICE, "remove participant L-1 carl@acme.example"))
    assert "Other participants (0)" in card
    await teams.card(ALICE, "participant L-1 carl@acme.example")

    # Making the participant the Contact moves them; the former Contact stays as a participant.
    card = all_text(await teams.card(ALICE, "contact L-1 Carl CFO"))
    assert "Carl CFO is now the Contact of L-1." in card
    assert "Other participants (1)" in card and plain("• Jane Buyer · jane@acme.example · Acme") in card
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert view.contact is not None and view.contact.name == "Carl CFO"
    assert [p.name for p in view.participants] == ["Jane Buyer"]

    card = all_text(await teams.card(BOB, "follow L-1"))
    assert "You now follow L-1." in card and "Followers (2)" in card and "You follow this record." in card
    card = all_text(await teams.card(BOB, "unfollow L-1"))
    assert "You no longer follow L-1." in card and "Followers (1)" in card
    await teams.card(BOB, "follow L-1")

    card = all_text(await teams.card(ALICE, "comment L-1 They want it before Easter"))
    assert "commented: They want it before Easter" in card

    card = all_text(await teams.card(ALICE, "stage L-1 qualified"))
    assert "L-1 moved to Qualified." in card and "Stage: Qualified" in card

    card = all_text(await teams.card(ALICE, "convert L-1"))
    assert "L-1 is now opportunity O-1." in card and "O-1 · Opportunity" in card
    assert "Stage: Prospecting" in card and "Converted from: L-1" in card

    opportunity = teams.services.records.view(ALICE.tenant_id, "O-1")
    assert opportunity.contact is not None and opportunity.contact.name == "Carl CFO"
    assert [p.name for p in opportunity.participants] == ["Jane Buyer"]
    assert {f.user.name for f in opportunity.followers} == {"Alice Owner", "Bob Follower"}
    assert teams.comment_count(ALICE.tenant_id, opportunity.record.id) == 1

    shown = all_text(await teams.card(BOB, "show o-1"))
    assert "Contact" in shown and "Carl CFO" in shown and "Jane Buyer" in shown and "Bob Follower" in shown
    assert "converted L-1 → O-1" in shown

    lead = all_text(await teams.card(ALICE, "show L-1"))
    assert "Stage: Converted" in lead and "Converted to: O-1" in lead
    assert "was already converted to O-1" in await teams.text(ALICE, "convert L-1")
    assert teams.services.repo.records.list_records(ALICE.tenant_id, Kind.OPPORTUNITY) != []


async def test_channel_mention_and_lists(teams: Teams) -> None:
    await teams.card(ALICE, "new opportunity Fabrikam renewal", chat="channel")
    card = all_text(await teams.card(BOB, "show O-1", chat="channel"))
    assert "Fabrikam renewal" in card and "You don't follow this record." in card
    assert "O-1" in all_text(await teams.card(BOB, "opportunities", chat="channel"))
    assert "Nobody" not in all_text(await teams.card(ALICE, "my"))
    assert "O-1" in all_text(await teams.card(ALICE, "MY"))
    assert "You follow nothing yet" in all_text(await teams.card(BOB, "following"))
    assert "Fabrikam renewal" in all_text(await teams.card(BOB, "find fabri"))
