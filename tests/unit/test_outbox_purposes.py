"""The one outbox at the service layer, on an in-memory database: every purpose has its view (and a channel's
purpose its card), the weekly post's week is one row however many senders open it, a row to a channel is
viewed, swept and sent again as its own, and stopping the post cancels its waiting week."""

from collections.abc import Callable

import pytest

from bot.domain.clock import shifted
from bot.domain.delivery import ChannelPostView, DeliveryStatus, Notification, Purpose, Target
from bot.domain.errors import DomainError
from bot.domain.models import Place, User
from bot.services import CrmService
from bot.services.outbox import Deliveries
from cards.notifications import channel_post_card, channel_post_summary
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.conftest import ALICE, DAVE, Person

TUESDAY = "2026-12-01T10:00:00.000000Z"
MONDAY = "2026-12-07T08:00:00.000000Z"  # 09:00 in Berlin
CHANNEL = Place("19:sales@thread.tacv2", "https://smba.example/", "channel")


class Stamp:
    """The bot's clock, set by the test."""

    def __init__(self, now: str) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


@pytest.fixture
def clock() -> Stamp:
    return Stamp(TUESDAY)


@pytest.fixture
def services(clock: Stamp) -> CrmService:
    db = open_database(":memory:")
    migrate(db)
    return CrmService(Repository(db), clock=clock)


@pytest.fixture
def make_user(services: CrmService) -> Callable[[Person], User]:
    def make(person: Person) -> User:
        return services.people.record_user(person.tenant_id, person.teams_id, person.aad_object_id, person.name, None)

    return make


def weekly_rows(services: CrmService) -> list[Notification]:
    return services.repo.outbox.due(ALICE.tenant_id, "9999", 100)


def test_every_purpose_has_a_view(services: CrmService) -> None:
    assert set(services.deliveries.views) == set(Purpose)


def test_a_week_is_one_row_whichever_sender_opens_it(
    services: CrmService, make_user: Callable[[Person], User], clock: Stamp
) -> None:
    dave = make_user(DAVE)
    services.pipeline.start_weekly_pipeline(dave, CHANNEL, "Europe/Berlin")
    replica = Deliveries(services.repo, clock)  # a second sender on the same database
    assert services.deliveries.weekly.open_due_weeks() == 0  # not Monday yet
    clock.now = MONDAY
    assert services.deliveries.weekly.open_due_weeks() + replica.weekly.open_due_weeks() == 1
    [row] = weekly_rows(services)
    assert (row.purpose, row.target, row.channel_id, row.occasion) == (
        Purpose.WEEKLY, Target.CHANNEL, CHANNEL.conversation_id, "2026-12-07"
    )  # fmt: skip
    assert services.deliveries.weekly.seconds_until_opening() == 7 * 86400

    view = services.deliveries.view(row)
    assert isinstance(view, ChannelPostView)
    assert (view.conversation_id, view.service_url) == (CHANNEL.conversation_id, CHANNEL.service_url)
    assert channel_post_summary(view) == "The team's pipeline, week of 2026-12-07"
    assert channel_post_card(view)["type"] == "AdaptiveCard"


def test_a_channel_row_cut_short_is_failed_in_its_own_words_and_sent_again_by_its_setter(
    services: CrmService, make_user: Callable[[Person], User], clock: Stamp
) -> None:
    dave, alice = make_user(DAVE), make_user(ALICE)
    services.pipeline.start_weekly_pipeline(dave, CHANNEL, "Europe/Berlin")
    clock.now = MONDAY
    services.deliveries.weekly.open_due_weeks()
    [row] = weekly_rows(services)
    assert services.deliveries.claim(row)
    clock.now = shifted(MONDAY, 60)
    assert services.deliveries.fail_interrupted(30) == 1
    status = services.pipeline.weekly_pipeline_status(dave, CHANNEL)
    assert status is not None and status.last_status == "failed"
    assert status.last_error == "interrupted while posting (the bot stopped); it may or may not have arrived"

    assert [n.id for n in services.deliveries.failed_on_my_records(dave)] == [row.id]
    assert services.deliveries.failed_on_my_records(alice) == []
    with pytest.raises(DomainError, match="Only the person who set up this channel's weekly pipeline post"):
        services.deliveries.retry(alice, row.id)
    again = services.deliveries.retry(dave, row.id)
    assert (again.subject, again.audience) == ("Weekly pipeline, week of 2026-12-07", "the team channel")
    assert [n.id for n in weekly_rows(services)] == [row.id]
    assert services.deliveries.counts(dave.tenant_id)[DeliveryStatus.PENDING] == 1


def test_stopping_the_post_cancels_its_waiting_week(
    services: CrmService, make_user: Callable[[Person], User], clock: Stamp
) -> None:
    dave = make_user(DAVE)
    services.pipeline.start_weekly_pipeline(dave, CHANNEL, "Europe/Berlin")
    clock.now = MONDAY
    services.deliveries.weekly.open_due_weeks()
    [row] = weekly_rows(services)
    assert services.pipeline.stop_weekly_pipeline(dave, CHANNEL)
    assert weekly_rows(services) == []
    assert services.deliveries.weekly.view(row) is None  # a row read before the stop is not sent either
