"""`mw lint` on broken recipes: each one's exact `file:line:col: message` lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wrapper.cli import cli
from wrapper.recipe.lint import Problem, lint_paths, lint_recipe
from wrapper.recipe.loader import load_recipe

HEAD = "version: 1\nname: t\nconnections:\n  cw: {app: chatwoot}\n"

BROKEN = [
    pytest.param(
        HEAD + "stpes: []\nsteps:\n  - {id: a, action: x}\n",
        [
            "r.yaml:5:1: unknown key 'stpes' (did you mean 'steps'?)",
        ],
        id="unknown-top-key",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    iff: 'inputs.x'\n",
        [
            "r.yaml:8:5: steps[0]: unknown key 'iff' (did you mean 'if'?)",
        ],
        id="unknown-step-key",
    ),
    pytest.param(
        HEAD
        + ("steps:\n  - id: a\n    action: x\n    foreach: {items: '`[1]`', concurrency: 0}\n"),
        [
            "r.yaml:8:44: steps[0].foreach.concurrency: must be at least 1",
        ],
        id="concurrency-zero",
    ),
    pytest.param(
        "name: t\nsteps:\n  - {id: a, action: x}\n",
        [
            "r.yaml:1:1: version: must be 1 (this mw reads recipe format 1)",
        ],
        id="missing-version",
    ),
    pytest.param(
        "version: 2\nname: t\n",
        [
            "r.yaml:1:10: version: must be 1 (this mw reads recipe format 1)",
        ],
        id="version-two",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    action: y\n",
        [
            "r.yaml:8:5: duplicate key 'action' (lines 7 and 8)",
        ],
        id="duplicate-key",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n\taction: x\n",
        [
            "r.yaml:7:1: a tab character; YAML indents with spaces only",
        ],
        id="tab-indent",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x\n",
        [
            (
                "r.yaml:7:1: expected ',' or '}', but got '<stream end>' (while "
                "parsing a flow mapping at line 6)"
            ),
        ],
        id="yaml-syntax",
    ),
    pytest.param(
        "- version: 1\n",
        [
            (
                "r.yaml:1:1: a recipe must be a mapping of keys (version, name, "
                "steps...), not a list"
            ),
        ],
        id="top-level-list",
    ),
    pytest.param(
        "",
        [
            "r.yaml:1:1: the file is empty; a recipe starts with `version: 1`",
        ],
        id="empty-file",
    ),
    pytest.param(
        HEAD,
        [
            "r.yaml:1:1: missing required key 'steps'",
        ],
        id="missing-steps",
    ),
    pytest.param(
        HEAD + "steps: []\n",
        [
            "r.yaml:5:8: steps: must have at least 1 item",
        ],
        id="empty-steps",
    ),
    pytest.param(
        HEAD + "steps:\n  - action: x\n",
        [
            "r.yaml:6:5: steps[0]: missing required key 'id'",
        ],
        id="step-without-id",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: Find\n    action: x\n",
        [
            (
                "r.yaml:6:9: steps[0].id: must start with a lowercase letter and hold "
                "only a-z, 0-9 and _ (got 'Find')"
            ),
        ],
        id="bad-step-id",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    recipe: ./other.yaml\n",
        [
            (
                "r.yaml:6:5: steps[0]: a step needs exactly one of action, request, "
                "recipe, set (found action, recipe)"
            ),
        ],
        id="two-kinds",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    input: {q: 1}\n",
        [
            (
                "r.yaml:6:5: steps[0]: a step needs exactly one of action, request, "
                "recipe, set (found none)"
            ),
        ],
        id="no-kind",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    effect: wrte\n",
        [
            (
                "r.yaml:8:13: steps[0].effect: must be one of: read, write (got "
                "'wrte') (did you mean 'write'?)"
            ),
        ],
        id="bad-effect",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    retry: {backoff: linear}\n",
        [
            (
                "r.yaml:8:22: steps[0].retry.backoff: must be one of: fixed, "
                "exponential (got 'linear')"
            ),
        ],
        id="bad-backoff",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    retry: {initial: soon}\n",
        [
            (
                "r.yaml:8:22: steps[0].retry.initial: 'soon' is not a duration; write "
                "it as 500ms, 2s, 1.5m or 1h"
            ),
        ],
        id="bad-duration",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    retry: {initial: 5s, max: 1s}\n",
        [
            ("r.yaml:8:12: steps[0].retry: retry.max must not be less than retry.initial"),
        ],
        id="max-below-initial",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    timeout: 0\n",
        [
            "r.yaml:8:14: steps[0].timeout: must be more than zero",
        ],
        id="zero-timeout",
    ),
    pytest.param(
        HEAD
        + (
            "inputs:\n  email: {type: strin}\nsteps:\n  - {id: a, action: x, "
            "input: {e: '${inputs.email}'}}\n"
        ),
        [
            (
                "r.yaml:6:17: inputs.email.type: must be one of: string, integer, "
                "number, boolean, array, object (got 'strin') (did you mean 'string'?)"
            ),
        ],
        id="bad-input-type",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    if: 'a =='\n",
        [
            "r.yaml:8:9: steps[0].if: invalid JMESPath at character 5 in 'a =='",
        ],
        id="bad-jmespath",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    if: 'length(inputs.x) == 1'\n",
        [
            (
                "r.yaml:8:9: steps[0].if: invalid JMESPath at character 21 near 1 in "
                "'length(inputs.x) == 1'; a number needs backticks here: `1`"
            ),
        ],
        id="bare-number",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    if: '${inputs.x}'\n",
        [
            (
                "r.yaml:8:9: steps[0].if: invalid JMESPath at character 2 near '{' in "
                "'${inputs.x}'; this field takes bare JMESPath: write 'inputs.x' "
                "without ${ }"
            ),
        ],
        id="template-in-expression",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    action: x\n    input: {q: '${inputs.x'}\n",
        [
            "r.yaml:8:16: steps[0].input.q: unclosed '${' at character 1 of '${inputs.x'",
        ],
        id="unclosed-template",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x}\n  - {id: a, action: y}\n",
        [
            "r.yaml:7:10: steps[1].id: step id 'a' is used twice",
        ],
        id="duplicate-step-id",
    ),
    pytest.param(
        (
            "version: 1\nname: t\nconnections:\n  cw: {app: chatwoot, rate_limit: "
            "fast}\nsteps:\n  - {id: a, action: x}\n"
        ),
        [
            (
                "r.yaml:4:35: connections.cw.rate_limit: 'fast' is not a rate; write "
                "it as 5/s, 100/m or 1000/h"
            ),
        ],
        id="bad-rate",
    ),
    pytest.param(
        HEAD + "inputs:\n  e-mail: {type: string}\nsteps:\n  - {id: a, action: x}\n",
        [
            ("r.yaml:6:3: inputs: name 'e-mail' must be letters, digits and _ (JMESPath reads it)"),
        ],
        id="input-name-dash",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x}\noutputs:\n  my-out: steps.a.status\n",
        [
            "r.yaml:8:3: outputs: output name 'my-out' must be letters, digits and _",
        ],
        id="recipe-output-name-dash",
    ),
    pytest.param(
        HEAD
        + "inputs:\n  e: {type: boolean, default: yes}\n"
        + "steps:\n  - {id: a, action: x, input: {e: '${inputs.e}'}}\n",
        [
            "r.yaml:6:31: inputs.e.default: 'yes' is not true or false",
        ],
        id="input-default-of-another-type",
    ),
    pytest.param(
        HEAD
        + "inputs:\n  tags:\n    type: array\n    items: {type: integer}\n"
        + "    default: [1, x]\n  state: {enum: [open, closed], default: opened}\n"
        + "steps:\n  - {id: a, action: x, input: {t: '${inputs.tags}', s: '${inputs.state}'}}\n",
        [
            "r.yaml:9:18: inputs.tags.default[1]: 'x' is not an integer",
            'r.yaml:10:42: inputs.state.default: \'opened\' is not one of: "open", "closed"',
        ],
        id="input-defaults-outside-items-and-enum",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x, outputs: {my-out: status}}\n",
        [
            "r.yaml:6:33: steps[0].outputs: output name 'my-out' must be letters, digits and _",
        ],
        id="step-output-name-dash",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    request: {method: FETCH, path: /x}\n",
        [
            (
                "r.yaml:7:23: steps[0].request.method: must be one of: GET, POST, PUT, "
                "PATCH, DELETE (got 'FETCH') (did you mean 'PATCH'?)"
            ),
        ],
        id="bad-method",
    ),
    pytest.param(
        (
            "version: 1\nname: My Recipe\nconnections:\n  cw: {app: chatwoot}\n"
            "steps:\n  - {id: a, action: x}\n"
        ),
        [
            (
                "r.yaml:2:7: name: must be lowercase letters, digits, - and _ "
                "(starting with a letter or digit) (got 'My Recipe')"
            ),
        ],
        id="bad-recipe-name",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    recipe: ./other.yaml\n    connection: cw\n",
        [
            (
                "r.yaml:6:5: steps[0]: a recipe step takes no connection; the "
                "sub-recipe declares its own"
            ),
        ],
        id="recipe-step-connection",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: !!binary eA==}\n",
        [
            (
                "r.yaml:6:21: unsupported YAML tag 'tag:yaml.org,2002:binary'; recipes "
                "hold plain JSON values"
            ),
        ],
        id="binary-tag",
    ),
    pytest.param(
        HEAD + "steps: &s\n  - {id: a, action: x, input: *s}\n",
        [
            "r.yaml:5:8: an alias refers to the value that contains it",
        ],
        id="recursive-alias",
    ),
    pytest.param(
        HEAD
        + (
            "inputs:\n  email: {type: string}\nsteps:\n  - {id: a, action: x, "
            "input: {e: '${inputs.emial}'}}\n"
        ),
        [
            "r.yaml:6:3: warning: inputs.email: input 'email' is never used",
            (
                "r.yaml:8:35: steps[0].input.e: inputs.emial is not declared under "
                "inputs (did you mean 'email'?)"
            ),
        ],
        id="undeclared-input",
    ),
    pytest.param(
        HEAD
        + (
            "vars:\n  greeting: \"'hi'\"\nsteps:\n  - {id: a, action: x, input: "
            "{g: '${vars.greting}'}}\n"
        ),
        [
            (
                "r.yaml:8:35: steps[0].input.g: vars.greting is not declared under "
                "vars (did you mean 'greeting'?)"
            ),
        ],
        id="undeclared-var",
    ),
    pytest.param(
        HEAD + ("steps:\n  - {id: a, action: x, input: {c: '${connections.chatwoot}'}}\n"),
        [
            (
                "r.yaml:6:35: steps[0].input.c: connections.chatwoot is not declared "
                "under connections"
            ),
        ],
        id="undeclared-connection-ref",
    ),
    pytest.param(
        HEAD + ("env: [API_BASE]\nsteps:\n  - {id: a, action: x, input: {u: '${env.HOME}'}}\n"),
        [
            ("r.yaml:7:35: steps[0].input.u: env.HOME is not declared in the recipe's env list"),
        ],
        id="env-not-listed",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: find, action: x, outputs: {id: 'id'}}\n  - {id: b, "
            "action: y, input: {i: '${steps.fnd.outputs.id}'}}\n"
        ),
        [
            ("r.yaml:7:35: steps[1].input.i: no step has the id 'fnd' (did you mean 'find'?)"),
        ],
        id="unknown-step-ref",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x, if: 'steps.b.outputs.id != `null`'}\n  "
            "- {id: b, action: y, outputs: {id: 'id'}}\n"
        ),
        [
            (
                "r.yaml:6:28: steps[0].if: step 'b' runs later; a step can read only "
                "the steps before it"
            ),
        ],
        id="later-step-ref",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x, skip_if: \"steps.a.status == 'ok'\"}\n",
        [
            ("r.yaml:6:33: steps[0].skip_if: step 'a' cannot read its own result here"),
        ],
        id="self-ref",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: find, action: x, outputs: {id: 'id'}}\n  - {id: b, "
            "action: y, input: {i: '${steps.find.outputs.ids}'}}\n"
        ),
        [
            (
                "r.yaml:7:35: steps[1].input.i: step 'find' declares no output 'ids' "
                "(did you mean 'id'?) (its outputs: id)"
            ),
        ],
        id="undeclared-output",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - id: each\n    action: x\n    foreach: {items: '`[1, "
            "2]`'}\n    outputs: {id: 'id'}\n  - {id: b, action: y, input: {i: "
            "'${steps.each.outputs.id}'}}\n"
        ),
        [
            (
                "r.yaml:10:35: steps[1].input.i: step 'each' runs a foreach, so "
                "steps.each.outputs is a list of item outputs; write "
                "steps.each.outputs[*].id"
            ),
        ],
        id="foreach-outputs",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x, input: {i: '${item.id}'}}\n",
        [
            (
                "r.yaml:6:35: steps[0].input.i: 'item' exists only in a foreach step "
                "(its if, input, request, set and outputs)"
            ),
        ],
        id="item-outside-foreach",
    ),
    pytest.param(
        "version: 1\nname: t\nsteps:\n  - {id: a, action: x}\n",
        [
            (
                "r.yaml:4:5: steps[0]: needs a connection, and the recipe declares "
                "none (add connections: {name: {app: APP}})"
            ),
        ],
        id="no-connection",
    ),
    pytest.param(
        HEAD + "  cp: {app: chaport}\nsteps:\n  - {id: a, action: x}\n",
        [
            ("r.yaml:7:5: steps[0]: say which connection it uses (connection: one of cw, cp)"),
        ],
        id="ambiguous-connection",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x, connection: chatwoot}\n",
        [
            (
                "r.yaml:6:36: steps[0].connection: connection 'chatwoot' is not "
                "declared under connections"
            ),
        ],
        id="undeclared-connection",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x, outputs: {id: 'id'}}\n  - {id: b, "
            "action: y, if: '!steps.a.outputs.id'}\n"
        ),
        [
            (
                "r.yaml:7:28: steps[1].if: '!' binds tighter than '.': it negates only "
                "the first name, so the path after it always yields null; wrap the "
                "path: !(a.b)"
            ),
        ],
        id="not-binds-first",
    ),
    pytest.param(
        HEAD
        + (
            "inputs:\n  flag: {type: boolean}\nsteps:\n  - {id: a, action: x, if: "
            "'inputs.flag == true'}\n"
        ),
        [
            (
                "r.yaml:8:28: steps[0].if: 'true' here is a field name, not the value "
                "true; write `true`"
            ),
        ],
        id="bare-true",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x, outputs: {state: 'status'}}\n  - {id: "
            "b, action: y, if: 'steps.a.outputs.state == \"open\"'}\n"
        ),
        [
            (
                'r.yaml:7:28: steps[1].if: "open" is a field name in JMESPath, not a '
                "string; write 'open'"
            ),
        ],
        id="quoted-identifier",
    ),
    pytest.param(
        HEAD
        + (
            "inputs:\n  email: {type: string}\nsteps:\n  - {id: a, action: x, "
            "input: {e: '${input.email}'}}\n"
        ),
        [
            "r.yaml:6:3: warning: inputs.email: input 'email' is never used",
            (
                "r.yaml:8:35: steps[0].input.e: unknown name 'input' (did you mean "
                "'inputs'?); expressions here read inputs, vars, steps, connections, "
                "env (a missing name silently yields null)"
            ),
        ],
        id="unknown-root",
    ),
    pytest.param(
        HEAD
        + (
            "inputs:\n  email: {type: string}\nsteps:\n  - {id: a, action: x, "
            "input: {e: '${lowr(inputs.email)}'}}\n"
        ),
        [
            ("r.yaml:8:35: steps[0].input.e: unknown function lowr() (did you mean 'lower'?)"),
        ],
        id="unknown-function",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, recipe: ./missing.yaml}\n",
        [
            (
                "r.yaml:6:21: steps[0].recipe: sub-recipe './missing.yaml' not found "
                "(looked for missing.yaml)"
            ),
        ],
        id="sub-recipe-missing",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, recipe: ./r.yaml}\n",
        [
            "r.yaml:6:21: steps[0].recipe: sub-recipe cycle: r.yaml -> r.yaml",
        ],
        id="sub-recipe-self",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x}\noutputs:\n  id: steps.b.outputs.id\n",
        [
            "r.yaml:8:7: outputs.id: no step has the id 'b'",
        ],
        id="unknown-step-in-outputs",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x, outputs: {id: 'id'}}\noutputs:\n  id: "
            "steps.a.outputs.id\nassert:\n  - that: outputs.ids != `null`\n"
        ),
        [
            (
                "r.yaml:10:11: assert[0].that: outputs.ids is not declared under "
                "outputs (did you mean 'id'?)"
            ),
        ],
        id="assert-undeclared-output",
    ),
    pytest.param(
        HEAD
        + "vars:\n  first: vars.second\n  second: \"'x'\"\n"
        + "steps:\n  - {id: a, action: x, input: {v: '${vars.first}'}}\n",
        [
            "r.yaml:6:10: vars.first: vars.second is computed after this one; "
            "a var reads only the vars above it"
        ],
        id="var-reads-later-var",
    ),
    pytest.param(
        HEAD
        + "steps:\n  - id: a\n    action: x\n    retry: {when: \"erro.type == 'rate_limit'\"}\n",
        [
            "r.yaml:8:19: steps[0].retry.when: unknown name 'erro' (did you mean 'error'?); "
            "expressions here read inputs, vars, steps, connections, env, error "
            "(a missing name silently yields null)"
        ],
        id="retry-when-unknown-name",
    ),
    pytest.param(
        HEAD
        + "inputs:\n  kind: {type: string}\nsteps:\n  - {id: a, action: 'create-${inputs.knd}'}\n",
        [
            "r.yaml:6:3: warning: inputs.kind: input 'kind' is never used",
            "r.yaml:8:21: steps[0].action: inputs.knd is not declared under inputs "
            "(did you mean 'kind'?)",
        ],
        id="action-template",
    ),
    pytest.param(
        HEAD + "steps:\n  - {id: a, action: x, input: {o: '${outputs.id}'}}\n",
        [
            "r.yaml:6:35: steps[0].input.o: 'outputs' can be read only in assert",
        ],
        id="outputs-in-step",
    ),
    pytest.param(
        HEAD + ("steps:\n  - {id: a, action: x}\nassert:\n  - that: '`true`'\n    mesage: hi\n"),
        [
            "r.yaml:9:5: assert[0]: unknown key 'mesage' (did you mean 'message'?)",
        ],
        id="unknown-assert-key",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x}\nfinally:\n  - {id: f1, action: y, "
            "input: {v: '${steps.f2.status}'}}\n  - {id: f2, action: z}\n"
        ),
        [
            (
                "r.yaml:8:36: finally[0].input.v: step 'f2' runs later; a step can "
                "read only the steps before it"
            ),
        ],
        id="finally-reads-later-finally",
    ),
    pytest.param(
        HEAD
        + (
            "steps:\n  - {id: a, action: x}\n  - {id: b, action: y, if: "
            "\"steps.a.state == 'ok'\"}\n"
        ),
        [
            (
                "r.yaml:7:28: steps[1].if: steps.a.state: a step has outputs, status, "
                "items, error, attempts, http_status (did you mean 'status'?)"
            ),
        ],
        id="unknown-step-attribute",
    ),
    pytest.param(
        HEAD
        + ("steps:\n  - id: a\n    action: x\n    foreach: {items: '`[1]`', concurrency: many}\n"),
        [
            ("r.yaml:8:44: steps[0].foreach.concurrency: must be a whole number (got 'many')"),
        ],
        id="concurrency-not-int",
    ),
    pytest.param(
        HEAD + "steps: {id: a}\n",
        [
            "r.yaml:5:8: steps: must be a list (got a mapping)",
        ],
        id="steps-not-list",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_recipe_reports_exact_lines(
    text: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(text, encoding="utf-8")
    assert [p.render() for p in lint_paths(["r.yaml"])] == expected


WELCOME = Path(__file__).parents[1] / "data" / "recipes" / "welcome.yaml"


def test_a_default_that_does_not_fit_fails_lint_and_run_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mw lint` says what `mw run` used to find only when the input was left out."""
    monkeypatch.chdir(tmp_path)
    text = HEAD + "inputs:\n  e: {type: boolean, default: yes}\nsteps:\n  - {id: a, action: x}\n"
    Path("r.yaml").write_text(text, encoding="utf-8")
    lint = CliRunner().invoke(cli, ["lint", "r.yaml"])
    assert (lint.exit_code, lint.stdout) == (
        2,
        "r.yaml:6:31: inputs.e.default: 'yes' is not true or false\n1 recipe checked: 1 error.\n",
    )
    run = CliRunner().invoke(cli, ["--sandbox", "run", "r.yaml", "-i", "e=true"])
    assert (run.exit_code, run.stdout, run.stderr) == (
        2,
        "",
        "Error: r.yaml:6:31: inputs.e.default: 'yes' is not true or false\n"
        "  Fix the recipe; `mw lint RECIPE` lists every problem at once.\n",
    )


def test_the_design_example_lints_clean() -> None:
    assert lint_recipe(load_recipe(WELCOME)) == []


def test_bare_null_is_only_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        HEAD + "steps:\n  - {id: a, action: x, outputs: {id: 'id'}}\n"
        "  - {id: b, action: y, if: 'steps.a.outputs.id == null'}\n",
        encoding="utf-8",
    )
    assert lint_paths(["r.yaml"]) == [
        Problem(
            "r.yaml:7:28",
            "steps[1].if: 'null' here is a field name, not the value null; write `null`",
            "warning",
            "bare-literal",
        )
    ]


def test_names_inside_filters_and_projections_are_not_context_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        HEAD + "inputs:\n  tags: {type: array}\nsteps:\n"
        "  - id: a\n    action: x\n"
        "    foreach: {items: 'inputs.tags[?starts_with(@, `\"vip\"`)]'}\n"
        "    input: {t: '${item}', i: '${index}', u: '${upper(item)}'}\n"
        "    outputs: {id: \"payload[?status == 'open'].id | [0]\"}\n"
        "  - {id: b, action: y,\n"
        "     input: {ids: '${steps.a.outputs[*].id}', n: '${length(steps.a.items)}'}}\n",
        encoding="utf-8",
    )
    assert lint_paths(["r.yaml"]) == []


def test_missing_file_is_one_problem() -> None:
    assert [p.render() for p in lint_paths(["nope.yaml"])] == ["nope.yaml: no such file"]


def test_non_utf8_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_bytes(b"version: 1\nname: \xff\n")
    assert [p.render() for p in lint_paths(["r.yaml"])] == [
        "r.yaml:2: not UTF-8 text (byte 0xff at offset 17); save the recipe as UTF-8"
    ]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sub_recipe_cycle_through_two_files_and_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path / "a.yaml",
        "version: 1\nname: a\nsteps:\n  - id: call\n    recipe: sub/b.yaml\n"
        "    input: {x: 1, y: 2}\n",
    )
    _write(
        tmp_path / "sub" / "b.yaml",
        "version: 1\nname: b\ninputs:\n  x: {type: integer}\n  z: {type: string}\n"
        "steps:\n  - {id: back, recipe: ../a.yaml, input: {n: '${inputs.x}${inputs.z}'}}\n",
    )
    assert [p.render() for p in lint_paths(["a.yaml"])] == [
        "a.yaml:4:5: steps[0]: sub-recipe 'sub/b.yaml' needs the input 'z'",
        "a.yaml:5:13: steps[0].recipe: sub-recipe cycle: a.yaml -> b.yaml -> a.yaml",
        "a.yaml:6:19: steps[0].input.y: sub-recipe 'sub/b.yaml' has no input 'y'",
    ]


def test_sub_recipe_that_does_not_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "a.yaml", "version: 1\nname: a\nsteps:\n  - {id: c, recipe: b.yaml}\n")
    _write(tmp_path / "b.yaml", "version: 1\nname: b\nsteps: []\n")
    assert [p.render() for p in lint_paths(["a.yaml"])] == [
        "a.yaml:4:21: steps[0].recipe: sub-recipe 'b.yaml' does not load: "
        "b.yaml:3:8: steps: must have at least 1 item"
    ]


def test_problems_of_several_files_keep_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "one.yaml", "version: 1\nname: one\nsteps:\n  - {id: a, action: x}\n")
    _write(tmp_path / "two.yaml", "version: 3\n")
    assert [p.render() for p in lint_paths(["one.yaml", "two.yaml"])] == [
        "one.yaml:4:5: steps[0]: needs a connection, and the recipe declares none "
        "(add connections: {name: {app: APP}})",
        "two.yaml:1:10: version: must be 1 (this mw reads recipe format 1)",
    ]


def test_problem_as_dict() -> None:
    problem = Problem("r.yaml:1:2", "bad", "warning", "code")
    assert problem.to_dict() == {
        "location": "r.yaml:1:2",
        "message": "bad",
        "severity": "warning",
        "code": "code",
    }
    assert problem.render() == "r.yaml:1:2: warning: bad"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'inputs.go && true'", "'true' here is a field name, not the value true; write `true`"),
        (
            "'inputs.go || false'",
            "'false' here is a field name, not the value false; write `false`",
        ),
    ],
)
def test_a_bare_keyword_anywhere_is_a_field_name(
    expression: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        HEAD
        + f"inputs:\n  go: {{type: boolean}}\nsteps:\n  - {{id: a, action: x, if: {expression}}}\n",
        encoding="utf-8",
    )
    assert [p.render() for p in lint_paths(["r.yaml"])] == [f"r.yaml:8:28: steps[0].if: {expected}"]


def test_check_recipe_raises_every_error_and_returns_warnings(tmp_path: Path) -> None:
    from wrapper.errors import RecipeError
    from wrapper.recipe.lint import check_recipe
    from wrapper.recipe.loader import load_recipe_text

    warn_only = load_recipe_text(
        HEAD + "inputs:\n  x: {}\nsteps:\n  - {id: a, action: y}\n", "r.yaml"
    )
    assert [p.code for p in check_recipe(warn_only)] == ["unused-input"]
    broken = load_recipe_text(
        HEAD + "steps:\n  - {id: a, action: y, input: {v: '${steps.b.status}', w: '${item}'}}\n"
        "  - {id: b, action: z}\n",
        "r.yaml",
    )
    with pytest.raises(RecipeError) as caught:
        check_recipe(broken)
    assert caught.value.problems == [
        "r.yaml:6:35: steps[0].input.v: step 'b' runs later; "
        "a step can read only the steps before it",
        "r.yaml:6:59: steps[0].input.w: 'item' exists only in a foreach step "
        "(its if, input, request, set and outputs)",
    ]
    assert caught.value.location == "r.yaml:6:35"
    assert str(caught.value) == "\n".join(caught.value.problems)


def test_an_expression_reference_outside_a_call_is_a_lint_error_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        HEAD + "steps:\n  - id: a\n    action: x\n    input: {n: '${&@}'}\n    if: '&a'\n",
        encoding="utf-8",
    )
    why = (
        "`&` makes an expression argument and is allowed only directly inside a function call, "
        "e.g. sort_by(items, &name)"
    )
    assert lint_paths(["r.yaml"]) == [
        Problem("r.yaml:8:16", f"steps[0].input.n: '&@': {why}", "error", "load"),
        Problem("r.yaml:9:9", f"steps[0].if: '&a': {why}", "error", "load"),
    ]


def test_an_input_schema_jsonschema_cannot_apply_is_an_error_at_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        "version: 1\nname: t\ninputs:\n"
        "  ids: {type: array, items: {type: strin}}\n"
        "  meta: {type: object, properties: {n: {type: integer, minimum: x}}}\n"
        "  fine: {type: array, items: {type: object, properties: {a: {uniqueItems: true}}}}\n"
        "connections:\n  cw: {app: chatwoot}\n"
        "steps:\n  - {id: a, action: x, input: {i: '${inputs.ids}', m: '${inputs.meta}',"
        " f: '${inputs.fine}'}}\n",
        encoding="utf-8",
    )
    assert lint_paths(["r.yaml"]) == [
        Problem(
            "r.yaml:4:36",
            "inputs.ids.items.type: 'strin' is not valid under any of the given schemas "
            "(not valid JSON Schema)",
            code="load",
        ),
        Problem(
            "r.yaml:5:65",
            "inputs.meta.properties.n.minimum: 'x' is not of type 'number' (not valid JSON Schema)",
            code="load",
        ),
    ]


def test_shipped_recipes_load_without_importing_jsonschema() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from wrapper.recipe.loader import load_recipe\n"
        f"for path in sorted(Path({str(root)!r}).glob('recipes/*/*.yaml')):\n"
        "    load_recipe(path)\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("paginate", "message"),
    [
        (
            "{cursor: next, page_size: 25, param: page, items: payload}",
            "give cursor (each page names the next) or page_size (numbered pages), not both",
        ),
        (
            "{param: page, items: payload}",
            "give cursor (each page names the next) or page_size (numbered pages)",
        ),
        (
            "{cursor: next, start: 0, param: page, items: payload}",
            "start numbers pages; it goes with page_size, not cursor",
        ),
    ],
)
def test_paginate_takes_a_cursor_or_a_page_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paginate: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text(
        HEAD + f"steps:\n  - id: a\n    effect: read\n    action: x\n    paginate: {paginate}\n",
        encoding="utf-8",
    )
    [problem] = lint_paths(["r.yaml"])
    assert (problem.location, problem.message) == ("r.yaml:9:15", f"steps[0].paginate: {message}")


def test_an_unclosed_template_in_action_is_an_error_at_its_line_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = HEAD + "steps:\n  - id: a\n    action: 'get-${inputs.kind'\n"
    Path("r.yaml").write_text(text, encoding="utf-8")
    message = "steps[0].action: unclosed '${' at character 5 of 'get-${inputs.kind'"
    lint = CliRunner().invoke(cli, ["lint", "r.yaml"])
    assert (lint.exit_code, lint.stdout) == (
        2,
        f"r.yaml:7:13: {message}\n1 recipe checked: 1 error.\n",
    )
    run = CliRunner().invoke(cli, ["--sandbox", "run", "r.yaml"])
    assert (run.exit_code, run.stderr) == (
        2,
        f"Error: r.yaml:7:13: {message}\n"
        "  Fix the recipe; `mw lint RECIPE` lists every problem at once.\n",
    )
