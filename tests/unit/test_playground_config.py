"""The Playground's test tenant: the committed config is the generated one, and it is what the
Playground 0.2.28 accepts (five other users, unique ids; it refuses anything else)."""

from __future__ import annotations

from pathlib import Path

from playground.config import CONFIG_FILE_NAME, PEOPLE, TENANT_ID, render_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_config_is_the_generated_one_for_the_first_person() -> None:
    committed = (ROOT / "playground" / CONFIG_FILE_NAME).read_text()
    assert committed == render_config(PEOPLE[0]), "run: .venv/bin/python -m playground.config"


def test_each_instance_has_one_current_user_and_exactly_five_others() -> None:
    for current in PEOPLE:
        text = render_config(current)
        assert text.count("\n  - id: ") == 5
        assert f'currentUser:\n  id: "{current.id}"' in text
        assert f'tenantId: "{TENANT_ID}"' in text
        assert f'personalChat:\n  id: "{current.personal_chat_id}"' in text


def test_people_have_distinct_ids_chats_and_emails() -> None:
    for attribute in ("id", "aad_object_id", "email", "personal_chat_id", "key"):
        values = [getattr(p, attribute) for p in PEOPLE]
        assert len(set(values)) == len(values), attribute
