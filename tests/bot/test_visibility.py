"""Who may see a record (issue 28), through HTTP on both engines: a private record answers a colleague without
access exactly as a record that does not exist does, in every command and every click, whatever the card data
says; its owner, its followers, the colleagues it is shared with and admins see it, in every list and search."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.config import Config
from bot.handlers.commands import COMMANDS, Args
from bot.handlers.routing import verb_routes
from tests.conftest import ALICE, BOB, CARD, CAROL, DAVE, Person, Teams, all_text

SECRET = "Secret acquisition"
MISSING = "L-9"  # exists nowhere


async def answer(teams: Teams, person: Person, text: str, chat: str = "personal") -> list[tuple[str, str]]:
    """Everything the bot answered to a message: each reply's text and the text of its cards."""
    return [(r.text, "\n".join(all_text(c) for c in r.cards)) for r in await teams.say(person, text, chat)]


def version(teams: Teams, number: int = 1) -> tuple[Any, ...]:
    row = teams.services.repo.db.execute(
        "SELECT version, visibility, title, stage, owner_id FROM records WHERE kind = 'lead' AND number = ?", [number]
    ).fetchone()
    return tuple(row)


def counts(teams: Teams) -> tuple[int, ...]:
    db = teams.services.repo.db
    return tuple(
        int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("events", "comments", "followers", "record_access", "record_contacts", "notifications", "tasks")
    )


@pytest.fixture
async def private(teams: Teams) -> Teams:
    """Alice (the first person the bot met: the organisation's admin without CRM_ADMINS) owns L-1, private, which
    Bob follows; L-2 is everyone's. Carol and Dave may not see L-1."""
    await teams.say(ALICE, "new contact Jane Buyer jane@contoso.example Contoso")
    await teams.say(ALICE, f"new lead {SECRET}")
    await teams.say(ALICE, "contact L-1 jane@contoso.example")
    await teams.say(BOB, "follow L-1")
    assert "L-1 is now private (was visible to everyone)." in all_text(
        await teams.card(ALICE, "visibility L-1 private")
    )
    await teams.say(ALICE, "new lead Open deal")
    for person in (CAROL, DAVE):
        await teams.say(person, "help")
    return teams


def _same(found: list[tuple[str, str]], ref: str) -> list[tuple[str, str]]:
    return [(text.replace(ref, "<ref>"), cards.replace(ref, "<ref>")) for text, cards in found]


# One line per command that names a record: what a colleague would type (the sweep below fails for a command
# of the table that is missing here, so a new command is checked too).
TYPED = {
    "show": "show {ref}",
    "contact": "contact {ref} jane@contoso.example",
    "participant": "participant {ref} jane@contoso.example",
    "remove participant": "remove participant {ref} jane@contoso.example",
    "role": "role {ref} jane@contoso.example champion",
    "follow": "follow {ref}",
    "unfollow": "unfollow {ref}",
    "comment": "comment {ref} Is this still on?",
    "stage": "stage {ref} Contacted",
    "convert": "convert {ref}",
    "email": "email {ref}",
    "meet": "meet {ref} tomorrow 14:00 for 45",
    "value": "value {ref} 25000 EUR",
    "close": "close {ref} 2027-03-31",
    "rename": "rename {ref} Mine now",
    "company": "company {ref} Fabrikam",
    "next": "next {ref} call them",
    "owner": "owner {ref} carol@contoso.example",
    "archive": "archive {ref}",
    "restore": "restore {ref}",
    "share": "share {ref} dave@contoso.example",
    "unshare": "unshare {ref} bob@contoso.example",
    "visibility": "visibility {ref} everyone",
    "set": "set {ref} Region EMEA",
    "move": "move {ref} Renewals",
    "reason": "reason {ref} Price",
    "task": "task {ref} Call them due tomorrow 9:00",
}
EXTRA = (
    "visibility {ref}", "visibility {ref} team Sales", "follow {ref} for 7 days", "unfollow {ref} leave", "tasks {ref}",
)  # fmt: skip


def test_every_command_that_names_a_record_is_in_the_sweep() -> None:
    naming = {c.name for c in COMMANDS if c.args in (Args.REF, Args.REF_TEXT) or "‹ref›" in c.usage}
    assert naming == set(TYPED)


@pytest.mark.parametrize("chat", ["personal", "channel"])
async def test_a_private_record_answers_like_one_that_does_not_exist_in_every_command(
    private: Teams, chat: str
) -> None:
    before, stored = version(private), counts(private)
    for template in (*TYPED.values(), *EXTRA):
        for spelling in ("L-1", "l1", "l-01"):
            hidden = await answer(private, CAROL, template.format(ref=spelling), chat)
            missing = await answer(private, CAROL, template.format(ref=MISSING), chat)
            assert _same(hidden, "L-1") == _same(missing, MISSING), template
            assert SECRET not in str(hidden)
    assert version(private) == before and counts(private) == stored  # nothing changed, nothing was told


async def test_a_colleague_without_access_finds_it_in_no_list_or_search(private: Teams) -> None:
    for command in ("leads", "my", "following", "find secret", "find acquisition"):
        assert SECRET not in all_text(await private.card(CAROL, command)), command
        assert SECRET in all_text(await private.card(BOB, command if command != "my" else "following")), command
    assert "Open deal" in all_text(await private.card(CAROL, "leads"))
    await private.say(ALICE, "convert L-2")  # an everyone's opportunity beside the private one
    await private.say(ALICE, "convert L-1")
    assert SECRET not in all_text(await private.card(CAROL, "opportunities"))
    assert SECRET in all_text(await private.card(BOB, "opportunities"))  # the converted lead's follower sees it


async def test_the_owner_follower_and_admin_see_it_and_the_card_says_who_may(private: Teams) -> None:
    for person in (ALICE, BOB):
        card = all_text(await private.card(person, "show L-1"))
        assert (
            SECRET in card and "Visible to: Private: its owner, followers and the colleagues it is shared with" in card
        )
    assert "Visible to: Everyone in your organisation" in all_text(await private.card(CAROL, "show L-2"))


async def test_the_timeline_records_every_visibility_change_and_share(private: Teams) -> None:
    await private.say(ALICE, "share L-1 carol@contoso.example")
    await private.say(ALICE, "unshare L-1 carol@contoso.example")
    lines = all_text(await private.card(ALICE, "show L-1"))
    assert "Alice Owner made it private (was visible to everyone)" in lines
    assert "Alice Owner shared it with Carol Other" in lines
    assert "Alice Owner ended Carol Other's access" in lines


async def test_share_gives_access_and_a_follow_and_unshare_takes_both_back(private: Teams) -> None:
    said = all_text(await private.card(ALICE, "share L-1 carol@contoso.example"))
    assert "Carol Other can now see L-1, and follows it." in said
    assert SECRET in all_text(await private.card(CAROL, "show L-1"))
    assert SECRET in all_text(await private.card(CAROL, "following"))
    await private.settled()
    added = private.notifications(CAROL)
    assert added and "L-1" in str(added[-1].activity)  # told once that they were added
    assert "Carol Other already has access to L-1." in await private.text(ALICE, "share L-1 carol@contoso.example")
    await private.say(ALICE, "unshare L-1 carol@contoso.example")
    assert await private.text(CAROL, "show L-1") == "I can't find L-1."
    told = len(private.notifications(CAROL))
    await private.say(ALICE, "comment L-1 Carol should no longer hear of this")
    await private.settled()
    assert len(private.notifications(CAROL)) == told  # who lost access is told no more


async def test_only_the_owner_or_an_admin_may_change_who_sees_it(private: Teams) -> None:
    refusal = "Only Alice Owner, who owns L-1, or an admin can change who may see it."
    assert await private.text(BOB, "visibility L-1 everyone") == refusal  # a follower sees it, but may not open it up
    assert await private.text(BOB, "share L-1 carol@contoso.example") == refusal
    assert "Everyone in your organisation can see L-2" in await private.text(ALICE, "share L-2 carol@contoso.example")
    assert await private.text(CAROL, "show L-1") == "I can't find L-1."


async def test_adding_a_follower_to_a_private_record_is_a_share(private: Teams) -> None:
    body = await private.click(
        BOB, "record.add_follower", {"ref": "L-1", "version": version(private)[0], "follower": CAROL.aad_object_id}
    )
    assert "Only Alice Owner, who owns L-1, or an admin can change who may see it." in all_text(body["value"])
    assert await private.text(CAROL, "show L-1") == "I can't find L-1."
    body = await private.click(
        ALICE, "record.add_follower", {"ref": "L-1", "version": version(private)[0], "follower": CAROL.aad_object_id}
    )
    assert "Carol Other can now see L-1, and follows it." in all_text(body["value"])
    assert SECRET in all_text(await private.card(CAROL, "show L-1"))


async def test_unfollowing_a_private_record_asks_whether_to_keep_access(private: Teams) -> None:
    question = await private.card(BOB, "unfollow L-1")
    assert "once you stop following it, keep your access to it?" in all_text(question)
    assert [a["title"] for a in question["body"][-1]["actions"]] == [
        "Unfollow, keep access", "Unfollow and lose access", "Back",
    ]  # fmt: skip
    assert "Bob Follower" in all_text(await private.card(ALICE, "show L-1"))  # the question changed nothing
    keep = question["body"][-1]["actions"][0]
    body = await private.click(BOB, keep["verb"], keep["data"])
    assert "You no longer follow L-1." in all_text(body["value"])
    assert SECRET in all_text(await private.card(BOB, "show L-1"))  # kept
    await private.say(BOB, "follow L-1")
    assert "You no longer follow L-1." in all_text(await private.card(BOB, "unfollow L-1 leave"))
    assert await private.text(BOB, "show L-1") == "I can't find L-1."
    assert "Bob Follower gave up access" in all_text(await private.card(ALICE, "show L-1"))


async def test_a_mention_of_someone_without_access_tells_them_nothing_and_offers_the_owner_to_share(
    private: Teams,
) -> None:
    mention = {
        "type": "mention",
        "text": "<at>Carol Other</at>",
        "mentioned": {"id": CAROL.teams_id, "name": CAROL.name},
    }
    activity = private.message(ALICE, "comment L-1 <at>Carol Other</at> can you help?")
    activity["entities"] = [mention]
    await private.post(activity)
    [reply] = private.connector.replies_to(activity["id"])
    card = reply.cards[0]
    assert "Not told, as they can't see L-1: Carol Other." in all_text(card)
    await private.settled()
    assert not private.notifications(CAROL)
    [share] = [a for a in _actions(card) if a["title"] == "Share with them"]
    body = await private.click(ALICE, share["verb"], share["data"])
    assert "Carol Other can now see L-1, and follows it." in all_text(body["value"])
    # Tampered: someone else's "Share with them", and ids that name nobody here.
    tampered_people = (
        (BOB, share["data"]["people"]),
        (ALICE, "999999"),
        (ALICE, "1; DROP TABLE users"),
        (ALICE, "9" * 30),
    )
    for person, people in tampered_people:
        tampered = await private.click(person, share["verb"], {**share["data"], "people": people})
        assert "can now see" not in str(tampered)


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for key, value in node.items():
                if key != "refresh":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


# --- every click, whatever the card data says ----------------------------------------------------------


def click_data(ref: str) -> dict[str, Any]:
    """Data that fills every field any verb reads, so each one gets as far as the record."""
    return {
        "ref": ref, "version": 1, "comment": "hi", "stage": "Contacted", "seen_stage": "New", "contact": "1",
        "person": "1", "follower": CAROL.aad_object_id, "owner": CAROL.aad_object_id, "colleague": DAVE.aad_object_id,
        "visibility": "everyone", "team": "1", "keep": "no", "role": "followers", "people": "4", "title": "x",
        "value": "5", "currency": "EUR", "to": "jane@contoso.example", "subject": "Hi", "body": "Hello",
        "send_id": "0" * 32, "choice": "all", "deliver_to": "chat", "new_name": "Jim", "new_email": "jim@x.example",
        "as_contact": "true", "shown": {}, "start": 0,
    }  # fmt: skip


async def test_every_click_on_a_private_record_answers_like_one_that_does_not_exist(private: Teams) -> None:
    before, stored = version(private), counts(private)
    record_verbs = [verb for verb in verb_routes() if verb.startswith("record.") and verb != "record.create"]
    assert len(record_verbs) > 25
    for verb in record_verbs:
        for chat in ("personal", "channel"):
            hidden = await private.click(CAROL, verb, click_data("L-1"), chat)
            missing = await private.click(CAROL, verb, click_data(MISSING), chat)
            assert re.sub(r"L-[19]", "<ref>", str(hidden)) == re.sub(r"L-[19]", "<ref>", str(missing)), verb
            assert SECRET not in str(hidden)
    assert version(private) == before and counts(private) == stored


async def test_open_on_a_private_post_says_no_access_in_the_same_words_for_a_record_that_does_not_exist(
    private: Teams,
) -> None:
    assert (await private.click(CAROL, "record.open", {"ref": "L-1"}))["value"] == "You don't have access to L-1."
    assert (await private.click(CAROL, "record.open", {"ref": MISSING}))["value"] == "You don't have access to L-9."
    opened = await private.click(BOB, "record.open", {"ref": "L-1"})
    assert opened["type"] == CARD and SECRET in all_text(opened["value"])


# --- admins and the organisation's default --------------------------------------------------------------


@pytest.fixture
async def with_admin(database_url: str, aiohttp_client: Any, connector: Any, tmp_path: Any) -> Teams:
    from app import create_app
    from tests.conftest import FAST

    fake, service_url = connector
    config = Config(
        database_path=str(tmp_path / "crm.db"), database_url=database_url, notify_window_seconds=0,
        admins=frozenset({DAVE.aad_object_id}),
    )  # fmt: skip
    return Teams(await aiohttp_client(create_app(config, delivery=FAST)), fake, service_url)


async def test_an_admin_named_in_crm_admins_sees_and_manages_everything(with_admin: Teams) -> None:
    teams = with_admin
    await teams.say(ALICE, f"new lead {SECRET}")
    await teams.say(ALICE, "visibility L-1 private")
    assert await teams.text(CAROL, "show L-1") == "I can't find L-1."
    assert SECRET in all_text(await teams.card(DAVE, "show L-1"))
    assert SECRET in all_text(await teams.card(DAVE, "leads"))
    assert "L-1 is now visible to everyone" in all_text(await teams.card(DAVE, "visibility L-1 everyone"))
    assert (
        await teams.text(CAROL, "admins")
        == "Admins of your organisation: Dave Channel. They see and manage every record, and add custom fields"
        " (fields), pipelines (pipelines) and lost reasons."
    )
    # Alice spoke first, but CRM_ADMINS names someone: she is no admin here.
    refusal = "Only an admin of your organisation can do that (see `admins`)."
    assert await teams.text(ALICE, "visibility default private") == refusal


async def test_the_default_visibility_of_new_records_is_an_admins_setting(private: Teams) -> None:
    refusal = "Only an admin of your organisation can do that (see `admins`)."
    assert await private.text(CAROL, "visibility default private") == refusal
    assert "Admins of your organisation: Alice Owner." in await private.text(CAROL, "admins")  # the first one met
    assert "New records are now visible to: Private" in await private.text(ALICE, "visibility default private")
    await private.say(CAROL, "new lead Carol's own")
    assert "Carol's own" in all_text(await private.card(CAROL, "show L-3"))
    assert await private.text(BOB, "show L-3") == "I can't find L-3."
    assert "a team is chosen per record" in await private.text(ALICE, "visibility default team")
    assert "Private" in await private.text(DAVE, "visibility")


async def test_crm_admins_must_be_entra_object_ids() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="CRM_ADMINS"):
        Config.from_env({"CRM_ADMINS": "aad0da7e-0000-4000-8000-000000000004, alice@contoso.example"})
    config = Config.from_env({"CRM_ADMINS": " AAD0DA7E-0000-4000-8000-000000000004 ,"})
    assert config.admins == frozenset({"aad0da7e-0000-4000-8000-000000000004"})


# --- the pipeline, exports, a contact's records -----------------------------------------------------------


async def test_the_pipeline_counts_only_what_the_reader_may_see(private: Teams) -> None:
    await private.say(ALICE, "convert L-1")  # O-1, private
    await private.say(ALICE, "value O-1 90000 EUR")
    await private.say(ALICE, "new opportunity Everyone's")  # O-2
    await private.say(ALICE, "value O-2 1000 EUR")
    for person, total in ((CAROL, "1,000"), (BOB, "91,000"), (ALICE, "91,000")):
        card = all_text(await private.card(person, "pipeline"))
        assert total in card, (person, card)
    assert SECRET not in all_text(await private.card(CAROL, "pipeline list Prospecting"))
    assert SECRET in all_text(await private.card(BOB, "pipeline list Prospecting"))
    posted = all_text(await private.card(ALICE, "pipeline", chat="channel"))  # everyone in the channel reads it
    assert "91,000" not in posted and "1,000" in posted


async def test_an_export_holds_only_the_records_the_reader_may_see(private: Teams) -> None:
    carol = private.services.contact_files.records_file(private.services.visibility.reader(_user(private, CAROL)))
    bob = private.services.contact_files.records_file(private.services.visibility.reader(_user(private, BOB)))
    assert SECRET.encode() not in carol and b"Open deal" in carol
    assert SECRET.encode() in bob


def _user(teams: Teams, person: Person) -> Any:
    return teams.services.people.known_user(person.tenant_id, person.teams_id)


async def test_a_contacts_records_list_only_the_ones_the_reader_may_see(private: Teams) -> None:
    jane = private.services.contacts.resolve_contact(ALICE.tenant_id, "jane@contoso.example")
    shown = await private.click(CAROL, "contact.show", {"contact": jane.id})
    assert SECRET not in all_text(shown["value"])
    assert SECRET in all_text((await private.click(BOB, "contact.show", {"contact": jane.id}))["value"])
    erase = all_text(await private.card(CAROL, "erase contact jane@contoso.example"))
    assert "L-1" not in erase


async def test_merging_a_contact_counts_only_the_records_the_merger_may_see(private: Teams) -> None:
    await private.say(CAROL, "new contact Kim Free kim@free.example")
    await private.say(CAROL, "new contact Kim Two kim2@free.example")
    nowhere = all_text(await private.card(CAROL, "merge contacts kim2@free.example into kim@free.example"))
    assert "Kim Two <kim2@free.example> merged into Kim Free <kim@free.example>; 0 record(s) updated." in nowhere
    await private.say(CAROL, "new contact J. Buyer jb@contoso.example")
    merged = all_text(await private.card(CAROL, "merge contacts jane@contoso.example into jb@contoso.example"))
    # Jane was L-1's Contact, which Carol may not see: her answer is the one a contact on no record gets.
    assert "Jane Buyer <jane@contoso.example> merged into J. Buyer <jb@contoso.example>; 0 record(s) updated." in merged
    assert "L-1" not in merged and SECRET not in merged
    shown = all_text(await private.card(ALICE, "show L-1"))  # merged all the same
    assert "→ J. Buyer <jb@contoso.example>" in shown  # the timeline's merge line
    await private.say(ALICE, "new contact Jo Buyer jo@contoso.example")
    seen = all_text(await private.card(ALICE, "merge contacts jb@contoso.example into jo@contoso.example"))
    assert "; 1 record(s) updated." in seen  # its owner's count has it


async def test_erasing_a_contact_counts_only_the_records_and_texts_the_eraser_may_see(private: Teams) -> None:
    from tests.conftest import CardInHand

    await private.say(ALICE, "comment L-1 Jane Buyer (jane@contoso.example) wants the numbers")
    await private.say(CAROL, "new contact Kim Free kim@free.example")
    nowhere = await CardInHand.posted(private, CAROL, "erase contact kim@free.example")
    await nowhere.press("Erase")
    assert "Erased. 0 record(s) now show “erased contact”; 0 text(s) were cleaned." in nowhere.text
    confirm = await CardInHand.posted(private, CAROL, "erase contact jane@contoso.example")
    await confirm.press("Erase")
    # L-1's Contact, its timeline and comment were cleaned; Carol, who may not see L-1, is told of none of it.
    assert "Erased. 0 record(s) now show “erased contact”; 0 text(s) were cleaned." in confirm.text
    assert "L-1" not in confirm.text and SECRET not in confirm.text
    shown = all_text(await private.card(ALICE, "show L-1"))
    assert "erased contact" in shown and "Jane" not in shown
    log = private.services.repo.db.execute("SELECT records, events FROM erasures ORDER BY id").fetchall()
    proof = [(int(row[0]), int(row[1])) for row in log]  # the erasures' log, the proof, keeps the whole count
    assert proof[0] == (0, 0) and proof[1][0] == 1 and proof[1][1] >= 2


async def test_a_follower_cannot_hand_a_private_record_to_someone_who_may_not_see_it(private: Teams) -> None:
    refusal = "Only the owner of L-1 or an admin can give Carol Other access to it."
    assert await private.text(BOB, "owner L-1 carol@contoso.example") == refusal
    assert await private.text(CAROL, "show L-1") == "I can't find L-1."
    assert "Carol Other now owns L-1." in all_text(await private.card(ALICE, "owner L-1 carol@contoso.example"))
    assert SECRET in all_text(await private.card(CAROL, "show L-1"))


async def test_the_weekly_channel_post_counts_only_what_every_member_may_see(private: Teams) -> None:
    from bot.domain.delivery import DeliveryStatus, Notification, Purpose, Target

    await private.say(ALICE, "convert L-1")  # O-1, private
    await private.say(ALICE, "value O-1 90000 EUR")
    await private.say(ALICE, "new opportunity Everyone's")
    await private.say(ALICE, "value O-2 1000 EUR")
    await private.say(ALICE, "pipeline weekly here", chat="channel")
    [(channel,)] = private.services.repo.db.execute("SELECT conversation_id FROM weekly_posts").fetchall()
    now = "2026-12-07T08:00:00.000000Z"
    row = Notification(
        1, ALICE.tenant_id, None, None, None, (), DeliveryStatus.PENDING, 0, now, now,
        purpose=Purpose.WEEKLY, target=Target.CHANNEL, channel_id=channel, occasion="2026-12-07",
    )  # fmt: skip
    view = private.services.deliveries.weekly.view(row)
    assert view is not None and view.pipeline is not None
    assert [(s.stage, s.deals, s.total) for s in view.pipeline.open] == [("Prospecting", 1, 100_000)]


async def test_a_tampered_retry_of_a_private_records_notification_answers_as_one_that_does_not_exist(
    teams: Teams,
) -> None:
    from tests.conftest import find

    await teams.say(ALICE, f"new lead {SECRET}")
    await teams.say(DAVE, "follow L-1", chat="channel")
    teams.connector.uninstall(DAVE.teams_id)
    await teams.say(ALICE, "visibility L-1 private")  # news for Dave, which cannot reach him
    await teams.say(CAROL, "help")
    assert (await teams.settled())["failed"] == 1
    [button] = [a for a in find(await teams.card(ALICE, "notifications"), "Action.") if a["title"] == "Send again"]
    hidden = await teams.click(CAROL, "notification.retry", button["data"])
    missing = await teams.click(CAROL, "notification.retry", {**button["data"], "notification": 987_654})
    assert hidden == missing and hidden["value"] == "That notification no longer exists."
    assert "L-1" not in all_text(await teams.card(CAROL, "notifications"))


async def test_the_visibility_form_shares_with_a_picked_colleague_and_saves_a_choice(private: Teams) -> None:
    from tests.conftest import CardInHand

    card = await CardInHand.posted(private, ALICE, "show L-1")
    form = await card.press("Visibility")
    assert "Who can see this record?" in form.text and "[Share]" in form.text
    shared = await form.press("Share", colleague=CAROL.aad_object_id)
    assert "Carol Other can now see L-1, and follows it." in shared.text
    assert SECRET in all_text(await private.card(CAROL, "show L-1"))
    form = await shared.press("Visibility")
    saved = await form.press("Save", visibility="everyone")
    assert "L-1 is now visible to everyone (was private)." in saved.text
    assert SECRET in all_text(await private.card(DAVE, "show L-1"))
    refused = await (await CardInHand.posted(private, BOB, "show L-1")).press("Visibility")
    answer = await refused.press("Save", visibility="private")
    assert "Only Alice Owner, who owns L-1, or an admin can change who may see it." in answer.text


async def test_a_private_records_tasks_are_seen_only_by_those_who_may_see_the_record(private: Teams) -> None:
    """Issue 26 on issue 28's records: a task of private L-1 goes only to a colleague who may see L-1, and its
    text shows in nobody else's `tasks`; another's task of L-1 answers like one that does not exist."""

    async def said(person: Person, text: str) -> str:
        return str(await answer(private, person, text, "personal"))

    stored = counts(private)
    refused = await said(ALICE, "task L-1 Call the seller due tomorrow 9:00 for carol@contoso.example")
    assert "can't see L-1, so the task can't be theirs" in refused and counts(private) == stored  # nothing written
    await private.say(ALICE, "task L-1 Call the seller due tomorrow 9:00 for bob@contoso.example")
    assert "Call the seller" in await said(BOB, "tasks")  # Bob follows L-1: he may see it
    written = counts(private)
    for person in (CAROL, DAVE):
        assert "Call the seller" not in await said(person, "tasks")
        hidden, missing = await said(person, "done T-1"), await said(person, "done T-99")
        assert hidden.replace("T-1", "T-99") == missing and "Call the seller" not in hidden
    assert counts(private) == written  # Carol and Dave changed nothing
    assert "Call the seller" in await said(BOB, "tasks")
