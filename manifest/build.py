"""`make package`: the Teams app package, manifest/build/appPackage.zip (manifest.json + two icons).

The template is manifest/manifest.json; this fills in the ids from `MicrosoftAppId` (the bot's Microsoft
App ID is also the app's id and `webApplicationInfo.id`, the Entra app Graph lets install the app for
people), the optional `BOT_DOMAIN` into validDomains, and the command menus from
the bot's own command table (bot/handlers/commands.py), then checks the result against Microsoft's JSON schema
from the pinned npm package @microsoft/app-manifest before zipping it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.domain.language import BRAZIL, GERMAN, N_, PORTUGAL, speaking, translated
from bot.handlers.commands import COMMANDS, CommandSpec, local_name, local_usage, spec_named
from bot.handlers.extension import EXTENSION_COMMANDS, QUERY_PARAMETER, ExtensionCommand
from bot.notify.feed import ACTIVITY_TYPES, manifest_activities

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATE = HERE / "manifest.json"
ICONS = ("color.png", "outline.png")
BUILD = HERE / "build"
MANIFEST_VERSION = "1.30"
SCHEMAS = ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams" / f"v{MANIFEST_VERSION}"
SCHEMA = SCHEMAS / "MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = SCHEMAS / "MicrosoftTeams.Localization.schema.json"
# The package's other languages: Teams' language tag, the file, and our language (bot/domain/language.py).
LANGUAGES = (("de", "de.json", GERMAN), ("pt-pt", "pt-PT.json", PORTUGAL), ("pt-br", "pt-BR.json", BRAZIL))
# What the store and the app bar show, as the template says it in English (a test keeps the two the same), for
# the catalogs to translate into each language file.
LISTING = {
    "name.short": N_("CRM"),
    "name.full": N_("CRM: leads, opportunities and the people around them"),
    "description.short": N_("Leads and opportunities, their contacts and followers, right in Teams."),
    "description.full": N_(
        "A CRM that lives in Microsoft Teams. Create leads and opportunities, set each one's Contact (the main"
        " person at the customer) and Other participants, and follow the records you care about: followers are"
        " told about every change in their chat with the bot. Type help to start."
    ),
}
SEARCH, MESSAGE = N_("Search"), N_("Message")  # the message extension's parameter titles
PLACEHOLDER = "${{MicrosoftAppId}}"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# Teams shows at most 12 commands per list from manifest 1.24 on (10 before); titles up to 32
# characters and descriptions up to 128 display in the menu. The table has more commands than that,
# so the menu takes: `help`, then the mission's path in the order a person walks it, then the rest of
# the table in its own order, until the list is full.
MENU_LIMIT = 12
TITLE_LIMIT = 32
DESCRIPTION_LIMIT = 128
MENU_FIRST = ("help", "new lead", "new contact", "show", "contact", "participant", "follow", "stage", "comment")
SCOPES = ("personal", "team", "groupChat")


class BuildError(ValueError):
    """The package cannot be built as asked (the message says why and what to do)."""


def menu_commands() -> list[CommandSpec]:
    first = [spec_named(name) for name in MENU_FIRST]
    rest = [c for c in COMMANDS if c not in first]
    return (first + rest)[:MENU_LIMIT]


def menu_entry(command: CommandSpec, language: str = "en") -> dict[str, str]:
    """A menu entry in `language` (speak it around the call): the reader's word, what it takes and does."""
    title, usage, described = (
        local_name(command, language),
        local_usage(command, language),
        translated(command.description),
    )
    description = described if usage == title else f"{usage}: {described}"
    if len(description) > DESCRIPTION_LIMIT:  # a longer language's usage: the description alone still fits
        description = described
    return {"title": title, "description": description}  # limits: tests/manifest checks them


def extension_command(command: ExtensionCommand) -> dict[str, Any]:
    """A message-extension command: a search (compose box and command box, run once on opening) or an action
    on a message (its dialog fetched from the bot)."""
    entry: dict[str, Any] = {"id": command.id, "type": command.kind, "title": command.title}
    entry["description"] = command.description
    if command.kind == "query":
        entry |= {"context": ["compose", "commandBox"], "initialRun": True}
    else:
        entry |= {"context": ["message"], "fetchTask": True}
    name, title = (QUERY_PARAMETER, SEARCH) if command.kind == "query" else ("message", MESSAGE)
    entry["parameters"] = [{"name": name, "title": title, "description": command.parameter}]
    return entry


def compose_extensions(app_id: str) -> list[dict[str, Any]]:
    """The bot's message extension (same bot id): its searches and its actions on a message."""
    commands = [extension_command(c) for c in EXTENSION_COMMANDS]
    return [{"botId": app_id, "canUpdateConfiguration": False, "commands": commands}]


def check_app_id(app_id: str) -> str:
    app_id = app_id.strip()
    if not app_id:
        raise BuildError(
            "MicrosoftAppId is empty. Set it to your Azure Bot's Microsoft App ID (a GUID such as "
            "00000000-0000-0000-0000-000000000000), e.g. `MicrosoftAppId=<guid> make package`."
        )
    if not GUID.match(app_id):
        raise BuildError(f"MicrosoftAppId {app_id!r} is not a GUID (expected 8-4-4-4-12 hexadecimal digits).")
    return app_id.lower()


def check_domain(domain: str) -> list[str]:
    domain = domain.strip().lower()
    if not domain:
        return []
    if not DOMAIN.match(domain):
        raise BuildError(f"BOT_DOMAIN {domain!r} is not a host name such as crm.contoso.com (no scheme, no path).")
    return [domain]


def build_manifest(app_id: str, domain: str = "") -> dict[str, Any]:
    app_id = check_app_id(app_id)
    manifest: dict[str, Any] = json.loads(TEMPLATE.read_text().replace(PLACEHOLDER, app_id))
    manifest["localizationInfo"] = {
        "defaultLanguageTag": "en-us",
        "additionalLanguages": [{"languageTag": tag, "file": file} for tag, file, _language in LANGUAGES],
    }
    commands = [menu_entry(c) for c in menu_commands()]
    manifest["bots"][0]["commandLists"] = [{"scopes": [scope], "commands": commands} for scope in SCOPES]
    manifest["composeExtensions"] = compose_extensions(app_id)
    manifest["validDomains"] = check_domain(domain)
    manifest["activities"] = manifest_activities()  # Graph refuses an activityType not declared here
    return manifest


def language_file(manifest: dict[str, Any], language: str) -> dict[str, Any]:
    """The package's strings in `language` (Teams' localization file): names, descriptions, the command
    menus (words the bot understands in that language), the message extension and the feed's activity types."""
    found: dict[str, Any] = {"$schema": LOCALIZATION_SCHEMA_URL}
    with speaking(language):
        found |= {key: translated(text) for key, text in LISTING.items()}
        entries = [menu_entry(c, language) for c in menu_commands()]
        for i in range(len(manifest["bots"][0]["commandLists"])):
            for j, entry in enumerate(entries):
                found[f"bots[0].commandLists[{i}].commands[{j}].title"] = entry["title"]
                found[f"bots[0].commandLists[{i}].commands[{j}].description"] = entry["description"]
        for i, command in enumerate(manifest["composeExtensions"][0]["commands"]):
            found[f"composeExtensions[0].commands[{i}].title"] = translated(command["title"])
            found[f"composeExtensions[0].commands[{i}].description"] = translated(command["description"])
            for j, parameter in enumerate(command["parameters"]):
                found[f"composeExtensions[0].commands[{i}].parameters[{j}].title"] = translated(parameter["title"])
                described = translated(parameter["description"])
                found[f"composeExtensions[0].commands[{i}].parameters[{j}].description"] = described
        for i, (description, template) in enumerate(ACTIVITY_TYPES.values()):
            found[f"activities.activityTypes[{i}].description"] = translated(description)
            found[f"activities.activityTypes[{i}].templateText"] = translated(template)
    return found


def language_files(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {file: language_file(manifest, language) for _tag, file, language in LANGUAGES}


LOCALIZATION_SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
)


def schema_errors(manifest: dict[str, Any], schema_path: Path = SCHEMA) -> list[str]:
    """Every way the manifest breaks Microsoft's schema (Draft 4), as `path: message` lines."""
    import jsonschema  # a dev dependency: installed by `make install-dev`, which `make package` runs

    if not schema_path.exists():
        raise BuildError(f"{schema_path} is missing: run `npm ci` (make install-dev does) first.")
    schema = json.loads(schema_path.read_text(encoding="utf-8-sig"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]


def write_package(manifest: dict[str, Any], out: Path = BUILD) -> Path:
    """manifest.json, the language files and the icons at the zip's root, with fixed timestamps: same input,
    same bytes."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_text(text)
    languages = [
        (file, (json.dumps(strings, indent=2, ensure_ascii=False) + "\n").encode())
        for file, strings in language_files(manifest).items()
    ]
    package = out / "appPackage.zip"
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("manifest.json", text.encode()), *languages] + [
            (name, (HERE / name).read_bytes()) for name in ICONS
        ]
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    app_id = os.environ.get("MicrosoftAppId", "")  # noqa: SIM112 (the name Microsoft's samples use)
    parser.add_argument("--app-id", default=app_id, help="default: $MicrosoftAppId")
    parser.add_argument("--domain", default=os.environ.get("BOT_DOMAIN", ""), help="default: $BOT_DOMAIN")
    parser.add_argument("--out", type=Path, default=BUILD, help=f"default: {BUILD.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    try:
        manifest = build_manifest(args.app_id, args.domain)
        errors = schema_errors(manifest) + [
            f"{file}: {error}"
            for file, strings in language_files(manifest).items()
            for error in schema_errors(strings, LOCALIZATION_SCHEMA)
        ]
        if errors:
            raise BuildError("the manifest does not match the official schema:\n  " + "\n  ".join(errors))
    except BuildError as exc:
        print(f"make package: {exc}", file=sys.stderr)
        return 2
    package = write_package(manifest, args.out)
    print(f"wrote {package} (manifest {MANIFEST_VERSION}, app and bot id {manifest['id']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
