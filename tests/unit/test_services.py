"""The use cases on an in-memory database: the three roles' rules, stages, conversion, events."""

from collections.abc import Callable

import pytest

from bot.domain.errors import Ambiguous, DomainError, NotFound
from bot.domain.models import EventKind, Kind, NotifyChoice, User
from bot.domain.rules import is_valid_email, parse_ref
from bot.services import CrmService
from tests.conftest import ALICE, BOB, MALLORY


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user(ALICE)


@pytest.mark.parametrize("email", ["jane@acme.example", "j.doe+crm@sub.acme.co.uk", "O'Brien@acme.example", "a@b.io"])
def test_valid_emails(email: str) -> None:
    assert is_valid_email(email)


@pytest.mark.parametrize(
    "email",
    ["", "jane", "jane@", "@acme.example", "jane@@acme.example", "jane@acme", "ja ne@acme.example",
     "jane@acme..example", ".jane@acme.example", "jane.@acme.example", "x" * 250 + "@a.io", "jane@acme.example\n"],
)  # fmt: skip
def test_invalid_emails(email: str) -> None:
    assert not is_valid_email(email)


def test_references_are_case_insensitive() -> None:
    assert parse_ref("l-3") == (Kind.LEAD, 3)
    assert parse_ref(" O12 ") == (Kind.OPPORTUNITY, 12)
    for bad in ("L-", "X-1", "L-1a", "", "L-99999999999"):
        with pytest.raises(NotFound):
            parse_ref(bad)


def test_contact_emails_are_unique_per_tenant_ignoring_case(
    services: CrmService, alice: User, make_user: Callable[..., User]
) -> None:
    services.contacts.create_contact(alice, "Jane", "Jane@Acme.example")
    with pytest.raises(DomainError, match="already has the email") as refused:
        services.contacts.create_contact(alice, "Other Jane", "jane@ACME.example")
    assert refused.value.field == "email"
    services.contacts.create_contact(make_user(MALLORY), "Jane", "jane@acme.example")  # another tenant may


def test_a_contact_needs_a_name(services: CrmService, alice: User) -> None:
    with pytest.raises(DomainError, match="needs a name"):
        services.contacts.create_contact(alice, "  \x00 ", "jane@acme.example")


def test_creating_a_record_makes_the_creator_owner_and_follower(services: CrmService, alice: User) -> None:
    change = services.records.create_record(alice, Kind.LEAD, "Deal")
    assert change.record.ref == "L-1" and change.record.owner_id == alice.id and change.record.stage == "New"
    view = services.records.view(alice.tenant_id, "L-1")
    assert [f.user.id for f in view.followers] == [alice.id]
    assert view.followers[0].notify is NotifyChoice.ALL
    assert [e.kind for e in change.events] == [EventKind.CREATED]
    assert services.records.create_record(alice, Kind.LEAD, "Second").record.ref == "L-2"
    assert services.records.create_record(alice, Kind.OPPORTUNITY, "Opp").record.ref == "O-1"


def test_setting_the_contact_moves_a_participant_and_keeps_the_former_contact(
    services: CrmService, alice: User
) -> None:
    jane = services.contacts.create_contact(alice, "Jane", "jane@acme.example")
    carl = services.contacts.create_contact(alice, "Carl", "carl@acme.example")
    services.records.create_record(alice, Kind.LEAD, "Deal")
    first = services.records.set_contact(alice, "L-1", jane.id)
    assert [(e.kind, e.old, e.new) for e in first.events] == [(EventKind.CONTACT_SET, None, "Jane <jane@acme.example>")]
    services.records.add_participant(alice, "L-1", carl.id)
    moved = services.records.set_contact(alice, "L-1", carl.id)
    assert [e.kind for e in moved.events] == [EventKind.CONTACT_SET, EventKind.PARTICIPANT_ADDED]
    assert moved.events[0].detail == "was a participant"
    view = services.records.view(alice.tenant_id, "L-1")
    assert view.contact == carl and view.participants == (jane,)
    assert moved.record.version == first.record.version + 2  # set, add, set


def test_participants_never_include_the_contact_or_duplicates(services: CrmService, alice: User) -> None:
    jane = services.contacts.create_contact(alice, "Jane", "jane@acme.example")
    services.records.create_record(alice, Kind.LEAD, "Deal")
    services.records.set_contact(alice, "L-1", jane.id)
    with pytest.raises(DomainError, match="so not also a participant"):
        services.records.add_participant(alice, "L-1", jane.id)
    with pytest.raises(DomainError, match="the Contact of L-1, not a participant"):
        services.records.remove_participant(alice, "L-1", jane.id)


def test_follow_and_add_another_follower(services: CrmService, alice: User, make_user: Callable[..., User]) -> None:
    bob = make_user(BOB)
    services.records.create_record(alice, Kind.LEAD, "Deal")
    change = services.records.follow(alice, "L-1", follower=bob)
    assert change.message == "Bob Follower now follows L-1."
    assert change.events[0].actor_id == alice.id and change.events[0].new == "Bob Follower"
    with pytest.raises(DomainError, match="Bob Follower already follows L-1"):
        services.records.follow(alice, "L-1", follower=bob)
    services.records.unfollow(alice, "L-1", follower=bob)
    with pytest.raises(NotFound):
        services.records.follow(alice, "L-1", follower=make_user(MALLORY))


def test_stages_are_only_the_kinds_own(services: CrmService, alice: User) -> None:
    services.records.create_record(alice, Kind.OPPORTUNITY, "Opp")
    with pytest.raises(DomainError, match="Prospecting, Proposal, Negotiation, Won, Lost") as refused:
        services.records.change_stage(alice, "O-1", "Qualified")
    assert refused.value.field == "stage"
    change = services.records.change_stage(alice, "O-1", "  wOn ")
    assert change.record.stage == "Won"
    assert [(e.old, e.new) for e in change.events] == [("Prospecting", "Won")]


def test_comments_are_checked_and_recorded(services: CrmService, alice: User) -> None:
    services.records.create_record(alice, Kind.LEAD, "Deal")
    with pytest.raises(DomainError, match="can't be empty"):
        services.records.comment(alice, "L-1", " \n ")
    change = services.records.comment(alice, "L-1", "x" * 4000)
    assert change.events[0].new is not None and len(change.events[0].new) == 500  # the timeline shows a preview


def test_conversion_keeps_everything_and_happens_once(
    services: CrmService, alice: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(BOB)
    jane = services.contacts.create_contact(alice, "Jane", "jane@acme.example")
    carl = services.contacts.create_contact(alice, "Carl", "carl@acme.example")
    services.records.create_record(alice, Kind.LEAD, "Deal", company="Acme")
    services.records.set_contact(alice, "L-1", jane.id)
    services.records.add_participant(alice, "L-1", carl.id)
    services.records.follow(bob, "L-1")
    services.records.comment(bob, "L-1", "Looks good")
    change = services.records.convert(bob, "L-1")
    assert change.record.ref == "O-1" and change.record.converted_from == "L-1" and change.record.company == "Acme"
    assert change.record.owner_id == alice.id
    opportunity = services.records.view(alice.tenant_id, "O-1")
    assert opportunity.contact == jane and opportunity.participants == (carl,)
    assert {f.user.id for f in opportunity.followers} == {alice.id, bob.id}
    kinds = [e.kind for e in services.repo.records.timeline(alice.tenant_id, opportunity.record.id, 50)]
    assert kinds[0] is EventKind.CONVERTED and EventKind.COMMENTED in kinds and kinds[-1] is EventKind.CREATED
    lead = services.records.get_record(alice.tenant_id, "L-1")
    assert lead.stage == "Converted" and lead.converted_to == "O-1"
    with pytest.raises(DomainError, match="already converted to O-1"):
        services.records.convert(alice, "L-1")
    with pytest.raises(DomainError, match="only leads can be converted"):
        services.records.convert(alice, "O-1")
    with pytest.raises(DomainError, match="make changes there"):
        services.records.change_stage(alice, "L-1", "Qualified")


def test_resolving_contacts_by_name_or_email(services: CrmService, alice: User) -> None:
    jane = services.contacts.create_contact(alice, "Jane Buyer", "jane@acme.example", company="Acme")
    services.contacts.create_contact(alice, "Jane Doe", "doe@acme.example")
    assert services.contacts.resolve_contact(alice.tenant_id, "JANE@acme.example") == jane
    assert services.contacts.resolve_contact(alice.tenant_id, "jane buyer") == jane
    with pytest.raises(Ambiguous) as several:
        services.contacts.resolve_contact(alice.tenant_id, "Jane")
    assert len(several.value.matches) == 2
    with pytest.raises(NotFound, match="new contact Nobody ‹email›"):
        services.contacts.resolve_contact(alice.tenant_id, "Nobody")


def test_a_failed_change_writes_nothing(services: CrmService, alice: User) -> None:
    services.records.create_record(alice, Kind.LEAD, "Deal")
    events_before = services.repo.db.execute("SELECT count(*) FROM events").fetchone()[0]
    version_before = services.records.get_record(alice.tenant_id, "L-1").version
    with pytest.raises(NotFound):
        services.records.set_contact(alice, "L-1", 12345)
    assert services.repo.db.execute("SELECT count(*) FROM events").fetchone()[0] == events_before
    assert services.records.get_record(alice.tenant_id, "L-1").version == version_before


def test_recording_a_known_user_writes_nothing(services: CrmService) -> None:
    first = services.people.record_user("t", "29:a", "aad-a", "Ann", "https://smba.example/amer/")
    changes = services.repo.db.conn.total_changes
    again = services.people.record_user("t", "29:a", "aad-a", "Ann", "https://smba.example/amer/")
    assert again == first and services.repo.db.conn.total_changes == changes
    renamed = services.people.record_user("t", "29:a", None, "Ann Smith", None)
    assert renamed.id == first.id and renamed.name == "Ann Smith"
    services.people.record_user("t", "29:a", "aad-a", "Ann Smith", "https://smba.example/emea/")
    assert services.repo.people.tenant_service_url("t") == "https://smba.example/emea/"


def test_old_activity_ids_are_forgotten(services: CrmService) -> None:
    assert services.people.first_delivery("t", "conv", "a-1")
    assert not services.people.first_delivery("t", "conv", "a-1")
    services.people.forget_old_activities(keep_seconds=3600)
    assert not services.people.first_delivery("t", "conv", "a-1")  # an hour old at most: still remembered
    services.people.forget_old_activities(keep_seconds=-1)  # everything is older than "a second in the future"
    assert services.people.first_delivery("t", "conv", "a-1")


def test_notifications_are_enqueued_only_inside_the_change_s_transaction(services: CrmService, alice: User) -> None:
    change = services.records.create_record(alice, Kind.LEAD, "Acme")
    with pytest.raises(RuntimeError, match="in the change's transaction"):
        services.deliveries.enqueue(alice, change.record, change.events[0])


def test_a_turns_first_write_claims_its_activity_and_a_refused_change_releases_it(
    services: CrmService, alice: User
) -> None:
    """The claim is the turn's unit of work's own: no context variable, nothing shared with other turns."""
    from bot.domain.errors import Redelivered

    turn = services.for_turn(alice.tenant_id, "a:1", "act-1")
    with pytest.raises(DomainError):
        turn.records.create_record(alice, Kind.LEAD, "  ")  # refused before any write: nothing claimed
    with pytest.raises(NotFound):
        turn.records.comment(alice, "L-9", "hello")  # refused inside the write: the claim rolls back with it
    assert not services.work.was_handled(alice.tenant_id, "a:1", "act-1")
    turn.records.create_record(alice, Kind.LEAD, "Deal")
    assert services.work.was_handled(alice.tenant_id, "a:1", "act-1")
    turn.records.comment(alice, "L-1", "a second write of the same turn claims nothing more")
    again = services.for_turn(alice.tenant_id, "a:1", "act-1")  # Teams redelivers the activity
    with pytest.raises(Redelivered):
        again.records.create_record(alice, Kind.LEAD, "Deal")
    assert [r.title for r in services.records.list_records(alice.tenant_id, Kind.LEAD)] == ["Deal"]
    other = services.for_turn(alice.tenant_id, "a:1", "act-2")  # another turn: its own claim
    assert other.work.claim_unclaimed() and services.work.was_handled(alice.tenant_id, "a:1", "act-2")
    assert services.work.claim_unclaimed()  # the services outside any turn claim nothing
