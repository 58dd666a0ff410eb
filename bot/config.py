"""Configuration, read from the environment once into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


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
            app_type=env.get("MicrosoftAppType", "").strip() or "MultiTenant",
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
        )
