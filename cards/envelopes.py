"""The bodies Teams expects in the answer to an invoke (the HTTP status itself stays 200): the card that
replaces the clicked one, a message, an error, and the results of a typeahead search. Pure functions;
the shapes are Universal Actions' (`adaptiveCard/action`) and dynamic search's (`application/search`)."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Literal, TypedDict

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
