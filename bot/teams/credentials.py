"""The bot's outbound token, asked for once at start: a bot whose registration cannot get one (a wrong
secret, a single-tenant app run as MultiTenant: AADSTS700016) receives every message and answers none,
so the cause is logged at start rather than on the first answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botframework.connector.auth import AuthenticationConstants, ServiceClientCredentialsFactory

from bot.config import Config

log = logging.getLogger("crm")

TOKEN_CHECK_SECONDS = 10.0


async def check_outbound_token(
    config: Config, factory: ServiceClientCredentialsFactory, timeout: float | None = None
) -> bool:
    """Ask for one Bot Framework token the way replies do (in a thread: msal blocks), within `timeout`
    (TOKEN_CHECK_SECONDS); log the outcome. True when a token came."""
    timeout = timeout or TOKEN_CHECK_SECONDS
    where = f"{config.app_type}" + (f", tenant {config.app_tenant_id}" if config.app_tenant_id else "")
    try:
        credentials: Any = await factory.create_credentials(
            config.app_id,
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
            True,
        )
        token = await asyncio.wait_for(asyncio.to_thread(credentials.get_access_token), timeout)
    except TimeoutError:
        log.error(
            "no Bot Framework token within %.0f s (%s): the bot cannot answer until Entra ID does", timeout, where
        )
        return False
    except Exception as exc:  # msal reports AADSTS errors as PermissionError; anything else is as bad
        log.error(
            "cannot get a Bot Framework token for app %s (%s): the bot will receive messages but not answer them."
            " Check MicrosoftAppPassword, MicrosoftAppType and MicrosoftAppTenantId. Cause: %s: %s",
            config.app_id, where, type(exc).__name__, str(exc)[:300],
        )  # fmt: skip
        return False
    if not token:
        log.error("Entra ID gave an empty Bot Framework token for app %s (%s)", config.app_id, where)
        return False
    log.info("got a Bot Framework token for app %s (%s): the bot can answer", config.app_id, where)
    return True
