"""`make playground PEOPLE=2`: two Playground instances, two people of one tenant, on one bot. What can be
checked without a display: the plan (who, which port, which folder), the config each instance reads, and
that the Makefile passes PEOPLE on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from playground.config import BOT_ID, CONFIG_FILE_NAME, TENANT_ID, person, write_config
from playground.run import can_open_windows, instances, main

ROOT = Path(__file__).resolve().parents[2]


def current_user(config: str) -> str:
    found = re.search(r'^currentUser:\n  id: "([^"]+)"', config, re.M)
    assert found, config
    return found.group(1)


def test_two_people_are_alex_and_megan_on_two_ports_with_their_own_configs(tmp_path: Path) -> None:
    first, second = instances(2, 56150, tmp_path)
    assert (first.person, first.port, first.url) == (person("alex"), 56150, "http://localhost:56150")
    assert (second.person, second.port, second.url) == (person("megan"), 56151, "http://localhost:56151")
    assert first.folder == tmp_path / "playground"  # the committed config's folder
    assert second.folder == tmp_path / "playground" / "run" / "megan"  # git-ignored
    texts = [write_config(i.folder, i.person).read_text() for i in (first, second)]
    assert [current_user(t) for t in texts] == [person("alex").id, person("megan").id]
    for text in texts:  # one organisation, one bot
        assert f'tenantId: "{TENANT_ID}"' in text and f'id: "{BOT_ID}"' in text
    # each sees the other among the tenant's users (the people picker offers them), in chats of their own
    assert f'- id: "{person("megan").id}"' in texts[0] and f'- id: "{person("alex").id}"' in texts[1]
    assert person("alex").personal_chat_id in texts[0] and person("megan").personal_chat_id in texts[1]
    assert (second.folder / CONFIG_FILE_NAME).exists()


def test_one_person_is_the_default_and_the_committed_config() -> None:
    [only] = instances(1, 56150)
    assert only.person == person("alex") and only.folder == ROOT / "playground"


@pytest.mark.parametrize("people", [0, 7, -1])
def test_a_count_the_tenant_cannot_seat_is_refused_before_anything_starts(people: int) -> None:
    with pytest.raises(ValueError, match="PEOPLE must be 1 to 6"):
        instances(people, 56150)
    assert main(["--people", str(people)]) == 2


def test_windows_open_only_where_a_desktop_can_show_them() -> None:
    assert can_open_windows({"DISPLAY": ":0"}, "linux")
    assert can_open_windows({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert can_open_windows({}, "darwin") and can_open_windows({}, "win32")
    assert not can_open_windows({}, "linux")  # a server: webbrowser would start a text browser here
    assert not can_open_windows({"DISPLAY": ":0", "OPEN": "0"}, "linux")


def test_make_passes_people_on() -> None:
    dry = subprocess.run(
        ["make", "-n", "playground", "PEOPLE=2"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert "-m playground.run --people 2" in dry.stdout
