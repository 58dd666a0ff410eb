"""The answers' JSON: UTF-8 text (not \\u escapes), and still an answer when the text is not Unicode."""

from __future__ import annotations

import json

from app import json_body


def test_an_answer_is_utf8_json_that_reads_back_the_same() -> None:
    card = {"type": "TextBlock", "text": "L-1 · Lead • Zoë Ñúñez 😀"}
    body = json_body(card)
    assert "·".encode() in body and b"\\u" not in body
    assert json.loads(body) == card


def test_a_lone_surrogate_is_escaped_rather_than_failing_the_request() -> None:
    body = json_body({"text": "broken \ud800 pair"})
    assert b"\\ud800" in body
    assert json.loads(body) == {"text": "broken \ud800 pair"}


def test_what_the_fast_encoder_refuses_is_still_answered() -> None:
    """orjson refuses integers beyond 64 bits and keys that are not text; the standard encoder takes them."""
    body = json_body({"big": 2**70, 1: "one"})
    assert json.loads(body) == {"big": 2**70, "1": "one"}
