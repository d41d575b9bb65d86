"""The README and docs/: short README, generated reference pages current, every link resolves.

docs/cli.md and docs/exit-codes.md are generated (`python -m wrapper.cli.docgen PAGE`); these
tests fail when a command, option or error class changes and the page was not regenerated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.helpers import ROOT
from wrapper import errors
from wrapper.cli.app import cli
from wrapper.cli.docgen import cli_page, error_classes, exit_codes_page, walk

DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
REGENERATE = "regenerate it: python -m wrapper.cli.docgen {page} > docs/{page}.md"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_readme_is_at_most_300_lines():
    assert len(_read(README).splitlines()) <= 300


def test_the_readme_opens_with_the_two_commands_ci_runs():
    lines = _read(README).splitlines()
    start = lines.index("```bash")
    assert lines[start + 1].startswith("python3 -m venv .venv && . .venv/bin/activate && pip ")
    assert lines[start + 1].endswith(" && mw --sandbox run recipes/chatwoot/daily-summary.yaml")
    assert lines[start + 2] == "python -m pytest"


def test_docs_cli_is_what_the_generator_prints_now():
    assert _read(DOCS / "cli.md") == cli_page(), REGENERATE.format(page="cli")


def test_docs_exit_codes_is_what_the_generator_prints_now():
    assert _read(DOCS / "exit-codes.md") == exit_codes_page(), REGENERATE.format(page="exit-codes")


def _sections(text: str) -> dict[str, str]:
    """`mw run` -> the text of its section in docs/cli.md."""
    parts = re.split(r"^## `([^`]+)`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_command_and_option_is_in_docs_cli():
    sections = _sections(_read(DOCS / "cli.md"))
    commands = list(walk(cli))
    assert len(commands) > 20  # the walk reached the subcommands of every group
    for path, command in commands:
        words = " ".join(path)
        assert words in sections, f"`{words}` has no section in docs/cli.md"
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            names = param.opts if isinstance(param, click.Option) else [param.human_readable_name]
            for name in names:
                assert name in sections[words], f"`{words}` {name} is not in docs/cli.md"


def test_docs_exit_codes_lists_every_code_and_every_error_class():
    text = _read(DOCS / "exit-codes.md")
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", text, flags=re.MULTILINE))
    assert {int(code) for code in table} == set(errors.EXIT_MEANINGS)
    classes = error_classes()
    assert errors.Interrupted in classes and errors.WrapperError in classes
    for cls in classes:
        assert cls.exit_code in errors.EXIT_MEANINGS, cls
        assert re.search(rf"^\| `{cls.__name__}[ `].*\| {cls.exit_code} \|", text, re.MULTILINE)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors, fence = set(), False
    for line in _read(path).splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and (match := re.match(r"#{1,6} (.+)", line)):
            anchors.add(_slug(match.group(1)))
    return anchors


def _links(path: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", _read(path), flags=re.MULTILINE | re.DOTALL)
    return [link for link in LINK.findall(text) if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_every_relative_link_resolves(page):
    for link in _links(page):
        target, _, anchor = link.partition("#")
        file = (page.parent / target).resolve() if target else page
        assert file.exists(), f"{page.name}: {link} points at no file"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{page.name}: {link} names no heading"


def test_the_readme_links_to_every_page_of_docs():
    links = {link.partition("#")[0] for link in _links(README)}
    assert {f"docs/{page.name}" for page in DOCS.glob("*.md")} <= links


def test_mw_does_not_import_the_generator_to_start():
    code = "import sys, wrapper.cli.app; print('wrapper.cli.docgen' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
