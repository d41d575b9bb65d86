"""The recipe loader: positions, YAML 1.2 scalars, limits and the errors users see."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from wrapper.errors import EXIT_USAGE, RecipeError
from wrapper.recipe import loader
from wrapper.recipe.loader import load_recipe, load_recipe_text, resolve_recipe_ref

WELCOME = Path(__file__).parents[1] / "data" / "recipes" / "welcome.yaml"
MINIMAL = (
    "version: 1\nname: t\nconnections:\n  cw: {app: chatwoot}\nsteps:\n  - id: a\n    action: x\n"
)


def _error(text: str) -> RecipeError:
    with pytest.raises(RecipeError) as caught:
        load_recipe_text(text, "r.yaml")
    return caught.value


def test_loads_file_with_hash_text_and_positions() -> None:
    loaded = load_recipe(WELCOME)
    data = WELCOME.read_bytes()
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.text == data.decode()
    assert loaded.path == WELCOME
    assert loaded.recipe.name == "chatwoot-welcome-contact"
    assert loaded.position(("steps", 1, "if")) == (22, 9)
    assert loaded.position(("steps", 1, "if_")) == (22, 9)  # model field names work too
    assert loaded.position(("steps", 2, "input", "message", "content")) == (35, 26)
    assert loaded.location(("steps", 1, "retry", "initial")) == f"{WELCOME}:26:57"


def test_position_falls_back_to_the_nearest_parent() -> None:
    loaded = load_recipe_text(MINIMAL, "r.yaml")
    assert loaded.position(("steps", 0, "foreach", "items")) == (6, 5)
    assert loaded.position(("nothing", "here")) == (1, 1)
    assert loaded.location(("steps", 0, "action")) == "r.yaml:7:13"
    assert loaded.key_location(("steps", 0, "action")) == "r.yaml:7:5"


def test_yaml_1_2_scalars_keep_strings_as_strings() -> None:
    loaded = load_recipe_text(
        MINIMAL + "    input:\n      a: no\n      b: on\n      c: 1:30\n      d: 2024-01-01\n"
        "      e: 010\n      f: 0x1f\n      g: 0o17\n      h: ~\n      i: True\n      j: -.inf\n"
        "      k: 1e3\n      l: '5'\n",
        "r.yaml",
    )
    assert loaded.recipe.steps[0].input == {
        "a": "no",
        "b": "on",
        "c": "1:30",
        "d": "2024-01-01",
        "e": 10,
        "f": 31,
        "g": 15,
        "h": None,
        "i": True,
        "j": float("-inf"),
        "k": 1000.0,
        "l": "5",
    }


def test_anchors_and_merge_keys() -> None:
    loaded = load_recipe_text(
        MINIMAL.replace("    action: x\n", "    action: x\n    retry: &r {attempts: 2}\n")
        + "  - id: b\n    action: y\n    retry: {<<: *r, jitter: false}\n",
        "r.yaml",
    )
    retry = loaded.recipe.steps[1].retry
    assert retry is not None
    assert (retry.attempts, retry.jitter) == (2, False)


def test_bom_and_schema_comment_are_harmless() -> None:
    text = "\ufeff# yaml-language-server: $schema=../schema/recipe.schema.json\n" + MINIMAL
    loaded = load_recipe_text(text, "r.yaml")
    assert loaded.position(("steps", 0, "id")) == (7, 9)


def test_every_problem_is_kept_and_the_message_lists_them() -> None:
    error = _error(MINIMAL + "    effect: wrte\n    iff: x\n")
    assert error.exit_code == EXIT_USAGE
    assert error.location == "r.yaml:8:13"
    assert error.problems == [
        "r.yaml:8:13: steps[0].effect: must be one of: read, write (got 'wrte') "
        "(did you mean 'write'?)",
        "r.yaml:9:5: steps[0]: unknown key 'iff' (did you mean 'if'?)",
    ]
    assert error.message == "\n".join(error.problems)


def test_version_is_checked_before_anything_else() -> None:
    error = _error("version: 2\nname: Bad Name\nsteps: 7\n")
    assert error.problems == ["r.yaml:1:10: version: must be 1 (this mw reads recipe format 1)"]
    assert _error("version: true\n").problems == [
        "r.yaml:1:10: version: must be 1 (this mw reads recipe format 1)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a [*a]\n", "r.yaml:1:4: an alias refers to the value that contains it"),
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", "r.yaml: nested too deeply"),
        (
            "x: !custom 1\n",
            "r.yaml:1:4: unsupported YAML tag '!custom'; recipes hold plain JSON values",
        ),
        (
            "version: 1\n---\nversion: 1\n",
            "r.yaml:2:1: but found another document "
            "(expected a single document in the stream at line 1)",
        ),
        ("? [a]\n: b\n", "r.yaml:1:3: a key must be a plain name, not a list or mapping"),
        ("a: {<<: 5}\n", "r.yaml:1:9: a merge key '<<' takes a mapping or a list of mappings"),
        ("x: 1\x07\n", "r.yaml:1:5: the character U+0007 is not allowed in YAML"),
        (
            "7\n",
            "r.yaml:1:1: a recipe must be a mapping of keys (version, name, steps...), not "
            "the single value 7",
        ),
        ("# only a comment\n", "r.yaml:1:1: the file is empty; a recipe starts with `version: 1`"),
    ],
)
def test_yaml_level_errors(text: str, expected: str) -> None:
    assert _error(text).problems == [expected]


def test_alias_bombs_stop_at_the_value_budget() -> None:
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    error = _error("\n".join(rows) + "\nversion: 1\n")
    assert error.problems == [
        f"r.yaml:1:34: too many values (over {loader.MAX_NODES}); are aliases nesting?"
    ]


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"^.*missing\.yaml: no such file$"):
        load_recipe(tmp_path / "missing.yaml")
    with pytest.raises(RecipeError, match="is a folder, not a recipe file"):
        load_recipe(tmp_path)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (loader.MAX_BYTES + 1))
    with pytest.raises(RecipeError, match="larger than 1024 KiB"):
        load_recipe(big)


def test_surrogates_in_text_are_not_utf8() -> None:
    assert _error("name: \udcff\n").problems == [
        "r.yaml:1: not UTF-8 text (byte 0xed at offset 6); save the recipe as UTF-8"
    ]


def test_resolve_relative_and_bundled_refs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "mine"
    (here / "sub").mkdir(parents=True)
    (here / "sub" / "x.yaml").write_text(MINIMAL)
    bundled = tmp_path / "bundled"
    (bundled / "chatwoot").mkdir(parents=True)
    (bundled / "chatwoot" / "welcome-contact.yaml").write_text(MINIMAL)
    monkeypatch.setattr(loader, "bundled_recipes_dir", lambda: bundled)
    assert resolve_recipe_ref("sub/x.yaml", here) == here / "sub" / "x.yaml"
    assert resolve_recipe_ref("./sub/x.yaml", here) == here / "sub" / "x.yaml"
    assert (
        resolve_recipe_ref("chatwoot/welcome-contact", here)
        == bundled / "chatwoot" / "welcome-contact.yaml"
    )
    with pytest.raises(RecipeError) as caught:
        resolve_recipe_ref("chatwoot/nope", here)
    assert caught.value.message == (
        f"sub-recipe 'chatwoot/nope' not found (looked for {here / 'chatwoot/nope'} and "
        f"{bundled / 'chatwoot/nope.yaml'})"
    )
    with pytest.raises(RecipeError, match=r"^sub-recipe '\.\./x\.yaml' not found \(looked for "):
        resolve_recipe_ref("../x.yaml", here)


def test_bundled_recipes_dir_is_the_repo_recipes_folder_in_a_checkout() -> None:
    assert loader.bundled_recipes_dir() == Path(loader.__file__).resolve().parents[2] / "recipes"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "    input:\n      m: {c: [1, '${}']}\n",
            "r.yaml:9:18: steps[0].input.m.c[1]: empty expression",
        ),
        (
            "    input: '${a ==}'\n",
            "r.yaml:8:12: steps[0].input: invalid JMESPath at character 5 in 'a =='",
        ),
    ],
)
def test_template_errors_point_at_the_string(tail: str, expected: str) -> None:
    assert _error(MINIMAL + tail).problems == [expected]
