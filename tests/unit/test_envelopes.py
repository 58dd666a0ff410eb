"""The invoke answers Teams reads: the exact JSON bodies of Universal Actions and dynamic search."""

import json

import pytest

from cards.common import card, text
from cards.envelopes import card_response, error_response, message_response, search_response


def test_a_card_answer_replaces_the_clicked_card() -> None:
    shown = card([text("Saved.")])
    assert card_response(shown) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": shown,
    }
    assert json.loads(json.dumps(card_response(shown)))["value"]["body"][0]["text"] == "Saved."


def test_a_message_answer_is_plain_text() -> None:
    assert message_response("That record was deleted.") == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "That record was deleted.",
    }


@pytest.mark.parametrize(("status", "code"), [(400, "BadRequest"), (500, "InternalServerError")])
def test_an_error_answer_names_its_status(status: int, code: str) -> None:
    assert error_response(status, "Something went wrong.") == {
        "statusCode": status,
        "type": "application/vnd.microsoft.error",
        "value": {"code": code, "message": "Something went wrong."},
    }


def test_a_search_answer_lists_titles_and_values() -> None:
    found = [("Jane Doe · jane@acme.example · Acme", "12"), ("John Roe", "13")]
    assert search_response(found) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.search.searchResponse",
        "value": {
            "results": [
                {"title": "Jane Doe · jane@acme.example · Acme", "value": "12"},
                {"title": "John Roe", "value": "13"},
            ]
        },
    }
    assert search_response([])["value"] == {"results": []}
