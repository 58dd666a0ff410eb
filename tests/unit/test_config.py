import pytest

from bot.config import Config, ConfigError


def test_defaults() -> None:
    config = Config.from_env({})
    assert (config.host, config.port, config.database_path, config.notify_window_seconds) == (
        "127.0.0.1",
        3978,
        "crm.db",
        10,
    )
    assert not config.auth_enabled and not config.graph_enabled
    assert config.graph_base_url == "https://graph.microsoft.com/v1.0"
    assert config.tenant_allowed("anything")


def test_everything_from_the_environment() -> None:
    config = Config.from_env(
        {
            "MicrosoftAppId": "app",
            "MicrosoftAppPassword": "secret",
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": "tid",
            "PORT": "8080",
            "DATABASE_PATH": "/tmp/x.db",
            "NOTIFY_WINDOW_SECONDS": "0",
            "ALLOWED_TENANTS": " t1, t2 ,",
            "GRAPH_CLIENT_ID": "c",
            "GRAPH_CLIENT_SECRET": "s",
            "GRAPH_TENANT_ID": "g",
            "GRAPH_BASE_URL": "http://127.0.0.1:9/v1.0/",
        }
    )
    assert config.host == "0.0.0.0"  # authenticated bots listen everywhere by default
    assert (config.app_type, config.app_tenant_id, config.port, config.notify_window_seconds) == (
        "SingleTenant",
        "tid",
        8080,
        0,
    )
    assert config.allowed_tenants == frozenset({"t1", "t2"}) and not config.tenant_allowed("t3")
    assert config.graph_enabled and config.graph_base_url == "http://127.0.0.1:9/v1.0"
    assert "secret" not in repr(config)


def test_host_can_be_asked_for() -> None:
    assert Config.from_env({"HOST": "0.0.0.0"}).host == "0.0.0.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"), ("PORT", "0"), ("NOTIFY_WINDOW_SECONDS", "-1"), ("QUOTA_RECORDS_PER_PERSON", "0"),
        ("QUOTA_IMPORT_ROWS_PER_ORG", "many"), ("QUOTA_CONTACTS_PER_ORG", "10"),  # less than a person's 60
    ],
)  # fmt: skip
def test_bad_numbers_are_explained(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})


def test_the_write_quotas_are_the_operators() -> None:
    assert Config.from_env({}).quota_records == (30, 600) and Config.from_env({}).quota_import_rows == (10_000, 50_000)
    config = Config.from_env(
        {"QUOTA_RECORDS_PER_PERSON": "1000", "QUOTA_CONTACTS_PER_PERSON": "5", "QUOTA_CONTACTS_PER_ORG": "7"}
    )
    assert config.quota_records == (1000, 1000)  # the organisation's follows a person's raised above it
    assert config.quota_contacts == (5, 7)


def test_the_faster_msrest_retry_policy_retries_the_same_status_codes() -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    import app  # noqa: F401  (it swaps msrest's list of safe codes for a frozenset)

    safe = [i for i in range(500) if i != 408] + [501, 505]
    assert ClientRetryPolicy().policy.status_forcelist == [i for i in range(999) if i not in safe]


def test_file_download_hosts_are_hosts_suffixes_or_origins_and_plain_http_only_on_this_machine() -> None:
    config = Config.from_env({"FILE_DOWNLOAD_HOSTS": " *.SharePoint.us, files.contoso.example ,http://127.0.0.1:8099,"})
    assert config.file_download_hosts == ("*.sharepoint.us", "files.contoso.example", "http://127.0.0.1:8099")
    assert Config.from_env({}).file_download_hosts == ()
    for bad in ("http://files.contoso.example", "http://10.0.0.5:80", "*", "ftp://x.example", "https://user@x.example"):
        with pytest.raises(ConfigError, match="FILE_DOWNLOAD_HOSTS"):
            Config.from_env({"FILE_DOWNLOAD_HOSTS": bad})


def test_write_quotas_are_sized_from_the_environment() -> None:
    from bot.domain.quotas import QUOTAS, QuotaKind

    assert Config.from_env({}).quotas() == QUOTAS
    env = {"QUOTA_RECORDS_PER_PERSON": "5", "QUOTA_RECORDS_PER_ORG": "50", "QUOTA_CONTACTS_PER_PERSON": "7"}
    quotas = Config.from_env(env | {"QUOTA_IMPORT_ROWS_PER_ORG": "60000"}).quotas()
    assert (quotas[QuotaKind.RECORDS].per_user, quotas[QuotaKind.RECORDS].per_tenant) == (5, 50)
    assert (quotas[QuotaKind.CONTACTS].per_user, quotas[QuotaKind.CONTACTS].per_tenant) == (7, 1200)
    assert (quotas[QuotaKind.IMPORT_ROWS].per_user, quotas[QuotaKind.IMPORT_ROWS].per_tenant) == (10_000, 60_000)
    assert quotas[QuotaKind.IMPORT_ROWS].window_seconds == 3600  # the windows are the rule's, not the operator's
    with pytest.raises(ConfigError, match="QUOTA_RECORDS_PER_PERSON must be at least 1"):
        Config.from_env({"QUOTA_RECORDS_PER_PERSON": "0"})
    with pytest.raises(ConfigError, match="one person could never reach their own quota"):
        Config.from_env({"QUOTA_CONTACTS_PER_PERSON": "90", "QUOTA_CONTACTS_PER_ORG": "80"})
