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


def local_day(iso_day: str) -> str:
    """A calendar day (`2026-12-31`, a close date) in the reader's format. Teams' DATE() shows a moment in the
    reader's zone, so the day is given at 10:00 UTC: the same calendar day from UTC-10 to UTC+13 (Hawaii to
    New Zealand's summer and Tonga); anything that is not a day stays as it is."""
    if len(iso_day) != 10 or iso_day[4] != "-" or iso_day[7] != "-":
        return iso_day
    return "{{DATE(" + iso_day + "T10:00:00Z, SHORT)}}"
