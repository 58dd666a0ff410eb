"""The bodies Teams expects in the answer to an invoke (the HTTP status itself stays 200): the card that
replaces the clicked one, a message, an error, and the results of a typeahead search. Pure functions;
the shapes are Universal Actions' (`adaptiveCard/action`) and dynamic search's (`application/search`)."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Literal, NotRequired, TypedDict

from cards.elements import AdaptiveCard

CARD_TYPE: Literal["application/vnd.microsoft.card.adaptive"] = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE: Literal["application/vnd.microsoft.activity.message"] = "application/vnd.microsoft.activity.message"
ERROR_TYPE: Literal["application/vnd.microsoft.error"] = "application/vnd.microsoft.error"
SEARCH_TYPE: Literal["application/vnd.microsoft.search.searchResponse"] = (
    "application/vnd.microsoft.search.searchResponse"
)


class CardResponse(TypedDict):
    statusCode: Literal[200]
    type: Literal["application/vnd.microsoft.card.adaptive"]
    value: AdaptiveCard


class MessageResponse(TypedDict):
    statusCode: Literal[200]
    type: Literal["application/vnd.microsoft.activity.message"]
    value: str


class Error(TypedDict):
    code: str
    message: str


class ErrorResponse(TypedDict):
    statusCode: int
    type: Literal["application/vnd.microsoft.error"]
    value: Error


class SearchResult(TypedDict):
    title: str
    value: str


class SearchResults(TypedDict):
    results: list[SearchResult]


class SearchResponse(TypedDict):
    statusCode: Literal[200]
    type: Literal["application/vnd.microsoft.search.searchResponse"]
    value: SearchResults


def card_response(card: AdaptiveCard) -> CardResponse:
    """The clicked card becomes `card`, for the person who clicked (others see it through an update)."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": card}


def message_response(text: str) -> MessageResponse:
    """Teams shows `text` briefly beside the card; the card stays as it was."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def error_response(status: int, text: str) -> ErrorResponse:
    """400 (the click made no sense) or 500 (the bot failed); `code` names the status, e.g. `BadRequest`."""
    code = HTTPStatus(status).phrase.replace(" ", "")
    return {"statusCode": status, "type": ERROR_TYPE, "value": {"code": code, "message": text}}


def search_response(results: Sequence[tuple[str, str]]) -> SearchResponse:
    """The answer to a `Data.Query` typeahead: (title, value) pairs, as an Input.ChoiceSet's choices."""
    return {
        "statusCode": 200,
        "type": SEARCH_TYPE,
        "value": {"results": [{"title": title, "value": value} for title, value in results]},
    }


# --- the message extension's answers (composeExtension/query, fetchTask, submitAction) ----------------

THUMBNAIL_TYPE: Literal["application/vnd.microsoft.card.thumbnail"] = "application/vnd.microsoft.card.thumbnail"


class Tap(TypedDict):
    """What picking a search result sends back: `composeExtension/selectItem` with this value."""

    type: Literal["invoke"]
    value: dict[str, int]


class Thumbnail(TypedDict):
    title: str
    text: str
    tap: NotRequired[Tap]


class Preview(TypedDict):
    contentType: Literal["application/vnd.microsoft.card.thumbnail"]
    content: Thumbnail


class ComposeAttachment(TypedDict):
    contentType: Literal["application/vnd.microsoft.card.adaptive"]
    content: AdaptiveCard
    preview: NotRequired[Preview]


class PickAttachment(TypedDict):
    """A search result that is only its preview: the card to insert is built when it is picked."""

    contentType: Literal["application/vnd.microsoft.card.thumbnail"]
    content: Thumbnail
    preview: Preview


class ComposeResult(TypedDict):
    type: Literal["result", "message"]
    attachmentLayout: NotRequired[Literal["list"]]
    attachments: NotRequired[list[ComposeAttachment] | list[PickAttachment]]
    text: NotRequired[str]


class ComposeResponse(TypedDict):
    composeExtension: ComposeResult


class DialogCard(TypedDict):
    contentType: Literal["application/vnd.microsoft.card.adaptive"]
    content: AdaptiveCard


class DialogValue(TypedDict):
    title: str
    card: DialogCard
    width: Literal["medium", "large"]
    height: Literal["large"]


class DialogContinue(TypedDict):
    type: Literal["continue"]
    value: DialogValue


class DialogMessage(TypedDict):
    type: Literal["message"]
    value: str


class DialogResponse(TypedDict):
    task: DialogContinue | DialogMessage


def compose_results(results: Sequence[tuple[AdaptiveCard, Thumbnail | None]]) -> ComposeResponse:
    """Search results, or the card to insert after a dialog: each the card itself and its preview."""
    attachments: list[ComposeAttachment] = []
    for content, preview in results:
        attachment: ComposeAttachment = {"contentType": CARD_TYPE, "content": content}
        if preview is not None:
            attachment["preview"] = {"contentType": THUMBNAIL_TYPE, "content": preview}
        attachments.append(attachment)
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}


def compose_picks(results: Sequence[tuple[Thumbnail, dict[str, int]]]) -> ComposeResponse:
    """Search results as previews only: picking one sends `composeExtension/selectItem` with its value, and
    the answer to that is the card inserted (so a search costs its previews, never 25 full cards)."""
    attachments: list[PickAttachment] = []
    for preview, value in results:
        content: Thumbnail = {**preview, "tap": {"type": "invoke", "value": value}}
        attachments.append(
            {
                "contentType": THUMBNAIL_TYPE,
                "content": content,
                "preview": {"contentType": THUMBNAIL_TYPE, "content": content},
            }
        )
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}


def compose_message(text: str) -> ComposeResponse:
    """A line of text Teams shows in the search pane (or after a dialog) instead of results."""
    return {"composeExtension": {"type": "message", "text": text}}


def dialog_response(title: str, card: AdaptiveCard) -> DialogResponse:
    """Open (or show again) a dialog with this card."""
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title,
                "card": {"contentType": CARD_TYPE, "content": card},
                "width": "medium",
                "height": "large",
            },
        }
    }


class ActivityPreview(TypedDict):
    type: Literal["message"]
    attachments: list[DialogCard]


class PreviewResult(TypedDict):
    type: Literal["botMessagePreview"]
    activityPreview: ActivityPreview


class PreviewResponse(TypedDict):
    composeExtension: PreviewResult


def bot_message_preview(card: AdaptiveCard) -> PreviewResponse:
    """The answer to an action's submit that shows the person the card the bot will post: on Send, Teams sends
    `submitAction` again with `botMessagePreviewAction: "send"` and the bot posts the card itself, as its own
    message, which it can update later (a card inserted by the person is theirs, which no bot may update).
    "The activityPreview must contain a message activity with exactly 1 adaptive card attachment"
    (https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit)."""
    preview: ActivityPreview = {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": card}]}
    return {"composeExtension": {"type": "botMessagePreview", "activityPreview": preview}}


def task_message(text: str) -> DialogResponse:
    """The answer to an action's invoke (`composeExtension/fetchTask`, `submitAction`) that opens no dialog: Teams
    shows the text in a small dialog. These invokes are answered with a `task`, never a `composeExtension`
    message (that is a search's answer)."""
    return {"task": {"type": "message", "value": text}}
