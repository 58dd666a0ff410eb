"""With MicrosoftAppId set, only requests carrying a valid Bot Framework token get in.

The tokens are real RS256 JWTs signed with a key made here; botframework-connector fetches the
OpenID metadata and keys from a server on 127.0.0.1 (its own seam for other clouds), so every check
it makes in production (signature, issuer, audience, expiry, service URL, endorsements) runs."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AppCredentials, JwtTokenExtractor, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app import create_app
from bot.config import Config
from tests.conftest import ALICE, Teams

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
ISSUER = "https://api.botframework.com"


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit key by name, made once a run (each takes a few tenths of a second): "signing" is the one the
    key server publishes, any other one it does not know."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyServer:
    """OpenID metadata and a JWKS, served from a thread (botframework fetches them with blocking requests)."""

    def __init__(self) -> None:
        self.key = rsa_key("signing")
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": "test-key", "use": "sig", "endorsements": ["msteams"]}]}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = f"http://127.0.0.1:{server.port}"
                metadata = {"issuer": ISSUER, "jwks_uri": f"{base}/keys"}
                body: dict[str, Any] = server.jwks if self.path.endswith("/keys") else metadata
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        # shutdown() waits for serve_forever's next look at its flag: every 10 ms, not the default 0.5 s per test
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/.well-known/openidconfiguration"

    def token(self, service_url: str, key: Any = None, kid: str = "test-key", **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600, **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid})

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class LocalCredentials(AppCredentials):
    """Outbound calls to the (fake) connector carry a token without asking Entra ID for one."""

    def get_access_token(self, force_refresh: bool = False) -> str:
        return "outbound-test-token"


class LocalCredentialFactory(ServiceClientCredentialsFactory):
    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        return LocalCredentials(app_id=app_id, oauth_scope=oauth_scope)


@pytest.fixture
def keys() -> Iterator[KeyServer]:
    JwtTokenExtractor.metadataCache.clear()
    server = KeyServer()
    yield server
    server.close()
    JwtTokenExtractor.metadataCache.clear()


@pytest.fixture
async def secured(aiohttp_client: Any, connector: Any, tmp_path: Any, keys: KeyServer) -> Teams:
    fake, service_url = connector
    config = Config(database_path=str(tmp_path / "crm.db"), app_id=APP_ID, app_password="unused")
    settings = SimpleNamespace(
        APP_ID=APP_ID, APP_PASSWORD="unused", APP_TYPE="MultiTenant", APP_TENANTID="",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=keys.metadata_url, TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
    )  # fmt: skip
    auth = ConfigurationBotFrameworkAuthentication(settings, credentials_factory=LocalCredentialFactory())
    app = create_app(config, bot_auth=auth, bot_credentials=LocalCredentialFactory())
    return Teams(await aiohttp_client(app), fake, service_url)


def stored(teams: Teams) -> list[int]:
    db = teams.services.repo.db
    tables = ("users", "records", "processed_activities")
    return [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]


async def test_a_valid_token_gets_in_and_is_answered(secured: Teams, keys: KeyServer) -> None:
    activity = secured.message(ALICE, "new lead Signed")
    status, _ = await secured.post(activity, {"Authorization": f"Bearer {keys.token(secured.service_url)}"})
    assert status in (200, 201)
    assert [r.title for r in secured.services.records.list_records(ALICE.tenant_id, None)] == ["Signed"]
    assert secured.connector.replies_to(activity["id"])


@pytest.mark.parametrize(
    "case",
    ["none", "garbage", "unknown key", "wrong audience", "expired", "wrong issuer", "other service url", "not bearer"],
)
async def test_every_bad_token_is_401_and_stores_nothing(secured: Teams, keys: KeyServer, case: str) -> None:
    url = secured.service_url
    headers = {
        "none": {},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "unknown key": {"Authorization": "Bearer " + keys.token(url, key=rsa_key("unknown"), kid="other")},
        "wrong audience": {"Authorization": "Bearer " + keys.token(url, aud="someone-else")},
        "expired": {
            "Authorization": "Bearer " + keys.token(url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200)
        },
        "wrong issuer": {"Authorization": "Bearer " + keys.token(url, iss="https://evil.example")},
        "other service url": {"Authorization": "Bearer " + keys.token("https://evil.example/")},
        "not bearer": {"Authorization": "Basic " + keys.token(url)},
    }[case]
    status, _ = await secured.post(secured.message(ALICE, "new lead Sneaky"), headers)
    assert status == 401
    assert stored(secured) == [0, 0, 0]
    assert secured.connector.posted == []


async def test_unreachable_signing_keys_are_our_outage_503_with_the_cause_logged(
    secured: Teams, keys: KeyServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = keys.token(secured.service_url)
    keys.close()  # Bot Framework's OpenID metadata cannot be fetched: the token may well be good
    status, body = await secured.post(secured.message(ALICE, "new lead Waiting"), {"Authorization": f"Bearer {token}"})
    assert status == 503
    assert body == {"error": "the bot cannot check tokens right now"}
    [line] = [r.getMessage() for r in caplog.records if "OpenID metadata" in r.getMessage()]
    assert "ConnectionError" in line and "Connection refused" in line
    assert stored(secured) == [0, 0, 0]
