"""Where a file a person sent may be downloaded from (bot/teams/files.py `DownloadPolicy`): https on 443 of Teams'
SharePoint and OneDrive hosts, plus what FILE_DOWNLOAD_HOSTS lists; never with credentials in the URL."""

import pytest
from yarl import URL

from bot.teams.files import DownloadPolicy

TEAMS = DownloadPolicy()
SOVEREIGN = DownloadPolicy(("*.sharepoint.us", "files.contoso.example", "https://dl.contoso.example:8443",
                            "http://127.0.0.1:8099"))  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso-my.sharepoint.com/personal/alice/_layouts/15/download.aspx?UniqueId=1&tempauth=x",
        "https://CONTOSO.SharePoint.com./sites/sales/x.csv",
        "https://contoso.sharepoint-df.com/x",
        "https://1drv.ms/u/s!abc",
        "https://api.onedrive.com/v1.0/x",
        "https://public.am.files.1drv.com/y4m/x.csv",
        "https://contoso.sharepoint.com:443/x",
    ],
)
def test_teams_file_hosts_are_allowed(url: str) -> None:
    assert TEAMS.allows(URL(url))


@pytest.mark.parametrize(
    "url",
    [
        "http://contoso-my.sharepoint.com/x",  # plain http
        "https://contoso-my.sharepoint.com:8443/x",  # another port
        "https://contoso-my.sharepoint.com.evil.example/x",
        "https://evilsharepoint.com/x",
        "https://sharepoint.com.evil.example/x",
        "https://alice:secret@contoso-my.sharepoint.com/x",  # credentials would go out as Basic auth
        "https://13.107.136.9/x",  # an address, not a host name
        "https://www.1drv.ms.evil.example/x",
        "https://onedrive.com.evil.example/x",
        "https://files.1drv.com/x",  # only its subdomains serve files
        "/relative/x.csv",
        "https://contoso.sharepoint.us/x",  # another cloud: only when listed
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert not TEAMS.allows(URL(url))


def test_listed_hosts_suffixes_and_exact_origins() -> None:
    assert SOVEREIGN.allows(URL("https://contoso.sharepoint.us/x"))
    assert SOVEREIGN.allows(URL("https://files.contoso.example/x"))
    assert not SOVEREIGN.allows(URL("https://a.files.contoso.example/x"))  # a bare host is that host alone
    assert SOVEREIGN.allows(URL("https://dl.contoso.example:8443/x"))
    assert not SOVEREIGN.allows(URL("https://dl.contoso.example/x"))
    assert SOVEREIGN.allows(URL("http://127.0.0.1:8099/files/x"))
    assert not SOVEREIGN.allows(URL("http://127.0.0.1:8098/files/x"))
    assert not SOVEREIGN.allows(URL("https://127.0.0.1:8099/files/x"))
    assert SOVEREIGN.allows(URL("https://contoso.sharepoint.com/x"))  # Teams' own hosts stay allowed
