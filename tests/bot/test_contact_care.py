"""The contact list's upkeep through HTTP as Teams sends it: edit (command and Edit button), merge,
delete (refused while on an open record), and erase on a data-protection request, which leaves no trace
of the person's data in the database file."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ALICE, BOB, MALLORY, CardInHand, Teams, all_text


async def test_edit_a_contact_with_the_edit_button_and_the_command(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact Carl CFO carl@acme.example Acme")
    contacts = await CardInHand.posted(teams, ALICE, "contacts jane")
    await contacts.press("Edit")
    assert contacts.inputs()["email"]["value"] == "jane@acme.example"
    await contacts.press("Save contact", email="CARL@acme.example")  # another contact's email, in other case
    assert "Carl CFO already has the email carl@acme.example." in contacts.text
    await contacts.press("Save contact", email="not an email", name="")
    assert "is not a valid email address" in contacts.text and "A contact needs a name." in contacts.text
    await contacts.press("Save contact", name="Jane Buyer", email="jane.buyer@acme.example", phone="+44 20 7946 0000")
    assert "Jane Buyer saved." in contacts.text and "jane.buyer@acme.example" in contacts.text
    form = await CardInHand.posted(teams, ALICE, "edit contact jane.buyer@acme.example")
    await form.press("Save contact", job_title="Head of purchasing")
    assert "Head of purchasing" in all_text(await teams.card(ALICE, "contacts jane"))
    assert "No contact has the email" in await teams.text(MALLORY, "edit contact jane.buyer@acme.example")


async def test_merge_keeps_the_roles_of_both_and_the_timeline_says_so(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact J. Buyer jb@private.example")
    await teams.say(ALICE, "new lead One")
    await teams.say(ALICE, "new lead Two")
    await teams.say(ALICE, "contact L-1 jb@private.example")
    await teams.say(ALICE, "participant L-2 jb@private.example")
    await teams.say(ALICE, "contact L-2 jane@acme.example")
    card = all_text(await teams.card(ALICE, "merge contacts jb@private.example into jane@acme.example"))
    assert "J. Buyer <jb@private.example> merged into Jane Buyer <jane@acme.example>; 2 record(s) updated." in card
    one, two = teams.services.records.view(ALICE.tenant_id, "L-1"), teams.services.records.view(ALICE.tenant_id, "L-2")
    assert one.contact is not None and one.contact.email == "jane@acme.example"
    assert two.contact is not None and two.contact.email == "jane@acme.example" and two.participants == ()
    assert "merged contacts: J. Buyer <jb@private.example> → Jane Buyer" in all_text(
        await teams.card(ALICE, "show L-1")
    )
    assert "No contact has the email" in await teams.text(ALICE, "edit contact jb@private.example")
    assert "Say which one goes into which" in await teams.text(ALICE, "merge contacts jane@acme.example")
    await teams.say(ALICE, "new contact Jane Dup jane.dup@acme.example")
    merging = await CardInHand.posted(teams, ALICE, "edit contact jane.dup@acme.example")
    await merging.press("Merge into…")
    await merging.press("Merge", into="")
    assert "Pick the contact to keep." in merging.text
    await merging.press("Merge", into=merging.inputs()["into"]["choices"][0]["value"])
    assert "Jane Dup <jane.dup@acme.example> merged into Jane Buyer <jane@acme.example>; 0 record(s)" in merging.text
    assert "same contact" in await teams.text(ALICE, "merge contacts jane@acme.example into Jane Buyer")


async def test_delete_is_refused_while_on_an_open_record(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, "new contact Old Friend old@acme.example")
    await teams.say(ALICE, "new lead One")
    await teams.say(ALICE, "contact L-1 jane@acme.example")
    refused = await teams.text(ALICE, "delete contact jane@acme.example")
    assert "Jane Buyer is on open records (L-1)" in refused and "merge contacts" in refused
    card = await CardInHand.posted(teams, ALICE, "edit contact jane@acme.example")
    await card.press("Delete contact")
    assert "Jane Buyer is on open records (L-1)" in card.text and "[Save contact]" in card.text
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 2
    await teams.say(ALICE, "stage L-1 Disqualified")
    assert "Jane Buyer deleted." in await teams.text(ALICE, "delete contact jane@acme.example")
    card = await CardInHand.posted(teams, ALICE, "edit contact Old Friend")
    await card.press("Delete contact")
    assert "Old Friend deleted." in card.text
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 0


PERSONAL = [b"zoe.zyx@erase.example", b"zyxwerase", b"+49 555 0199", b"erasecorp"]


def database_bytes(teams: Teams) -> bytes:
    """SQLite: the database file as it lies on disk, after a checkpoint and a VACUUM (and any WAL left).
    PostgreSQL: every text and search column of every table, as the database answers (its files keep dead
    row versions until VACUUM, which is the operator's to schedule)."""
    db = teams.services.repo.db
    if teams.services.repo.dialect.postgres:
        columns = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND data_type IN ('text', 'character varying', 'tsvector')"
        ).fetchall()
        values = [v for t, c in columns for (v,) in db.execute(f"SELECT {c}::text FROM {t}").fetchall() if v]
        return "\n".join(values).encode().lower()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    path = Path(db.execute("PRAGMA database_list").fetchone()[2])
    wal = path.with_name(path.name + "-wal")
    return (path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()


async def test_erase_leaves_no_trace_of_the_person_in_the_database_file(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Zoe Zyxwerase zoe.zyx@erase.example Erasecorp")
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    form = await CardInHand.posted(teams, ALICE, "edit contact zoe.zyx@erase.example")
    await form.press("Save contact", phone="+49 555 0199")
    await teams.say(ALICE, "new lead Rollout for Zoe Zyxwerase")
    await teams.say(ALICE, "contact L-1 zoe.zyx@erase.example")
    await teams.say(ALICE, "participant L-1 jane@acme.example")
    await teams.say(BOB, "follow L-1")
    await teams.say(ALICE, "comment L-1 Called Zoe Zyxwerase (zoe.zyx@erase.example), she agrees")
    mail = await CardInHand.posted(teams, ALICE, "email L-1")
    await mail.press("Prepare in Outlook", subject="Offer for Zoe Zyxwerase", body="Hi Zoe")
    await mail.press("Log as sent")  # the email log: recipients and subject on the timeline
    assert "Email sent to zoe.zyx@erase.example" in mail.text
    await teams.settled()
    before = database_bytes(teams)
    assert all(word in before for word in PERSONAL)  # the check below can fail

    assert "Give the person's email" in await teams.text(ALICE, "erase contact Zoe Zyxwerase")
    clicked = await CardInHand.posted(teams, ALICE, "edit contact zoe.zyx@erase.example")
    await clicked.press("Erase (data protection)")  # the same confirmation, reached by clicking
    assert "This cannot be undone." in clicked.text
    confirm = await CardInHand.posted(teams, ALICE, "erase contact ZOE.ZYX@erase.example")
    assert "This cannot be undone." in confirm.text and "L-1" in confirm.text
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 2  # nothing happens before the click
    await confirm.press("Erase")
    assert "Erased. 1 record(s) now show “erased contact”" in confirm.text

    shown = all_text(await teams.card(ALICE, "show L-1"))
    assert "erased contact" in shown and "erased a person's data on request" in shown
    assert "Jane Buyer" in shown  # the others stay
    assert "Called erased contact (erased contact), she agrees" in shown
    assert "emailed to erased contact" in shown and "Offer for erased contact" in shown
    assert "Zoe" not in all_text(await teams.card(ALICE, "contacts"))
    assert "No contact matches." in all_text(await teams.card(ALICE, "find zyxwerase"))
    after = database_bytes(teams)
    assert [word for word in PERSONAL if word in after] == []
    assert b"jane@acme.example" in after
    log = teams.services.repo.db.execute("SELECT tenant_id, records, actor_id FROM erasures").fetchall()
    assert [tuple(row) for row in log] == [(ALICE.tenant_id, 1, 1)]
    assert "No contact has the email" in await teams.text(ALICE, "erase contact zoe.zyx@erase.example")


async def test_tampered_contact_buttons_change_nothing(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    jane = teams.services.repo.contacts.contact_by_email(ALICE.tenant_id, "jane@acme.example")
    assert jane is not None
    for person, verb, data in (
        (MALLORY, "contact.erase", {"contact": str(jane.id)}),  # another tenant's contact
        (MALLORY, "contact.save", {"contact": str(jane.id), "name": "Pwned"}),
        (ALICE, "contact.erase", {"contact": "abc"}),
        (ALICE, "contact.save", {"contact": ["1"], "name": "x"}),
        (ALICE, "contact.edit_form", {}),
    ):
        answer = await teams.click(person, verb, data)
        assert answer["type"] == "application/vnd.microsoft.activity.message", (verb, data)
    assert teams.services.repo.contacts.contact_by_email(ALICE.tenant_id, "jane@acme.example") == jane


async def test_a_stale_edit_contact_form_changes_only_what_its_sender_changed(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    bobs = await CardInHand.posted(teams, BOB, "edit contact jane@acme.example")  # no phone, no job title yet
    alices = await CardInHand.posted(teams, ALICE, "edit contact jane@acme.example")
    await alices.press("Save contact", phone="+44 20 7946 0002")
    stale = bobs.card
    await bobs.press("Save contact", job_title="Head of purchasing")  # Teams sends no untouched empty input
    assert "Jane Buyer saved." in bobs.text, bobs.text
    jane = teams.services.contacts.resolve_contact(ALICE.tenant_id, "jane@acme.example")
    assert (jane.phone, jane.job_title) == ("+44 20 7946 0002", "Head of purchasing")
    again = CardInHand(teams, BOB, stale, bobs.message_id, "personal")  # the same old form, once more
    await again.press("Save contact", phone="+44 20 7946 0001", company="Acme Ltd")
    text = again.text
    assert "phone is now +44 20 7946 0002 (yours: +44 20 7946 0001)" in text and "kept" in text, text
    jane = teams.services.contacts.resolve_contact(ALICE.tenant_id, "jane@acme.example")
    assert (jane.phone, jane.company) == ("+44 20 7946 0002", "Acme Ltd")
    assert again.inputs()["phone"]["value"] == "+44 20 7946 0001"  # the form again, with theirs to apply
    await again.press("Save contact")
    assert "Jane Buyer saved." in again.text
    assert teams.services.contacts.resolve_contact(ALICE.tenant_id, "jane@acme.example").phone == "+44 20 7946 0001"
