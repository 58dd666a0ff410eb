"""Teams' file consent flow, held to what the bot offered: an accept answers one offer the bot made to that
person (an accept for an offer never made, or someone else's, uploads nothing), an offer is uploaded once however
often its accept arrives (Teams redelivers an invoke it is unsure of; a person may click twice), and the consent
card is replaced once answered."""

from __future__ import annotations

import copy
from typing import Any

from tests.conftest import ALICE, BOB, MALLORY, Teams
from tests.fake_connector import Posted
from tests.teams_files import answer_consent, consent_cards, consent_message, info_cards, post_consent

CONSENT = "application/vnd.microsoft.teams.card.file.consent"


async def offer(teams: Teams, what: str = "contacts") -> dict[str, Any]:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme")
    [card] = consent_cards(await teams.say(ALICE, f"export {what}"))
    return card


def completed(teams: Teams) -> int:
    return sum(1 for u in teams.connector.files.uploads.values() if u.done)


def said(posts: list[Posted]) -> str:
    return " ".join(p.text for p in posts)


async def test_an_accept_for_an_offer_never_made_uploads_nothing(teams: Teams) -> None:
    real = await offer(teams)
    invented = copy.deepcopy(real)
    for key in ("acceptContext", "declineContext"):
        invented["content"][key] = {"export": "contacts"}  # what an offer looked like, with no offer behind it
    forged = copy.deepcopy(real)
    for key in ("acceptContext", "declineContext"):
        context = forged["content"][key]
        forged["content"][key] = {k: (v[:-4] + "beef" if k != "export" else v) for k, v in context.items()}
    for card in (invented, forged):
        status, _, posts = await answer_consent(teams, ALICE, card)
        assert status == 200 and not info_cards(posts), [p.activity for p in posts]
        assert "out of date" in said(posts), said(posts)
    for person in (BOB, MALLORY):  # Alice's offer answered by a colleague, or by someone of another organisation
        status, _, posts = await answer_consent(teams, person, real)
        assert status == 200 and not info_cards(posts) and "out of date" in said(posts), said(posts)
    assert completed(teams) == 0
    status, _, posts = await answer_consent(teams, ALICE, real)  # the offer itself still works
    assert status == 200 and len(info_cards(posts)) == 1 and completed(teams) == 1


async def test_an_accept_delivered_again_or_clicked_twice_uploads_once(teams: Teams) -> None:
    card = await offer(teams)
    value = teams.connector.files.consent_value(card)
    status, _, first = await post_consent(teams, ALICE, card, value, activity_id="consent-1")
    assert status == 200 and len(info_cards(first)) == 1
    for _ in range(2):  # Teams delivers the same invoke again
        status, _, again = await post_consent(teams, ALICE, card, value, activity_id="consent-1")
        assert status == 200 and not info_cards(again)
    status, _, twice = await answer_consent(teams, ALICE, card)  # a second accept, with an upload session of its own
    assert status == 200 and not info_cards(twice) and "already" in said(twice), said(twice)
    assert completed(teams) == 1
    assert not [why for _, why in teams.connector.files.refusals if "no such session" in why]
    status, _, late = await answer_consent(teams, ALICE, card, "decline")
    assert "already" in said(late) and completed(teams) == 1


async def test_the_consent_card_is_replaced_once_answered(teams: Teams) -> None:
    for action, shown in (("accept", "contacts.csv: sent to your OneDrive."), ("decline", "You declined")):
        card = await offer(teams)
        message = consent_message(teams, card)
        assert message is not None
        await answer_consent(teams, ALICE, card, action)
        [update] = teams.connector.updates_of(message.id)
        attachments = update.activity.get("attachments") or []
        assert not [a for a in attachments if a.get("contentType") == CONSENT], update.activity
        assert shown in update.activity.get("text", ""), update.activity
