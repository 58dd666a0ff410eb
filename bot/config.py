"""Configuration, read from the environment once into a frozen dataclass."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.quotas import QUOTAS, Quota, QuotaKind, sized


class ConfigError(ValueError):
    """A configuration value that cannot be used."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _quota(env: Mapping[str, str], what: str, kind: QuotaKind) -> tuple[int, int]:
    """QUOTA_<what>_PER_PERSON and QUOTA_<what>_PER_ORG (bot/domain/quotas.py has the defaults and the
    windows); a person's may not exceed the organisation's, and the organisation's follows a person's raised
    above its default."""
    default = QUOTAS[kind]
    person = _int(env, f"QUOTA_{what}_PER_PERSON", default.per_user, minimum=1)
    organisation = _int(env, f"QUOTA_{what}_PER_ORG", max(default.per_tenant, person), minimum=1)
    if person > organisation:
        raise ConfigError(
            f"QUOTA_{what}_PER_PERSON ({person}) is more than QUOTA_{what}_PER_ORG ({organisation}):"
            " one person could never reach their own quota"
        )
    return person, organisation


APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
# FILE_DOWNLOAD_HOSTS entries: a host (https on 443), `*.suffix` (its subdomains), an https origin with a port, or
# an http origin on this machine (a local fake; plain http never reaches beyond it).
_LABELS = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
FILE_HOST = re.compile(
    rf"(?:\*\.)?{_LABELS}|https://{_LABELS}(?::[0-9]{{1,5}})?|http://(?:127\.0\.0\.1|localhost|\[::1\]):[0-9]{{1,5}}"
)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DOMAIN = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?|localhost:[0-9]{1,5}")


def _app_type(env: Mapping[str, str]) -> str:
    """As asked; else SingleTenant when a tenant is given (new registrations can only be single-tenant, and a
    single-tenant bot run as MultiTenant receives messages but every answer's token fails), else MultiTenant."""
    asked = env.get("MicrosoftAppType", "").strip()
    by_name = {t.lower(): t for t in APP_TYPES}
    if asked:
        return by_name.get(asked.lower(), asked)
    return "SingleTenant" if env.get("MicrosoftAppTenantId", "").strip() else "MultiTenant"


@dataclass(frozen=True)
class Config:
    """Everything the service needs to know about its surroundings."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    host: str = "127.0.0.1"
    port: int = 3978
    database_path: str = "crm.db"
    database_url: str = field(default="", repr=False)  # postgresql://... selects PostgreSQL over DATABASE_PATH
    database_pool_size: int = 8
    notify_window_seconds: int = 10
    allowed_tenants: frozenset[str] = frozenset()
    graph_client_id: str = ""
    graph_client_secret: str = field(default="", repr=False)
    graph_tenant_id: str = ""
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    teams_app_catalog_id: str = ""
    teams_tenant_rps: int = 30  # Teams' per-app-per-tenant budget: documented as 50 in places, 30 in others
    bot_domain: str = ""  # the bot's public host: "Open in Outlook" links go through https://{bot_domain}/mail/
    mail_link_secret: str = field(default="", repr=False)  # the key those links are sealed with
    file_download_hosts: tuple[str, ...] = ()  # where files may come from besides Teams' own hosts (sovereign clouds)
    hand_back_seconds: int = 60  # replicas: an owned tenant not sent for in this long is handed back
    # Write quotas for the whole deployment (bot/domain/quotas.py), (per person, per organisation): records and
    # contacts created in any minute, contacts imported from files in any hour. An operator moving a team in
    # raises them.
    quota_records: tuple[int, int] = (QUOTAS[QuotaKind.RECORDS].per_user, QUOTAS[QuotaKind.RECORDS].per_tenant)
    quota_contacts: tuple[int, int] = (QUOTAS[QuotaKind.CONTACTS].per_user, QUOTAS[QuotaKind.CONTACTS].per_tenant)
    quota_import_rows: tuple[int, int] = (
        QUOTAS[QuotaKind.IMPORT_ROWS].per_user,
        QUOTAS[QuotaKind.IMPORT_ROWS].per_tenant,
    )
    admins: frozenset[str] = frozenset()  # CRM_ADMINS: Entra object ids (lower case) of the organisation's admins

    def __post_init__(self) -> None:
        """A bot that could receive but never answer does not start (see README "Configuration")."""
        if self.bot_domain and not DOMAIN.fullmatch(self.bot_domain):
            raise ConfigError(f"BOT_DOMAIN must be a host name such as crm.contoso.com, got {self.bot_domain!r}")
        for entry in self.file_download_hosts:
            if not FILE_HOST.fullmatch(entry):
                raise ConfigError(
                    "FILE_DOWNLOAD_HOSTS takes host names (files.contoso.us), *.suffix (*.sharepoint.us), https://host:port,"
                    f" or http://127.0.0.1:port for a local test server; got {entry!r}"
                )
        for admin in self.admins:
            if not GUID.fullmatch(admin):
                raise ConfigError(f"CRM_ADMINS takes Entra object ids (GUIDs) separated by commas, got {admin!r}")
        if self.app_type not in APP_TYPES:
            raise ConfigError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, got {self.app_type!r}")
        if not self.app_id:
            return
        if self.app_type != "UserAssignedMSI" and not self.app_password:
            raise ConfigError(
                "MicrosoftAppId is set but MicrosoftAppPassword is empty: the bot could receive messages but"
                " never get a token to answer them. Set the app's client secret (or MicrosoftAppType=UserAssignedMSI)."
            )
        if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
            raise ConfigError(f"MicrosoftAppType={self.app_type} needs MicrosoftAppTenantId (the directory id).")

    def quotas(self) -> dict[QuotaKind, Quota]:
        """The write quotas as the operator sized them."""
        return sized(
            {
                QuotaKind.RECORDS: self.quota_records,
                QuotaKind.CONTACTS: self.quota_contacts,
                QuotaKind.IMPORT_ROWS: self.quota_import_rows,
            }
        )

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)

    @property
    def graph_enabled(self) -> bool:
        return bool(self.graph_client_id and self.graph_client_secret and self.graph_tenant_id)

    def tenant_allowed(self, tenant_id: str) -> bool:
        return not self.allowed_tenants or tenant_id in self.allowed_tenants

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        app_id = env.get("MicrosoftAppId", "").strip()
        # An unauthenticated bot stays on this machine unless someone asks otherwise.
        default_host = "0.0.0.0" if app_id else "127.0.0.1"
        tenants = frozenset(t.strip() for t in env.get("ALLOWED_TENANTS", "").split(",") if t.strip())
        return cls(
            app_id=app_id,
            app_password=env.get("MicrosoftAppPassword", ""),
            app_type=_app_type(env),
            app_tenant_id=env.get("MicrosoftAppTenantId", "").strip(),
            host=env.get("HOST", "").strip() or default_host,
            port=_int(env, "PORT", 3978, minimum=1),
            database_path=env.get("DATABASE_PATH", "").strip() or "crm.db",
            database_url=env.get("DATABASE_URL", "").strip(),
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 8, minimum=2),
            notify_window_seconds=_int(env, "NOTIFY_WINDOW_SECONDS", 10),
            allowed_tenants=tenants,
            graph_client_id=env.get("GRAPH_CLIENT_ID", "").strip(),
            graph_client_secret=env.get("GRAPH_CLIENT_SECRET", ""),
            graph_tenant_id=env.get("GRAPH_TENANT_ID", "").strip(),
            graph_base_url=(env.get("GRAPH_BASE_URL", "").strip() or cls.graph_base_url).rstrip("/"),
            teams_app_catalog_id=env.get("TEAMS_APP_CATALOG_ID", "").strip(),
            teams_tenant_rps=_int(env, "TEAMS_TENANT_RPS", 30, minimum=1),
            bot_domain=env.get("BOT_DOMAIN", "").strip().lower(),
            mail_link_secret=env.get("MAIL_LINK_SECRET", ""),
            file_download_hosts=tuple(
                h.strip().lower() for h in env.get("FILE_DOWNLOAD_HOSTS", "").split(",") if h.strip()
            ),
            hand_back_seconds=_int(env, "CRM_HAND_BACK_SECONDS", 60, minimum=1),
            quota_records=_quota(env, "RECORDS", QuotaKind.RECORDS),
            quota_contacts=_quota(env, "CONTACTS", QuotaKind.CONTACTS),
            quota_import_rows=_quota(env, "IMPORT_ROWS", QuotaKind.IMPORT_ROWS),
            admins=frozenset(a.strip().lower() for a in env.get("CRM_ADMINS", "").split(",") if a.strip()),
        )
