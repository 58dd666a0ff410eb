"""A file a person sends is fetched only from where Teams serves files (https on SharePoint / OneDrive hosts, or
an origin the operator lists in FILE_DOWNLOAD_HOSTS: the fake's loopback origin here), never with credentials
from the URL, never through a redirect elsewhere, and every failure reads the same. The download never holds
Teams' request: the bot answers at once and sends the preview on its own once the file is read."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import ALICE, CardInHand, Teams, all_text
from tests.fake_connector import Posted
from tests.teams_files import files_read, send_attachment

CSV = b"name,email\nAnn Lee,ann@acme.example\n"
NEUTRAL = "I could not download contacts.csv. Send it to me again."


class Elsewhere:
    """A server that is not where Teams serves files: it serves a perfectly good CSV and counts who came."""

    def __init__(self) -> None:
        self.hits = 0
        self.origin = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.Response(body=CSV, content_type="text/csv")


@pytest.fixture
async def elsewhere(aiohttp_server: Any) -> Elsewhere:
    server = Elsewhere()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    running = await aiohttp_server(app)
    server.origin = f"http://127.0.0.1:{running.port}"
    return server


def said(posts: list[Posted]) -> str:
    return " ".join([p.text for p in posts] + [all_text(c) for p in posts for c in p.cards])


def previews(posts: list[Posted]) -> list[dict[str, Any]]:
    return [c for p in posts for c in p.cards if "Import" in all_text(c)]


def hostile(teams: Teams, elsewhere: Elsewhere, case: str) -> dict[str, Any]:
    """A file attachment whose download URL (or its download's answer) goes where it should not."""
    files = teams.connector.files
    attachment = files.attachment("contacts.csv", CSV)
    url = attachment["content"]["downloadUrl"]
    port = files.base_url.rsplit(":", 1)[1]
    if case == "plain http elsewhere":
        attachment["content"]["downloadUrl"] = f"{elsewhere.origin}/contacts.csv"
    elif case == "https elsewhere":
        attachment["content"]["downloadUrl"] = elsewhere.origin.replace("http://", "https://") + "/contacts.csv"
    elif case == "a closed port":
        attachment["content"]["downloadUrl"] = url.replace(f":{port}/", ":1/")
    elif case == "credentials in the URL":
        attachment["content"]["downloadUrl"] = url.replace("http://", "http://alice:secret@")
    elif case == "redirect elsewhere":
        files.shared_at(attachment).redirect = f"{elsewhere.origin}/contacts.csv"
    elif case == "no URL":
        attachment["content"]["downloadUrl"] = 42
    elif case == "not a URL":
        attachment["content"]["downloadUrl"] = f"127.0.0.1:{port}/files"
    elif case.startswith("answers "):
        files.shared_at(attachment).status = int(case.split()[1])
    return attachment


CASES = ["plain http elsewhere", "https elsewhere", "a closed port", "credentials in the URL", "redirect elsewhere",
         "no URL", "not a URL", "answers 401", "answers 404", "answers 500"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
async def test_a_download_from_anywhere_but_teams_files_is_refused_in_one_neutral_sentence(
    teams: Teams, elsewhere: Elsewhere, case: str
) -> None:
    posts = await send_attachment(teams, ALICE, hostile(teams, elsewhere, case))
    assert NEUTRAL in said(posts), said(posts)
    assert not previews(posts) and elsewhere.hits == 0
    assert not [why for _, why in teams.connector.files.refusals if "Authorization" in why]  # no Basic auth sent
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 0


async def test_every_failure_reads_the_same(teams: Teams, elsewhere: Elsewhere) -> None:
    sentences = set()
    for case in CASES:
        posts = await send_attachment(teams, ALICE, hostile(teams, elsewhere, case))
        sentences |= {p.text for p in posts if "download" in p.text}
    assert sentences == {NEUTRAL}


async def test_a_redirect_within_teams_file_hosts_is_followed(teams: Teams) -> None:
    files = teams.connector.files
    target = files.attachment("contacts.csv", CSV)
    first = files.attachment("contacts.csv", b"")
    files.shared_at(first).redirect = target["content"]["downloadUrl"]
    posts = await send_attachment(teams, ALICE, first)
    assert len(previews(posts)) == 1 and files.shared_at(target).downloads == 1, said(posts)


async def test_a_slow_download_is_answered_at_once_and_its_preview_follows(teams: Teams) -> None:
    files = teams.connector.files
    attachment = files.attachment("contacts.csv", CSV)
    shared = files.shared_at(attachment)
    shared.gate = asyncio.Event()  # SharePoint takes its time: the bytes come when the test says so
    activity = teams.activity(ALICE, attachments=[attachment])
    status, _ = await asyncio.wait_for(teams.post(activity), timeout=10)  # Teams gives up after ~15 s
    assert status in (200, 201) and shared.downloads == 0
    [answer] = teams.connector.replies_to(activity["id"])
    assert answer.text == "Reading your file contacts.csv …", answer.text
    again, _ = await asyncio.wait_for(teams.post(activity), timeout=10)  # Teams redelivers meanwhile
    assert again in (200, 201)
    shared.gate.set()
    await files_read(teams)
    chat = [p for p in teams.connector.sent_to(f"a:1:{ALICE.teams_id}") if p.method == "POST"]
    cards = previews(chat)
    assert len(cards) == 1 and shared.downloads == 1, [p.activity for p in chat]
    [post] = [p for p in chat if p.cards]
    assert post.reply_to != activity["id"]  # sent on its own, after the answer
    card = CardInHand(teams, ALICE, cards[0], post.id, "personal")
    await card.press("Import")
    assert "1 added" in card.text and teams.services.contacts.count_contacts(ALICE.tenant_id) == 1
