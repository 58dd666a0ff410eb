"""Starting as a real tenant needs: SingleTenant when a tenant is given, no start without a way to get a
token, one token asked for at start with a clear log line, and Teams' per-tenant budget as a setting."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory

from app import create_app
from bot.config import Config, ConfigError
from tests.conftest import ALICE, BOB, CAROL, DAVE, FAST, Teams
from tests.fake_clock import FakeClock
from tests.fake_connector import FakeConnector, Limits

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
ROOT = Path(__file__).resolve().parents[2]


class Credentials(AppCredentials):
    """What Entra ID would answer: a token, an AADSTS error, or nothing for a long time."""

    def __init__(self, outcome: str, release: threading.Event, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome, self.release = outcome, release

    def get_access_token(self, force_refresh: bool = False) -> str:
        if self.outcome == "hang":
            self.release.wait(10)
        if self.outcome != "ok":
            raise PermissionError("Failed to get access token with error: unauthorized_client, AADSTS700016")
        return "a-token"


class Factory(ServiceClientCredentialsFactory):
    def __init__(self, outcome: str) -> None:
        self.outcome, self.release = outcome, threading.Event()
        self.asked: list[tuple[str, str]] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str, validate: bool) -> Any:
        self.asked.append((app_id, oauth_scope))
        return Credentials(self.outcome, self.release, app_id=app_id, oauth_scope=oauth_scope)


def test_a_tenant_id_makes_the_bot_single_tenant_unless_asked_otherwise() -> None:
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppTenantId": "tid"}
    assert Config.from_env(env).app_type == "SingleTenant"
    assert Config.from_env(env | {"MicrosoftAppType": "multitenant"}).app_type == "MultiTenant"
    assert Config.from_env({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s"}).app_type == "MultiTenant"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword is empty"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": "tid"}, "MicrosoftAppPassword is empty"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppType": "SingleTenant"}, "TenantId"),
        ({"MicrosoftAppType": "Everyone"}, "MicrosoftAppType must be one of"),
    ],
)
def test_no_start_without_a_way_to_get_a_token(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Config.from_env(env)


def test_app_py_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env |= {"MicrosoftAppId": APP_ID, "DATABASE_PATH": str(tmp_path / "x.db"), "PORT": "1"}
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "not starting: MicrosoftAppId is set but MicrosoftAppPassword is empty" in done.stderr
    assert not (tmp_path / "x.db").exists()


async def start(aiohttp_client: Any, tmp_path: Path, factory: Factory) -> None:
    config = Config(database_path=str(tmp_path / "crm.db"), app_id=APP_ID, app_password="p", app_tenant_id="tid",
                    app_type="SingleTenant")  # fmt: skip
    await aiohttp_client(create_app(config, bot_credentials=factory))


async def test_one_token_at_start_and_a_clear_line_when_it_fails(
    aiohttp_client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "crm")
    await start(aiohttp_client, tmp_path, factory := Factory("ok"))
    assert factory.asked == [(APP_ID, "https://api.botframework.com")]
    assert "got a Bot Framework token for app 3f2504e0" in caplog.text and "SingleTenant, tenant tid" in caplog.text
    caplog.clear()
    (tmp_path / "b").mkdir()
    await start(aiohttp_client, tmp_path / "b", Factory("refused"))
    assert "cannot get a Bot Framework token" in caplog.text and "AADSTS700016" in caplog.text
    assert "will receive messages but not answer them" in caplog.text


async def test_the_token_check_is_bounded(
    aiohttp_client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.teams.credentials as credentials

    monkeypatch.setattr(credentials, "TOKEN_CHECK_SECONDS", 0.3)
    factory = Factory("hang")
    try:
        await start(aiohttp_client, tmp_path, factory)
    finally:
        factory.release.set()
    assert "no Bot Framework token within" in caplog.text


def test_the_tenant_budget_is_a_setting_of_30_by_default() -> None:
    assert Config.from_env({}).teams_tenant_rps == 30
    assert Config.from_env({"TEAMS_TENANT_RPS": "50"}).teams_tenant_rps == 50
    with pytest.raises(ConfigError, match="TEAMS_TENANT_RPS"):
        Config.from_env({"TEAMS_TENANT_RPS": "0"})


async def test_the_sender_keeps_to_the_configured_tenant_budget(
    aiohttp_client: Any, connector: tuple[FakeConnector, str], bot_config: Config, fake_clock: FakeClock
) -> None:
    fake, service_url = connector
    app = create_app(replace(bot_config, teams_tenant_rps=2), delivery=FAST, timer=fake_clock)
    teams = Teams(await aiohttp_client(app), fake, service_url).moving(fake_clock)
    await teams.card(ALICE, "new lead Budget")
    for person in (BOB, CAROL, DAVE):
        await teams.card(person, "follow L-1")
    await teams.settled()
    before = {p: len(teams.notifications(p)) for p in (BOB, CAROL, DAVE)}
    fake.limits = Limits(per_tenant=((2, 1.0),))
    await teams.card(ALICE, "comment L-1 Three followers, two a second")
    await fake.wait_for(lambda: all(len(teams.notifications(p)) > before[p] for p in before))
    assert fake.refused == []
    last = sorted(teams.notifications(p)[-1].at for p in before)
    assert last[2] - last[0] >= 0.9
