"""Small builders every card uses: the card itself, text, facts, inputs with an error line, buttons."""

from __future__ import annotations

from typing import Any

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
LIST_LIMIT = 10  # people shown by name on a card before "and N more"


def card(body: list[Element], actions: list[Element] | None = None, refresh: Element | None = None) -> Card:
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
    element: Element = {
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


def text(value: str, **options: Any) -> Element:
    return {"type": "TextBlock", "text": value, "wrap": True, **options}


def heading(value: str) -> Element:
    return text(value, size="Large", weight="Bolder")


def subtle(value: str) -> Element:
    return text(value, isSubtle=True, spacing="None", size="Small")


def notice(value: str, good: bool = True) -> Element:
    return text(value, color="Good" if good else "Attention", weight="Bolder")


def section(title: str) -> Element:
    return text(title, weight="Bolder", spacing="Medium", separator=True)


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs if v]}


def bullet_list(lines: list[str], total: int | None = None, empty: str = "None yet") -> list[Element]:
    """Up to LIST_LIMIT lines, then "and N more" so a card stays small with hundreds of people."""
    if not lines:
        return [subtle(empty)]
    shown = lines[:LIST_LIMIT]
    more = (total if total is not None else len(lines)) - len(shown)
    items = [text("• " + line, spacing="None") for line in shown]
    if more > 0:
        items.append(subtle(f"and {more} more"))
    return items


def execute(
    title: str, verb: str, data: dict[str, Any] | None = None, style: str | None = None, inputs: bool = True
) -> Element:
    """An Action.Execute button; `inputs=False` sends none of the card's inputs (Back, Cancel)."""
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}
    if style:
        action["style"] = style
    if not inputs:
        action["associatedInputs"] = "none"
    return action


def command_button(title: str, command: str) -> Element:
    """A button that sends a text command, as if the user had typed it (messageBack)."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "messageBack", "text": command, "displayText": command}, "command": command},
    }


def action_set(actions: list[Element]) -> Element:
    return {"type": "ActionSet", "actions": actions}


def with_error(element: Element, errors: dict[str, str] | None) -> list[Element]:
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
    style: str | None = None,
    errors: dict[str, str] | None = None,
) -> list[Element]:
    """An Input.Text, followed by its error message when the server refused the value."""
    element: Element = {"type": "Input.Text", "id": input_id, "label": label}
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
    """`2026-11-23T14:05:09.123Z` -> `2026-11-23 14:05 UTC`."""
    return timestamp[:16].replace("T", " ") + " UTC" if len(timestamp) >= 16 else timestamp
