"""An erasure is final (issue 25), through HTTP as Teams sends it, on both engines: after `erase contact`
no table, index, import preview, pending notification or timeline holds the person (the entries merged
into them included), and every later use of the erased id (a stale form, an old preview, an old card, a
typeahead choice) is refused with a clear sentence. Each path is checked by scanning the database itself
(SQLite: the file and its WAL; PostgreSQL: every text column); unused import previews go after their hour."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_contact_care import database_bytes
from tests.bot.test_follow_news import Clock, texts
from tests.bot.test_message_extension import dialog_values, fetch, submit
from tests.conftest import ALICE, BOB, CARD, FAST, TENANT, CardInHand, Person, Teams, all_text
from tests.teams_files import send_file

EVENING = "2026-12-01T18:30:00.000000Z"  # Tuesday, 19:30 in Berlin: Bob's working hours are over
ZOE = [b"zoe.zyx@erase.example", b"zyxwerase", b"+49 555 0199"]
ERASED = "was erased on a data-protection request"


@pytest.fixture
def clock() -> Clock:
    return Clock(EVENING)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: Any, bot_config: Config, clock: Clock) -> Teams:
    fake, service_url = connector
    return Teams(await aiohttp_client(create_app(bot_config, delivery=FAST, clock=clock)), fake, service_url)


def left(teams: Teams, words: list[bytes]) -> list[bytes]:
    """The words still somewhere in the database."""
    found = database_bytes(teams)
    return [word for word in words if word in found]


async def add_zoe(teams: Teams) -> int:
    await teams.say(ALICE, "new contact Zoe Zyxwerase zoe.zyx@erase.example")
    form = await CardInHand.posted(teams, ALICE, "edit contact zoe.zyx@erase.example")
    await form.press("Save contact", phone="+49 555 0199")
    zoe = teams.services.repo.contacts.contact_by_email(TENANT, "zoe.zyx@erase.example")
    assert zoe is not None and zoe.phone == "+49 555 0199"
    return zoe.id


async def erase(teams: Teams, email: str) -> None:
    confirm = await CardInHand.posted(teams, ALICE, f"erase contact {email}")
    await confirm.press("Erase")
    assert "Erased." in confirm.text, confirm.text


def fts_in_step(teams: Teams) -> None:
    """SQLite: the full-text index over contacts is sound, and a name typed finds the contact (an erased one never)."""
    if not teams.services.repo.dialect.postgres:
        teams.services.repo.db.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')")


def zoe_file() -> bytes:
    return b"Name,Email,Phone\nZoe Zyxwerase,zoe.zyx@erase.example,+49 555 0199\nJane Other,jane.o@other.example,\n"


async def preview(teams: Teams, person: Person, data: bytes) -> CardInHand:
    [post] = [r for r in await send_file(teams, person, "contacts.csv", data) if r.cards]
    return CardInHand(teams, person, post.cards[0], post.id, "personal")


def answer_text(card: CardInHand) -> str:
    return card.text if card.answer["type"] == CARD else str(card.answer["value"])


async def test_an_older_import_preview_cannot_bring_an_erased_person_back(teams: Teams) -> None:
    await add_zoe(teams)
    alices = await preview(teams, ALICE, zoe_file())
    assert "New: 1" in alices.text and "Same email as a contact: 1" in alices.text
    bobs = await preview(teams, BOB, zoe_file())
    assert left(teams, ZOE) == ZOE  # the check below can fail
    await erase(teams, "zoe.zyx@erase.example")
    assert left(teams, ZOE) == []
    for card in (alices, bobs):
        await card.press("Import", matching="update")
        said = answer_text(card)
        assert "held a contact whose data was erased on a data-protection request since" in said, said
        assert "nothing was imported" in said
    assert teams.services.contacts.count_contacts(TENANT) == 0 and left(teams, ZOE) == []
    again = await preview(teams, ALICE, zoe_file())  # the file sent again is a new, deliberate import
    assert "New: 2" in again.text


async def test_a_stale_form_an_old_card_or_a_typeahead_choice_cannot_use_an_erased_contact(teams: Teams) -> None:
    zoe = await add_zoe(teams)  # the only contact: SQLite's full-text index once broke on exactly this
    await teams.say(ALICE, "new lead Rollout")
    await teams.say(ALICE, "participant L-1 zoe.zyx@erase.example")
    stale = await CardInHand.posted(teams, ALICE, "edit contact zoe.zyx@erase.example")
    dialog = await fetch(teams, ALICE, "leadFromMessage")  # offers Zoe as a typeahead choice
    await erase(teams, "zoe.zyx@erase.example")
    await stale.press("Save contact")  # the stale form, with her name, email and phone in it
    assert ERASED in answer_text(stale), answer_text(stale)
    fts_in_step(teams)
    assert left(teams, ZOE) == []
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example")
    jane = teams.services.contacts.resolve_contact(TENANT, "jane@acme.example").id
    version = teams.services.records.get_record(TENANT, "L-1").version
    for verb, data in [
        ("contact.save", {"contact": str(zoe), "name": "Zoe Zyxwerase", "email": "zoe.zyx@erase.example"}),
        ("contact.merge", {"contact": str(zoe), "into": str(jane)}),
        ("contact.merge", {"contact": str(jane), "into": str(zoe)}),
        ("contact.edit_form", {"contact": str(zoe)}),
        ("contact.erase_confirm", {"contact": str(zoe)}),
        ("contact.erase", {"contact": str(zoe)}),
        ("contact.delete", {"contact": str(zoe)}),
        ("record.set_contact", {"ref": "L-1", "version": version, "contact": str(zoe)}),
    ]:
        answer = await teams.click(ALICE, verb, data)
        assert ERASED in str(answer), (verb, answer)
    said = str(await submit(teams, ALICE, "leadFromMessage", dialog_values(dialog, contact=str(zoe))))
    assert ERASED in said, said
    assert (
        teams.services.contacts.count_contacts(TENANT) == 1
        and len(teams.services.records.list_records(TENANT, None)) == 1
    )
    card = await CardInHand.posted(teams, ALICE, "show L-1")
    assert "erased contact" in card.text and "Jane Buyer" not in card.text
    fts_in_step(teams)
    assert left(teams, ZOE) == []
    # her email is free again: someone else (or she, asking again) may be added with it
    assert "Zed Other" in all_text(await teams.card(ALICE, "new contact Zed Other zoe.zyx@erase.example"))


async def test_the_entries_merged_into_a_person_are_erased_with_them(teams: Teams) -> None:
    merged = [b"ada.old@merge.example", b"qwyrt", b"+44 555 0456", b"ada.q@merge.example", b"+44 555 0123"]
    await teams.say(ALICE, "new contact Ada Qwyrtmerge ada.q@merge.example")
    await teams.say(ALICE, "new contact A. Qwyrt ada.old@merge.example")
    for email, phone in (("ada.q@merge.example", "+44 555 0123"), ("ada.old@merge.example", "+44 555 0456")):
        form = await CardInHand.posted(teams, ALICE, f"edit contact {email}")
        await form.press("Save contact", phone=phone)
    await teams.say(ALICE, "new lead Deal")
    await teams.say(ALICE, "contact L-1 ada.old@merge.example")
    await teams.say(ALICE, "comment L-1 A. Qwyrt says: call +44 555 0456 or write to ada.old@merge.example")
    said = all_text(await teams.card(ALICE, "merge contacts ada.old@merge.example into ada.q@merge.example"))
    assert "A. Qwyrt <ada.old@merge.example> merged into Ada Qwyrtmerge" in said
    assert left(teams, merged) == merged
    await erase(teams, "ada.q@merge.example")
    shown = all_text(await teams.card(ALICE, "show L-1"))
    assert "Qwyrt" not in shown and "ada.old" not in shown and "0456" not in shown, shown
    assert left(teams, merged) == []
    fts_in_step(teams)


async def test_a_pending_notification_goes_out_without_the_erased_person(teams: Teams, clock: Clock) -> None:
    activity = teams.message(BOB, "working hours on")
    activity["entities"] = [{"type": "clientInfo", "locale": "de-DE", "timezone": "Europe/Berlin"}]
    assert (await teams.post(activity))[0] in (200, 201)
    await add_zoe(teams)
    await teams.say(ALICE, "new lead Rollout")
    await teams.say(BOB, "follow L-1")
    await teams.say(ALICE, "contact L-1 zoe.zyx@erase.example")
    await teams.say(ALICE, "comment L-1 Zoe Zyxwerase (+49 555 0199) wants a call")
    await teams.settled()
    assert teams.notifications(BOB) == [] and teams.outbox()["pending"] >= 1  # held until Bob's morning
    await erase(teams, "zoe.zyx@erase.example")
    assert left(teams, ZOE) == []
    clock.advance(14 * 3600)  # Wednesday 09:30 in Berlin
    await teams.say(ALICE, "help")  # a turn wakes the sender
    await teams.connector.wait_for(lambda: "wants a call" in "\n".join(texts(teams, BOB)))
    await teams.settled()
    told = "\n".join(texts(teams, BOB))  # one message or two (the Contact set, the comment): as they were batched
    assert "commented: erased contact (erased contact) wants a call" in told, told
    assert "set the Contact to erased contact" in told
    assert not [w for w in ZOE if w.decode() in told.lower()]


async def test_unused_import_previews_are_purged_by_the_housekeeping_after_their_hour(
    teams: Teams, clock: Clock
) -> None:
    card = await preview(teams, ALICE, zoe_file())
    assert left(teams, ZOE) == ZOE
    assert teams.services.people.prune_history()["expired imports"] == 0  # within its hour it stays
    clock.advance(61 * 60)
    assert teams.services.people.prune_history()["expired imports"] == 1
    count = teams.services.repo.db.execute("SELECT count(*) FROM contact_imports").fetchone()[0]
    assert count == 0 and left(teams, ZOE) == []
    await card.press("Import")
    assert "This import no longer exists" in answer_text(card) and teams.services.contacts.count_contacts(TENANT) == 0
