"""A secret and everything computed from it stay out of every event, whatever the secret is.

The engine runs against an in-memory client that echoes its input back, once in a result and
once inside an error message quoted the way validators quote values (`repr`), so each escaped
form of each derived value reaches the sinks the journal, report and event stream are built from.
"""

from __future__ import annotations

import json
import shlex
import textwrap
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wrapper.errors import BadRequestError
from wrapper.recipe.inputs import resolve_inputs
from wrapper.recipe.loader import load_recipe_text
from wrapper.run.engine import Engine, RunOptions
from wrapper.secrets import Masker

RECIPE = textwrap.dedent("""\
    version: 1
    name: taint
    inputs:
      token: {type: string, secret: true}
    connections:
      c: {app: chatwoot}
    vars:
      shout: "upper(inputs.token)"
      swapped: "replace(inputs.token, 'Q', 'q')"
    steps:
      - id: echo
        effect: read
        action: echo
        input: {raw: "${inputs.token}", up: "${vars.shout}", both: "x ${vars.swapped} y"}
        outputs: {echo: "@", low: "lower(up)"}
      - id: broken
        action: fail
        input: {email: "${vars.shout}"}
    """)


class EchoClient:
    """Answers `echo` with its input and `fail` with an error quoting its input."""

    def action_command(self, key: str, *, connection_id: str, input: Any = None) -> list[str]:
        return ["echo-client", key, json.dumps(input)]

    def run_action(self, key: str, *, connection_id: str, input: Any = None, **_: Any) -> Any:
        if key == "echo":
            return type("Result", (), {"output": input})()
        value = input["email"]
        message = f"Invalid input: email: {value!r} is not a 'email'"
        raise BadRequestError(
            f"membrane action run fail failed: {message}",
            command=["membrane", "--input", json.dumps(input)],
            body={"type": "bad_request", "message": message, "data": {"input": input}},
            output=json.dumps({"message": message}),
        )

    def request(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - unused
        raise AssertionError("no request steps here")

    def ensure_connection(self, app: str, **_: Any) -> Any:  # pragma: no cover - unused
        raise AssertionError("the connection is given")


class Sink:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def handle(self, event: Any) -> None:
        record = event.to_json()
        self.lines.append(json.dumps(record, ensure_ascii=False, default=str))
        self.lines.append(json.dumps(record, default=str))


def _forms(value: str) -> set[str]:
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        shlex.quote(value),
    }


# A quote of each kind and a fixed tail keep the secret from occurring in event text by chance.
SECRETS = st.text(
    alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Cs", "Cc")),
    min_size=1,
    max_size=12,
).map(lambda s: f"{s}'\"Qz9")


@settings(max_examples=60, deadline=None)
@given(SECRETS)
def test_no_form_of_a_secret_or_of_values_derived_from_it_reaches_any_sink(secret: str) -> None:
    loaded = load_recipe_text(RECIPE, "r.yaml")
    inputs = resolve_inputs(loaded.recipe.inputs, values={"token": secret})
    sink = Sink()
    masker = Masker()
    engine = Engine(
        loaded,
        inputs,
        EchoClient(),
        masker=masker,
        sinks=[sink],
        options=RunOptions(run_id="r", connections={"c": "conn1"}, sleep=lambda s: None),
    )
    result = engine.run()
    assert result.exit_code == 1
    assert result.error is not None
    masker.mask_error(result.error)
    shown = "\n".join([*sink.lines, str(result.error), result.error.advice or ""])
    derived = [secret, secret.upper(), secret.replace("Q", "q"), secret.upper().lower()]
    leaks = sorted(form for value in derived for form in _forms(value) if form in shown)
    assert leaks == []
    # The values were real where they were used: the step saw the secret itself.
    assert engine._top.steps["echo"]["outputs"]["echo"]["raw"] == secret
