"""User text renders as literal text, never as a link (issue 12, item 11): in the record card, the
lists, the search results, the timeline and the notifications followers get.

What Teams would turn into a link in a TextBlock or a Fact: `[text](url)` (and the `[text][ref]`,
`[ref]: url` forms), a bare `https://…`, and `{{DATE(…)}}` would become a date. `cards.common.plain()`
breaks each with an invisible zero-width space; what a person reads is the text as typed, once."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import ALICE, BOB, Teams, walk_card

EVIL = "[Verify your account](https://evil.example)"
BOLD_EVIL = "**[click here](https://evil.example/login)** {{DATE(2017-02-14T06:00:00Z)}}"
_ACTIVE = re.compile(r"\]\(|\]\[|\]:|://|\{\{")
# The bot's own times, which Teams shows in the reader's zone: the only date functions a card may carry.
_OUR_TIMES = re.compile(r"\{\{(?:DATE|TIME)\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?:, SHORT)?\)\}\}")


def readable(card: dict[str, Any]) -> list[str]:
    """Every markdown-rendered string of a card: TextBlock texts, Fact titles and values."""
    found: list[str] = []

    def visit(node: dict[str, Any]) -> None:
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found.extend(v for fact in node["facts"] for v in (fact["title"], fact["value"]))

    walk_card(card, visit)
    return found


def as_read(markdown: str) -> str:
    """What a person reads: escapes resolved, zero-width spaces invisible."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def assert_literal(card: dict[str, Any], typed: str) -> None:
    texts = readable(card)
    active = [t for t in texts if _ACTIVE.search(_OUR_TIMES.sub("", t))]
    assert not active, texts  # no link, autolink or date function but the bot's own times
    assert any(typed in as_read(t) for t in texts), texts  # and the text is there as typed
    assert not any(typed.replace("_", "\\_") in as_read(t) for t in texts if "_" in typed)  # escaped once


async def test_a_title_with_a_link_is_literal_in_the_record_card_lists_and_search(teams: Teams) -> None:
    assert_literal(await teams.card(ALICE, f"new lead {EVIL}"), EVIL)
    assert_literal(await teams.card(ALICE, "show L-1"), EVIL)
    assert_literal(await teams.card(ALICE, "leads"), EVIL)
    assert_literal(await teams.card(ALICE, "my"), EVIL)
    assert_literal(await teams.card(ALICE, "find Verify"), EVIL)


async def test_a_comment_with_a_link_is_literal_in_the_timeline_and_the_notification(teams: Teams) -> None:
    await teams.say(ALICE, f"new lead {EVIL}")
    await teams.say(BOB, "follow L-1")
    assert_literal(await teams.card(ALICE, f"comment L-1 {BOLD_EVIL}"), BOLD_EVIL)  # the timeline
    await teams.settled()
    [notification] = teams.notifications(BOB)
    [card] = notification.cards
    assert_literal(card, EVIL)  # the title
    assert_literal(card, BOLD_EVIL)  # the timeline line
    assert "https://evil.example" in notification.activity["summary"]  # the summary is plain text, not markdown


async def test_names_and_companies_with_links_are_literal(teams: Teams) -> None:
    name = "[IT Support](https://evil.example)"
    company = "Acme_[Login](http://evil.example)_"
    await teams.say(ALICE, f"new contact {name} boss@acme.example")
    await teams.say(ALICE, "new lead Rollout")
    await teams.say(ALICE, "participant L-1 boss@acme.example")
    card = await teams.card(ALICE, "show L-1")
    assert_literal(card, name)
    assert_literal(await teams.card(ALICE, "contacts IT"), name)
    await teams.say(ALICE, "contact L-1 boss@acme.example")
    assert_literal(await teams.card(ALICE, "show L-1"), name)
    created = await teams.click(ALICE, "record.create", {"kind": "opportunity", "title": "Deal", "company": company})
    assert_literal(created["value"], company)
    assert_literal(await teams.card(ALICE, "opportunities"), company)
