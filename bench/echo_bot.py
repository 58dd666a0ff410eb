"""The floor the CRM is measured against: a bare botbuilder bot on the same aiohttp + CloudAdapter stack
and the same route shape as app.py, answering every invoke with a small card and nothing else.

`python -m bench.echo_bot` serves it on HOST/PORT (127.0.0.1:3978), as `python app.py` serves the CRM."""

from __future__ import annotations

import os
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, InvokeResponse

CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Done.", "wrap": True}],
}


class EchoBot(ActivityHandler):
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": CARD}
        return InvokeResponse(status=200, body=body)


def create_echo_app() -> web.Application:
    settings = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    auth = ConfigurationBotFrameworkAuthentication(settings)
    adapter = CloudAdapter(auth)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        auth_result = await auth.authenticate_request(activity, request.headers.get("Authorization", ""))
        response = await adapter.process_activity(auth_result, activity, bot.on_turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(data=response.body, status=response.status)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    if os.environ.get("ECHO_FAST_RETRY_POLICY") == "1":  # the one fix app.py makes to the stack, for a like floor
        import app  # noqa: F401

    host = os.environ.get("HOST", "127.0.0.1")
    web.run_app(create_echo_app(), host=host, port=int(os.environ.get("PORT", "3978")), print=None)


if __name__ == "__main__":
    main()
