""" "Open in Outlook" without `mailto:` in a card: Teams has refused `mailto:` in Action.OpenUrl, and links
with several recipients did nothing on some clients. The card gets an https link on the bot's own domain
instead (`GET /mail/{token}`, app.py), which redirects to the `mailto:`.

The token is the `mailto:` compressed (a long message in a link stays under URL limits), encrypted and signed (Fernet: AES-128-CBC + HMAC-SHA256, with its time) under
a key from configuration (`MAIL_LINK_SECRET`), so the address carries no readable personal data (access
logs included), cannot be forged or altered, and expires after `ttl` seconds."""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib

from cryptography.fernet import Fernet, InvalidToken

LINK_TTL_SECONDS = 15 * 60
PATH = "/mail/"
MAX_LINE = 32_768  # the longest request line the server takes (app.py), a whole link included


class MailLinks:
    def __init__(self, base_url: str, secret: str = "", ttl: int = LINK_TTL_SECONDS) -> None:
        """`base_url`: the bot's public https origin; `secret`: any string (empty: a key for this process only,
        so links die with it and are not shared by replicas)."""
        self.base_url = base_url.rstrip("/")
        material = secret.encode() if secret else secrets.token_bytes(32)
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"crm mail link\0" + material).digest()))
        self.ttl = ttl

    def link(self, mailto: str) -> str:
        """The https address that leads to `mailto`."""
        token = self._fernet.encrypt(zlib.compress(mailto.encode(), 9)).decode()
        return f"{self.base_url}{PATH}{token}"

    def mailto(self, token: str) -> str | None:
        """The `mailto:` a token stands for; None when it is expired, altered or not ours."""
        if not token or len(token) > MAX_LINE:
            return None
        try:
            value = zlib.decompress(self._fernet.decrypt(token.encode(), ttl=self.ttl)).decode()
        except (InvalidToken, UnicodeError, ValueError, zlib.error):
            return None
        return value if value.startswith("mailto:") else None
