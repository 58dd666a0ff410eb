"""A newcomer's first minutes in the real Playground UI (headless Chromium, Playwright): every button of the
welcome, help, unknown-text, `my` and pipeline cards is clicked in the page, as a person clicks it, and its
answer appears. Screenshots go to test-artifacts/ (first-minutes-*.png)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from playground.config import person
from tests.e2e.conftest import RunningPlayground, artifacts_dir
from tests.e2e.test_browser import STEP_MS, browser, send

__all__ = ["browser"]  # the fixture, shared with test_browser.py
PATTI = person("patti")  # nobody else opens Patti's chat: her welcome is this test's


def card_with(page: Page, text: str) -> Locator:
    return page.locator(".ac-adaptiveCard").filter(has_text=text)


async def shot(page: Page, name: str, shots: list[str]) -> None:
    path = artifacts_dir() / f"first-minutes-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    shots.append(str(path))


async def ref_on(card: Locator) -> str:
    """The record's ref (L-7) as its card shows it: other tests of the run create records in the same tenant."""
    found = re.search(r"\b([LO]-\d+) · ", await card.inner_text())
    assert found, await card.inner_text()
    return found.group(1)


async def click_and_see(page: Page, card: Locator, button: str | re.Pattern[str], answer: str) -> Locator:
    """Click `button` on `card` and wait for one more card showing `answer` (a new message, below)."""
    before = await card_with(page, answer).count()
    await card.get_by_role("button", name=button, exact=isinstance(button, str)).first.click()
    await expect(card_with(page, answer)).to_have_count(before + 1)
    return card_with(page, answer).last


async def test_every_button_a_newcomer_sees_answers_in_the_playground_ui(
    browser: Browser, playgrounds: Callable[..., RunningPlayground], capsys: pytest.CaptureFixture[str]
) -> None:
    playground = playgrounds(PATTI)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(STEP_MS)
    shots: list[str] = []
    try:
        await page.goto(playground.url)
        await page.get_by_role("treeitem", name="Personal Chat").click()
        await expect(page.get_by_role("paragraph").filter(has_text="Hi! I keep your leads")).to_be_visible()
        welcome = card_with(page, "Start with one of these")
        for title in ("New lead", "New contact", "My records", "Help"):
            await expect(welcome.get_by_role("button", name=title, exact=True)).to_be_visible()
        await shot(page, "welcome", shots)

        # The welcome's buttons: each answers below, the welcome stays.
        form = await click_and_see(page, welcome, "New lead", "Create lead")
        await form.get_by_role("textbox").first.fill("Umbrella rollout")
        await form.get_by_role("button", name="Create lead").click()
        created = card_with(page, "Umbrella rollout")
        await expect(created.locator(".ac-textBlock").filter(has_text="created.")).to_be_visible()
        lead = await ref_on(created)
        await click_and_see(page, welcome, "New contact", "Add contact")
        mine = await click_and_see(page, welcome, "My records", "Yours: owned or followed")
        await expect(mine).to_contain_text("Umbrella rollout")
        full = await click_and_see(page, welcome, "Help", "What you can type")
        await expect(full).to_contain_text("show ‹ref›")  # a placeholder the page keeps
        await expect(full).to_contain_text("pipeline [mine | ‹colleague›]")
        await shot(page, "help", shots)

        # A row of `my` opens the record below the list: the main actions first, the rare ones under More.
        before = await card_with(page, "Latest activity").count()
        await mine.get_by_role("button", name=f"Show {lead}").click()
        await expect(card_with(page, "Latest activity")).to_have_count(before + 1)
        record = card_with(page, "Latest activity").last
        buttons = await record.get_by_role("button").all_inner_texts()
        main = ["Comment", "Change stage", "Set contact", "Add participant"]
        assert buttons[:5] == ["Add next step", *main], buttons  # beside "No next step" in the facts, then the main
        await expect(record.get_by_role("button", name="Archive")).to_be_hidden()
        await record.scroll_into_view_if_needed()
        await shot(page, "record", shots)
        await record.get_by_role("button", name="More").click()
        await expect(record.get_by_role("button", name="Archive")).to_be_visible()
        await expect(record.get_by_role("button", name="Change owner")).to_be_visible()
        await shot(page, "record-more", shots)

        # The Contact picker offers the first contacts before anyone types.
        await send(page, "new contact Gina Marsh gina@umbrella.example Umbrella")
        await expect(card_with(page, "gina@umbrella.example").first).to_be_visible()
        await record.get_by_role("button", name="Set contact").click()
        picker = card_with(page, "Or add someone new").last
        await expect(picker).to_be_visible()
        jane = "Gina Marsh · gina@umbrella.example · Umbrella"
        await picker.get_by_role("combobox").first.click()  # opened, nothing typed
        await expect(page.get_by_role("option", name=jane)).to_be_visible()
        await shot(page, "contact-picker", shots)
        await page.get_by_role("option", name=jane).click()
        await picker.get_by_role("button", name="Set contact").click()
        await expect(card_with(page, "Gina Marsh is now the Contact").last).to_be_visible()
        now_set = card_with(page, "Gina Marsh is now the Contact").last
        await expect(now_set.get_by_role("button", name="Change contact")).to_be_visible()
        await expect(now_set).to_contain_text("set the Contact to Gina Marsh")

        # Every button of the help card.
        for button, answer in (
            ("New lead", "Create lead"),
            ("New opportunity", "Create opportunity"),
            ("New contact", "Add contact"),
            ("Contacts", "Contacts"),
            ("Leads", "Latest leads"),
            ("Opportunities", "Latest opportunities"),
            ("My records", "Yours: owned or followed"),
            ("Following", "You follow"),
            ("Pipeline", "Weighted by the chance"),
        ):
            await click_and_see(page, full, button, answer)

        # The answer to text it does not understand, and its buttons.
        await send(page, "what can you do")
        unknown = card_with(page, "I did not understand").last
        await expect(unknown).to_be_visible()
        await click_and_see(page, unknown, "Contacts", "Contacts")
        await click_and_see(page, unknown, "Leads", "Latest leads")

        # The pipeline's stage buttons list the deals behind each bar.
        await send(page, "new opportunity Vandelay expansion")
        await expect(card_with(page, "Vandelay expansion").first).to_be_visible()
        deal = await ref_on(card_with(page, "Vandelay expansion").first)
        await send(page, f"value {deal} 48000 EUR")
        await expect(card_with(page, "48,000").first).to_be_visible()
        await send(page, f"stage {deal} Proposal")
        await expect(card_with(page, "moved to Proposal").first).to_be_visible()
        await send(page, "pipeline")
        chart = card_with(page, "Weighted by the chance").last
        await expect(chart).to_be_visible()
        await chart.scroll_into_view_if_needed()
        await shot(page, "pipeline", shots)
        # The chart fits: drawn wider than 300 px (the width below which the Playground squeezes the axis to 20 px
        # and drops its title), each stage's name whole, the axis in compact numbers.
        drawing = chart.locator("svg").first
        box = await drawing.bounding_box()
        assert box is not None and box["width"] > 300, box
        await expect(drawing.get_by_text("EUR", exact=True)).to_be_visible()  # the axis title
        for stage in ("Prospect", "Proposal", "Negotiate"):
            label = drawing.get_by_text(stage, exact=True)
            await expect(label).to_be_visible()
            assert await label.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{stage} is cut"
        await expect(drawing.get_by_text(re.compile(r"^\d+k$")).first).to_be_visible()
        await click_and_see(page, chart, re.compile(r"^Proposal \("), "Vandelay expansion")
    finally:
        await shot(page, "end", shots)
        with capsys.disabled():  # shown even when the test passes
            print("\nscreenshots of the Playground:\n" + "\n".join(shots))
        await page.close()
