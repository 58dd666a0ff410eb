"""The German record card as a person sees it: built by the bot for a reader whose Teams reports `de-DE`, then
drawn by Microsoft's Adaptive Cards renderer (npm `adaptivecards`, the library Teams' cards come from) in
headless Chromium. The screenshot is kept in test-artifacts/record-card-de.png.

Why not the Playground: Agents Playground 0.2.28 writes `locale: "en-US"` into every activity and its
clientInfo entity (dist/index.js), whatever the browser's or the machine's language, so a German turn
cannot come from it; this test draws the card the bot answers a German reader with instead."""

from __future__ import annotations

import json
from dataclasses import replace

from playwright.async_api import async_playwright

from tests.conftest import ALICE, Teams
from tests.e2e.conftest import artifacts_dir
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = artifacts_dir().parent
RENDERER = ROOT / "node_modules/adaptivecards/dist/adaptivecards.js"
STYLES = ROOT / "node_modules/adaptivecards/dist/adaptivecards.css"
GERMAN = replace(ALICE, locale="de-DE")


async def test_the_german_record_card_as_the_renderer_draws_it(teams: Teams) -> None:
    await teams.say(GERMAN, "neuer lead Rollout Wien")
    await teams.say(GERMAN, "wert L-1 125.000,50 EUR")  # as a German writes it
    await teams.say(GERMAN, "neuer kontakt Jana Novak jana@acme.example Acme")
    await teams.say(GERMAN, "kontakt L-1 jana@acme.example")
    await teams.say(GERMAN, "kommentar L-1 Angebot bis Freitag")
    card = await teams.card(GERMAN, "zeigen L-1")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 720, "height": 900})
            await page.set_content("<html><body style='font-family: sans-serif; margin: 16px'></body></html>")
            await page.add_style_tag(path=str(STYLES))
            await page.add_script_tag(path=str(RENDERER))
            await page.evaluate(
                """(json) => {
                    const card = new AdaptiveCards.AdaptiveCard();
                    card.parse(json);
                    document.body.appendChild(card.render());
                }""",
                json.loads(json.dumps(card)),
            )
            shown = await page.inner_text("body")
            await page.screenshot(path=str(artifacts_dir() / "record-card-de.png"), full_page=True)
        finally:
            await browser.close()
    for words in ("Andere Teilnehmer (0)", "Follower (1)", "Phase", "Neu", "125.000,50 EUR", "Jana Novak"):
        assert words in shown, shown
    assert "Kommentar" in shown and "Details bearbeiten" in shown and "Alice Owner hat kommentiert" in shown
    assert "Rollout Wien" in shown
