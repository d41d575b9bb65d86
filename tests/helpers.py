"""What tests share: the tree's paths, `mw` in-process or as a real process, and a fake client.

- `mw(*args)` runs the click group in this process (CliRunner; stdout and stderr apart).
- `run_mw(*args)` starts `mw` as a process (`python -m wrapper`, or the installed script).
- `FakeClient` is an in-memory membrane client for engine tests: what a step asked for is
  recorded as calls (operation, key or path, input), never as argv; argv belongs to
  tests/membrane.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RECIPES = DATA / "recipes"
MEMBRANE_DATA = DATA / "membrane"
SHIPPED_RECIPES = ROOT / "recipes"
#: The console script installed beside this Python (what a user types).
MW_SCRIPT = Path(sys.executable).parent / "mw"
#: Generous: the machine running the suite may be loaded; a ceiling, never a wait.
PROCESS_TIMEOUT_S = 600


def mw(
    *args: str,
    sandbox: bool = False,
    membrane: str | None = None,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    catch_exceptions: bool = False,
) -> Result:
    """`mw [--sandbox] [--membrane M] ARGS` in this process."""
    from wrapper.cli import cli

    prefix = ["--sandbox"] if sandbox else []
    if membrane is not None:
        prefix += ["--membrane", membrane]
    return CliRunner().invoke(
        cli, [*prefix, *args], env=env, input=input, catch_exceptions=catch_exceptions
    )


def mw_command(*args: str, sandbox: bool = True, script: bool = False) -> list[str]:
    """The argv of a real `mw` process (`script`: the installed `mw`, when there is one)."""
    base = [str(MW_SCRIPT)] if script and MW_SCRIPT.exists() else [sys.executable, "-m", "wrapper"]
    return [*base, *(["--sandbox"] if sandbox else []), *args]


def run_mw(
    *args: str,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    sandbox: bool = True,
    script: bool = False,
    timeout: float = PROCESS_TIMEOUT_S,
    stdin: int | None = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[str]:
    """`mw ARGS` as a process; `env` defaults to this process's (the test's isolated one)."""
    return subprocess.run(
        mw_command(*args, sandbox=sandbox, script=script),
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=stdin,
        check=False,
    )


# --- what a fresh `mw` loads -----------------------------------------------------------------

# Runs `mw ARGS` in this interpreter exactly as the console script would (`runpy` on `wrapper`),
# noting the place in wrapper/ that first imported each watched package, then writes one
# `FRESH {...}` line to stderr: the exit code, every module loaded by the end, the importers.
_FRESH_PROBE = """\
import json, runpy, sys, traceback
watched = set(sys.argv[1].split(","))
importers = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in watched and name not in sys.modules:
            ours = [f"{f.filename.rsplit('/wrapper/', 1)[-1]}:{f.lineno}"
                    for f in traceback.extract_stack() if "/wrapper/" in f.filename]
            importers.append([name, ours[-1] if ours else None])
        return None

sys.meta_path.insert(0, Watch())
sys.argv = ["mw", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("wrapper", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code or 0
sys.stdout.flush()
report = {"exit": code, "modules": sorted(sys.modules), "importers": importers}
sys.stderr.write("\\nFRESH " + json.dumps(report) + "\\n")
"""


class Fresh(NamedTuple):
    """What `fresh_mw` saw."""

    code: int
    #: every module loaded by the end (`sys.modules`)
    modules: list[str]
    #: [package, the place in wrapper/ that imported it first (file:line) or None]
    importers: list[list[str | None]]
    stdout: str
    #: stderr without the probe's own line
    stderr: str

    @property
    def packages(self) -> set[str]:
        """The top-level names of `modules`."""
        return {name.split(".")[0] for name in self.modules}


def fresh_mw(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    watch: Sequence[str] = ("pydantic", "jsonschema"),
) -> Fresh:
    """`mw ARGS` in a fresh interpreter, and what it loaded (how fast: benchmarks/, never here)."""
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROBE, ",".join(watch), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        timeout=PROCESS_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    lines = done.stderr.splitlines()
    found = [ln for ln in lines if ln.startswith("FRESH ")]
    assert found, f"mw {' '.join(args)} ended before the probe reported: {done.stderr[-2000:]}"
    report = json.loads(found[-1].removeprefix("FRESH "))
    shown = "\n".join(ln for ln in lines if not ln.startswith("FRESH ")).strip()
    return Fresh(report["exit"], report["modules"], report["importers"], done.stdout, shown)


# --- a fake client: the membrane client protocol, in memory ---------------------------------


@dataclass(frozen=True)
class Call:
    """One call a run made: `("action", "create-contact", {...})`, `("request", "GET /x", ...)`."""

    operation: str
    target: str
    input: Any = None
    connection_id: str | None = None
    timeout_s: float | None = None


#: An answer: a value, an exception to raise, or a function of the `Call` giving the value.
Answer = Any
ANY = object()  # `expect(..., input=ANY)`: whatever input the call sends


@dataclass
class _Expected:
    operation: str
    target: str
    input: Any
    answer: Answer
    times: int


@dataclass
class FakeClient:
    """The membrane client protocol in memory. Calls are answered from what was expected, in
    the order expected; a call nothing expects fails the test (as an unregistered process does
    under pytest-subprocess), and so does a call with other input than expected.
    """

    #: The membrane CLI generation whose argv the `*_command` methods give (for events, plans).
    generation: str = "current"
    calls: list[Call] = field(default_factory=list)
    #: app -> the connection id `ensure_connection` gives (default `conn-<app>`).
    connections: dict[str, str] = field(default_factory=dict)
    #: action key -> its input schema, for `get_action`.
    schemas: dict[str, Any] = field(default_factory=dict)
    _expected: list[_Expected] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expect(
        self,
        operation: str,
        target: str,
        input: Any = ANY,
        answer: Answer = None,
        *,
        times: int = 1,
    ) -> FakeClient:
        """Answer `times` calls of `operation` on `target` sending `input` with `answer`."""
        self._expected.append(_Expected(operation, target, input, answer, times))
        return self

    def targets(self, operation: str | None = None) -> list[str]:
        """The targets called, in order (of one operation, when given)."""
        return [c.target for c in self.calls if operation in (None, c.operation)]

    def _reply(self, call: Call) -> Any:
        with self._lock:
            self.calls.append(call)
            found = next(
                (
                    e
                    for e in self._expected
                    if e.times > 0
                    and (e.operation, e.target) == (call.operation, call.target)
                    and (e.input is ANY or e.input == call.input)
                ),
                None,
            )
            if found is None:
                raise AssertionError(f"FakeClient: nothing expects {call}")
            found.times -= 1
        answer = found.answer
        if isinstance(answer, BaseException):
            raise answer
        return answer(call) if callable(answer) else answer

    def run_action(
        self,
        key: str,
        *,
        connection_id: str,
        input: Any = None,
        timeout_s: float | None = None,
    ) -> Any:
        return ActionResult(self._reply(Call("action", key, input, connection_id, timeout_s)))

    def request(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        body: Any = None,
        query: Any = None,
        path_params: Any = None,
        timeout_s: float | None = None,
    ) -> Any:
        sent = {"headers": headers, "body": body, "query": query, "path_params": path_params}
        given = {k: v for k, v in sent.items() if v is not None}
        call = Call("request", f"{method} {path}", given or None, connection_id, timeout_s)
        found = self._reply(call)
        return found if isinstance(found, Response) else Response(200, found)

    def ensure_connection(self, app: str, *, wait_timeout_s: float = 120.0) -> Any:
        self.calls.append(Call("ensure", app))
        return _Connection(self.connections.get(app, f"conn-{app}"))

    def ensure_command(self, app: str) -> list[str]:
        gen = self._generation()
        return [
            "membrane",
            *(gen.ensure_connection(app) if gen.ensures else gen.search_connector(app)),
        ]

    def ensure_warning(self, app: str) -> str | None:
        return self._generation().ensure_warning(app)

    def action_command(self, key: str, *, connection_id: str, input: Any = None) -> list[str]:
        from wrapper.membrane.generations import input_json

        gen = self._generation()
        return [
            "membrane",
            *gen.run_action(key, connection_id=connection_id, input_json=input_json(input)),
        ]

    def request_command(
        self,
        connection_id: str,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        body: Any = None,
        query: Any = None,
        path_params: Any = None,
    ) -> list[str]:
        tail = self._generation().request(
            connection_id,
            path,
            method=method,
            headers=headers,
            body=body,
            query=query,
            path_params=path_params,
        )
        return ["membrane", *tail]

    def _generation(self) -> Any:
        # The argv a real client would show; built by the module that owns it, never here.
        from wrapper.membrane.generations import generation

        return generation(self.generation)

    def get_action(
        self, key: str, *, connection_id: str | None = None, timeout_s: float | None = None
    ) -> Any:
        """The action `key`; its input schema from `schemas` (an exception there is raised)."""
        self.calls.append(Call("get", key, None, connection_id, timeout_s))
        schema = self.schemas.get(key)
        if isinstance(schema, BaseException):
            raise schema
        return _Action(schema)


@dataclass(frozen=True)
class ActionResult:
    output: Any


@dataclass(frozen=True)
class Response:
    """What a `request` answers: the app's status and body (an answer may be one)."""

    status: int
    body: Any = None


@dataclass(frozen=True)
class _Connection:
    id: str


@dataclass(frozen=True)
class _Action:
    input_schema: Any


def statuses(steps: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each top-level step's status, from a report's `steps`."""
    return {s["id"]: s["status"] for s in steps if s.get("parent") is None}


# --- the engine with a recipe, a client, collected events and a fake clock ----------------------


#: The head of a recipe whose one connection `c` is Chatwoot; engine tests add the steps.
ENGINE_HEAD = """\
version: 1
name: t
connections:
  c: {app: chatwoot}
"""


def engine_recipe(body: str) -> str:
    """`ENGINE_HEAD` and `body` (dedented): a recipe for engine tests."""
    import textwrap

    return ENGINE_HEAD + textwrap.dedent(body)


class Collect:
    """An event sink that keeps every event it hears."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def handle(self, event: Any) -> None:
        self.events.append(event)

    def of(self, cls: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


class EngineHarness:
    """One engine over `text` (a recipe) or `path`: events collected, sleeps recorded, a clock
    that ticks one second per reading, and `random()` fixed at 0.5."""

    def __init__(
        self,
        text: str | None,
        inputs: Mapping[str, Any] | None = None,
        *,
        client: Any,
        plan: bool = False,
        connections: Mapping[str, str] | None = None,
        path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        conn: str = "conn1",
    ) -> None:
        import textwrap

        from wrapper.recipe.inputs import resolve_inputs
        from wrapper.recipe.loader import load_recipe, load_recipe_text
        from wrapper.run.engine import Engine, RunOptions

        if path is not None:
            self.loaded = load_recipe(path)
        else:
            self.loaded = load_recipe_text(textwrap.dedent(text or ""), "r.yaml")
        self.sink = Collect()
        self.sleeps: list[float] = []
        ticks = iter(range(1_000_000))
        self.inputs = resolve_inputs(self.loaded.recipe.inputs, values=inputs or {})
        self.engine = Engine(
            self.loaded,
            self.inputs,
            client,
            sinks=[self.sink],
            options=RunOptions(
                run_id="run-1",
                plan=plan,
                connections={"c": conn} if connections is None else connections,
                environ=environ,
                clock=lambda: float(next(ticks)),
                sleep=self.sleeps.append,
                random=lambda: 0.5,
            ),
        )

    def run(self) -> Any:
        return self.engine.run()

    def step(self, step_id: str) -> dict[str, Any]:
        return self.engine._top.steps[step_id]
