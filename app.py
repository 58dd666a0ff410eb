"""The web service: `create_app(config)` builds it, `python app.py` runs it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import orjson
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, ActivityTypes, InvokeResponse
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.universal_http.requests import ClientRetryPolicy
from requests import RequestException

from bot.config import Config, ConfigError
from bot.domain.clock import SYSTEM, Clock, utc_now
from bot.domain.rules import has_lone_surrogate, without_lone_surrogates
from bot.mail_links import MAX_LINE, MailLinks
from bot.mail_links import PATH as MAIL_PATH
from bot.notify.rate_limits import DeliveryPolicy, RateLimiter
from bot.services import CrmService
from bot.teams.activity import tenant_of
from bot.teams.bot import TeamsCrmBot
from bot.teams.credentials import check_outbound_token
from bot.teams.files import DownloadPolicy, FileExchange
from bot.teams.transport import AppInstaller, Notifier, local_turns, proactive_adapter
from cards.envelopes import message_response
from storage.db import Checkpointer, open_database
from storage.migrations import migrate
from storage.repository import Repository

log = logging.getLogger("crm")

# msrest (under botbuilder) builds each connector client's retry policy by testing 999 status codes against
# a 502-item list, ~5 ms of CPU, and botbuilder builds two clients a turn: half of a bare bot's time.
# The same codes from a frozenset take microseconds (see docs/performance.md).
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
# The objects made by importing the stack (botbuilder, msrest, aiohttp) live as long as the process: frozen, the
# cyclic garbage collector stops walking them on every full collection (bench.throughput: a third less GC).
gc.freeze()


def json_body(data: Any) -> bytes:
    """An answer's JSON as UTF-8 text (a record card's "·" and "•" unescaped), encoded by orjson: a record card
    in 9 µs where the standard encoder took 64-120. What orjson refuses (text that is not Unicode, a lone
    surrogate; an integer beyond 64 bits) goes through the standard encoder, escaped."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data).encode()


CONFIG = web.AppKey("config", Config)
SERVICES = web.AppKey("services", CrmService)
BOT = web.AppKey("bot", TeamsCrmBot)
ADAPTER = web.AppKey("adapter", CloudAdapter)
AUTH = web.AppKey("auth", ConfigurationBotFrameworkAuthentication)
NOTIFIER = web.AppKey("notifier", Notifier)
MAIL_LINKS = web.AppKey("mail_links", MailLinks)
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64  # Teams' activities (cards in attachments included) are far shallower
TEAMS_CHANNEL = "msteams"
_DISPLAY_NAMES = frozenset({"name", "givenName", "surname"})  # a person's name: never a reason to lock them out


def bot_framework_settings(config: Config) -> SimpleNamespace:
    """The attribute names botbuilder's configuration classes read."""
    return SimpleNamespace(
        APP_ID=config.app_id,
        APP_PASSWORD=config.app_password,
        APP_TYPE=config.app_type,
        APP_TENANTID=config.app_tenant_id,
    )


def _bad_request(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def parse_activity(raw: bytes) -> Activity | str:
    """The request body as an Activity, or the reason it is not one."""
    try:
        body = json.loads(raw)
    except RecursionError:  # `[` x 5000: refused before anything else reads it
        return f"the body is nested more than {MAX_JSON_DEPTH} levels deep"
    except (ValueError, UnicodeDecodeError):
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    for key in ("type", "serviceUrl", "channelId"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"the activity has no {key}"
    if body["channelId"] != TEAMS_CHANNEL:  # another channel would bring its own tenant and user
        return "this bot serves only the msteams channel"
    odd = odd_json(body) if may_be_odd(raw) else None
    if odd:
        return odd
    if not body["serviceUrl"].startswith(("https://", "http://")):
        return "the activity's serviceUrl is not a URL"
    for key in ("conversation", "from", "recipient"):
        if key in body and not isinstance(body[key], dict):
            return f"the activity's {key} is not an object"
    if not isinstance(body.get("conversation"), dict) or not isinstance(body["conversation"].get("id"), str):
        return "the activity has no conversation id"
    try:
        return Activity().deserialize(body)
    except Exception:  # msrest raises a variety of errors for wrong-typed fields
        return "the activity has fields of the wrong type"


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def may_be_odd(raw: bytes) -> bool:
    """Two scans in C that clear almost every real activity without walking it in Python: nesting needs at
    least as many brackets as levels, and a lone surrogate can only come as a `\\udXXX` escape."""
    return raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH or _ESCAPED_SURROGATE.search(raw) is not None


def odd_json(body: dict[str, Any]) -> str | None:
    """Walks the body without recursion: too deep is refused; a lone surrogate (not Unicode, SQLite
    cannot store it) is refused, except in display names, where it becomes U+FFFD."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"the body is nested more than {MAX_JSON_DEPTH} levels deep"
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and has_lone_surrogate(key):
                return "the activity has text that is not valid Unicode (a lone surrogate)"
            if isinstance(value, str) and has_lone_surrogate(value):
                if key not in _DISPLAY_NAMES:
                    return "the activity has text that is not valid Unicode (a lone surrogate)"
                node[key] = without_lone_surrogates(value)
            elif isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
    return None


async def messages(request: web.Request) -> web.Response:
    app = request.app
    config = app[CONFIG]
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _bad_request("expected Content-Type: application/json", 415)
    activity = parse_activity(await request.read())
    if isinstance(activity, str):
        log.info("rejected request: %s", activity)
        return _bad_request(activity)
    auth_header = request.headers.get("Authorization", "")
    if config.auth_enabled and not auth_header.startswith("Bearer "):
        return _bad_request("a Bot Framework token is required", 401)
    try:
        auth_result = await app[AUTH].authenticate_request(activity, auth_header)
    except RequestException as exc:  # botframework fetches the OpenID metadata and keys with requests
        log.error(
            "cannot check Bot Framework tokens: the OpenID metadata is out of reach (%s: %s)", type(exc).__name__, exc
        )
        return _bad_request("the bot cannot check tokens right now", 503)
    except Exception as exc:  # every way a token can be wrong ends here: never a 500
        log.warning("rejected request: authentication failed (%s: %s)", type(exc).__name__, exc)
        return _bad_request("the Bot Framework token is not valid", 401)
    tenant_id = tenant_of(activity)
    if tenant_id and not config.tenant_allowed(tenant_id):
        log.warning("rejected request from tenant %s: not in ALLOWED_TENANTS", tenant_id)
        return _bad_request("this organisation may not use this bot", 403)
    try:
        response = await app[ADAPTER].process_activity(auth_result, activity, app[BOT].on_turn)
    finally:
        if app[SERVICES].deliveries.take_news():
            app[NOTIFIER].wake()  # whatever the turn committed to the outbox goes out now
    if response is None:
        return web.Response(status=200)
    if response.body is None:
        return web.Response(status=response.status)
    return web.Response(body=json_body(response.body), status=response.status, content_type="application/json")


async def healthz(request: web.Request) -> web.Response:
    try:
        repo = request.app[SERVICES].repo
        ok = await repo.run(repo.ping)
    except Exception:
        log.exception("health check failed: the database did not answer")
        ok = False
    return web.json_response({"ok": ok}, status=200 if ok else 503)


def _mail_links(config: Config) -> MailLinks | None:
    """ "Open in Outlook" goes through https://BOT_DOMAIN/mail/... when the bot knows its public host."""
    if not config.bot_domain:
        return None
    if not config.mail_link_secret:
        log.warning("MAIL_LINK_SECRET is empty: Open in Outlook links work only until this process restarts")
    return MailLinks(f"https://{config.bot_domain}", config.mail_link_secret)


async def open_mail_link(request: web.Request) -> web.Response:
    """An "Open in Outlook" link: on to its mailto: (nothing of it logged), or a plain page when it is spoilt."""
    mailto = request.app[MAIL_LINKS].mailto(request.match_info["token"])
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
    if mailto is None:
        log.info("mail link refused: expired or altered")
        text = "This link has expired. Open the email from the record's card in Teams again."
        return web.Response(status=410, text=text, headers=headers)
    page = f'<!doctype html><meta charset="utf-8"><a href="{html.escape(mailto)}">Open in your mail app</a>'
    return web.Response(status=302, text=page, content_type="text/html", headers=headers | {"Location": mailto})


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    """The last safety net: log it, tell the user plainly, never show a traceback."""
    log.exception("unhandled error in a turn", exc_info=error)
    sorry = "Sorry, something went wrong on my side. Please try again."
    try:
        if context.activity.type == ActivityTypes.message:
            await context.send_activity(sorry)
        elif context.activity.type == ActivityTypes.invoke:  # an invoke is always answered, never a 5xx
            answer = InvokeResponse(status=200, body=message_response(sorry))
            await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=answer))
    except Exception:
        log.exception("could not tell the user about the error")


def create_app(
    config: Config,
    graph_credential: Any = None,
    bot_auth: ConfigurationBotFrameworkAuthentication | None = None,
    delivery: DeliveryPolicy | None = None,
    installer: AppInstaller | None = None,
    bot_credentials: ServiceClientCredentialsFactory | None = None,
    clock: Callable[[], str] | None = None,
    timer: Clock | None = None,
) -> web.Application:
    """The service. Tests replace what would reach Microsoft: `graph_credential` (azure-identity's authority
    must be https), `bot_auth` (OpenID metadata and outbound tokens from local fakes), `installer` (the
    Graph app installation), `bot_credentials` (the token asked for at start). `delivery` tunes the
    notification sender (tests shorten its waits); `clock` (ISO UTC stamps) lets tests move time for held
    notifications and follows that end; `timer` (a Clock) is what the rate limiter, the card updater and the
    sender wait on, and the stamps too unless `clock` is given (tests move a fake one instead of sleeping)."""
    db, coordination, checkpointer = _open_storage(config)
    services = CrmService(
        Repository(db),
        clock or (timer.now if timer else utc_now),
        notify_window_seconds=config.notify_window_seconds,
        ownership=coordination,
        quotas=config.quotas(),
        admins=config.admins,
    )
    auth = bot_auth or ConfigurationBotFrameworkAuthentication(bot_framework_settings(config))
    # With auth off the service URL is the Playground or nowhere: a turn's calls are tried once.
    turn_auth = auth if config.auth_enabled else local_turns(auth, delivery)
    adapter = CloudAdapter(turn_auth)
    adapter.on_turn_error = _on_turn_error

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CONFIG] = config
    app[SERVICES] = services
    app[AUTH] = turn_auth
    app[ADAPTER] = adapter
    graph = None
    if config.graph_enabled:
        from bot.graph import Graph  # msgraph is large: loaded only when Graph is configured

        graph = Graph(config, credential=graph_credential)
        if config.app_id and config.graph_client_id.lower() != config.app_id.lower():
            log.warning(
                "GRAPH_CLIENT_ID is not MicrosoftAppId: Graph installs the app for followers only when the calling"
                " registration is the package's webApplicationInfo.id (the bot's app id), so installs will be refused"
            )
    # One limiter for every call the bot makes to Teams on its own: notifications and card updates.
    limiter = RateLimiter((delivery or DeliveryPolicy()).slack, tenant_rps=config.teams_tenant_rps, timer=timer)
    links = _mail_links(config)
    notifier = Notifier(
        services.deliveries,
        proactive_adapter(auth, delivery),
        config.app_id,
        delivery,
        (installer or graph) if config.graph_enabled else None,
        limiter,
        feed=graph,
        clock=timer or SYSTEM,
    )
    files = FileExchange(DownloadPolicy(config.file_download_hosts), notifier.teams.send_to)
    app[BOT] = TeamsCrmBot(
        services, adapter, config.app_id, limiter, graph, directory=graph, mail_link=links.link if links else None,
        files=files, calendar=graph,
    )  # fmt: skip
    if timer is not None:
        app[BOT].card_updater.clock = timer
        app[BOT].team_rosters.clock = timer
        app[BOT].roster.clock = timer
    services.deliveries.feed_tenant = graph.tenant_id if graph is not None else None
    app[NOTIFIER] = notifier
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    if links is not None:
        app[MAIL_LINKS] = links
        app.router.add_get(MAIL_PATH + "{token}", open_mail_link)

    async def storage_lifetime(app: web.Application) -> AsyncIterator[None]:
        """The checkpoint thread runs while the app serves; then Graph and the database close."""
        if checkpointer is not None:
            checkpointer.start()
        yield
        if graph is not None:
            await graph.close()
        if checkpointer is not None:
            checkpointer.stop()
        db.close()

    async def run_housekeeping(app: web.Application) -> AsyncIterator[None]:
        async def every_hour() -> None:
            while True:
                try:  # storage work: in a worker thread on PostgreSQL, so a long prune never holds the event loop
                    await services.run(services.people.forget_old_activities)
                    pruned = await services.run(services.people.prune_history)
                    log.info("housekeeping: pruned %s", ", ".join(f"{n} {what}" for what, n in pruned.items()))
                except Exception:  # housekeeping must never take the service down
                    log.exception("housekeeping failed")
                await asyncio.sleep(3600)

        task = asyncio.create_task(every_hour(), name="housekeeping")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_notifier(app: web.Application) -> AsyncIterator[None]:
        if coordination is not None:
            await coordination.start(functools.partial(_on_notify, app))
        await notifier.start()
        yield
        await notifier.stop()
        if coordination is not None:
            await coordination.close()

    async def check_token(app: web.Application) -> AsyncIterator[None]:
        if config.auth_enabled:  # one token now: a registration that cannot answer says so at start
            factory = bot_credentials or ConfigurationServiceClientCredentialFactory(bot_framework_settings(config))
            await check_outbound_token(config, factory)
        yield

    async def run_card_updates(app: web.Application) -> AsyncIterator[None]:
        yield
        # First to stop: its updates go through the sender's limiter and ask the coordination for their tenant
        # (after the coordination closed, that would open a session of its own that nothing closes).
        await app[BOT].card_updater.close()
        await app[BOT].team_rosters.close()  # roster reads under way are dropped (read again when the team speaks)
        await app[BOT].files.close()  # files still being read are dropped (their senders send them again)

    app.cleanup_ctx.append(check_token)
    app.cleanup_ctx.append(storage_lifetime)
    app.cleanup_ctx.append(run_housekeeping)
    app.cleanup_ctx.append(run_notifier)  # stops before the database closes
    app.cleanup_ctx.append(run_card_updates)  # stops before the sender and the coordination
    return app


def _open_storage(config: Config) -> tuple[Any, Any, Checkpointer | None]:
    """SQLite at DATABASE_PATH (with its background checkpoints, for a file), or PostgreSQL at DATABASE_URL
    (with what the replicas share), migrated."""
    if not config.database_url:
        lite = open_database(config.database_path)
        migrate(lite)
        return lite, None, None if config.database_path == ":memory:" else Checkpointer(config.database_path)
    from storage.postgres import Coordination, open_postgres  # psycopg loads only when asked for

    pg = open_postgres(config.database_url, config.database_pool_size)
    migrate(pg)
    return pg, Coordination(config.database_url, config.hand_back_seconds), None


def _on_notify(app: web.Application, payload: str) -> None:
    """Another replica (or this one) committed outbox rows, or asks this tenant's sender to update cards."""
    words = payload.split(" ")
    if words[0] == "card" and len(words) == 4 and words[2].isdigit():
        if app[SERVICES].deliveries.owns(words[1]):
            app[BOT].card_updater.record_changed(words[1], int(words[2]), words[3] or None)
        return
    app[NOTIFIER].wake()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # A log line per activity: none of them shows the caller, thread or process, so none is looked up
    # (the logging HOWTO's "Optimization" switches; a record costs about half as much).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    try:
        config = Config.from_env()
    except ConfigError as exc:
        log.error("not starting: %s", exc)
        raise SystemExit(2) from exc
    if not config.auth_enabled:
        where = "this machine only" if config.host in ("127.0.0.1", "localhost", "::1") else "ALL interfaces, as asked"
        log.warning("MicrosoftAppId is empty: Bot Framework authentication is OFF; listening on %s", where)
    where = "PostgreSQL (DATABASE_URL)" if config.database_url else config.database_path
    log.info("database %s, listening on http://%s:%d/api/messages", where, config.host, config.port)
    # No access log: the bot logs one line per activity (tenant, user, command, outcome), which says more.
    # max_line_size: an "Open in Outlook" link carries a whole message (aiohttp's default stops at 8,190).
    web.run_app(
        create_app(config), host=config.host, port=config.port, print=None, access_log=None, max_line_size=MAX_LINE
    )


if __name__ == "__main__":
    main()
