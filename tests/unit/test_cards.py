"""Every card the bot can send: valid Adaptive Cards 1.5 (checked by Microsoft's own library), small, readable."""

import dataclasses
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.domain.buying import SIGNERS, BuyingRole
from bot.domain.delivery import DeliverTo, DeliveryStatus, Notification, NotificationView, Purpose
from bot.domain.hours import Schedule, WorkingHours
from bot.domain.language import speaking
from bot.domain.models import (
    Contact,
    Event,
    EventKind,
    Follower,
    Kind,
    NotifyChoice,
    Record,
    RecordView,
    User,
    Visibility,
)
from bot.domain.models import Role as Role  # the extension's contact card
from bot.handlers.text import HELP_BUTTONS, HELP_ENTRIES, WELCOME_BUTTONS, help_buttons, help_entries
from cards.common import Card, plain
from cards.contact_forms import contact_done_card, contact_edit_form, erase_confirm_card
from cards.contacts import contact_list_card, new_contact_form
from cards.detail_forms import archive_confirm_card, details_form, details_values, owner_form
from cards.email import compose_card, mailto_link, prepared_card
from cards.extension import add_to_record_dialog, contact_card, contact_lead_form, lead_dialog
from cards.forms import (
    comment_form,
    contact_picker_form,
    convert_confirm_card,
    follower_form,
    remove_participant_form,
    stage_form,
)
from cards.help import help_card, unknown_card, welcome_card
from cards.notifications import notification_card, outbox_card
from cards.records import new_record_form, people_card, record_card, record_list_card, search_results_card
from cards.roles import roles_form
from cards.settings import working_hours_card
from cards.timeline import describe
from cards.visibility import keep_access_card, restricted_card, visibility_form
from tests.conftest import all_text, find
from tests.unit.pipeline_cards import pipeline_variants, with_fallbacks

ROOT = Path(__file__).resolve().parents[2]
# Teams adds `choices.data` (Data.Query: the people picker and dynamic typeahead) to Input.ChoiceSet in the
# 1.5 cards it renders (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/people-picker
# and .../dynamic-search); the generic library knows it only from 1.6. Nothing else is let through.
TEAMS_EXTENSIONS = {
    'parse: UnsupportedProperty: Property "choices.data" is supported in version 1.6, but you are using version 1.5.'
}
TENANT = "t"
OWNER = User(1, TENANT, "Alice Owner", "29:a", "aad-a", "alice@contoso.example")


def contact(i: int) -> Contact:
    return Contact(
        i,
        TENANT,
        f"Person {i} with a fairly long name",
        f"person{i}@customer-company.example",
        company="Customer Company Ltd",
    )


def view(participants: int = 2, followers: int = 2, with_contact: bool = True) -> RecordView:
    record = Record(1, TENANT, Kind.LEAD, 3, "Acme rollout", "New", 1, 4, "Acme", 12500050, "EUR")
    timeline = tuple(
        Event(1, 1, EventKind.COMMENTED, "2026-11-23T12:00:00.000000Z", None, "x" * 500, None, "Alice Owner")
        for _ in range(5)
    )
    people = tuple(Follower(User(i, TENANT, f"Colleague number {i}")) for i in range(followers))
    return RecordView(
        record, OWNER, contact(0) if with_contact else None, tuple(contact(i) for i in range(1, participants + 1)),
        people, timeline,
    )  # fmt: skip


def private_view() -> RecordView:
    """A private record, visible to team Sales' view for the forms."""
    shown = view()
    return dataclasses.replace(
        shown, record=dataclasses.replace(shown.record, visibility=Visibility.PRIVATE, team_id=1)
    )


def with_roles(participants: int = 200, stage: str = "Proposal") -> RecordView:
    """An opportunity whose Contact and every participant carry a buying role (none of them signs)."""
    base = view(participants, 200)
    record = replace(base.record, kind=Kind.OPPORTUNITY, stage=stage)
    unsigned = [r for r in BuyingRole if r not in SIGNERS]
    roles = {c.id: unsigned[c.id % len(unsigned)] for c in base.people}
    return replace(base, record=record, buying_roles=roles)


def notification(
    events: list[Event], choice: NotifyChoice = NotifyChoice.ALL, purpose: Purpose = Purpose.CHANGE
) -> NotificationView:
    record = view().record
    row = Notification(7, TENANT, 1, 2, 1, tuple(range(len(events))), DeliveryStatus.PENDING, 0, "", "", None, "L-3")
    row = replace(row, purpose=purpose)
    following = purpose not in (Purpose.MENTION, Purpose.LAPSED)
    return NotificationView(row, record, User(2, TENANT, "Bob"), tuple(events), choice, following=following)


AT = "2026-11-23T12:00:00.000000Z"
STAGE = Event(1, 1, EventKind.STAGE_CHANGED, AT, "New", "Qualified", None, "Alice Owner")
EMAIL = Event(1, 1, EventKind.EMAIL_SENT, AT, None, "Our offer for Q3", None, "Alice Owner")
COMMENT = Event(1, 1, EventKind.COMMENTED, AT, None, "y" * 500, None, "Alice Owner")
ENDED = Event(1, 2, EventKind.FOLLOWER_REMOVED, AT, "Bob", None, "L-3 closed (Won)", "Bob")
FOLLOWED = Event(1, 2, EventKind.FOLLOWER_ADDED, AT, None, "Bob [x](http://evil)", None, "Bob [x](http://evil)")


def as_sent(card: Card) -> dict[str, Any]:
    """The card as Teams receives it, plain JSON: a test may look up any element's properties."""
    result: dict[str, Any] = json.loads(json.dumps(card))
    return result


def every_card() -> dict[str, Card]:
    records = [view().record] * 25
    contacts = [contact(i) for i in range(25)]
    return {
        "record": record_card(view(), viewer_id=1, message="Done."),
        "record without contact": record_card(view(0, 0, with_contact=False)),
        "record with 200 people": record_card(view(200, 200), viewer_id=1),
        "record list": record_list_card("Latest leads", records, "none"),
        "empty list": record_list_card("Latest leads", [], "No leads yet."),
        "search": search_results_card("acme", records[:10], contacts[:10]),
        "contacts": contact_list_card("Contacts", contacts, "none", message="Added."),
        "new lead form": new_record_form(Kind.LEAD, {"title": "t"}, {"title": "A lead needs a title."}),
        "new contact form": new_contact_form({"name": "n"}, {"email": "bad"}),
        "new lead form with its key": new_record_form(Kind.LEAD, form_key="0" * 32),
        "new contact form with its key": new_contact_form(form_key="0" * 32),
        "help": help_card(HELP_ENTRIES, HELP_BUTTONS),
        "welcome": welcome_card(WELCOME_BUTTONS),
        "unknown": unknown_card("what?", HELP_BUTTONS),
        "compose": compose_card(view()),
        "compose with graph": compose_card(view(), True, "a" * 32, {"body": "typed"}, {"to": "bad"}, "Graph is busy"),
        "prepared mailto": prepared_card(
            view(), ["a@x.example"], ["b@y.example"], "Subject", "https://crm.example/mail/x", "a" * 32
        ),
        "compose without contact": compose_card(view(with_contact=False)),
        "record with refresh": record_card(view(), viewer_id=1, refresh_user_ids=["29:a", "29:b"]),
        "contact picker": contact_picker_form(view(), True, contacts, 5000, {"new_name": "N"}, {"new_email": "bad"}),
        "participant picker": contact_picker_form(view(), False, contacts, 25, errors={"contact": "Pick"}),
        "remove participant": remove_participant_form(view(), {"contact": "Pick"}),
        "add follower": follower_form(view(), [OWNER, User(7, TENANT, "Bob", "29:b", "aad-b")], {"follower": "x"}),
        "comment": comment_form(view(), {"comment": "typed"}, {"comment": "too long"}),
        "stage": stage_form(view(), {"stage": "not a stage"}),
        "convert": convert_confirm_card(view()),
        "people": people_card(view(200, 200), "followers", start=100),
        "record with 200 people with roles": record_card(with_roles(), viewer_id=1),
        "participants with roles": people_card(with_roles(), "participants"),
        "roles form": roles_form(with_roles(), errors={"role_1": "x"}, message="Nothing changed"),
        "roles form, last page of 200": roles_form(with_roles(), page=10),
        "roles form, nobody yet": roles_form(view(0, 0, with_contact=False)),
        "compose with cc by role": compose_card(with_roles(30)),
        "record list with deals missing a decision maker": record_list_card("Latest", records, "none", flagged={1}),
        "edit details": details_form(view(), details_values(view(), "EUR")),
        "edit details refused": details_form(
            view(), {"value": "1e309", "close_date": "2027-02-30"}, {"value": "bad", "currency": "x", "close_date": "x"}
        ),
        "owner picker": owner_form(view(), [OWNER, User(7, TENANT, "Bob", "29:b", "aad-b")], {"owner": "Pick"}),
        "archive": archive_confirm_card(view()),
        "edit contact": contact_edit_form(3, {"name": "N", "email": "bad"}, {"email": "bad"}, "On open records"),
        "erase contact": erase_confirm_card(contact(1), [f"L-{i}" for i in range(30)]),
        "contact done": contact_done_card("Erased."),
        "archived overdue record": record_card(
            replace(view(), record=replace(view().record, close_date="2020-01-01", archived_at=AT, next_step="Call")),
            viewer_id=1,
            today="2026-12-01",
        ),
        "notification": notification_card(notification([STAGE, EMAIL, COMMENT]), message="Saved."),
        "notification of a long burst": notification_card(notification([COMMENT] * 40, NotifyChoice.COMMENTS)),
        "notification with the activity feed offered": notification_card(
            dataclasses.replace(notification([COMMENT]), feed_offered=True, deliver_to=DeliverTo.BOTH)
        ),
        "extension contact card": contact_card(contact(1), [(Role.CONTACT, records[0])] * 12, "Saved."),
        "extension contact card, no records": contact_card(contact(2), []),
        "extension new lead for a contact": contact_lead_form(contact(1), {"lead_title": "t"}, {"lead_title": "x"}),
        "extension lead dialog": lead_dialog(
            {"title": "t", "comment": "c" * 4000, "author": "A [b](c)"},
            [("Jane", "1")] * 50,
            {"key": "k"},
            {"new_email": "bad"},
            "Out of date",
        ),
        "extension add to record dialog": add_to_record_dialog(
            {"comment": "c", "author": "A"}, [("L-1 · t · New", "L-1")] * 50, {"key": "k"}, {"ref": "Pick"}
        ),
        "who follows, to the owner": notification_card(notification([FOLLOWED] * 40, purpose=Purpose.FOLLOWS)),
        "added as a follower": notification_card(notification([FOLLOWED], purpose=Purpose.ADDED)),
        "mentioned": notification_card(notification([COMMENT], purpose=Purpose.MENTION)),
        "follow lapsed at the close": notification_card(notification([STAGE, ENDED], purpose=Purpose.LAPSED)),
        "record for a follower whose follow ends": record_card(
            replace(view(), followers=(Follower(OWNER, ends_at=AT),)), viewer_id=1
        ),
        "visibility form, a private record with teams": visibility_form(
            private_view(),
            [(1, "Sales"), (2, "Sales EMEA")],
            {"colleague": "Pick a colleague."},
            "Refused",
            [OWNER, User(7, TENANT, "Bob", "29:b", "aad-b")],
        ),
        "visibility form, a private record, nobody to share with": visibility_form(private_view(), []),
        "visibility form, no teams": visibility_form(view(), []),
        "keep access?": keep_access_card(private_view(), "L-1 is not visible to everyone: keep your access?"),
        "a private record's post": restricted_card(private_view().record, ["29:a", "29:b"]),
        "record with share with them": record_card(
            private_view(), viewer_id=1, share_with=(User(7, TENANT, "Bob", "29:b", "aad-b"),)
        ),
        "working hours": working_hours_card(Schedule("Europe/Berlin", WorkingHours()), "Saved."),
        "daily digest": working_hours_card(Schedule("Europe/Berlin", WorkingHours(), digest=True)),
        "any time": working_hours_card(Schedule("UTC", None), "“x” is not a time span.", good=False),
        "notifications status": outbox_card(
            {DeliveryStatus.PENDING: 3, DeliveryStatus.FAILED: 10},
            [replace(notification([STAGE]).notification, status=DeliveryStatus.FAILED, last_error="x" * 300)] * 10,
        ),
        # Teams' Chart.* elements are unknown to Microsoft's generic library (docs/charts.md; their names and
        # fields are checked in test_charts.py): the pipeline cards are validated as a client without charts
        # renders them, each chart replaced by its fallback.
        **{name: with_fallbacks(card) for name, card in pipeline_variants().items()},
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed to run Microsoft's Adaptive Cards library")
def test_every_card_is_valid_adaptive_cards_1_5() -> None:
    cards = every_card()
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "validate_cards.js")],
        input=json.dumps(list(cards.values())),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    problems = dict(zip(cards, json.loads(result.stdout), strict=True))
    real = {name: [p for p in found if p not in TEAMS_EXTENSIONS] for name, found in problems.items()}
    assert {name: found for name, found in real.items() if found} == {}


# `<ref>` is read as an HTML tag and dropped by clients; `<jane@acme.example>` is markdown's email autolink.
TAG_LIKE = re.compile(r"<(?!/?at>)(?![^<>\s@]+@[^<>\s]+>)[A-Za-zÀ-ÿ][^<>]*>")


def test_no_card_writes_a_placeholder_that_a_client_drops_as_a_tag() -> None:
    cards = every_card()
    for tag in ("de", "pt-PT", "pt-BR"):
        with speaking(tag):
            cards[f"help in {tag}"] = help_card(help_entries(), help_buttons())
    dropped = {name: TAG_LIKE.findall(all_text(card)) for name, card in cards.items()}
    assert {name: found for name, found in dropped.items() if found} == {}
    assert "show ‹ref›" in all_text(cards["help"]) and "‹colleague›" in all_text(cards["help"])


def test_the_validator_does_catch_mistakes() -> None:
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "x"}]}
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "validate_cards.js")], input=json.dumps([broken]), capture_output=True,
        text=True, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    assert "UnknownElementType" in result.stdout


def test_cards_stay_small_with_hundreds_of_people() -> None:
    for name, card in every_card().items():
        assert card["version"] == "1.5"
        assert len(json.dumps(card).encode()) < 28 * 1024, name
    crowded = all_text(record_card(view(200, 200), viewer_id=1, refresh_user_ids=[f"29:{i}" for i in range(60)]))
    assert "Other participants (200)" in crowded and "Followers (200)" in crowded and crowded.count("and 190 more") == 2


def test_the_record_card_shows_the_three_roles() -> None:
    text = all_text(record_card(view(), viewer_id=99))
    assert "L-3 · Lead" in text and "Acme rollout" in text and "Stage: New" in text
    assert text.count("125,000.50 EUR") == 1 and "Owner: Alice Owner" in text
    assert plain("Person 0 with a fairly long name · person0@customer-company.example") in text
    assert "Other participants (2)" in text and "Followers (2)" in text
    assert "You don't follow this record." in text
    assert "Latest activity" in text and "Alice Owner commented:" in text
    assert "You follow this record." in all_text(record_card(view(), viewer_id=1))


def button_rows(card: Card | dict[str, Any]) -> list[list[str]]:
    """The titles of each row of buttons on the card's own body, top to bottom (not those of an overflow)."""
    sent: dict[str, Any] = json.loads(json.dumps(card))
    return [[a["title"] for a in e["actions"]] for e in sent["body"] if e["type"] == "ActionSet"]


def test_the_record_card_reads_at_a_glance_main_actions_first_rare_ones_in_more() -> None:
    record = replace(view().record, close_date="2027-03-31")
    card = as_sent(record_card(replace(view(), record=record), viewer_id=1))
    rows = button_rows(card)
    assert rows[0] == ["Comment", "Change stage", "Change contact", "Add participant"]
    assert rows[1][:2] == ["Edit details", "Email contact"] and rows[1][-1] == "More"
    [more] = [a for a in find(card, "Action.ShowCard") if a["title"] == "More"]
    inside = all_text(more["card"])
    assert "[Archive]" in inside and "[Change owner]" in inside and "[Save notification setting]" in inside
    shown = all_text(card)
    assert shown.count("[Archive]") == 1 and shown.count("[Change owner]") == 1
    choices = [i["id"] for i in find(card, "Input.ChoiceSet")]
    assert choices.count("choice") == 1 and [i["id"] for i in find(more, "Input.ChoiceSet")] == ["choice"]
    first_button = shown.index("[Comment]")
    assert shown.index("Stage: New") < first_button < shown.index("Contact\n") < shown.index("Latest activity")
    assert "125,000.50 EUR · closes {{DATE(2027-03-31T10:00:00Z, SHORT)}}" in shown
    assert shown.count("2027-03-31") == 1 and "Value:" not in shown and "Close date:" not in shown
    no_contact = button_rows(record_card(view(0, 0, with_contact=False), viewer_id=1))
    assert no_contact[0][2] == "Set contact"


def test_an_overdue_close_date_is_said_once_as_the_warning() -> None:
    record = replace(view().record, close_date="2026-11-30")
    shown = all_text(record_card(replace(view(), record=record), viewer_id=1, today="2026-12-01"))
    assert "Overdue: expected to close {{DATE(2026-11-30T10:00:00Z, SHORT)}}" in shown
    assert shown.count("2026-11-30") == 1


def test_the_contact_picker_lists_the_first_contacts_and_searches_only_beyond_them() -> None:
    contacts = [contact(i) for i in range(25)]
    many = as_sent(contact_picker_form(view(), True, contacts, 5000))
    [picker] = [i for i in find(many, "Input.ChoiceSet") if i["id"] == "contact"]
    assert len(picker["choices"]) == 25 and picker["choices.data"]["dataset"] == "crm.contacts"
    assert "search all 5,000 contacts" in picker["placeholder"]
    few = as_sent(contact_picker_form(view(0, 0, with_contact=False), True, contacts[:5], 5))
    [picker] = [i for i in find(few, "Input.ChoiceSet") if i["id"] == "contact"]
    assert len(picker["choices"]) == 5 and "choices.data" not in picker and picker["style"] == "compact"
    # Participants: those already on the record are not offered, and do not make the list look short.
    on_record = view(2, 0)
    taken = {c.id for c in on_record.participants} | {on_record.contact.id if on_record.contact else 0}
    rest = as_sent(contact_picker_form(on_record, False, contacts, 25))
    [picker] = [i for i in find(rest, "Input.ChoiceSet") if i["id"] == "contact"]
    assert "choices.data" not in picker and len(picker["choices"]) == 25 - len(taken & {c.id for c in contacts})


def test_timeline_sentences_say_what_was_set_or_cleared_never_none_arrow() -> None:
    def line(kind: EventKind, old: str | None, new: str | None, detail: str | None = None) -> str:
        return describe(Event(1, 1, kind, AT, old, new, detail, "Alice Owner"))

    assert line(EventKind.CONTACT_SET, None, "Jane Doe") == "Alice Owner set the Contact to Jane Doe"
    assert line(EventKind.CONTACT_SET, "Jane Doe", "Carl CFO") == "Alice Owner changed the Contact: Jane Doe → Carl CFO"
    assert line(EventKind.VALUE_CHANGED, None, "25000.00 EUR") == "Alice Owner set the value to 25,000.00 EUR"
    assert line(EventKind.VALUE_CHANGED, "25000.00 EUR", None) == "Alice Owner cleared the value (25,000.00 EUR)"
    assert line(EventKind.DETAIL_CHANGED, None, "Acme", "company") == "Alice Owner set the company to Acme"
    assert line(EventKind.BUYING_ROLE_SET, None, "Champion", "Jane") == "Alice Owner set the role of Jane to Champion"
    closing = Event(1, 1, EventKind.CLOSE_DATE_CHANGED, AT, None, "2027-03-31", None, "Alice Owner")
    assert describe(closing) == "Alice Owner set the close date to {{DATE(2027-03-31T10:00:00Z, SHORT)}}"
    assert describe(closing, literal=str) == "Alice Owner set the close date to 2027-03-31"  # a summary: plain text
    meeting = Event(1, 1, EventKind.MEETING_SCHEDULED, AT, "2027-03-30T14:00:00Z", "Kick-off", "jane@x.example")
    assert "for {{DATE(2027-03-30T14:00:00Z, SHORT)}} {{TIME(2027-03-30T14:00:00Z)}} with" in describe(meeting)
    assert describe(meeting, literal=str) == (
        "Someone scheduled a Teams meeting “Kick-off” for 2027-03-30 14:00 UTC with jane@x.example"
    )
    either = [k for k in EventKind if k not in (EventKind.CONTACT_MERGED, EventKind.OWNER_CHANGED)]  # always both
    every = [line(kind, None, "x", "title") for kind in either] + [line(kind, "x", None, "title") for kind in either]
    assert not [sentence for sentence in every if "none →" in sentence or "→ none" in sentence]


def test_mailto_link_is_encoded() -> None:
    link = mailto_link(
        ["jane@acme.example"], ["a@x.example", "b@y.example"], "Q3 offer & terms?", "Hi Jane,\nsee below"
    )
    assert link == (
        "mailto:jane@acme.example?cc=a@x.example,b@y.example&subject=Q3%20offer%20%26%20terms%3F"
        "&body=Hi%20Jane%2C%0D%0Asee%20below"
    )
    composing = as_sent(compose_card(view(), can_send=True, send_id="a" * 32))
    assert composing["body"][3]["id"] == "to" and composing["body"][3]["value"] == "person0@customer-company.example"
    assert "[Send]" in all_text(composing) and "[Prepare in Outlook]" in all_text(compose_card(view()))
    assert "has no Contact yet" in all_text(compose_card(view(with_contact=False)))


def test_the_notification_card_says_who_did_what_why_and_offers_the_buttons() -> None:
    card = as_sent(notification_card(notification([STAGE, EMAIL, COMMENT], NotifyChoice.STAGE)))
    text = all_text(card)
    assert "L-3 · Lead" in text and "Acme rollout" in text and "Stage: New" in text
    assert "Alice Owner changed the stage: New → Qualified" in text
    assert "Alice Owner emailed the Contact: “Our offer for Q3”" in text and "Alice Owner commented: yyy" in text
    assert (
        "{{DATE(2026-11-23T12:00:00Z, SHORT)}} {{TIME(2026-11-23T12:00:00Z)}}" in text
        and "You get this because you follow L-3." in text
    )
    buttons = {a["title"]: a for a in card["actions"]}
    assert buttons["Open record"]["verb"] == "record.show" and buttons["Open record"]["data"]["ref"] == "L-3"
    assert buttons["Unfollow"]["verb"] == "record.unfollow"
    assert not [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]  # folded away, under its button
    folded = buttons["Notify me about…"]
    assert folded["type"] == "Action.ShowCard"
    choice = next(e for e in folded["card"]["body"] if e["type"] == "Input.ChoiceSet")
    assert choice["id"] == "choice" and choice["value"] == "stage" and len(choice["choices"]) == 4
    assert "[Save notification setting]" in all_text(folded["card"])
    burst = all_text(notification_card(notification([COMMENT] * 40)))
    assert burst.count("commented") == 10 and "and 30 earlier changes" in burst


def test_notices_show_user_text_as_typed_and_offer_the_right_button() -> None:
    roll_up = all_text(notification_card(notification([FOLLOWED] * 12, purpose=Purpose.FOLLOWS)))
    assert roll_up.count("started following") == 10 and plain("[x](http://evil)") in roll_up
    assert "[Unfollow]" in roll_up
    mentioned = all_text(notification_card(notification([COMMENT], purpose=Purpose.MENTION)))
    assert "Alice Owner mentioned you on L-3" in mentioned and "[Follow]" in mentioned


def test_a_lapsed_follow_says_why_shows_the_closing_change_and_offers_follow_again() -> None:
    lapsed = all_text(notification_card(notification([STAGE, ENDED], purpose=Purpose.LAPSED)))
    assert "You no longer follow L-3" in lapsed and "Your follow ended: L-3 closed (Won)." in lapsed
    assert "Alice Owner changed the stage: New → Qualified" in lapsed and "[Follow again]" in lapsed
    assert "follow ended" not in lapsed.replace("Your follow ended", "")  # the ending is said once
    ends = all_text(record_card(replace(view(), followers=(Follower(OWNER, ends_at=AT),)), viewer_id=1))
    assert "You follow this record. It ends on {{DATE(2026-11-23T12:00:00Z, SHORT)}}." in ends


def test_roles_show_beside_each_person_and_the_nudge_until_someone_signs() -> None:
    crowded = with_roles()
    card = record_card(crowded, viewer_id=1)
    text = all_text(card)
    assert "No decision maker on this deal yet" in text and "[Set decision maker]" in text
    person = plain("Person 0 with a fairly long name · person0@customer-company.example · Customer Company Ltd")
    assert f"{person} · Champion" in text
    assert text.count("[Set role]") == 11 and "and 190 more" in text  # the Contact and the first 10 participants
    signed = replace(crowded, buying_roles={**crowded.buying_roles, 7: BuyingRole.ECONOMIC_BUYER})
    assert "No decision maker" not in all_text(record_card(signed, viewer_id=1))
    for stage in ("Prospecting", "Won", "Lost"):
        assert "No decision maker" not in all_text(record_card(with_roles(3, stage), viewer_id=1)), stage
    assert "No decision maker" not in all_text(record_card(replace(crowded, record=view().record)))  # a lead
    form = roles_form(crowded, page=3)
    pickers = [e for e in form["body"] if e["type"] == "Input.ChoiceSet"]
    assert len(pickers) == 20 and pickers[0]["id"] == "role_60" and "People 61–80 of 201" in all_text(form)
