"""The one error hierarchy of `mw`.

Every failure the core can raise is a `WrapperError`. Each class carries the exit code the CLI
uses and a line of advice, so the single handler in `wrapper.cli` can print `Error: ...` plus
what to do next without knowing any particular failure. `EXIT_MEANINGS` says what each exit
code means; docs/exit-codes.md is generated from this module (`python -m wrapper.cli.docgen`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_ASSERT: Final = 3
EXIT_ENVIRONMENT: Final = 4
EXIT_INTERRUPTED: Final = 130
#: 128 + SIGPIPE: what a shell reports for a Unix tool whose reader left (`yes | head -1`).
EXIT_BROKEN_PIPE: Final = 141

#: What each exit code means to the person or script that ran `mw` (docs/exit-codes.md).
EXIT_MEANINGS: Final[dict[int, str]] = {
    EXIT_OK: "success; a run succeeded (steps with `continue_on_error` may have failed)",
    EXIT_FAILED: (
        "a call or step failed (Membrane or the app said no, an app status of 400 or more, "
        "a timeout, output that is not JSON)"
    ),
    EXIT_USAGE: (
        "invalid usage, recipe or input; nothing ran (bad `--input` JSON, input over 128 KiB)"
    ),
    EXIT_ASSERT: "a recipe `assert` did not hold",
    EXIT_ENVIRONMENT: (
        "the environment needs a person: `membrane` missing or a different program, not logged "
        "in (`membrane login --tenant`), a connection waiting for someone to authorise it, "
        "failed or not `READY`"
    ),
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, SIGTERM); the journal is kept",
    EXIT_BROKEN_PIPE: (
        "the reader of the output left (`mw ... | head -1`); `mw` stops without a message, "
        "as Unix tools do"
    ),
}


class WrapperError(Exception):
    """Base of every error `mw` reports to a user."""

    exit_code: ClassVar[int] = EXIT_FAILED
    default_advice: ClassVar[str] = ""
    #: Whether a recipe `retry` without `when` may try the call again.
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, advice: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.advice = self.default_advice if advice is None else advice

    def __str__(self) -> str:
        return self.message


# --- usage, recipes, inputs (exit 2: nothing ran) -------------------------------------------


class UsageError(WrapperError):
    """A command line that cannot be acted on (bad option value, missing file)."""

    exit_code = EXIT_USAGE


class RecipeError(UsageError):
    """A recipe that does not load or lint; `location` is `file:line:col` when known."""

    default_advice = "Fix the recipe; `mw lint RECIPE` lists every problem at once."

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        problems: list[str] | None = None,
        advice: str | None = None,
    ) -> None:
        full = f"{location}: {message}" if location else message
        super().__init__(full, advice=advice)
        self.location = location
        self.problems = problems or [full]


class InputError(UsageError):
    """A recipe input value that is missing or of the wrong type."""

    default_advice = (
        "Pass inputs with `-i name=value` or `--inputs FILE`; `mw describe RECIPE` lists them."
    )


class InputTooLargeError(UsageError):
    """An `--input` JSON over the operating system's limit for one argument (128 KiB)."""

    default_advice = "Split the work into smaller calls (a foreach over chunks)."


# --- environment (exit 4: a person must act) ----------------------------------------------


class EnvironmentProblem(WrapperError):
    """Something on the machine or in the account must be fixed by a person."""

    exit_code = EXIT_ENVIRONMENT


class MembraneNotFoundError(EnvironmentProblem):
    """No `membrane` binary could be started."""

    default_advice = (
        "Install it with `npm install -g @membranehq/cli`, point MW_MEMBRANE at it "
        "(for example MW_MEMBRANE='npx -y @membranehq/cli@latest'), or try everything offline "
        "with `mw --sandbox`."
    )


class WrongMembraneError(EnvironmentProblem):
    """The `membrane` found is a different program of the same name."""

    default_advice = (
        "Install the Membrane CLI with `npm install -g @membranehq/cli` and set MW_MEMBRANE to "
        "its path, or put it first on PATH."
    )


class NotLoggedInError(EnvironmentProblem):
    """The CLI has no valid login."""

    default_advice = "Run `membrane login --tenant`, then try again."


class ConnectionActionRequiredError(EnvironmentProblem):
    """A connection waits for a person (authorise, provide input) at `ui_url`."""

    def __init__(
        self, message: str, *, ui_url: str | None = None, description: str | None = None
    ) -> None:
        advice = "Open the link, finish the step, then run the command again."
        if ui_url:
            advice = f"Open {ui_url} , finish the step, then run the command again."
        super().__init__(message, advice=advice)
        self.ui_url = ui_url
        self.description = description


class ConnectionFailedError(EnvironmentProblem):
    """A connection ended in `SETUP_FAILED` or `CONFIGURATION_ERROR`."""

    default_advice = (
        "Check the connection in the Membrane console; re-create it with `mw connections ensure`."
    )


# --- calls to membrane (exit 1) ------------------------------------------------------------


class MembraneError(WrapperError):
    """A `membrane` call that failed; carries what ran and what came back.

    `command` is the argv with secrets already masked; `body` is the parsed error body when the
    CLI printed one (`{type, key, message, data}`), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        command: list[str] | None = None,
        body: dict[str, Any] | None = None,
        output: str = "",
        advice: str | None = None,
    ) -> None:
        super().__init__(message, advice=advice)
        self.command = command or []
        self.body = body
        self.output = output

    @property
    def error_type(self) -> str | None:
        return _str_or_none(self.body, "type")

    @property
    def error_key(self) -> str | None:
        return _str_or_none(self.body, "key")

    @property
    def data(self) -> Any:
        return (self.body or {}).get("data")


class RateLimitedError(MembraneError):
    """The app or Membrane answered 429 / `rate_limit_exceeded`; nothing was applied."""

    retryable = True
    default_advice = "Slow down: add `rate_limit` to the connection or a `retry` to the step."

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class MembraneTimeoutError(MembraneError):
    """The call did not finish in time; its process group was killed. A write may have landed."""

    retryable = True
    default_advice = "Raise the step's `timeout`, or check the app for a partly applied write."


class StillBuildingError(MembraneTimeoutError):
    """Membrane was still building a connection or action when the wait ran out.

    Not retried: the wait was already as long as it was allowed to be.
    """

    retryable = False


class ServerError(MembraneError):
    """A transient failure on the far side (5xx, `internal`, `lock_timeout`)."""

    retryable = True
    default_advice = "Usually passes; add a `retry` to the step."


class NotFoundError(MembraneError):
    """`not_found`: the connection, action or record does not exist."""

    default_advice = (
        "Check the id or key: `mw connections list` shows the connections, "
        "`mw actions list --connection C` a connection's actions."
    )


class AccessDeniedError(MembraneError):
    """`access_denied` / 403."""

    default_advice = "The login or connection lacks permission for this; check it in Membrane."


class BadRequestError(MembraneError):
    """`bad_request`: the input does not fit what the action or API expects."""

    default_advice = "Compare the input with the schema: `mw actions get KEY --connection C`."


class InvalidOutputError(MembraneError):
    """The CLI printed something that is not the JSON expected (empty, truncated, HTML...)."""

    default_advice = (
        "Run the command shown with --json yourself to see what it prints; `mw doctor` checks "
        "the installation."
    )


class OutputTooLargeError(InvalidOutputError):
    """The CLI printed more on stdout than mw reads of one answer; the rest was discarded."""

    default_advice = (
        "Ask for less in one call: a smaller page (`paginate`, a `limit` input) or a narrower "
        "query."
    )


# --- recipe runs ---------------------------------------------------------------------------


class StepFailedError(WrapperError):
    """A recipe step failed and the run stopped."""


class ExpressionFailedError(StepFailedError):
    """An expression that compiled but failed on the data it met (`file:line:col` first)."""

    default_advice = (
        "The value it saw is shown cut and masked; `mw plan` or --report shows the step "
        "results it read."
    )


class AssertionFailedError(WrapperError):
    """A recipe `assert` did not hold."""

    exit_code = EXIT_ASSERT


class ResumeError(WrapperError):
    """A run cannot be resumed as asked (changed recipe, uncertain write, unknown id)."""

    exit_code = EXIT_USAGE


class RunBusyError(WrapperError):
    """Another `mw run` or `mw resume` holds the run's lock."""

    exit_code = EXIT_USAGE


class SkillError(WrapperError):
    """A skill that does not validate or cannot be installed."""

    exit_code = EXIT_USAGE


class Interrupted(WrapperError):
    """Ctrl-C or SIGTERM; the journal is kept."""

    exit_code = EXIT_INTERRUPTED


def _str_or_none(body: dict[str, Any] | None, key: str) -> str | None:
    value = (body or {}).get(key)
    return value if isinstance(value, str) else None


def not_utf8(error: UnicodeDecodeError) -> str:
    """`not UTF-8 text (byte 0xff at offset 0)`: what every file reader says of such a file."""
    return f"not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})"
