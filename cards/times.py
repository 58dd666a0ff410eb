"""Times as Teams shows them in the reader's own time zone and format: the card functions
`{{DATE(…)}}` and `{{TIME(…)}}` (strict RFC 3339, upper case, no spaces inside the braces or the
parentheses; learn.microsoft.com/adaptive-cards/authoring-cards/text-features)."""

from __future__ import annotations


def _rfc3339(stamp: str) -> str:
    """`2026-11-23T14:05:09.123456Z` -> `2026-11-23T14:05:09Z`."""
    return stamp[:19] + "Z"


def local_date(stamp: str) -> str:
    return "{{DATE(" + _rfc3339(stamp) + ", SHORT)}}"


def local_time(stamp: str) -> str:
    return "{{TIME(" + _rfc3339(stamp) + ")}}"


def local_moment(stamp: str) -> str:
    return f"{local_date(stamp)} {local_time(stamp)}"
