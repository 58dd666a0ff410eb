"""cards.common.plain(): any text reads back as typed, and carries no link, autolink or date function."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.common import plain

_ACTIVE = re.compile(r"\]\(|\]\[|\]:|://|\{\{")


def as_read(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Acme rollout", "Acme rollout"),
        ("jane.doe@acme.example", "jane.doe@acme.example"),  # dots and dashes stay as they are
        ("[x](https://e.example)", "[x]\u200b(https:\u200b//e.example)"),
        ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
        ("a \\ b", "a \\\\ b"),
        ("{{DATE(2017-02-14T06:00:00Z)}}", "{\u200b{DATE(2017-02-14T06:00:00Z)}}"),
        ("", ""),
    ],
)
def test_table(typed: str, sent: str) -> None:
    assert plain(typed) == sent


@given(st.text(alphabet=st.sampled_from(list("[]():/{}*_\\ ax.-#!|~<>h")) | st.characters(), max_size=80))
def test_any_text_reads_as_typed_and_links_nothing(typed: str) -> None:
    sent = plain(typed)
    assert not _ACTIVE.search(sent)
    assert as_read(sent) == typed.replace("\u200b", "")
