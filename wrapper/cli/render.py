"""Output shared by the commands: readable tables by default, JSON with `--json`.

Results go to stdout, messages to stderr, so `mw ... --json | jq` always sees clean JSON.
Also parses the JSON-ish option values (`--input JSON|@file`, `k=v`, `Name: value`).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click

from wrapper.errors import UsageError, not_utf8

if TYPE_CHECKING:
    import logging

MAX_CELL_CHARS: Final = 60
#: The shape of the `--json` listings (`mw runs`, `mw skills list`, `mw sandbox status`): raised
#: only when a key changes meaning or goes away; new keys may appear in any release.
LISTING_VERSION: Final = 1
F = TypeVar("F", bound=Callable[..., Any])


def json_option(func: F) -> F:
    """The `--json` flag every command shares."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON for machines instead of a table."
    )(func)


def file_option(name: str, dest: str, help: str) -> Callable[[F], F]:
    """An option naming a file to write (`--report FILE`, `--junit FILE`)."""

    def decorate(func: F) -> F:
        return click.option(
            name,
            dest,
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help=help,
        )(func)

    return decorate


def timeout_option(func: F) -> F:
    """`--timeout SECONDS` for commands that make one membrane call."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Stop the call after this long (default 120).",
    )(func)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def echo_listing(data: dict[str, Any]) -> None:
    """A `--json` listing: `{"version": LISTING_VERSION, ...data}`."""
    echo_json({"version": LISTING_VERSION, **data})


def echo_value(value: Any) -> None:
    """A result as people read it: text as is, anything else as indented JSON."""
    click.echo(value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False))


def _cell(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Left-aligned columns under upper-case headers; long cells are cut with an ellipsis."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [[h.upper() for h in headers], *cells]
    ]
    return "\n".join(lines)


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str) -> None:
    if not rows:
        click.echo(empty, err=True)
        return
    click.echo(format_table(headers, rows))


def echo_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """`name: value` lines, aligned, skipping empty values."""
    shown = [(k, v) for k, v in fields if v not in (None, "")]
    width = max((len(k) for k, _ in shown), default=0)
    for key, value in shown:
        click.echo(f"{key + ':':<{width + 1}} {value}")


# --- option values ---------------------------------------------------------------------------


def read_text_arg(value: str, option: str) -> str:
    """`@file` reads the file (`@-` reads stdin); anything else is the value itself."""
    if not value.startswith("@"):
        return value
    if value == "@-":
        return sys.stdin.read()
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{option}: cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{option}: {path} is {not_utf8(error)}") from None


def parse_json_arg(value: str, option: str) -> Any:
    """A JSON option value (or `@file` holding one), with a precise message when it is not."""
    text = read_text_arg(value, option)
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{option}: the JSON is nested too deeply") from None
    except ValueError as error:
        where = ""
        if isinstance(error, json.JSONDecodeError):
            where = f" (line {error.lineno}, column {error.colno})"
            error = ValueError(error.msg)
        raise UsageError(
            f"{option} is not valid JSON: {error}{where}",
            advice=f'Quote it for the shell, e.g. {option} \'{{"name": "Ada"}}\', '
            f"or put it in a file and pass {option} @file.json.",
        ) from None


def parse_pairs(values: Sequence[str], option: str, separator: str = "=") -> dict[str, str]:
    """`k=v` (or `Name: value`) option values as a dict, in order."""
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(separator)
        if not sep or not name.strip():
            shape = "NAME: VALUE" if separator == ":" else "KEY=VALUE"
            raise UsageError(f"{option} {value!r} is not of the form {shape}")
        pairs[name.strip()] = rest.strip() if separator == ":" else rest
    return pairs


# --- --verbose ---------------------------------------------------------------------------------


@functools.cache
def _stderr_handler() -> type[logging.Handler]:
    """The handler class, made once on first use: `logging` is imported only for --verbose."""
    import logging

    class StderrHandler(logging.Handler):
        """Writes through click at emit time, so redirected or captured stderr is honoured."""

        def emit(self, record: logging.LogRecord) -> None:
            click.echo(f"[membrane] {record.getMessage()}", err=True)

    return StderrHandler


def enable_verbose_logging() -> None:
    """Show each membrane command line (already masked by the runner) on stderr."""
    import logging

    handler_class = _stderr_handler()
    logger = logging.getLogger("wrapper.membrane")
    for handler in list(logger.handlers):
        if isinstance(handler, handler_class):
            logger.removeHandler(handler)
    handler = handler_class(level=logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
