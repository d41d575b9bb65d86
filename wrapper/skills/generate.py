"""Write a skill that teaches an agent to run one recipe with `mw`.

The skill is derived from the recipe itself (description, inputs, connections, steps,
outputs), so what it says is always what the recipe does; it names the recipe by a path
relative to the working directory when it can, so a project can commit the skill beside it.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any, Final

from wrapper import __version__
from wrapper.errors import (
    EXIT_ASSERT,
    EXIT_ENVIRONMENT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from wrapper.recipe.loader import LoadedRecipe, load_recipe, recipe_argument
from wrapper.recipe.model import InputSpec, Recipe
from wrapper.skills.install import place_skill
from wrapper.skills.validate import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, SKILL_FILE

COMPATIBILITY: Final = (
    "Needs mw, installed from a clone (pip install ./membrane-wrapper) or a wheel "
    "(pip install membrane_wrapper-*.whl), and the Membrane CLI, logged in; "
    "mw --sandbox runs the recipe offline."
)
EXIT_CODES: Final = (
    (EXIT_OK, "the run finished and every assert held", "report the outputs"),
    (EXIT_FAILED, "a step failed", "read the error line and its advice; fix, then run again"),
    (EXIT_USAGE, "invalid usage, recipe or inputs; nothing ran", "fix the command or inputs"),
    (EXIT_ASSERT, "an `assert` of the recipe did not hold", "report which one to the user"),
    (
        EXIT_ENVIRONMENT,
        "membrane missing, not logged in, or a connection needs a person",
        "show the user the printed advice or link; do not retry blindly",
    ),
    (EXIT_INTERRUPTED, "interrupted", "the run's journal is kept"),
)


def skill_name_for(recipe_name: str) -> str:
    """A spec-valid skill name from a recipe name (`a_b--c-` -> `a-b-c`)."""
    name = re.sub(r"-{2,}", "-", recipe_name.replace("_", "-")).strip("-")
    return name[:MAX_NAME_CHARS].rstrip("-")


def skill_from_recipe(
    recipe_path: Path, dest: Path, *, name: str | None = None, force: bool = False
) -> Path:
    """Write `<dest>/<name>/SKILL.md` for the recipe, atomically and recorded; return the folder."""
    resolved = recipe_argument(recipe_path)
    loaded = load_recipe(resolved)
    skill = name or skill_name_for(loaded.recipe.name)
    # A shipped recipe named by name is run by name: that works wherever mw is installed.
    shipped = resolved != recipe_path
    text = render_skill(loaded, skill, str(recipe_path) if shipped else _shown_path(loaded.path))

    def fill(staged: Path) -> None:
        staged.mkdir()
        (staged / SKILL_FILE).write_text(text, encoding="utf-8")

    origin = f"recipe:{loaded.path.resolve()}"
    return place_skill(dest, skill, origin, fill, force=force).path


def _shown_path(path: Path) -> str:
    """Relative to the working directory when the recipe lies below it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _where(recipe_ref: str) -> str:
    if Path(recipe_ref).is_absolute():
        return ""
    if not recipe_ref.endswith((".yaml", ".yml")):
        return " (shipped with mw)"
    return " (relative to the project root)"


def render_skill(loaded: LoadedRecipe, name: str, recipe_ref: str) -> str:
    recipe = loaded.recipe
    quoted = shlex.quote(recipe_ref)
    args = "".join(f" -i {k}=<{spec.type}>" for k, spec in _command_inputs(recipe))
    frontmatter = [
        "---",
        f"name: {name}",
        f"description: {_yaml_str(_description(recipe))}",
        f"compatibility: {_yaml_str(COMPATIBILITY)}",
        "metadata:",
        f"  recipe: {_yaml_str(recipe.name)}",
        f"  recipe-path: {_yaml_str(recipe_ref)}",
        f"  recipe-sha256: {_yaml_str(loaded.sha256)}",
        f"  generated-by: {_yaml_str(f'mw {__version__}')}",
        "---",
    ]
    writes = sum(step.effect == "write" for step in recipe.all_steps())
    body = [
        f"# {recipe.name}",
        "",
        recipe.description or f"Runs the `{recipe.name}` recipe.",
        "",
        f"This skill runs one mw recipe, `{recipe_ref}`"
        + _where(recipe_ref)
        + ". Use the recipe rather than calling the apps directly: mw checks the inputs "
        "before any call, retries what is safe to retry and masks secrets in all output.",
        "",
        *_inputs_section(recipe),
        *_connections_section(recipe),
        "## Run it",
        "",
        "1. Preview. Read steps run for real; write steps are only printed"
        + (f" (this recipe has {writes} write step{'s' * (writes != 1)}):" if writes else ":"),
        "",
        "   ```bash",
        f"   mw plan {quoted}{args} --events -",
        "   ```",
        "",
        "2. Run it, after the user agreed to the writes the preview showed:",
        "",
        "   ```bash",
        f"   mw run {quoted}{args} --events -",
        "   ```",
        "",
        "`--events -` streams one JSON object per line on stdout while the run goes; read it "
        "to follow progress. To try the recipe offline first, put `--sandbox` right after "
        f"`mw`: `mw --sandbox run {quoted}{args} --events -`.",
        "",
        *_steps_section(recipe),
        *_outputs_section(recipe),
        "## Exit codes",
        "",
        "| code | meaning | what to do |",
        "|---|---|---|",
        *(f"| {code} | {meaning} | {action} |" for code, meaning, action in EXIT_CODES),
        "",
    ]
    return "\n".join([*frontmatter, "", *body])


def _description(recipe: Recipe) -> str:
    apps = sorted({c.app for c in recipe.connections.values()})
    what = " ".join((recipe.description or f"Runs the {recipe.name} recipe.").split())
    when = f" Use when asked to run the {recipe.name} recipe or to do this job"
    on = f" in {', '.join(apps)}" if apps else ""
    text = f"{what}{when}{on}; runs it with mw (plan, then run)."
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[: MAX_DESCRIPTION_CHARS - 1] + "…"


def _command_inputs(recipe: Recipe) -> list[tuple[str, InputSpec]]:
    """Inputs the commands must pass: required ones that are not read from the environment."""
    return [(k, s) for k, s in recipe.inputs.items() if s.is_required and s.from_env is None]


def _inputs_section(recipe: Recipe) -> list[str]:
    names = ", ".join(f"`{name}`" for name in recipe.env)
    env = [f"The recipe also reads these environment variables: {names}.", ""] if names else []
    if not recipe.inputs:
        return ["This recipe takes no inputs.", "", *env]
    rows = [
        f"| `{key}` | {spec.type} | {'yes' if spec.is_required else 'no'} | {_default(spec)} | "
        f"{_cell(_input_note(spec))} |"
        for key, spec in recipe.inputs.items()
    ]
    return [
        "## Inputs",
        "",
        "| name | type | required | default | description |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Pass inputs as `-i name=value`; lists and objects as JSON (`-i name='[\"a\"]'`) or "
        "from a file (`-i name=@file.json`), or all of them at once with `--inputs FILE` "
        "(YAML or JSON). Secret inputs are masked in every output mw writes; one that names "
        "an environment variable is read from it, so set the variable instead of putting the "
        "value on the command line.",
        "",
        *env,
    ]


def _default(spec: InputSpec) -> str:
    if not spec.has_default:
        return ""
    if spec.is_secret:
        return "(hidden)"
    return _code(_cell(json.dumps(spec.default, ensure_ascii=False)))


def _input_note(spec: InputSpec) -> str:
    notes = [spec.description or ""]
    if spec.is_secret:
        source = f" from the environment variable `{spec.from_env}`" if spec.from_env else ""
        notes.append(f"**secret**{source}")
    if spec.enum:
        notes.append("one of " + ", ".join(f"`{json.dumps(v)}`" for v in spec.enum))
    if spec.format:
        notes.append(f"format {spec.format}")
    return "; ".join(n for n in notes if n)


def _connections_section(recipe: Recipe) -> list[str]:
    if not recipe.connections:
        return []
    rows = [f"| `{key}` | {spec.app} |" for key, spec in recipe.connections.items()]
    return [
        "## Connections",
        "",
        "| name | app |",
        "|---|---|",
        *rows,
        "",
        "mw ensures each connection when the run starts; `--connection name=ID` uses a given "
        "one. When a connection needs a person (to sign in to the app), mw prints the link and "
        f"exits {EXIT_ENVIRONMENT}: show the link to the user.",
        "",
    ]


def _steps_section(recipe: Recipe) -> list[str]:
    rows = []
    finally_ids = {step.id for step in recipe.finally_}
    for step in recipe.all_steps():
        if step.action is not None:
            call = f"action `{step.action}`"
        elif step.request is not None:
            call = f"request {step.request.method} {_code(_cell(step.request.path))}"
        elif step.set_ is not None:
            call = "none: sets " + ", ".join(f"`{name}`" for name in step.set_)
        else:
            call = f"recipe `{step.recipe}`"
        if step.foreach is not None:
            call += ", once per item"
        if step.id in finally_ids:
            call += " (always runs, at the end)"
        rows.append(f"| `{step.id}` | {step.effect} | {call} | {_cell(step.name or '')} |")
    return ["## Steps", "", "| step | effect | calls | name |", "|---|---|---|---|", *rows, ""]


def _outputs_section(recipe: Recipe) -> list[str]:
    if not recipe.outputs:
        return []
    rows = [f"| `{key}` | {_code(_cell(expr))} |" for key, expr in recipe.outputs.items()]
    return ["## Outputs", "", "| output | from |", "|---|---|", *rows, ""]


def _cell(text: Any) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    """A Markdown code span that survives backticks inside (JMESPath literals use them)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _yaml_str(text: str) -> str:
    """A double-quoted YAML scalar; JSON's escapes are a subset of YAML's."""
    return json.dumps(text, ensure_ascii=False)
