"""A Teams message's HTML body (`messagePayload.body.content`) as plain text: tags dropped, mentions kept
as the name, line breaks kept, entities decoded, scripts and styles left out. Nothing of it is trusted."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.domain.rules import clean_text

MAX_HTML = 200_000  # far beyond a Teams message (about 28 KB of text): anything longer is cut first
_BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIPPED = {"script", "style", "template", "head", "title"}
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.skipping:
                self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def message_text(body: str, content_type: str = "html") -> str:
    """The text a person reads in the message, one line per paragraph, blank runs collapsed."""
    if content_type != "html":
        raw = body[:MAX_HTML]
    else:
        parser = _Text()
        parser.feed(body[:MAX_HTML])
        parser.close()
        raw = "".join(parser.parts)
    lines = [clean_text(_SPACES.sub(" ", line)) for line in raw.replace("\r", "").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def first_line(text: str, limit: int) -> str:
    """A title from a text: its first non-empty line, cut at a word near `limit` characters."""
    line = next((line for line in text.splitlines() if line.strip()), "").strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0] or line[: limit - 1]
    return cut.rstrip() + "…"
