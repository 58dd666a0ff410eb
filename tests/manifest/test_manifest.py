"""The Teams app package: valid against Microsoft's own schema, icons as Teams wants them, the zip's
layout, a command menu the bot understands, and a build that refuses ids it cannot use."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.handlers.commands import COMMANDS, parse
from bot.handlers.extension import EXTENSION_COMMANDS
from manifest import build, make_icons

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return build.build_manifest(APP_ID, "crm.contoso.com")


def test_the_schema_is_the_one_from_the_pinned_npm_package() -> None:
    assert build.SCHEMA.exists(), "run npm ci"
    package = json.loads((build.ROOT / "node_modules/@microsoft/app-manifest/package.json").read_text())
    pinned = json.loads((build.ROOT / "package.json").read_text())["devDependencies"]["@microsoft/app-manifest"]
    assert package["version"] == pinned
    schema = json.loads(build.SCHEMA.read_text(encoding="utf-8-sig"))
    assert schema["properties"]["manifestVersion"]["const"] == build.MANIFEST_VERSION


def test_the_built_manifest_validates_against_the_official_schema(manifest: dict[str, Any]) -> None:
    assert build.schema_errors(manifest) == []
    assert manifest["manifestVersion"] == build.MANIFEST_VERSION
    assert manifest["$schema"].endswith(f"/v{build.MANIFEST_VERSION}/MicrosoftTeams.schema.json")


@pytest.mark.parametrize(
    "breakage",
    [
        lambda m: m.update(accentColor="blue"),
        lambda m: m["name"].update(short="x" * 31),
        lambda m: m["bots"][0].update(scopes=["everyone"]),
        lambda m: m["bots"][0]["commandLists"][0]["commands"].extend([{"title": "x", "description": "y"}] * 13),
        lambda m: m.pop("icons"),
    ],
)
def test_the_schema_check_catches_a_broken_manifest(manifest: dict[str, Any], breakage: Any) -> None:
    broken = copy.deepcopy(manifest)
    breakage(broken)
    assert build.schema_errors(broken)


def test_ids_scopes_and_domains(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is True  # contacts files in and out through the personal chat
    assert manifest["validDomains"] == ["crm.contoso.com"]
    assert build.build_manifest(APP_ID.upper())["validDomains"] == []
    assert "${{" not in json.dumps(manifest)


def test_every_menu_command_is_one_the_bot_understands(manifest: dict[str, Any]) -> None:
    lists = manifest["bots"][0]["commandLists"]
    assert {scope for entry in lists for scope in entry["scopes"]} == {"personal", "team", "groupChat"}
    for entry in lists:
        assert len(entry["commands"]) <= build.MENU_LIMIT
        for command in entry["commands"]:
            assert len(command["title"]) <= build.TITLE_LIMIT, command
            assert 0 < len(command["description"]) <= build.DESCRIPTION_LIMIT, command
            parsed = parse(command["title"])  # picking a menu entry inserts its title
            assert parsed is not None and parsed.name == command["title"], command


def test_the_menu_is_full_and_starts_with_help_and_the_mission_path(manifest: dict[str, Any]) -> None:
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert len(titles) == min(build.MENU_LIMIT, len(COMMANDS))
    assert titles[: len(build.MENU_FIRST)] == list(build.MENU_FIRST)
    assert len(set(titles)) == len(titles)
    schema = json.loads(build.SCHEMA.read_text(encoding="utf-8-sig"))
    command_lists = schema["properties"]["bots"]["items"]["properties"]["commandLists"]["items"]
    assert command_lists["properties"]["commands"]["maxItems"] == build.MENU_LIMIT


def test_icons_have_teams_sizes_and_the_outline_is_white_on_transparent() -> None:
    color = Image.open(build.HERE / "color.png")
    assert color.format == "PNG" and color.size == (192, 192)
    assert all(alpha == 255 for alpha in color.convert("RGBA").getchannel("A").get_flattened_data())  # opaque
    outline = Image.open(build.HERE / "outline.png")
    assert outline.format == "PNG" and outline.size == (32, 32) and outline.mode == "RGBA"
    rgb = list(zip(*(outline.getchannel(band).get_flattened_data() for band in "RGB"), strict=True))
    alphas = list(outline.getchannel("A").get_flattened_data())
    assert all(px == (255, 255, 255) for px, a in zip(rgb, alphas, strict=True) if a), "the outline must be white"
    assert alphas[0] == alphas[31] == alphas[-1] == alphas[-32] == 0  # transparent corners
    assert alphas.count(0) > len(alphas) // 3 and alphas.count(255) > 40  # a glyph on a clear background


def test_the_committed_icons_are_what_the_script_draws() -> None:
    assert list(Image.open(build.HERE / "color.png").convert("RGBA").get_flattened_data()) == list(
        make_icons.color_icon().get_flattened_data()
    )
    assert list(Image.open(build.HERE / "outline.png").get_flattened_data()) == list(
        make_icons.outline_icon().get_flattened_data()
    )


def test_the_zip_holds_the_manifest_and_icons_at_its_root(manifest: dict[str, Any], tmp_path: Path) -> None:
    package = build.write_package(manifest, tmp_path)
    assert package.name == "appPackage.zip"
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == [
            "color.png", "de.json", "manifest.json", "outline.png", "pt-BR.json", "pt-PT.json",
        ]  # fmt: skip
        assert json.loads(archive.read("manifest.json")) == manifest
        assert json.loads(archive.read("de.json")) == build.language_file(manifest, "de")
        assert archive.read("outline.png") == (build.HERE / "outline.png").read_bytes()
        assert Image.open(archive.open("color.png")).size == (192, 192)
    assert build.write_package(manifest, tmp_path / "again").read_bytes() == package.read_bytes()


def run_build(tmp_path: Path, app_id: str | None, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin"} | ({"MicrosoftAppId": app_id} if app_id is not None else {})
    return subprocess.run(
        [sys.executable, "-m", "manifest.build", "--out", str(tmp_path), *extra],
        cwd=build.ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_make_package_builds_from_microsoft_app_id(tmp_path: Path) -> None:
    done = run_build(tmp_path, APP_ID)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "appPackage.zip") as archive:
        built = json.loads(archive.read("manifest.json"))
    assert built["id"] == built["bots"][0]["botId"] == APP_ID
    assert build.schema_errors(built) == []


@pytest.mark.parametrize(
    ("app_id", "message"),
    [
        (None, "MicrosoftAppId is empty"),
        ("", "MicrosoftAppId is empty"),
        ("   ", "MicrosoftAppId is empty"),
        ("not-a-guid", "is not a GUID"),
        ("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5", "is not a GUID"),
        ("{6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f}", "is not a GUID"),
        ("28:6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "is not a GUID"),
    ],
)
def test_the_build_refuses_an_empty_or_malformed_id(tmp_path: Path, app_id: str | None, message: str) -> None:
    done = run_build(tmp_path, app_id)
    assert done.returncode != 0
    assert message in done.stderr
    assert not (tmp_path / "appPackage.zip").exists()


def test_the_build_refuses_a_domain_with_a_scheme(tmp_path: Path) -> None:
    done = run_build(tmp_path, APP_ID, "--domain", "https://crm.contoso.com/api")
    assert done.returncode != 0 and "BOT_DOMAIN" in done.stderr


def test_graph_may_install_the_app_for_people_with_the_bots_own_registration(manifest: dict[str, Any]) -> None:
    """Graph installs an app for a user only when the calling Entra app is the manifest's webApplicationInfo.id."""
    assert manifest["webApplicationInfo"]["id"] == APP_ID == manifest["bots"][0]["botId"]
    assert manifest["webApplicationInfo"]["resource"]  # required by the schema; any string (Teams docs' placeholder)


def test_the_message_extension_declares_the_searches_and_the_message_actions(manifest: dict[str, Any]) -> None:
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == manifest["bots"][0]["botId"] == APP_ID
    commands = {c["id"]: c for c in extension["commands"]}
    assert list(commands) == [c.id for c in EXTENSION_COMMANDS]
    records, contacts = commands["searchRecords"], commands["searchContacts"]
    for search in (records, contacts):
        assert search["type"] == "query" and search["initialRun"] is True
        assert search["context"] == ["compose", "commandBox"] and search["parameters"][0]["name"] == "query"
    for action in (commands["leadFromMessage"], commands["addToRecord"]):
        assert action["type"] == "action" and action["context"] == ["message"] and action["fetchTask"] is True
    broken = copy.deepcopy(manifest)
    broken["composeExtensions"][0]["commands"][0]["title"] = "x" * 33
    assert build.schema_errors(broken)


def test_the_activity_feed_types_are_declared_with_the_colleague_in_each_template(manifest: dict[str, Any]) -> None:
    """Graph's sendActivityNotification refuses an activityType the manifest does not declare. Who made the
    change is a parameter of our own: Graph fills `{actor}` with the caller, the app in application-only calls."""
    declared = {a["type"]: a for a in manifest["activities"]["activityTypes"]}
    assert list(declared) == [
        "stageChanged", "commented", "emailSent", "converted", "contactChanged", "participantAdded",
    ]  # fmt: skip
    assert declared["commented"]["templateText"] == "{colleague} commented on a record you follow"
    assert all(a["description"] and a["templateText"].startswith("{colleague} ") for a in declared.values())
    assert not any("{actor}" in a["templateText"] for a in declared.values())


# --- the package in German and Portuguese (localizationInfo, Teams' language files) ---------------------


def _at(manifest: Any, path: str) -> Any:
    """The manifest's value at a language file's key (`bots[0].commandLists[1].commands[3].title`)."""
    node = manifest
    for name, index in re.findall(r"([A-Za-z]+)(?:\[(\d+)\])?", path):
        node = node[name]
        if index:
            node = node[int(index)]
    return node


def test_the_package_names_its_language_files_and_each_validates(manifest: dict[str, Any]) -> None:
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "en-us"
    assert [(e["languageTag"], e["file"]) for e in info["additionalLanguages"]] == [
        ("de", "de.json"), ("pt-pt", "pt-PT.json"), ("pt-br", "pt-BR.json"),
    ]  # fmt: skip
    files = build.language_files(manifest)
    assert list(files) == ["de.json", "pt-PT.json", "pt-BR.json"]
    for name, strings in files.items():
        assert build.schema_errors(strings, build.LOCALIZATION_SCHEMA) == [], name
        for key, value in strings.items():
            if key != "$schema":
                _at(manifest, key)  # every key names a string the manifest has
                assert value, (name, key)


def test_the_language_files_say_it_in_their_language(manifest: dict[str, Any]) -> None:
    german, portugal, brazil = build.language_files(manifest).values()
    assert german["name.full"].startswith("CRM: Leads, Verkaufschancen")
    assert "Contacto" in portugal["description.full"] and "Contato" in brazil["description.full"]
    assert german["composeExtensions[0].commands[2].title"] == "Lead aus Nachricht anlegen"
    assert (
        german["activities.activityTypes[1].templateText"]
        == "{colleague} hat einen Datensatz kommentiert, dem Sie folgen"
    )
    for strings in (german, portugal, brazil):
        templates = [v for k, v in strings.items() if k.endswith(".templateText")]
        assert len(templates) == len(manifest["activities"]["activityTypes"])
        assert all("{colleague}" in t and "{actor}" not in t for t in templates)  # ours, in every language


def test_every_localized_menu_command_is_one_the_bot_understands(manifest: dict[str, Any]) -> None:
    """Picking an entry of the German menu inserts its German title: the bot must read it as the same command."""
    english = manifest["bots"][0]["commandLists"]
    for name, strings in build.language_files(manifest).items():
        for i, entry in enumerate(english):
            for j, command in enumerate(entry["commands"]):
                title = strings[f"bots[0].commandLists[{i}].commands[{j}].title"]
                described = strings[f"bots[0].commandLists[{i}].commands[{j}].description"]
                assert len(title) <= build.TITLE_LIMIT and 0 < len(described) <= build.DESCRIPTION_LIMIT
                parsed = parse(title)
                assert parsed is not None and parsed.name == command["title"], (name, title)
    assert build.language_file(manifest, "de")["bots[0].commandLists[0].commands[0].title"] == "hilfe"
    assert build.language_file(manifest, "pt-BR")["bots[0].commandLists[0].commands[2].title"] == "novo contato"


def test_the_listing_is_the_templates_english_and_a_broken_language_file_is_caught(manifest: dict[str, Any]) -> None:
    template = json.loads(build.TEMPLATE.read_text())
    assert {f"{part}.{size}": text for part in ("name", "description") for size, text in template[part].items()} == (
        build.LISTING
    )
    broken = build.language_file(manifest, "de") | {"composeExtensions[0].commands[0].title": "x" * 33}
    assert build.schema_errors(broken, build.LOCALIZATION_SCHEMA)
    assert build.schema_errors(
        build.language_file(manifest, "de") | {"bots[0].nonsense": "x"}, build.LOCALIZATION_SCHEMA
    )


ATK = build.ROOT / "manifest/atk/node_modules/.bin/atk"


def atk_validate(folder: Path) -> subprocess.CompletedProcess[str]:
    """Microsoft 365 Agents Toolkit's `atk validate` on an unpacked package: its manifest schema and validation
    rules, the language files included, offline (`make test` installs it from manifest/atk/package.json)."""
    assert ATK.exists(), "make test installs manifest/atk (npm ci --prefix manifest/atk)"
    return subprocess.run(
        [str(ATK), "validate", "--manifest-file", str(folder / "manifest.json"), "--telemetry", "false"],
        cwd=folder, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_microsofts_own_validator_passes_the_package_and_its_language_files(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    with zipfile.ZipFile(build.write_package(manifest, tmp_path / "build")) as archive:
        archive.extractall(tmp_path / "package")
    done = atk_validate(tmp_path / "package")
    assert done.returncode == 0 and "All passed" in done.stdout, done.stdout + done.stderr
    # and it reads the language files: one Teams would refuse fails the same check
    german = tmp_path / "package" / "de.json"
    german.write_text(json.dumps(json.loads(german.read_text()) | {"name.short": "x" * 31}))
    done = atk_validate(tmp_path / "package")
    assert done.returncode != 0 and "de.json" in done.stdout + done.stderr, done.stdout + done.stderr
