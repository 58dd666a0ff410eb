"""Typed Adaptive Cards, two ways, side by side in one run: (a) Microsoft's pydantic models
(`microsoft-teams-cards`) and (b) our TypedDicts (`cards/elements.py`, plain dicts at run time).
Start-up: wall time of `python -c '<import>'` and resident memory after the import, each against a bare
interpreter of the same venv. Work: the time to build and serialise the record card. Alternating runs,
medians. docs/typed-cards.md has the figures and the choice they led to.

(a) is not a dependency: install it into a throwaway venv and pass that interpreter, e.g.
    python3 -m venv /tmp/tc-venv && /tmp/tc-venv/bin/pip install microsoft-teams-cards==2.1.1 pydantic
    .venv/bin/python -m bench.card_models --teams-cards-python /tmp/tc-venv/bin/python
`--before DIR` adds a checkout of the untyped dict layer as a third column (b, before)."""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OURS = "import cards.contacts, cards.email, cards.forms, cards.help, cards.notifications, cards.records"
THEIRS = "import microsoft_teams.cards"
RSS = "import sys; sys.stdout.write(next(x for x in open('/proc/self/status') if x.startswith('VmRSS')))"
BUILD_ROUNDS = 5
SIZES = {"typical (2 participants, 2 followers)": 2, "biggest (200 participants, 200 followers)": 200}


def _view(people: int) -> Any:
    """The record the card tests use: five 500-character comments, long names."""
    from bot.domain.models import Contact, Event, EventKind, Follower, Kind, Record, RecordView, User

    def contact(i: int) -> Contact:
        long_name = f"Person {i} with a fairly long name"
        return Contact(i, "t", long_name, f"person{i}@customer-company.example", company="Customer Company Ltd")

    record = Record(1, "t", Kind.LEAD, 3, "Acme rollout", "New", 1, 4, "Acme", 12500050, "EUR")
    event = Event(1, 1, EventKind.COMMENTED, "2026-11-23T12:00:00.000000Z", None, "x" * 500, None, "Alice Owner")
    followers = tuple(Follower(User(i, "t", f"Colleague number {i}")) for i in range(people))
    participants = tuple(contact(i) for i in range(1, people + 1))
    return RecordView(record, User(1, "t", "Alice Owner"), contact(0), participants, followers, (event,) * 5)


def _teams_cards_record(view: Any, viewer_id: int) -> Any:
    """cards.records.record_card written with microsoft_teams.cards (same elements, same order)."""
    from microsoft_teams import cards as tc

    from cards import verbs
    from cards.common import LIST_LIMIT, SCHEMA, when
    from cards.records import person_line, record_data
    from cards.timeline import describe

    def text(value: str, **options: Any) -> Any:
        return tc.TextBlock(text=value, wrap=True, **options)

    def subtle(value: str) -> Any:
        return text(value, is_subtle=True, spacing="None", size="Small")

    def section(title: str) -> Any:
        return text(title, weight="Bolder", spacing="Medium", separator=True)

    def execute(title: str, verb: str, data: dict[str, Any]) -> Any:
        return tc.ExecuteAction(title=title, verb=verb, data=dict(data))

    def bullets(lines: list[str], empty: str) -> list[Any]:
        if not lines:
            return [subtle(empty)]
        shown = [text("• " + line, spacing="None") for line in lines[:LIST_LIMIT]]
        return shown + ([subtle(f"and {len(lines) - LIST_LIMIT} more")] if len(lines) > LIST_LIMIT else [])

    def see_all(role: str, count: int) -> list[Any]:
        more = execute(f"See all {count}", verbs.RECORD_PEOPLE, {**data, "role": role})
        return [tc.ActionSet(actions=[more])] if count > LIST_LIMIT else []

    record, data = view.record, record_data(view.record)
    mine = next((f for f in view.followers if f.user.id == viewer_id), None)
    value = f"{record.value:,.2f}".rstrip("0").rstrip(".") + f" {record.currency}"
    pairs = [("Stage", record.stage), ("Value", value), ("Company", record.company), ("Owner", view.owner.name)]
    body: list[Any] = [
        subtle(f"{record.ref} · {record.kind.label}"),
        text(record.title, size="Large", weight="Bolder"),
        tc.FactSet(facts=[tc.Fact(title=t, value=v) for t, v in pairs]),
        section("Contact"),
        text(person_line(view.contact)),
        tc.ActionSet(actions=[execute("Set contact", verbs.CONTACT_FORM, data)]),
        section(f"Other participants ({len(view.participants)})"),
        *bullets([person_line(c) for c in view.participants], "None yet"),
        *see_all("participants", len(view.participants)),
        tc.ActionSet(
            actions=[
                execute("Add participant", verbs.PARTICIPANT_FORM, data),
                execute("Remove participant", verbs.REMOVE_PARTICIPANT_FORM, data),
            ]
        ),
        section(f"Followers ({len(view.followers)})"),
        *bullets([f.user.name for f in view.followers], "Nobody follows this record"),
        *see_all("followers", len(view.followers)),
        subtle("You follow this record." if mine else "You don't follow this record."),
    ]
    if mine:
        choices = [tc.Choice(title=c.label, value=c.value) for c in type(mine.notify)]
        body += [
            tc.ChoiceSetInput(
                id="choice", label="Notify me about", style="compact", value=mine.notify.value, choices=choices
            ),
            tc.ActionSet(actions=[execute("Save notification setting", verbs.RECORD_NOTIFY, {"ref": record.ref})]),
        ]
    follow = execute("Unfollow", verbs.RECORD_UNFOLLOW, data) if mine else execute("Follow", verbs.RECORD_FOLLOW, data)
    work = [("Comment", verbs.COMMENT_FORM), ("Change stage", verbs.STAGE_FORM), ("Email contact", verbs.EMAIL_FORM)]
    body += [
        tc.ActionSet(actions=[follow, execute("Add follower", verbs.FOLLOWER_FORM, data)]),
        section("Latest activity"),
        *bullets([f"{describe(e)} · {when(e.at)}" for e in view.timeline], "Nothing yet"),
        tc.ActionSet(
            actions=[execute(t, v, data) for t, v in work]
            + [execute("Convert to opportunity", verbs.CONVERT_CONFIRM, data)]
        ),
    ]
    # The package spells the schema key "schema" and the Teams width "full" (we send "$schema" and "Full").
    return tc.AdaptiveCard(schema=SCHEMA, version="1.5", body=body, msteams=tc.TeamsCardProperties(width="full"))


def _child(what: str) -> None:
    """Runs in the measured interpreter, in the measured tree: prints microseconds per card as JSON."""
    sys.path.insert(0, os.getcwd())
    if what == "same":  # (a) builds what (b) builds, apart from the two spellings above
        from cards.records import record_card

        view = _view(200)
        theirs = json.loads(_teams_cards_record(view, 1).model_dump_json(exclude_none=True))
        ours = json.loads(json.dumps(record_card(view, viewer_id=1)).replace('"$schema"', '"schema"'))
        ours["msteams"]["width"] = "full"
        print(json.dumps(theirs == ours))
        return
    from cards.records import record_card

    def build(view: Any) -> str:
        if what == "a":
            return str(_teams_cards_record(view, 1).model_dump_json(exclude_none=True))
        return json.dumps(record_card(view, viewer_id=1))

    result = {}
    for name, people in SIZES.items():
        view = _view(people)
        loops = 200 if people < 10 else 20
        times = timeit.repeat(functools.partial(build, view), number=loops, repeat=7)
        result[name] = min(times) / loops * 1e6
    print(json.dumps(result))


def _run(python: str, code: str, cwd: Path) -> tuple[float, float]:
    """Wall seconds of `python -c code` and its VmRSS in MiB at the end."""
    started = time.perf_counter()
    out = subprocess.run([python, "-c", f"{code}\n{RSS}"], cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(out.stdout.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams-cards-python", help="interpreter of a venv with microsoft-teams-cards (required)")
    parser.add_argument("--before", type=Path, help="a checkout whose cards/ is the untyped dict layer")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.child)
    if not args.teams_cards_python:
        parser.error("--teams-cards-python is required")
    ours, theirs = sys.executable, args.teams_cards_python
    options = {
        "bare interpreter (project venv)": (ours, "pass", ROOT),
        "bare interpreter (throwaway venv)": (theirs, "pass", ROOT),
        "(a) microsoft_teams.cards": (theirs, THEIRS, ROOT),
        "(b) cards, typed": (ours, OURS, ROOT),
        "   of which bot.domain.models": (ours, "import bot.domain.models", ROOT),
    }
    if args.before:
        options["(b) cards, before: dict[str, Any]"] = (ours, OURS, args.before)
    for python, code, cwd in options.values():  # warm-up: .pyc files written, disk cache filled
        _run(python, code, cwd)
    wall: dict[str, list[float]] = {name: [] for name in options}
    rss: dict[str, list[float]] = {name: [] for name in options}
    names = list(options)
    for i in range(args.runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:  # rotate who goes first
            seconds, mib = _run(*options[name])
            wall[name].append(seconds)
            rss[name].append(mib)
    print(f"{sys.version.split()[0]}, {args.runs} runs of each, rotating order; medians")
    print(f"{'':36} {'python -c':>10} {'VmRSS':>10}")
    for name in names:
        print(f"{name:36} {statistics.median(wall[name]) * 1000:7.0f} ms {statistics.median(rss[name]):6.1f} MiB")
    script = str(Path(__file__).resolve())
    builds = {"(a) microsoft_teams.cards": (theirs, "a", ROOT), "(b) cards, typed": (ours, "b", ROOT)}
    if args.before:
        builds["(b) cards, before: dict[str, Any]"] = (ours, "b", args.before)
    micros: dict[tuple[str, str], list[float]] = {}
    for i in range(BUILD_ROUNDS):
        for name in list(builds)[i % len(builds) :] + list(builds)[: i % len(builds)]:
            python, what, cwd = builds[name]
            out = subprocess.run([python, script, "--child", what], cwd=cwd, capture_output=True, text=True, check=True)
            for size, value in json.loads(out.stdout).items():
                micros.setdefault((name, size), []).append(value)
    print(f"build + serialise record_card: µs per card, best of 7 in a process, median of {BUILD_ROUNDS} processes")
    for (name, size), values in micros.items():
        print(f"  {name:36} {size:44} {statistics.median(values):6.0f} µs")
    same = subprocess.run([theirs, script, "--child", "same"], cwd=ROOT, capture_output=True, text=True, check=True)
    print(f"(a) builds the same JSON as (b), apart from $schema/schema and Full/full: {same.stdout.strip()}")


if __name__ == "__main__":
    main()
