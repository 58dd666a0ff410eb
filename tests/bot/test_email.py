"""Email from a record: through Microsoft Graph (a local fake speaking its real endpoints), or,
without Graph, a mailto: link and "Log as sent". Clicked through HTTP exactly as Teams does."""

from typing import Any

import pytest

from tests.conftest import ALICE, BOB, MALLORY, CardInHand, Teams, all_text, find
from tests.fake_graph import Answer, FakeGraph, graph_error


async def record_with_people(teams: Teams) -> CardInHand:
    for command in (
        "new contact Jane Buyer jane@acme.example Acme",
        "new contact Carl CFO carl@acme.example Acme",
        "new contact Ida IT ida@acme.example Acme",
        "new lead Acme rollout",
        "contact L-1 jane@acme.example",
        "participant L-1 carl@acme.example",
        "participant L-1 ida@acme.example",
    ):
        await teams.say(ALICE, command)
    return await CardInHand.posted(teams, ALICE, "show L-1")


def cc_toggle(card: CardInHand, email: str) -> str:
    return next(i["id"] for i in find(card.card, "Input.Toggle") if email in i["title"])


def events(teams: Teams) -> list[Any]:
    return teams.services.repo.db.execute("SELECT kind, new, detail FROM events WHERE kind = 'email_sent'").fetchall()


@pytest.fixture
async def composing(teams_with_graph: Teams) -> CardInHand:
    card = await record_with_people(teams_with_graph)
    await card.press("Email contact")
    return card


async def test_send_through_graph_with_one_participant_unticked(
    teams_with_graph: Teams, composing: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    graph, _ = fake_graph
    inputs = composing.inputs()
    assert inputs["to"]["value"] == "jane@acme.example" and inputs["subject"]["value"] == "Acme rollout"
    assert {i["title"]: i["value"] for i in find(composing.card, "Input.Toggle")} == {
        "CC Carl CFO <carl@acme.example>": "true",
        "CC Ida IT <ida@acme.example>": "true",
    }
    await composing.press(
        "Send",
        to="jane@acme.example",
        subject="Proposal for Acme",
        body="Hi Jane,\nhere is our offer.",
        cc_extra="",
        **{cc_toggle(composing, "carl@"): "true", cc_toggle(composing, "ida@"): "false"},
    )
    assert "Email sent to jane@acme.example, cc carl@acme.example." in composing.text
    [received] = [r for r in graph.received if r.path.endswith("/sendMail")]
    alice = teams_with_graph.services.repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None and received.path == f"/v1.0/users/{ALICE.aad_object_id}/sendMail"
    assert received.headers["Authorization"].startswith("Bearer fake-graph-token")
    sent = {k.lower(): v for k, v in received.body.items()}  # msgraph-sdk writes the action's keys PascalCase
    assert sent["savetosentitems"] is True
    message = sent["message"]
    assert message["subject"] == "Proposal for Acme"
    assert message["body"] == {"contentType": "text", "content": "Hi Jane,\nhere is our offer."}
    assert message["toRecipients"] == [{"emailAddress": {"address": "jane@acme.example"}}]
    assert message["ccRecipients"] == [{"emailAddress": {"address": "carl@acme.example"}}]
    # The timeline keeps recipients and subject, never the body.
    assert events(teams_with_graph) == [
        ("email_sent", "Proposal for Acme", "to jane@acme.example, cc carl@acme.example")
    ]
    assert "emailed to jane@acme.example, cc carl@acme.example: “Proposal for Acme”" in composing.text


async def test_followers_are_told_about_the_email(teams_with_graph: Teams, composing: CardInHand) -> None:
    await teams_with_graph.say(BOB, "follow L-1")
    await teams_with_graph.settled()
    before = len(teams_with_graph.notifications(BOB))
    await composing.press("Send", to="jane@acme.example", subject="Proposal for Acme", body="secret body text")
    await teams_with_graph.settled()
    told = teams_with_graph.notifications(BOB)[before:]
    assert len(told) == 1
    seen = "\n".join(all_text(card) for card in told[0].cards)
    assert "Alice Owner emailed to jane@acme.example, cc carl@acme.example, ida@acme.example" in seen
    assert "“Proposal for Acme”" in seen and "secret body text" not in seen
    assert teams_with_graph.notifications(ALICE) == [] or all(
        "emailed" not in all_text(c) for p in teams_with_graph.notifications(ALICE) for c in p.cards
    )  # never told about one's own email


async def test_a_second_click_does_not_send_twice(
    teams_with_graph: Teams, composing: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    form = composing.card
    await composing.press("Send", to="jane@acme.example", subject="Once", body="x")
    composing.card = form  # the same compose card, clicked again (a double click, or a redelivered click)
    await composing.press("Send", to="jane@acme.example", subject="Once", body="x")
    assert "This email was already sent." in composing.text
    assert len(fake_graph[0].mails()) == 1 and len(events(teams_with_graph)) == 1


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            [graph_error(404, "MailboxNotEnabledForRESTAPI", "REST API is not yet supported for this mailbox.")],
            "no mailbox",
        ),
        ([graph_error(403, "ErrorAccessDenied", "Access is denied.")], "Mail.Send permission"),
        ([graph_error(429, "TooManyRequests", "slow down", **{"Retry-After": "0"})] * 3, "busy right now"),
        ([graph_error(503, "ServiceUnavailable", "down")] * 3, "having trouble"),
        (
            [graph_error(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")],
            "At least one recipient",
        ),
    ],
)
async def test_failures_keep_the_card_and_write_nothing(
    teams_with_graph: Teams,
    composing: CardInHand,
    fake_graph: tuple[FakeGraph, str],
    answers: list[Answer],
    expected: str,
) -> None:
    fake_graph[0].answers = list(answers)
    await composing.press("Send", to="jane@acme.example", subject="Offer", body="Typed text stays")
    assert expected in composing.text and "nothing was sent" in composing.text.lower()
    assert composing.inputs()["body"]["value"] == "Typed text stays"
    assert events(teams_with_graph) == []
    assert len(fake_graph[0].mails()) == len(answers)  # retried 429 and 503, within the budget


async def test_throttling_that_clears_is_retried_and_sends_once(
    teams_with_graph: Teams, composing: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    fake_graph[0].answers = [graph_error(429, "TooManyRequests", "slow down", **{"Retry-After": "1"})]
    await composing.press("Send", to="jane@acme.example", subject="Offer", body="x")
    assert "Email sent" in composing.text
    assert len(fake_graph[0].mails()) == 2 and len(events(teams_with_graph)) == 1


async def test_a_timeout_says_it_may_have_gone_out_and_refuses_a_blind_resend(
    teams_with_graph: Teams, composing: CardInHand, fake_graph: tuple[FakeGraph, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import BOT

    graph = teams_with_graph.client.app[BOT].handlers.actions.email.mailer
    monkeypatch.setattr(graph, "budget", 0.5)
    fake_graph[0].answers = [Answer(202, delay=2.0)]
    form = composing.card
    await composing.press("Send", to="jane@acme.example", subject="Offer", body="x")
    assert "may or may not have gone out" in composing.text and events(teams_with_graph) == []
    composing.card = form
    await composing.press("Send", to="jane@acme.example", subject="Offer", body="x")
    assert "check Sent Items" in composing.text
    assert len(fake_graph[0].mails()) == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"to": "jane@@acme"}, "to", "is not a valid email address"),
        ({"to": ""}, "to", "at least one email address"),
        ({"cc_extra": "ok@x.example, nope"}, "cc_extra", "“nope” is not a valid email address"),
        ({"subject": "  "}, "subject", "needs a subject"),
        ({"body": "b" * 20_001}, "body", "at most 20,000 characters"),
    ],
)
async def test_invalid_fields_come_back_beside_the_field(
    teams_with_graph: Teams, composing: CardInHand, fake_graph: tuple[FakeGraph, str], values: dict[str, str],
    field: str, message: str,
) -> None:  # fmt: skip
    typed = {"to": "jane@acme.example", "subject": "Offer", "body": "x", **values}
    await composing.press("Send", **typed)
    assert message in composing.text
    assert composing.inputs()[field].get("value", "") == typed[field]
    assert fake_graph[0].received == [] and events(teams_with_graph) == []


async def test_graph_never_sends_for_another_tenant(teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]) -> None:
    await teams_with_graph.say(MALLORY, "new contact Eve Buyer eve@fabrikam.example")
    await teams_with_graph.say(MALLORY, "new lead Fabrikam deal")
    await teams_with_graph.say(MALLORY, "contact L-1 eve@fabrikam.example")
    card = await CardInHand.posted(teams_with_graph, MALLORY, "email L-1")
    assert "Send" not in card.buttons() and "Prepare in Outlook" in card.buttons()
    body = await teams_with_graph.click(
        MALLORY, "record.send_email", {"ref": "L-1", "send_id": "0" * 32, "to": "x@y.example", "subject": "s"}
    )
    assert "not set up here" in str(body)
    assert fake_graph[0].received == []


async def test_without_graph_a_mailto_link_and_log_as_sent(teams: Teams) -> None:
    card = await record_with_people(teams)
    await card.press("Email contact")
    assert "Send" not in card.buttons()
    await card.press(
        "Prepare in Outlook",
        to="jane@acme.example",
        subject="Q3 offer & terms?",
        body="Hi Jane,\nsee below",
        **{cc_toggle(card, "carl@"): "false", cc_toggle(card, "ida@"): "true"},
    )
    link = next(a for a in find(card.card, "Action.OpenUrl") if a["title"] == "Open in Outlook")["url"]
    assert link == (
        "mailto:jane@acme.example?cc=ida@acme.example&subject=Q3%20offer%20%26%20terms%3F&body=Hi%20Jane%2C%0D%0Asee%20below"
    )
    assert events(teams) == []
    logged = card.card
    await card.press("Log as sent")
    assert "Email sent to jane@acme.example, cc ida@acme.example." in card.text
    card.card = logged
    await card.press("Log as sent")
    assert "This email was already sent." in card.text
    assert events(teams) == [("email_sent", "Q3 offer & terms?", "to jane@acme.example, cc ida@acme.example")]


async def test_the_email_command_opens_the_compose_card(teams_with_graph: Teams) -> None:
    await record_with_people(teams_with_graph)
    card = await CardInHand.posted(teams_with_graph, BOB, "email L-1")
    assert "Send" in card.buttons() and card.inputs()["to"]["value"] == "jane@acme.example"
