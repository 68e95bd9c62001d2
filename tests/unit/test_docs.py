"""The README and docs/ promise what the code does, and lead where they say: the README's
first screen, its length and command tables, every config key in the configuration
reference, and every link between the pages (`/papers help` listing every verb is
tests/integration/test_commands.py's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.console.clicks import CHANNEL_VERB, CLICK_VERBS
from adapters.console.platform import QUIT_WORDS
from bot.commands.verbs import VERBS
from bot.config.keys import KEYS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_first_screen_has_the_install_and_run_and_the_test_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:15])
    assert "pip install -e . && .venv/bin/paperbot digest --source sample" in first_screen
    assert "python -m pytest" in first_screen


def test_the_readme_is_a_front_page() -> None:
    assert len(README.splitlines()) <= 150


@pytest.mark.parametrize("page", ["README.md", "docs/commands.md"])
def test_every_verb_is_in_the_command_table(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    for verb in VERBS:
        assert f"| `/papers {verb}" in text, verb


def test_every_console_word_is_in_the_console_table() -> None:
    words = [w for w in CLICK_VERBS if w.isascii()] + [CHANNEL_VERB, "quit"]
    assert "quit" in QUIT_WORDS
    for word in words:
        assert f"| `{word} " in README or f"| `{word}` |" in README, word


def _config_sections() -> dict[str, str]:
    parts = re.split(r"^## `\[(\w+)\]`$", CONFIGURATION, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("table", sorted(KEYS))
def test_every_config_key_is_in_the_configuration_reference(table: str) -> None:
    section = _config_sections().get(table, "")
    rows = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert rows == set(KEYS[table])  # each key once, and nothing the config would refuse


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_between_the_pages_leads_somewhere(page: Path) -> None:
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: {target}"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{page.name}: {target}"


def test_the_readme_links_every_page_of_docs() -> None:
    for doc in DOCS:
        assert f"(docs/{doc.name}" in README, doc.name
