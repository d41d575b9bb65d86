"""The rules a skill folder must meet: the Agent Skills spec, plus staying self-contained.

The spec's rules (the six portable frontmatter keys, name and length limits) are checked the
way the reference validator `skills-ref` checks them, and YAML it would reject (flow style,
anchors, tags, duplicate keys) is refused here too, so both always agree. On top of that, links
in the body and symlinks in the folder must stay inside the skill, or a copy installed
elsewhere would point at nothing, or at files it must not reach.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

import yaml

from wrapper.errors import SkillError

SKILL_FILE: Final = "SKILL.md"
ALLOWED_KEYS: Final = (
    "allowed-tools",
    "compatibility",
    "description",
    "license",
    "metadata",
    "name",
)
MAX_NAME_CHARS: Final = 64
MAX_DESCRIPTION_CHARS: Final = 1024
MAX_COMPATIBILITY_CHARS: Final = 500
MAX_BODY_LINES: Final = 500

_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class _Invalid(Exception):
    """A problem that stops validation of a SKILL.md early."""


def read_frontmatter(skill_dir: Path) -> dict[str, Any]:
    """The parsed frontmatter of `skill_dir/SKILL.md`; raises SkillError if it cannot be read."""
    try:
        fields, _, _ = _split(_read_skill_md(skill_dir))
    except _Invalid as problem:
        raise SkillError(f"{skill_dir}: {problem}") from None
    return fields


def validate_skill(path: Path) -> list[str]:
    """Every problem of the skill at `path` (a folder, or its SKILL.md); empty means valid."""
    skill_dir = path.parent if path.name == SKILL_FILE and path.is_file() else path
    if not skill_dir.exists():
        return ["no such folder"]
    if not skill_dir.is_dir():
        return [f"not a folder; a skill is a folder holding {SKILL_FILE}"]
    try:
        fields, body, body_line = _split(_read_skill_md(skill_dir))
    except _Invalid as problem:
        return [str(problem)]
    return [
        *_field_problems(fields, skill_dir.resolve().name),
        *_body_problems(body, body_line, skill_dir),
        *_symlink_problems(skill_dir),
    ]


def _read_skill_md(skill_dir: Path) -> str:
    skill_md = skill_dir / SKILL_FILE
    if not skill_md.is_file():
        raise _Invalid(f"{SKILL_FILE} is missing")
    try:
        return skill_md.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _Invalid(f"{SKILL_FILE} is not UTF-8 text") from None
    except OSError as error:
        raise _Invalid(f"cannot read {SKILL_FILE}: {error.strerror or error}") from None


def _split(text: str) -> tuple[dict[str, Any], list[str], int]:
    """Frontmatter fields, body lines, and the 1-based line number where the body starts."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        raise _Invalid(f"{SKILL_FILE} must start with a `---` line that opens the YAML frontmatter")
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        raise _Invalid("the frontmatter is not closed by a `---` line")
    source = "\n".join(lines[1:close])
    if "---" in source:
        # Simpler parsers (skills-ref among them) end the frontmatter at the first `---`.
        raise _Invalid("the frontmatter holds `---` inside a value; other parsers end it there")
    _check_portable_yaml(source)
    try:
        fields = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise _Invalid(_yaml_message(error)) from None
    if not isinstance(fields, dict):
        raise _Invalid("the frontmatter must be a YAML mapping of keys to values")
    return fields, lines[close + 1 :], close + 2


def _yaml_message(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" (line {_line(mark)})" if mark is not None else ""
    return f"the frontmatter is not valid YAML{where}: {problem}"


def _line(mark: Any) -> int:
    """The SKILL.md line of a mark in the frontmatter, which starts after the `---` line."""
    return int(getattr(mark, "line", 0)) + 2


def _check_portable_yaml(source: str) -> None:
    """Refuse YAML the reference validator (strictyaml) rejects, so both agree on every skill."""
    try:
        for event in yaml.parse(source, Loader=yaml.SafeLoader):
            line = _line(event.start_mark)
            if getattr(event, "flow_style", False):
                raise _Invalid(
                    f"line {line}: flow style ({{...}} or [...]) is not portable frontmatter; "
                    "write it in block style"
                )
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _Invalid(
                    f"line {line}: YAML anchors and aliases are not portable frontmatter"
                )
            if getattr(event, "tag", None) is not None:
                raise _Invalid(f"line {line}: YAML tags are not portable frontmatter")
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise _Invalid(_yaml_message(error)) from None
    for node in _mappings(root):
        seen: set[Any] = set()
        for key, _ in node.value:
            if key.value in seen:
                raise _Invalid(f"line {_line(key.start_mark)}: key {key.value!r} appears twice")
            seen.add(key.value)


def _mappings(node: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        yield node
        for key, value in node.value:
            yield from _mappings(key)
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


def _field_problems(fields: Mapping[str, Any], folder: str) -> list[str]:
    problems: list[str] = []
    unknown = sorted(str(k) for k in fields if k not in ALLOWED_KEYS)
    if unknown:
        problems.append(
            f"unexpected frontmatter keys: {', '.join(unknown)} (allowed: "
            f"{', '.join(ALLOWED_KEYS)}; put anything else under metadata)"
        )
    if "name" in fields:
        problems += _name_problems(fields["name"], folder)
    else:
        problems.append("`name` is missing")
    problems += _text_problems(fields, "description", MAX_DESCRIPTION_CHARS, required=True)
    problems += _text_problems(fields, "compatibility", MAX_COMPATIBILITY_CHARS)
    problems += _text_problems(fields, "license", None)
    problems += _tools_problems(fields)
    metadata = fields.get("metadata")
    if "metadata" in fields and not isinstance(metadata, dict):
        problems.append("`metadata` must be a mapping of strings to strings")
    elif isinstance(metadata, dict):
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                problems.append(f'`metadata.{key}` must be a string (quote it: {key}: "{value}")')
    return problems


def _name_problems(name: Any, folder: str) -> list[str]:
    if not isinstance(name, str):
        return ["`name` must be a string"]
    name = unicodedata.normalize("NFKC", name)
    if not name:
        return ["`name` must not be empty"]
    problems = []
    if len(name) > MAX_NAME_CHARS:
        problems.append(f"`name` is longer than {MAX_NAME_CHARS} characters ({len(name)})")
    if name != name.lower():
        problems.append(f"`name` {name!r} must be lowercase")
    if not all(c.isalnum() or c == "-" for c in name):
        problems.append(f"`name` {name!r} may hold only letters, digits and hyphens")
    if name.startswith("-") or name.endswith("-"):
        problems.append(f"`name` {name!r} must not start or end with a hyphen")
    if "--" in name:
        problems.append(f"`name` {name!r} must not contain two hyphens in a row")
    if name != unicodedata.normalize("NFKC", folder):
        problems.append(f"`name` {name!r} must equal the folder name {folder!r}")
    return problems


def _text_problems(
    fields: Mapping[str, Any], key: str, limit: int | None, *, required: bool = False
) -> list[str]:
    if key not in fields:
        return [f"`{key}` is missing"] if required else []
    value = fields[key]
    if not isinstance(value, str):
        return [f"`{key}` must be a string"]
    if not value.strip():
        return [f"`{key}` must not be empty"]
    if limit is not None and len(value) > limit:
        return [f"`{key}` is longer than {limit} characters ({len(value)})"]
    return []


def _tools_problems(fields: Mapping[str, Any]) -> list[str]:
    """`allowed-tools`: a space- (or comma-) separated string, or a list of tool patterns; Claude
    Code reads both, and the spec's reference validator does not restrict the form."""
    value = fields.get("allowed-tools")
    if not isinstance(value, list):
        return _text_problems(fields, "allowed-tools", None)
    if not value:
        return ["`allowed-tools` must not be an empty list"]
    bad = [i for i, tool in enumerate(value) if not isinstance(tool, str) or not tool.strip()]
    if bad:
        return [f"`allowed-tools[{bad[0]}]` must be a tool pattern such as Bash(mw:*) or Read"]
    return []


def _body_problems(body: list[str], first_line: int, skill_dir: Path) -> list[str]:
    problems = []
    if len(body) >= MAX_BODY_LINES:
        problems.append(
            f"the body has {len(body)} lines; keep it under {MAX_BODY_LINES} and move details "
            "to files in references/"
        )
    root = skill_dir.resolve()
    for number, target in _links(body, first_line):
        if target.startswith("#") or _SCHEME.match(target):
            continue
        relative = target.split("#", 1)[0].split("?", 1)[0]
        if relative.startswith("/"):
            problems.append(f"line {number}: link {target!r} is absolute; use a relative path")
            continue
        resolved = (skill_dir / unquote(relative)).resolve()
        if not resolved.is_relative_to(root):
            problems.append(f"line {number}: link {target!r} points outside the skill")
        elif not resolved.exists():
            problems.append(f"line {number}: link {target!r} points at a file that does not exist")
    return problems


def _links(body: list[str], first_line: int) -> Iterator[tuple[int, str]]:
    """Link targets outside code blocks and code spans, with their SKILL.md line numbers."""
    fence: str | None = None
    for offset, line in enumerate(body):
        opened = _FENCE.match(line)
        if opened:
            fence = None if fence == opened.group(1) else fence or opened.group(1)
            continue
        if fence:
            continue
        text = _CODE_SPAN.sub("", line)
        targets = [m.group(1) for m in _LINK.finditer(text)]
        definition = _LINK_DEFINITION.match(text)
        if definition:
            targets.append(definition.group(1))
        for target in targets:
            yield first_line + offset, target


def _symlink_problems(skill_dir: Path) -> list[str]:
    """Symlinks must resolve inside the skill, or the installed copy would reach elsewhere."""
    root = skill_dir.resolve()
    problems = []
    for current, dirs, files in os.walk(skill_dir):
        for entry in sorted([*dirs, *files]):
            link = Path(current) / entry
            if not link.is_symlink():
                continue
            shown = link.relative_to(skill_dir).as_posix()
            try:
                target = link.resolve(strict=True)
            except (OSError, RuntimeError):
                problems.append(f"symlink {shown} is broken")
                continue
            if not target.is_relative_to(root):
                problems.append(f"symlink {shown} points outside the skill (to {link.readlink()})")
            elif target.is_dir() and link.parent.resolve().is_relative_to(target):
                problems.append(f"symlink {shown} points at a folder that contains it")
    return problems
