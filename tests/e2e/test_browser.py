"""The real Playground UI in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A person types `new lead`, fills the form the bot answers with, clicks Create lead, and sees the same
card turn into the new record. The screenshot is kept in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from playground.config import person
from tests.e2e.conftest import RunningPlayground, artifacts_dir

CHROMIUM = "/usr/bin/chromium"
# Headless, no sandbox (root), and nothing that phones home: this machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ADELE = person("adele")
STEP_MS = 15_000  # the longest any one UI step may take


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def send(page: Page, text: str) -> None:
    box = page.locator('div[role="textbox"][data-lexical-editor="true"]')
    await box.click()
    await box.type(text)
    await page.keyboard.press("Enter")


async def test_type_a_command_click_a_card_button_and_the_card_changes(
    browser: Browser, playgrounds: Callable[..., RunningPlayground], capsys: pytest.CaptureFixture[str]
) -> None:
    playground = playgrounds(ADELE)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(STEP_MS)
    screenshot = artifacts_dir() / "playground-new-lead.png"
    try:
        await page.goto(playground.url)
        await page.get_by_role("treeitem", name="Personal Chat").click()
        await expect(page.get_by_role("paragraph").filter(has_text="Hi! I keep your leads")).to_be_visible()

        await send(page, "new lead")
        create = page.get_by_role("button", name="Create lead")
        await expect(create).to_be_visible()
        form = page.locator(".ac-adaptiveCard").filter(has=create)
        await form.get_by_role("textbox").first.fill("Browser-made lead")
        await form.get_by_role("textbox").nth(1).fill("Contoso")
        await create.click()

        # The same card now shows the new record: its heading, stage, owner; the form is gone.
        changed = page.locator(".ac-adaptiveCard").filter(has_text="Browser-made lead")
        await expect(changed.locator(".ac-textBlock").filter(has_text="created.")).to_be_visible()
        await expect(changed.locator(".ac-textBlock").filter(has_text="Followers (1)")).to_be_visible()
        await expect(changed).to_contain_text("Adele Vance")
        await expect(page.get_by_role("button", name="Create lead")).to_have_count(0)
    finally:
        await page.screenshot(path=str(screenshot), full_page=True)
        with capsys.disabled():  # shown even when the test passes
            print(f"\nscreenshot of the Playground: {screenshot}")
        await page.close()
