"""Small builders every card uses: the card itself, text, facts, inputs with an error line, buttons.
Each returns a typed element of cards/elements.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar, Unpack

from bot.domain.language import _, ngettext
from cards import verbs
from cards.elements import (
    Action,
    ActionExecute,
    ActionOpenUrl,
    ActionSet,
    ActionShowCard,
    ActionStyle,
    AdaptiveCard,
    Color,
    Column,
    ColumnSet,
    Container,
    Element,
    FactSet,
    Input,
    InputChoiceSet,
    InputText,
    InputToggle,
    Refresh,
    Spacing,
    TextBlock,
    TextBlockOptions,
    TextInputStyle,
)
from cards.times import local_moment

Card = AdaptiveCard

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Final = "1.5"
LIST_LIMIT = 10  # people shown by name on a card before "and N more"
# Teams refuses a card over ~28 KB (the message around it included); every card is built to stay under
# this many bytes of JSON as sent (non-ASCII escaped, the worst case), invoke answers included.
CARD_BUDGET: Final = 24 * 1024
CHOICE_TITLE = 120  # characters of a choice's title: a picker of long names stays small

T = TypeVar("T")


def size_of(node: object) -> int:
    """Bytes of JSON as botbuilder sends it."""
    return len(json.dumps(node))


def fitting(items: Sequence[T], render: Callable[[T], object], room: int) -> int:
    """How many of `items`, from the first, fit in `room` bytes once rendered (at least one)."""
    used = 0
    for count, item in enumerate(items):
        used += size_of(render(item)) + 2  # the comma and space between elements
        if used > room and count > 0:
            return count
    return len(items)


def room_left(card_so_far: object) -> int:
    return CARD_BUDGET - size_of(card_so_far)


def shortened(value: str, limit: int = CHOICE_TITLE) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


ZERO_WIDTH = "\u200b"  # ZERO WIDTH SPACE: invisible, and no markdown syntax spans it
_EMPHASIS = str.maketrans({c: "\\" + c for c in "\\*_"})
_BROKEN = (
    ("]", "]" + ZERO_WIDTH),  # [text](url), [text][ref] and [ref]: url are links no more
    ("://", ":" + ZERO_WIDTH + "//"),  # nor is a bare https://… (Teams links those too)
    ("{{", "{" + ZERO_WIDTH + "{"),  # nor a {{DATE(…)}} Teams would render as a date
)


_MARKUP = re.compile(r"[\\*_\]]|://|\{\{")  # what `plain` changes: the emphasis characters and the _BROKEN syntax


def plain(user_text: str | None) -> str:
    """User-typed text as literal text in a TextBlock or a FactSet, where Teams renders a markdown subset
    (bold, italic, lists, links). Backslash escapes are not honoured alike by every Teams client (mobile
    renderers showed the backslashes: AdaptiveCards #5590, #7474), so the syntax that matters, links,
    is broken with an invisible zero-width space instead; only `*`, `_` and `\\` are backslash-escaped
    (emphasis, which the mobile renderers were fixed to unescape). Applied once, where user text meets
    a card's text; never to input values, choice or toggle titles, which Teams shows as they are."""
    text = user_text or ""
    if _MARKUP.search(text) is None:  # most names and titles: one scan in C, nothing to escape
        return text
    text = text.translate(_EMPHASIS)
    for syntax, broken in _BROKEN:
        text = text.replace(syntax, broken)
    return text


def card(body: list[Element], actions: list[Action] | None = None, refresh: Refresh | None = None) -> Card:
    result: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    if refresh:
        result["refresh"] = refresh
    result["msteams"] = {"width": "Full"}
    return result


def choice_set(
    input_id: str,
    label: str,
    choices: list[tuple[str, str]],
    *,
    value: str | None = None,
    dataset: str | None = None,
    placeholder: str | None = None,
    errors: dict[str, str] | None = None,
) -> list[Element]:
    """An Input.ChoiceSet of (title, value) pairs; with `dataset`, Teams also searches it as the user types."""
    element: InputChoiceSet = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "choices": [{"title": t, "value": v} for t, v in choices],
        "style": "filtered" if dataset or len(choices) > 8 else "compact",
    }
    if dataset:
        element["choices.data"] = {"type": "Data.Query", "dataset": dataset}
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    return with_error(element, errors)


def text(value: str, **options: Unpack[TextBlockOptions]) -> TextBlock:
    return {"type": "TextBlock", "text": value, "wrap": True, **options}


# The blocks a card shows most, written out rather than through text(**options): a record card has two dozen.
def heading(value: str) -> TextBlock:
    return {"type": "TextBlock", "text": value, "wrap": True, "size": "Large", "weight": "Bolder"}


def subtle(value: str) -> TextBlock:
    return {"type": "TextBlock", "text": value, "wrap": True, "isSubtle": True, "spacing": "None", "size": "Small"}


def notice(value: str, good: bool = True) -> TextBlock:
    """A message to the reader; it may quote what they typed, so it is shown as literal text."""
    color: Color = "Good" if good else "Attention"
    return {"type": "TextBlock", "text": plain(value), "wrap": True, "color": color, "weight": "Bolder"}


def section(title: str) -> TextBlock:
    return {
        "type": "TextBlock",
        "text": title,
        "wrap": True,
        "weight": "Bolder",
        "spacing": "Medium",
        "separator": True,
    }


def facts(pairs: list[tuple[str, str]]) -> FactSet:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs if v]}


def bullet_list(lines: list[str], total: int | None = None, empty: str | None = None) -> list[Element]:
    """Up to LIST_LIMIT lines, then "and N more" so a card stays small with hundreds of people."""
    if not lines:
        return [subtle(empty if empty is not None else _("None yet"))]
    shown = lines[:LIST_LIMIT]
    more = (total if total is not None else len(lines)) - len(shown)
    items: list[Element] = [
        {"type": "TextBlock", "text": "• " + line, "wrap": True, "spacing": "None"} for line in shown
    ]
    if more > 0:
        items.append(subtle(ngettext("and {n} more", "and {n} more", more)))
    return items


def execute(
    title: str, verb: str, data: dict[str, Any] | None = None, style: ActionStyle | None = None, inputs: bool = True
) -> ActionExecute:
    """An Action.Execute button; `inputs=False` sends none of the card's inputs (Back, Cancel)."""
    action: ActionExecute = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}
    if style:
        action["style"] = style
    if not inputs:
        action["associatedInputs"] = "none"
    return action


def command_button(title: str, command: str) -> ActionExecute:
    """A button that runs a text command as if the person had typed it; the answer comes as a new message and
    the card stays. An Action.Execute: `messageBack` and `imBack` buttons do nothing in the Playground's UI."""
    return execute(title, verbs.RUN_COMMAND, {"command": command}, inputs=False)


def show_card(title: str, body: list[Element]) -> ActionShowCard:
    """A button that unfolds `body` under it, without asking the bot: rarely used actions and settings."""
    return {"type": "Action.ShowCard", "title": title, "card": {"type": "AdaptiveCard", "body": body}}


def open_url(title: str, url: str) -> ActionOpenUrl:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(actions: list[Action]) -> ActionSet:
    return {"type": "ActionSet", "actions": actions}


def clickable_row(action: Action, items: list[Element]) -> Container:
    """Elements set apart by a line that run `action` when clicked anywhere on them."""
    return {"type": "Container", "selectAction": action, "items": items, "separator": True}


def beside(left: list[Element], right: list[Element], spacing: Spacing | None = None) -> ColumnSet:
    """`left` across the card and `right` at its right (a button beside its line), both centred in the row."""
    columns: list[Column] = [
        {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": left},
        {"type": "Column", "width": "auto", "verticalContentAlignment": "Center", "items": right},
    ]
    row: ColumnSet = {"type": "ColumnSet", "columns": columns}
    if spacing is not None:
        row["spacing"] = spacing
    return row


def refresh_for_users(action: ActionExecute, user_ids: list[str]) -> Refresh:
    """Teams asks for each listed user's own view of the card (at most 60 users: the rest see a button)."""
    return {"action": action, "userIds": user_ids[:60]}


def toggle(input_id: str, title: str, value: str, value_on: str = "true", value_off: str = "false") -> InputToggle:
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": title,
        "value": value,
        "valueOn": value_on,
        "valueOff": value_off,
    }


def with_error(element: Input, errors: dict[str, str] | None) -> list[Element]:
    """An input, followed by the server's message about it (if it refused the value)."""
    message = (errors or {}).get(element["id"])
    if not message:
        return [element]
    return [element, text(plain(message), color="Attention", size="Small", spacing="None")]


def text_input(
    input_id: str,
    label: str,
    value: str | None = None,
    *,
    max_length: int | None = None,
    required: bool = False,
    multiline: bool = False,
    placeholder: str | None = None,
    style: TextInputStyle | None = None,
    errors: dict[str, str] | None = None,
) -> list[Element]:
    """An Input.Text, followed by its error message when the server refused the value."""
    element: InputText = {"type": "Input.Text", "id": input_id, "label": label}
    if value:
        element["value"] = value
    if max_length:
        element["maxLength"] = max_length
    if required:
        element["isRequired"] = True
        element["errorMessage"] = _("{label} is required", label=label)
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    if style:
        element["style"] = style
    return with_error(element, errors)


def when(timestamp: str) -> str:
    """`2026-11-23T14:05:09.123Z` -> Teams' `{{DATE(…, SHORT)}} {{TIME(…)}}`: shown in the reader's own time
    zone and format (a stamp that is not one stays as it is)."""
    return local_moment(timestamp) if len(timestamp) >= 19 and timestamp[10] == "T" else timestamp
