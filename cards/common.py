"""Small builders every card uses: the card itself, text, facts, inputs with an error line, buttons.
Each returns a typed element of cards/elements.py."""

from __future__ import annotations

from typing import Any, Final, Unpack

from cards.elements import (
    Action,
    ActionExecute,
    ActionOpenUrl,
    ActionSet,
    ActionStyle,
    ActionSubmit,
    AdaptiveCard,
    Container,
    Element,
    FactSet,
    Input,
    InputChoiceSet,
    InputText,
    InputToggle,
    Refresh,
    TextBlock,
    TextBlockOptions,
    TextInputStyle,
)
from cards.times import local_moment

Card = AdaptiveCard

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Final = "1.5"
LIST_LIMIT = 10  # people shown by name on a card before "and N more"


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~"})


def plain(user_text: str | None) -> str:
    """User-typed text as literal text in a TextBlock or a FactSet: Teams renders a markdown subset there
    (links included), so every character markdown gives a meaning is escaped. Applied once, here."""
    return (user_text or "").translate(_MARKDOWN)


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


def heading(value: str) -> TextBlock:
    return text(value, size="Large", weight="Bolder")


def subtle(value: str) -> TextBlock:
    return text(value, isSubtle=True, spacing="None", size="Small")


def notice(value: str, good: bool = True) -> TextBlock:
    return text(value, color="Good" if good else "Attention", weight="Bolder")


def section(title: str) -> TextBlock:
    return text(title, weight="Bolder", spacing="Medium", separator=True)


def facts(pairs: list[tuple[str, str]]) -> FactSet:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs if v]}


def bullet_list(lines: list[str], total: int | None = None, empty: str = "None yet") -> list[Element]:
    """Up to LIST_LIMIT lines, then "and N more" so a card stays small with hundreds of people."""
    if not lines:
        return [subtle(empty)]
    shown = lines[:LIST_LIMIT]
    more = (total if total is not None else len(lines)) - len(shown)
    items: list[Element] = [text("• " + line, spacing="None") for line in shown]
    if more > 0:
        items.append(subtle(f"and {more} more"))
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


def command_button(title: str, command: str) -> ActionSubmit:
    """A button that sends a text command, as if the user had typed it (messageBack)."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "messageBack", "text": command, "displayText": command}, "command": command},
    }


def open_url(title: str, url: str) -> ActionOpenUrl:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(actions: list[Action]) -> ActionSet:
    return {"type": "ActionSet", "actions": actions}


def clickable_row(action: Action, items: list[Element]) -> Container:
    """Elements set apart by a line that run `action` when clicked anywhere on them."""
    return {"type": "Container", "selectAction": action, "items": items, "separator": True}


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
    return [element, text(message, color="Attention", size="Small", spacing="None")]


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
        element["errorMessage"] = f"{label} is required"
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
