"""A deal's next step and its reminder in the real Playground UI (headless Chromium, Playwright): a task typed in
the chat shows on the record card (screenshot test-artifacts/next-step-card.png), and its reminder arrives in
the chat when it is due (test-artifacts/next-step-reminder.png). The card's Add next step and Schedule meeting
are clicked in the page, as a person clicks them.

The bot here runs on the real clock (the tests of tasks and reminders run on a controlled one:
tests/bot/test_tasks.py, test_task_lifecycle.py): the shortest due time a person can type is `in 1 minute`, so
this walk waits that minute out, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, expect

from playground.config import person
from tests.e2e.conftest import RunningPlayground, artifacts_dir
from tests.e2e.test_browser import STEP_MS, browser, send
from tests.e2e.test_first_minutes import card_with, ref_on

__all__ = ["browser"]
LYNNE = person("lynne")  # nobody else opens Lynne's chat
REMINDER_MS = 100_000  # the minute, and the sender's sweep after it


async def test_a_next_step_shows_on_the_card_and_its_reminder_arrives(
    browser: Browser, playgrounds: Callable[..., RunningPlayground], capsys: pytest.CaptureFixture[str]
) -> None:
    playground = playgrounds(LYNNE)
    page = await browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(STEP_MS)
    shots = [artifacts_dir() / "next-step-card.png", artifacts_dir() / "next-step-reminder.png"]
    try:
        await page.goto(playground.url)
        await page.get_by_role("treeitem", name="Personal Chat").click()
        await send(page, "new contact Bruce Wayne bruce@wayne.example Wayne Enterprises")
        await expect(card_with(page, "bruce@wayne.example").first).to_be_visible()
        await send(page, "new lead Wayne Enterprises renewal")
        created = card_with(page, "Wayne Enterprises renewal")
        await expect(created.locator(".ac-textBlock").filter(has_text="created.")).to_be_visible()
        lead = await ref_on(created.last)
        await send(page, f"contact {lead} bruce@wayne.example")
        await expect(card_with(page, "set the Contact to Bruce Wayne").first).to_be_visible()
        before = await card_with(page, "Latest activity").count()
        await send(page, f"show {lead}")
        await expect(card_with(page, "Latest activity")).to_have_count(before + 1)
        card = card_with(page, "Wayne Enterprises renewal").last  # the card the buttons below change in place
        await expect(card).to_contain_text("No next step")

        # Add next step, beside "No next step": the form in place of the card, then the card with its step.
        await card.get_by_role("button", name="Add next step", exact=True).click()
        await expect(card).to_contain_text("Remind me")
        await card.get_by_role("textbox").nth(0).fill("Call Bruce about the renewal")
        await card.get_by_role("textbox").nth(1).fill("in 1 minute")  # Due
        await card.get_by_role("button", name="Add", exact=True).click()
        await expect(card).to_contain_text("Next step: Call Bruce about the renewal")
        await expect(card).to_contain_text("For Lynne Robbins")
        await expect(card.get_by_role("button", name="Done", exact=True)).to_be_visible()
        await card.scroll_into_view_if_needed()
        await page.screenshot(path=str(shots[0]), full_page=True)

        # Schedule meeting, without Graph: the form, Teams' own new-meeting link with the Contact, then the
        # meeting recorded on the card by its time.
        await card.get_by_role("button", name="Schedule meeting", exact=True).click()
        await expect(card).to_contain_text("Schedule a Teams meeting")
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d 10:00")
        await card.get_by_role("textbox").nth(1).fill(tomorrow)  # Start (the subject is prefilled)
        await card.get_by_role("button", name="Open in Teams", exact=True).click()
        await expect(card).to_contain_text("Your meeting is ready to schedule in Teams")
        await expect(card).to_contain_text("bruce@wayne.example")
        await card.get_by_role("button", name="Record on the timeline", exact=True).click()
        await expect(card).to_contain_text("Next meeting:")

        reminder = card_with(page, "is due").filter(has_text="Call Bruce about the renewal")
        await expect(reminder).to_have_count(1, timeout=REMINDER_MS)
        await expect(reminder.get_by_role("button", name="Done", exact=True)).to_be_visible()
        await reminder.scroll_into_view_if_needed()
        await page.screenshot(path=str(shots[1]), full_page=True)
        with capsys.disabled():
            print("\nscreenshots of the Playground:\n" + "\n".join(map(str, shots)))
    finally:
        await page.close()
