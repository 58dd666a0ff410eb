"""Channel text as Teams really sends it: HTML (`&nbsp;` after the mention, `&amp;`, `&lt;`), and newer
clients that split the bot's display name into one `<at>` tag per word."""

from __future__ import annotations

from typing import Any

from tests.conftest import ALICE, BOT_ID, Teams, all_text


def mention(text: str) -> dict[str, Any]:
    return {"type": "mention", "text": text, "mentioned": {"id": BOT_ID, "name": "CRM Bot"}}


async def say_raw(teams: Teams, text: str, entities: list[dict[str, Any]]) -> str:
    activity = teams.activity(ALICE, chat="channel", text=text, textFormat="plain", entities=entities)
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    replies = teams.connector.replies_to(activity["id"])
    return "\n".join(r.text + "\n" + "\n".join(all_text(c) for c in r.cards) for r in replies)


async def test_nbsp_and_entities_after_the_mention(teams: Teams) -> None:
    said = await say_raw(teams, "<at>CRM</at>&nbsp;new lead Tom &amp; Jerry &lt;EU&gt;", [mention("<at>CRM</at>")])
    assert "L-1" in said and "understand" not in said
    assert teams.services.records.view(ALICE.tenant_id, "L-1").record.title == "Tom & Jerry <EU>"
    said = await say_raw(teams, "<at>CRM</at>&nbsp;show&nbsp;L-1", [mention("<at>CRM</at>")])
    assert "L-1 · Lead" in said


async def test_a_display_name_split_into_several_mentions(teams: Teams) -> None:
    text = "<at>CRM</at>&nbsp;<at>Bot</at>&nbsp;new lead Split\xa0name"
    said = await say_raw(teams, text, [mention("<at>CRM</at>"), mention("<at>Bot</at>")])
    assert "L-1" in said and "understand" not in said
    assert teams.services.records.view(ALICE.tenant_id, "L-1").record.title == "Split name"
