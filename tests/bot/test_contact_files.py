"""Contacts in and out as CSV files, through HTTP as Teams sends them: a file sent in the personal chat is
read (Outlook's, Google's or a plain header), previewed and imported on confirmation in one transaction; bad
files are refused with a clear answer and change nothing; `export contacts` / `export records` go through
Teams' file consent flow (tests/fake_files.py) with formula-like cells neutralised."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest

from bot.teams.files import FRAGMENT, fragment_timeout, upload
from tests.conftest import ALICE, BOB, MALLORY, CardInHand, Person, Teams, all_text
from tests.fake_connector import FakeConnector
from tests.fake_files import FRAGMENT_UNIT
from tests.teams_files import answer_consent, consent_cards, export_file, info_cards, send_attachment, send_file

OUTLOOK = ["First Name", "Middle Name", "Last Name", "Company", "Job Title", "Business Phone", "E-mail Address"]
GOOGLE = ["Name", "Given Name", "Family Name", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Value",
          "Organization 1 - Name", "Organization 1 - Title"]  # fmt: skip


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def outlook_rows(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"Pat{i}", "", f"Buyer{i}", "Acme", "Buyer", f"+44 20 7946 {i:04d}", f"pat{i}@acme.example"]
        for i in range(start, start + count)
    ]


def contact_count(teams: Teams, tenant: str = ALICE.tenant_id) -> int:
    return teams.services.contacts.count_contacts(tenant)


def pending_imports(teams: Teams) -> int:
    return int(teams.services.repo.db.execute("SELECT count(*) FROM contact_imports").fetchone()[0])


async def preview(teams: Teams, person: Person, name: str, data: bytes) -> CardInHand:
    replies = await send_file(teams, person, name, data)
    posts = [r for r in replies if r.cards]
    assert len(posts) == 1, [r.activity for r in replies]
    return CardInHand(teams, person, posts[0].cards[0], posts[0].id, "personal")


async def test_an_outlook_export_is_previewed_then_imported_once(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Old Name pat1@acme.example Oldco")
    rows = [
        *outlook_rows(3),
        ["", "", "", "Nameless", "", "", ""],  # row 5: no name, no email
        ["Eve", "", "Evil", '=HYPERLINK("http://evil.example","x")', "", "", "eve@evil.example"],  # row 6
        ["Bad", "", "Mail", "", "", "", "not-an-email"],  # row 7
        ["Pat", "", "Again", "", "", "", "PAT0@acme.example"],  # row 8: the same email as row 2
    ]
    card = await preview(teams, ALICE, "contacts.csv", csv_bytes(OUTLOOK, rows))
    text = card.text
    assert "New: 2" in text and "Same email as a contact: 1" in text and "Refused: 4" in text, text
    assert "No name or email: row 5" in text and "spreadsheet formula: row 6" in text, text
    assert "Not a valid email: row 7" in text and "email appears earlier in the file: row 8" in text, text
    assert "Pat0 Buyer0" in text and "pat0@acme.example" in text
    assert contact_count(teams) == 1  # nothing is imported before the person confirms
    (button,) = [a for a in card._actions() if a["title"] == "Import"]
    await card.press("Import", matching="update")
    assert "2 added, 1 updated" in card.text, card.text
    assert contact_count(teams) == 3
    updated = teams.services.contacts.resolve_contact(ALICE.tenant_id, "pat1@acme.example")
    assert (updated.name, updated.company, updated.phone) == ("Pat1 Buyer1", "Acme", "+44 20 7946 0001")
    again = await teams.click(ALICE, button["verb"], {**button["data"], "matching": "update"})  # a second click
    assert "already imported" in str(again["value"]) and contact_count(teams) == 3


async def test_google_and_plain_headers_and_the_skip_choice(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Kept Name kim@globex.example")
    google = csv_bytes(
        GOOGLE,
        [["Kim Lee", "Kim", "Lee", "* Work", "kim@globex.example", "+1 555 0100", "Globex", "CTO"],
         ["", "Lou", "Ng", "* Work", "lou@globex.example", "", "Globex", "CFO"]],
    )  # fmt: skip
    card = await preview(teams, ALICE, "google.csv", google)
    assert "New: 1" in card.text and "Same email as a contact: 1" in card.text
    await card.press("Import", matching="skip")
    assert "1 added, 0 updated, 1 left as they were" in card.text, card.text
    assert teams.services.contacts.resolve_contact(ALICE.tenant_id, "kim@globex.example").name == "Kept Name"
    lou = teams.services.contacts.resolve_contact(ALICE.tenant_id, "lou@globex.example")
    assert (lou.name, lou.company, lou.job_title) == ("Lou Ng", "Globex", "CFO")
    plain = "\ufeffname,email,company,phone,job title\nZoë Ångström,zoe@umlaut.example,Ümlaut GmbH,+49 30 1234,CEO\n"
    card = await preview(teams, ALICE, "plain.csv", plain.encode("utf-8"))
    await card.press("Import")
    zoe = teams.services.contacts.resolve_contact(ALICE.tenant_id, "zoe@umlaut.example")
    assert (zoe.name, zoe.company, zoe.phone, zoe.job_title) == ("Zoë Ångström", "Ümlaut GmbH", "+49 30 1234", "CEO")
    # UTF-16 with its BOM (Excel's "Unicode text") and Windows-1252 (Excel's "CSV" on Western Windows)
    unmarked = plain.replace("\ufeff", "")
    for data in (unmarked.encode("utf-16"), unmarked.replace("zoe@", "zoe2@").encode("cp1252")):
        card = await preview(teams, ALICE, "other.csv", data)
        assert "Zoë Ångström" in card.text, card.text


async def test_round_trip_of_1000_contacts_through_export_and_import(teams: Teams) -> None:
    card = await preview(teams, ALICE, "outlook.csv", csv_bytes(OUTLOOK, outlook_rows(1000)))
    assert "New: 1000" in card.text
    await card.press("Import")
    assert contact_count(teams) == 1000
    exported = await export_file(teams, ALICE, "contacts")
    lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert len(lines) == 1001 and lines[0][:2] == ["Name", "Email"]
    again = await preview(teams, ALICE, "contacts.csv", exported)
    assert "New: 0" in again.text and "Same email as a contact: 1000" in again.text, again.text
    await again.press("Import", matching="update")
    assert contact_count(teams) == 1000
    assert teams.services.contacts.resolve_contact(ALICE.tenant_id, "pat999@acme.example").phone == "+44 20 7946 0999"
    assert b"pat1@" not in await export_file(teams, MALLORY, "contacts")  # the other tenant exports its own


async def test_a_german_and_a_brazilian_export_name_their_columns_and_import_back(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jörg Käufer jorg@acme.example Acme")
    await teams.say(ALICE, "new lead Rollout")
    alice_de, alice_br = replace(ALICE, locale="de-DE"), replace(ALICE, locale="pt-BR")
    german = list(csv.reader(io.StringIO((await export_file(teams, alice_de, "contacts")).decode("utf-8-sig"))))
    assert german[0] == ["Name", "E-Mail", "Unternehmen", "Telefon", "Position"], german[0]
    brazil = await export_file(teams, alice_br, "contacts")
    assert brazil.decode("utf-8-sig").splitlines()[0] == "Nome,E-mail,Empresa,Telefone,Cargo"
    records = list(csv.reader(io.StringIO((await export_file(teams, alice_de, "records")).decode("utf-8-sig"))))
    assert records[0][:4] == ["Ref", "Art", "Titel", "Phase"] and records[0][-3:] == [
        "Archiviert",
        "Pipeline",
        "Verlustgrund",
    ]
    # a colleague's Portuguese file (accents, other words) reads as well as our own export
    moved = brazil.replace(b"jorg@acme.example", b"jorg@neu.example").replace(b"Acme", b"Neu GmbH")
    card = await preview(teams, alice_de, "kontakte.csv", moved)
    assert "Jörg Käufer" in card.text and "jorg@neu.example" in card.text, card.text
    await card.press("Importieren")
    assert teams.services.contacts.resolve_contact(ALICE.tenant_id, "jorg@neu.example").company == "Neu GmbH"
    portuguese = csv_bytes(["Nome próprio", "Apelido", "Endereço de email", "Organização", "Telemóvel", "Função"],
                           [["Ana", "Sousa", "ana@lisboa.example", "Lisboa Lda", "+351 21 000 0000", "CFO"]])  # fmt: skip
    card = await preview(teams, alice_br, "contactos.csv", portuguese)
    await card.press("Importar")
    ana = teams.services.contacts.resolve_contact(ALICE.tenant_id, "ana@lisboa.example")
    assert (ana.name, ana.company, ana.phone, ana.job_title) == ("Ana Sousa", "Lisboa Lda", "+351 21 000 0000", "CFO")


async def test_export_records_neutralises_formulas_and_decline_sends_nothing(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    await teams.say(ALICE, 'new opportunity =HYPERLINK("http://evil.example")')
    await teams.say(ALICE, "contact O-1 jane@acme.example")
    await teams.say(ALICE, "value O-1 25000 EUR")
    await teams.say(ALICE, "close O-1 2027-03-31")
    await teams.say(ALICE, "company O-1 @Acme")
    rows = list(csv.DictReader(io.StringIO((await export_file(teams, ALICE, "records")).decode("utf-8-sig"))))
    (row,) = rows
    assert row["Ref"] == "O-1" and row["Title"] == '\'=HYPERLINK("http://evil.example")', row
    assert row["Company"] == "'@Acme" and row["Contact"] == "Jane Buyer" and row["Contact email"] == "jane@acme.example"
    assert (row["Value"], row["Currency"], row["Close date"], row["Owner"]) == ("25000.00", "EUR", "2027-03-31",
                                                                              "Alice Owner"), row  # fmt: skip
    offer = consent_cards(await teams.say(ALICE, "export contacts"))
    status, _, posts = await answer_consent(teams, ALICE, offer[0], "decline")
    assert status == 200 and not info_cards(posts) and "nothing was sent" in " ".join(p.text for p in posts)
    assert "personal chat" in await teams.text(ALICE, "export contacts", chat="channel")
    uploads = len(teams.connector.files.uploads)
    status, _, posts = await answer_consent(teams, ALICE, offer[0], chat="channel")  # Teams never sends this
    assert status == 200 and not info_cards(posts)
    assert not any(u.done for u in list(teams.connector.files.uploads.values())[uploads:])


TEN_MB = b"name,email\n" + b"x" * (10 * 1024 * 1024)
FIFTY_THOUSAND = csv_bytes(["name", "email"], [[f"P{i}", f"p{i}@big.example"] for i in range(50_000)])
BAD_FILES: list[tuple[str, str, bytes, int, str]] = [
    ("xlsx", "contacts.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4, 200, "not a CSV file"),
    ("png renamed", "contacts.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), 200, "not a CSV file"),
    ("binary", "contacts.csv", bytes(range(256)) * 8, 200, "not a CSV file"),
    ("utf-16 without BOM", "contacts.csv", "name,email\nA,a@b.example\n".encode("utf-16-le"), 200, "not a CSV file"),
    ("over 10 MB", "contacts.csv", TEN_MB, 200, "larger than"),
    ("50,000 rows", "contacts.csv", FIFTY_THOUSAND, 200, "more than 5,000 rows"),
    ("empty", "contacts.csv", b"", 200, "empty"),
    ("header only", "contacts.csv", b"First Name,Last Name,E-mail Address\r\n", 200, "no contacts"),
    ("unknown columns", "contacts.csv", b"foo,bar\n1,2\n", 200, "no column I know"),
    ("only formulas", "contacts.csv", b"name,email\n=1+1,a@b.example\n@SUM(A1),c@d.example\n", 200, "formula"),
    ("download fails", "contacts.csv", b"name,email\nA,a@b.example\n", 404, "could not download"),
    (
        "unterminated quote",
        "contacts.csv",
        b'name,email\nAnn,ann@acme.example\n"Bob Lee,bob@acme.example\nCy,c@d.example\n',
        200,
        'A quote (") opened in row 3 is never closed',
    ),
    (
        "stray quote",
        "contacts.csv",
        b'name,email\nAnn,ann@acme.example\n"Bob" Lee,bob@acme.example\n',
        200,
        "Row 3 is not valid CSV",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "status", "answer"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
async def test_bad_files_get_a_clear_answer_and_change_nothing(
    teams: Teams, name: str, data: bytes, status: int, answer: str
) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    replies = await send_file(teams, ALICE, name, data, status)
    said = " ".join(r.text for r in replies) + " ".join(all_text(c) for r in replies for c in r.cards)
    assert answer in said, said
    assert not any(c.get("actions") or "Import" in all_text(c) for r in replies for c in r.cards)
    assert contact_count(teams) == 1 and pending_imports(teams) == 0
    assert not [s for s, why in teams.connector.files.refusals if "Authorization" in why]


async def test_an_expired_download_url_is_refused_cleanly(teams: Teams) -> None:
    attachment = teams.connector.files.attachment("c.csv", b"name,email\nA,a@b.example\n")
    teams.connector.files.expire_all()
    posts = await send_attachment(teams, ALICE, attachment)
    assert "I could not download c.csv. Send it to me again." in " ".join(p.text for p in posts)
    assert contact_count(teams) == 0


async def test_a_pending_import_is_its_owners_alone(teams: Teams) -> None:
    card = await preview(teams, ALICE, "c.csv", csv_bytes(["name", "email"], [["Ann", "ann@acme.example"]]))
    (import_button,) = [a for a in card._actions() if a["title"] == "Import"]
    data: dict[str, Any] = {**import_button["data"], "matching": "skip"}
    for person in (MALLORY, BOB):  # another tenant; a colleague in the same tenant
        answer = await teams.click(person, import_button["verb"], data)
        assert "no longer exists" in str(answer["value"]), answer
    for tampered in ("", "x" * 500, 7, "../../etc"):
        answer = await teams.click(ALICE, import_button["verb"], {**data, "import": tampered})
        assert answer["type"] != "application/vnd.microsoft.card.adaptive" or "added" not in str(answer["value"])
    assert contact_count(teams, MALLORY.tenant_id) == 0 and contact_count(teams) == 0
    await card.press("Cancel")
    assert "Nothing was imported" in card.text
    answer = await teams.click(ALICE, import_button["verb"], data)  # the Import of the card before Cancel
    assert "cancelled" in str(answer["value"]) and contact_count(teams) == 0


async def test_a_large_export_is_uploaded_with_a_timeout_per_fragment_not_one_for_the_whole_file(
    connector: tuple[FakeConnector, str],
) -> None:
    """A file of several fragments over a slow link: each fragment has its own time (sized by its bytes: 30 s for
    a full 5 MiB fragment), so the file as a whole may take longer than any one of them. The link is slow on the
    fake's side (OneDrive answering each fragment late) and the bound is made short here."""
    files = connector[0].files
    offer = {"name": "contacts.csv", "content": {"description": "x", "sizeInBytes": 1, "acceptContext": {}}}
    info = files.consent_value(offer)["uploadInfo"]
    data = bytes(range(256)) * (6 * FRAGMENT_UNIT // 256)  # six fragments of 320 KiB
    files.fragment_delay = 0.06  # six answers take 0.36 s in all, each well inside 0.25 s
    assert await upload(info["uploadUrl"], data, timeout_of=lambda _size: 0.25, fragment=FRAGMENT_UNIT)
    assert files.uploaded(info["uniqueId"]) == data
    again = files.consent_value(offer)["uploadInfo"]
    files.fragment_delay = 0.4  # one fragment past its bound: the upload says it failed (the bot says so)
    assert not await upload(again["uploadUrl"], data, timeout_of=lambda _size: 0.25, fragment=FRAGMENT_UNIT)
    assert fragment_timeout(FRAGMENT) == 30.0 and fragment_timeout(1000) < 11 and FRAGMENT % FRAGMENT_UNIT == 0


# A formula behind what the import's cleaning removes or trims: the check sees the text as it would be stored.
HIDDEN_PREFIXES = ["\v", "\f", "\x01", "\n", "\u00a0", "\u2003", "\u3000", "\u2028", " \t", "\x1f\r"]


async def test_a_formula_behind_invisible_characters_is_refused_like_any_formula(teams: Teams) -> None:
    rows = [[f"Row{i}", f"r{i}@acme.example", f'{prefix}=HYPERLINK("http://evil.example","x")']
            for i, prefix in enumerate(HIDDEN_PREFIXES)]  # fmt: skip
    rows.append(["Kept", "kept@acme.example", "Acme"])
    card = await preview(teams, ALICE, "hidden.csv", csv_bytes(["name", "email", "company"], rows))
    assert f"Refused: {len(HIDDEN_PREFIXES)}" in card.text and "New: 1" in card.text, card.text
    lines = ", ".join(str(n) for n in range(2, len(HIDDEN_PREFIXES) + 2))
    assert f"A cell would run as a spreadsheet formula: rows {lines}" in card.text, card.text
    await card.press("Import")
    assert [c.company for c in teams.services.contacts.search_contacts(ALICE.tenant_id, "", 50)] == ["Acme"]


async def test_our_own_export_imports_back_unchanged_whatever_its_cells_start_with(teams: Teams) -> None:
    odd = {"company": "-", "job_title": "+1 Team", "phone": "+44 20 7946 0000"}
    await teams.say(ALICE, "new contact Dash Person dash@acme.example")
    form = await CardInHand.posted(teams, ALICE, "edit contact dash@acme.example")
    await form.press("Save contact", **odd)
    await teams.say(ALICE, "new contact At Person at@acme.example")
    form = await CardInHand.posted(teams, ALICE, "edit contact at@acme.example")
    await form.press("Save contact", name="@Alias", company="'=quoted already", job_title="=1+1")
    before = {c.email: c for c in teams.services.contacts.search_contacts(ALICE.tenant_id, "", 50)}
    assert (before["dash@acme.example"].company, before["dash@acme.example"].job_title) == ("-", "+1 Team")
    exported = await export_file(teams, ALICE, "contacts")
    assert "'-" in exported.decode("utf-8-sig") and "'+1 Team" in exported.decode("utf-8-sig")
    card = await preview(teams, ALICE, "contacts.csv", exported)
    assert "Same email as a contact: 2" in card.text and "Refused: 0" in card.text, card.text
    await card.press("Import", matching="update")
    after = {c.email: c for c in teams.services.contacts.search_contacts(ALICE.tenant_id, "", 50)}
    assert after == before
    again = await preview(teams, MALLORY, "contacts.csv", exported)
    await again.press("Import")
    copied = {c.email: c for c in teams.services.contacts.search_contacts(MALLORY.tenant_id, "", 50)}
    assert {e: (c.name, c.company, c.job_title, c.phone) for e, c in copied.items()} == {
        e: (c.name, c.company, c.job_title, c.phone) for e, c in before.items()
    }


async def test_an_abandoned_preview_is_forgotten_by_the_housekeeping_once_expired(teams: Teams) -> None:
    """A previewed file's rows (names, emails, phones) wait an hour for their Import click; one nobody clicks
    goes with the hourly housekeeping, not only when someone of the tenant imports again."""
    await preview(teams, ALICE, "c.csv", csv_bytes(["name", "email"], [["Ann", "ann@acme.example"]]))
    assert teams.services.people.prune_history()["expired imports"] == 0  # still waiting for its click
    assert pending_imports(teams) == 1
    with teams.services.repo.transaction():
        teams.services.repo.db.execute("UPDATE contact_imports SET expires_at = '2020-01-01T00:00:00Z'")
    assert teams.services.people.prune_history()["expired imports"] == 1
    assert pending_imports(teams) == 0
