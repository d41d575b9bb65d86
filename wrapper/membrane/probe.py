"""`mw doctor --probe`: read-only calls that check each assumption mw makes about `membrane`.

Public sources leave much of the CLI's behaviour undocumented (membrane-cli.md section 7). The
probe makes only calls that change nothing (help texts, `--version`, `status`, `connection
list`, one page of `action list`, one `action get`, one proxied GET that should succeed and one
that should answer 404), checks the shape of each answer, and says which assumptions hold on
this installation. Every call is observed at the runner, so the same run can be written as a
transcript (`wrapper.membrane.transcript`) and replayed by tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from wrapper.errors import (
    EnvironmentProblem,
    InvalidOutputError,
    MembraneError,
    NotFoundError,
    WrapperError,
)
from wrapper.membrane import dialect as dialects
from wrapper.membrane import probe_shapes as shapes
from wrapper.membrane import runner
from wrapper.membrane.client import MembraneClient
from wrapper.membrane.failures import parse_json
from wrapper.membrane.generations import generation, help_argv

OK: Final = "ok"
WARN: Final = "warn"
FAIL: Final = "FAIL"
SKIP: Final = "skip"

# A GET that should succeed and one that should answer 404, per app (override with --path).
DEFAULT_PATHS: Final[dict[str, tuple[str | None, str]]] = {
    "chatwoot": ("/api/v1/accounts/1/contacts", "/api/v1/accounts/1/contacts/999999999"),
    "chaport": ("/operators", "/operators/000000000000000000000000"),
    # Chatra has no list endpoint, so no GET is sure to succeed without an id.
    "chatra": (None, "/clients/mw-probe-missing"),
}
_REPORT_ADVICE: Final = (
    "mw misread this answer: run `mw doctor --probe --record probe.json` and attach the file "
    "to a bug report."
)


@dataclass
class ProbeCheck:
    """One assumption and whether it held. `required` ones make the probe fail (exit 4)."""

    name: str
    status: str
    detail: str
    fix: str = ""
    required: bool = True


@dataclass(frozen=True)
class ProbeOptions:
    connection_id: str | None = None
    ok_path: str | None = None
    missing_path: str | None = None


@dataclass
class ProbeResult:
    checks: list[ProbeCheck] = field(default_factory=list)
    calls: list[runner.RunResult] = field(default_factory=list)
    dialect: str | None = None
    connection_id: str | None = None
    app: str | None = None

    @property
    def failures(self) -> list[ProbeCheck]:
        return [c for c in self.checks if c.status == FAIL and c.required]

    def checks_json(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.checks]


class _Probe:
    def __init__(self, client: MembraneClient, options: ProbeOptions) -> None:
        self.client = client
        self.options = options
        self.result = ProbeResult()

    def add(
        self, name: str, status: str, detail: str, fix: str = "", *, required: bool = True
    ) -> None:
        self.result.checks.append(ProbeCheck(name, status, detail, fix, required))

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Any error a step did not expect is its check's failure, never the probe's end."""
        try:
            yield
        except WrapperError as error:
            self.add(name, FAIL, error.message, error.advice)
        except Exception as error:  # a bug in mw's reading of an answer is exactly what we seek
            self.add(
                name,
                FAIL,
                f"mw failed on this answer: {type(error).__name__}: {error}",
                _REPORT_ADVICE,
            )

    def run(self, args: list[str], label: str) -> runner.RunResult:  # args: a generation's
        """One raw call, for answers the client has no public method to fetch."""
        return runner.run(
            [*self.client.command, *args], timeout_s=dialects.HELP_TIMEOUT_S, label=label
        )

    def calls(self, *args: str, prefix: bool = False) -> list[runner.RunResult]:
        return shapes.find(self.result.calls, self.client.command, args, prefix=prefix)


def run_probe(client: MembraneClient, options: ProbeOptions | None = None) -> ProbeResult:
    """Every probe check in order; the calls made are in `result.calls`."""
    probe = _Probe(client, options or ProbeOptions())
    with runner.observe(probe.result.calls.append):
        steps: list[Callable[[_Probe], bool]] = [_version, _help, _login, _connections]
        for step in steps:
            if not step(probe):
                break
        else:
            _actions(probe)
            _requests(probe)
    return probe.result


# --- the steps; each returns whether the probe can go on --------------------------------------


def _version(probe: _Probe) -> bool:
    with probe.step("version"):
        probe.add("version", OK, probe.client.version())
    return probe.result.checks[-1].status == OK


def _help(probe: _Probe) -> bool:
    with probe.step("dialect"):
        probe.result.dialect = probe.client.dialect
        how = "forced by MW_MEMBRANE_DIALECT" if dialects.forced_dialect() else "from --help"
        probe.add("dialect", OK, f"{probe.result.dialect} ({how})")
    if probe.result.dialect is None:
        return False
    top = probe.calls(*help_argv())
    top_result = top[0] if top else probe.run(help_argv(), "membrane --help")
    top_text = top_result.stdout + top_result.stderr
    if top_result.returncode != 0 or not top_text.strip():
        probe.add("help", WARN, f"`membrane --help` exit {top_result.returncode}", required=False)
    elif shapes.lists_pairs(top_text):
        probe.add(
            "help",
            OK,
            "`membrane --help` lists subcommands (e.g. connection ensure)",
            required=False,
        )
    else:
        probe.add(
            "help",
            OK,
            "`membrane --help` lists only command groups; the groups' own help was read",
            required=False,
        )
    groups: dict[str, str] = {}
    for group in ("connection", "action"):
        found = probe.calls(*help_argv(group))
        result = found[0] if found else probe.run(help_argv(group), f"membrane {group} --help")
        text = result.stdout + result.stderr
        if result.returncode == 0 and text.strip():
            groups[group] = text
    _commands(probe, top_text, groups)
    return True


def _commands(probe: _Probe, top: str, groups: dict[str, str]) -> None:
    dialect = probe.result.dialect or dialects.CURRENT
    needed = generation(dialect).needs
    missing = [f"{g} {s}".strip() for g, s in needed if not shapes.listed(top, groups, g, s)]
    if not missing:
        shown = ", ".join(f"{g} {s}".strip() for g, s in needed)
        probe.add("commands", OK, f"the help lists what the {dialect} dialect runs: {shown}")
        return
    # Only a help that lists a group's subcommands can say one is missing.
    sure = [m for m in missing if m.split()[0] in groups or len(m.split()) == 1]
    fix = (
        "Upgrade with `npm install -g @membranehq/cli@latest`, or force the generation that "
        f"matches with MW_MEMBRANE_DIALECT ({', '.join(dialects.DIALECTS)})."
    )
    if sure:
        probe.add(
            "commands",
            FAIL,
            f"the {dialect} dialect runs commands the help does not list: {', '.join(missing)}",
            fix,
        )
    else:
        probe.add(
            "commands",
            WARN,
            f"could not confirm from the help texts: {', '.join(missing)}",
            fix,
            required=False,
        )


def _login(probe: _Probe) -> bool:
    status: Any = None
    checks_before = len(probe.result.checks)
    with probe.step("login"):
        status = probe.client.status()
    raw = probe.calls(*probe.client.generation.status())
    if raw:  # what status printed is worth knowing even when mw could not read it
        shape = ProbeCheck("status", OK, shapes.status_shape(raw[-1]), required=False)
        probe.result.checks.insert(checks_before, shape)
    if probe.result.checks[-1].status == FAIL:
        return False
    logged_in = getattr(status, "logged_in", None)
    if logged_in is False:
        probe.add(
            "login",
            FAIL,
            "membrane is not logged in",
            "Run `membrane login --tenant`, then try again.",
        )
        return False
    if isinstance(logged_in, bool):
        probe.add("login", OK, "logged in")
    else:
        probe.add("login", WARN, "status gave no clear sign either way; mw goes on", required=False)
    return True


def _connections(probe: _Probe) -> bool:
    with probe.step("connections"):
        connections = probe.client.list_connections()
        # Every page's call starts as the first one does, before its options.
        first_page = probe.client.generation.list_connections()
        pages = probe.calls(*first_page[: first_page.index("--json")], prefix=True)
        first = shapes.page_of(parse_json(pages[0].stdout)[1]) if pages else shapes.Page("", [])
        probe.add(
            "connections", OK, f"{len(connections)} read; first page: {shapes.describe_page(first)}"
        )
        if first.next_cursor:
            _followed(probe, "connection pages", len(pages))
        states = sorted({c.state or "(none)" for c in connections})
        unknown = [s for s in states if s not in shapes.KNOWN_STATES]
        probe.add(
            "states",
            WARN if unknown else OK,
            f"states seen: {', '.join(states) or 'none'}"
            + (f"; unknown to mw (treated as not ready): {', '.join(unknown)}" if unknown else ""),
            required=False,
        )
        chosen = _choose(probe, connections)
        if chosen is None:
            return False
    return probe.result.checks[-1].status != FAIL


def _followed(probe: _Probe, what: str, calls: int) -> None:
    if calls > 1:
        probe.add(
            "cursor",
            OK,
            f"{what}: a cursor was given and mw followed it ({calls} pages)",
            required=False,
        )
    else:
        probe.add(
            "cursor",
            WARN,
            f"{what}: a cursor was given but mw read only the first "
            "page; items on later pages are not seen",
            required=False,
        )


def _choose(probe: _Probe, connections: list[Any]) -> Any:
    wanted = probe.options.connection_id
    if wanted:
        chosen = next((c for c in connections if c.id == wanted or c.key == wanted), None)
        probe.result.connection_id = chosen.id if chosen else wanted
        probe.result.app = _app_of(chosen) if chosen else None
        state = chosen.state if chosen else "not in the list"
        probe.add("connection", OK, f"{probe.result.connection_id} ({state})", required=False)
        return chosen or wanted
    chosen = next((c for c in connections if c.state == "READY"), None)
    if chosen is None:
        probe.add(
            "connection",
            WARN,
            "no READY connection to probe actions and requests with",
            "Connect an app with `mw connections ensure chatwoot`, or name one: "
            "`mw doctor --probe CONNECTION`.",
            required=False,
        )
        return None
    probe.result.connection_id, probe.result.app = chosen.id, _app_of(chosen)
    probe.add(
        "connection",
        OK,
        f"{chosen.id} ({probe.result.app or 'app unknown'}, READY)",
        required=False,
    )
    return chosen


def _app_of(connection: Any) -> str | None:
    words = " ".join(
        str(getattr(connection, name, None) or "")
        for name in ("integration_key", "key", "name", "app")
    ).lower()
    return next((app for app in DEFAULT_PATHS if app in words), None)


def _actions(probe: _Probe) -> None:
    dialect = probe.result.dialect or dialects.CURRENT
    connection_id = probe.result.connection_id or ""
    key = ""
    with probe.step("actions"):
        argv = generation(dialect).list_actions(connection_id)
        result = probe.run(argv, "membrane action list")
        ok, value = parse_json(result.stdout)
        page = shapes.page_of(value)
        if result.returncode != 0 or not ok or not page.where:
            shown = shapes.first_line(result.stderr or result.stdout) or "no output"
            probe.add(
                "actions",
                FAIL,
                f"`action list` exit {result.returncode}: {shown}",
                "Run the command with --json yourself; " + _REPORT_ADVICE,
            )
            return
        probe.add("actions", OK, shapes.describe_page(page))
        if page.next_cursor:
            probe.add(
                "page size",
                OK,
                f"without --limit the CLI answers {len(page.items)} with a cursor to more; mw "
                "must follow the cursor to list more than one page",
                required=False,
            )
        first = next((a for a in page.items if isinstance(a, dict)), None)
        if first is not None:
            key = str(first.get("key") or first.get("id") or "")
            if not first.get("key"):
                probe.add(
                    "keys",
                    WARN,
                    f"the first action has no key: it runs by id ({first.get('id')})",
                    required=False,
                )
    if key:
        _action_get(probe, key, connection_id)
    else:
        probe.add("action get", SKIP, "no action to look up", required=False)


def _action_get(probe: _Probe, key: str, connection_id: str) -> None:
    with probe.step("action get"):
        # As mw's own commands call it: with the connection the action belongs to.
        action = probe.client.get_action(key, connection_id=connection_id or None)
        schema = getattr(action, "input_schema", None)
        properties = schema.get("properties") if isinstance(schema, dict) else None
        probe.add(
            "action get",
            OK,
            f"{key}: "
            + (
                f"inputSchema with {len(properties)} properties"
                if isinstance(properties, dict)
                else "no inputSchema properties"
            ),
        )
        if not isinstance(properties, dict):
            probe.add(
                "input schema",
                WARN,
                "without an inputSchema mw cannot warn about input "
                "fields the action does not know (Membrane ignores them)",
                required=False,
            )


def _requests(probe: _Probe) -> None:
    app = probe.result.app
    ok_path, missing_path = DEFAULT_PATHS.get(app or "", (None, None))
    ok_path = probe.options.ok_path or ok_path
    missing_path = probe.options.missing_path or missing_path
    connection_id = probe.result.connection_id or ""
    if ok_path:
        _request_ok(probe, connection_id, ok_path)
    else:
        probe.add(
            "request",
            SKIP,
            f"no GET known to succeed on {app or 'this app'}",
            "Name one with --path.",
            required=False,
        )
    if missing_path:
        _request_missing(probe, connection_id, missing_path)
    else:
        probe.add(
            "request 404",
            SKIP,
            f"no path known to answer 404 on {app or 'this app'}",
            "Name one with --missing-path.",
            required=False,
        )


def _answer(probe: _Probe, path: str) -> str:
    raw = [r for r in probe.result.calls if path in r.argv or any(path in a for a in r.argv)]
    return shapes.describe_answer(raw[-1]) if raw else "no call recorded"


def _request_ok(probe: _Probe, connection_id: str, path: str) -> None:
    try:
        response = probe.client.request(connection_id, path)
    except EnvironmentProblem as error:
        probe.add("request", FAIL, f"GET {path}: {error.message}", error.advice)
    except InvalidOutputError as error:
        probe.add("request", FAIL, f"GET {path}: {error.message}", _REPORT_ADVICE)
    except MembraneError as error:
        probe.add(
            "request",
            WARN,
            f"GET {path} did not succeed: {error.message} [{_answer(probe, path)}]",
            "Name a GET that succeeds with --path.",
            required=False,
        )
    except Exception as error:
        probe.add(
            "request",
            FAIL,
            f"GET {path}: mw failed on the answer: "
            f"{type(error).__name__}: {error} [{_answer(probe, path)}]",
            _REPORT_ADVICE,
        )
    else:
        status = response.status
        how = f"HTTP {status}" if status is not None else "status not shown (a raw body)"
        probe.add("request", OK, f"GET {path}: {how} [{_answer(probe, path)}]")


def _request_missing(probe: _Probe, connection_id: str, path: str) -> None:
    seen = ""
    try:
        response = probe.client.request(connection_id, path)
    except NotFoundError as error:
        probe.add("request 404", OK, f"GET {path}: {error.message} [{_answer(probe, path)}]")
        return
    except (EnvironmentProblem, InvalidOutputError) as error:
        probe.add(
            "request 404",
            FAIL,
            f"GET {path}: {error.message} [{_answer(probe, path)}]",
            _REPORT_ADVICE,
        )
        return
    except MembraneError as error:
        seen = error.message
    except Exception as error:
        probe.add(
            "request 404",
            FAIL,
            f"GET {path}: mw failed on the answer: "
            f"{type(error).__name__}: {error} [{_answer(probe, path)}]",
            _REPORT_ADVICE,
        )
        return
    else:
        if response.status is None:
            probe.add(
                "request 404",
                WARN,
                f"GET {path}: the CLI printed the app's body without "
                f"a status and exit 0 [{_answer(probe, path)}]: mw cannot tell an app "
                "error from a success; check bodies in request steps",
                required=False,
            )
            return
        seen = f"HTTP {response.status}"
    probe.add(
        "request 404",
        WARN,
        f"GET {path} did not answer 404: {seen} [{_answer(probe, path)}]",
        "Name a path that answers 404 with --missing-path.",
        required=False,
    )
