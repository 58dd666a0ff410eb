"""Followers who never installed the app: Graph installs it (only a catalog app whose manifest names the
calling registration), and Teams takes a few seconds before the 1:1 chat can be created."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app import create_app
from bot.config import Config
from tests.bot.test_notifications import dave_follows_without_the_app
from tests.conftest import ALICE, DAVE, Teams, all_text
from tests.fake_graph import FakeCredential, FakeGraph

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


async def test_the_chat_is_created_once_teams_has_caught_up_with_the_install(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    fake_graph[0].on_install = teams.connector.install
    teams.connector.install_refusals = 1  # Teams refuses the chat for a while after Graph installed the app
    await dave_follows_without_the_app(teams, "comment L-1 Welcome aboard")
    await teams.connector.wait_for(lambda: len(teams.notifications(DAVE)) == 1)
    assert (await teams.settled())["failed"] == 0
    installs = [r for r in fake_graph[0].received if r.path.endswith("/teamwork/installedApps")]
    assert len(installs) == 1
    attempts = [c for c in teams.connector.conversations if c["members"] == [{"id": DAVE.teams_id}]]
    assert len(attempts) >= 3  # refused before the install, refused while Teams caught up, then created


async def test_an_app_whose_manifest_names_another_registration_is_not_installed(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    fake_graph[0].publish("catalog-app-1", web_application_id="11111111-2222-4333-8444-555555555555")
    await dave_follows_without_the_app(teams, "comment L-1 Anyone there?")
    assert (await teams.settled())["failed"] == 1
    status = all_text(await teams.card(ALICE, "notifications"))
    assert "webApplicationInfo.id" in status and "TeamsAppInstallation.ReadWriteForUser.All" in status


def test_a_graph_registration_other_than_the_bots_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = Config(database_path=str(tmp_path / "crm.db"), app_id=APP_ID, app_password="p", graph_client_secret="s",
                  graph_tenant_id="t")  # fmt: skip
    create_app(replace(base, graph_client_id="99999999-2222-4333-8444-555555555555"), graph_credential=FakeCredential())
    assert "GRAPH_CLIENT_ID is not MicrosoftAppId" in caplog.text
    caplog.clear()
    create_app(replace(base, graph_client_id=APP_ID.upper()), graph_credential=FakeCredential())
    assert "GRAPH_CLIENT_ID" not in caplog.text
