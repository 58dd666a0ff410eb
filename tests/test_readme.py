"""The README stays a README (STYLE.md, habit 17): short, the two commands first, a code map that names
every module, and links that lead somewhere. The rest lives in docs/."""

import re
from pathlib import Path

from bot.handlers.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CODE_MAP = ROOT / "docs" / "code-map.md"  # the code map, one line per module (linked from the README)
MAPPED = ("bot", "cards", "storage")  # the folders whose every module the code map names
MODULE = re.compile(r"`((?:" + "|".join(MAPPED) + r")/[\w/]+\.py)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def section(text: str, title: str) -> str:
    """The text under `## title`, up to the next heading of the same level."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def modules() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for folder in MAPPED
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def without_code(markdown: str) -> str:
    """Markdown without fenced blocks and inline code, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"(?ms)^```.*?^```", "", markdown))


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a document's headings: lower case, punctuation dropped, spaces as dashes."""
    headings = re.findall(r"(?m)^#+ (.+)$", re.sub(r"(?ms)^```.*?^```", "", markdown))
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_the_readme_is_at_most_15_kb() -> None:
    assert README.stat().st_size <= 15 * 1024, "README.md is for a newcomer: move the detail to docs/"


def test_the_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0].startswith("# "), "the title first"
    assert lines[1] == "```" and lines[4] == "```", "then one block of exactly two commands"
    assert lines[2].startswith("make run ") and lines[3].startswith("make test "), lines[2:4]


def test_the_code_map_names_every_module() -> None:
    named = set(MODULE.findall(CODE_MAP.read_text(encoding="utf-8")))
    missing = sorted(modules() - named)
    assert not missing, f"docs/code-map.md lacks a line for: {missing}"


def test_the_code_map_names_only_modules_that_exist() -> None:
    named = set(MODULE.findall(CODE_MAP.read_text(encoding="utf-8")))
    gone = sorted(name for name in named if not (ROOT / name).is_file())
    assert not gone, f"docs/code-map.md names modules that do not exist: {gone}"


def test_the_readme_links_the_code_map() -> None:
    assert "(docs/code-map.md)" in section(README.read_text(encoding="utf-8"), "Where things go")


def test_every_relative_link_leads_to_a_file_that_exists() -> None:
    broken = []
    for document in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(without_code(document.read_text(encoding="utf-8"))):
            if re.match(r"[a-z][a-z+.-]*:", target):  # https:, mailto: ...
                continue
            path, _, anchor = target.partition("#")
            file = (document.parent / path).resolve() if path else document
            if not file.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{document.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def test_the_user_guide_lists_every_command() -> None:
    table = section((ROOT / "docs" / "usage.md").read_text(encoding="utf-8"), "Commands")
    missing = [spec.name for spec in COMMANDS if f"`{spec.name}" not in table]
    assert not missing, f"docs/usage.md 'Commands' lacks: {missing}"
