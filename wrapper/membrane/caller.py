"""Running one `membrane` call and reading its JSON: the plumbing under `MembraneClient`.

A `Caller` knows the command prefix, the environment and the mask; it runs an argv tail that a
generation built (`generations.py`), turns any failure into one of `wrapper.errors` with the
masked command and what came back, and reads the answer with a model's `from_wire`, page after
page for lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

from wrapper.errors import UsageError
from wrapper.frozen import Frozen
from wrapper.membrane import failures, proxy, runner
from wrapper.membrane.models import ShapeError, items_of, page_of

# A list longer than this many pages is cut there (10 000 items at the default page size).
MAX_PAGES: Final = 1000
# The most items asked for in one page; more are read by following the cursor.
MAX_PAGE_LIMIT: Final = 100

Model = TypeVar("Model")
#: A model's `from_wire`: the object read from JSON, or ShapeError.
Reader = Callable[[Any], Model]


class Reply(Frozen):
    __slots__ = ("value", "label", "command", "failed")  # noqa: RUF023 - the order of __init__
    value: Any
    label: str
    command: list[str]
    #: The exit code when a proxied call exited non-zero with the app's answer, else 0.
    failed: int

    def __init__(self, value: Any, label: str, command: list[str], failed: int = 0) -> None:
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "command", command)
        object.__setattr__(self, "failed", failed)


class Caller:
    """Runs argv tails after `command` (the prefix that starts the CLI) and reads the answers."""

    def __init__(
        self,
        command: list[str],
        *,
        default_timeout_s: float = runner.DEFAULT_TIMEOUT_S,
        env: Mapping[str, str | None] | None = None,
        mask: Callable[[str], str] | None = None,
    ) -> None:
        if not command:
            raise UsageError(
                "the membrane command is empty", advice="Set --membrane or MW_MEMBRANE."
            )
        self._command = list(command)
        self._default_timeout_s = default_timeout_s
        self._env = dict(env) if env else None
        self._mask: Callable[[str], str] = mask or (lambda text: text)

    @property
    def command(self) -> list[str]:
        return list(self._command)

    def _run(self, argv: list[str], label: str, timeout_s: float) -> runner.RunResult:
        return runner.run(argv, env=self._env, timeout_s=timeout_s, mask=self._mask, label=label)

    def _label(self, tail: Sequence[str]) -> str:
        """`membrane` plus the leading words of the call, e.g. `membrane action run KEY`."""
        words: list[str] = []
        for arg in tail:
            if arg.startswith("-") or len(words) == 3 or arg[:1] in "{[":
                break
            words.append(arg)
        return self._mask(" ".join(["membrane", *(words or tail[:1])]))

    def _call(
        self,
        tail: list[str],
        *,
        timeout_s: float | None = None,
        label: str | None = None,
        proxy_call: bool = False,
    ) -> Reply:
        """Run one operation and return its parsed JSON; any failure raises.

        With `proxy_call`, JSON that is not Membrane's own error body is the app's answer, even
        after a non-zero exit (what the CLI does on an app 4xx is not documented); the reply
        then records the exit code in `failed`.
        """
        argv = [*self._command, *tail]
        label = self._mask(label) if label else self._label(tail)
        failures.check_arg_sizes(tail, label)
        command = runner.masked_argv(argv, self._mask)
        result = self._run(argv, label, timeout_s or self._default_timeout_s)
        if result.returncode != 0:
            answer = proxy.answer_after_failure(result) if proxy_call else None
            if answer is None:
                raise failures.failure(result, label, command, self._mask)
            return Reply(answer[0], label, command, failed=result.returncode)
        ok, value = failures.parse_json(result.stdout)
        if not ok:
            raise failures.not_json(result, label, command, self._mask)
        if failures.is_membrane_error(value) or (
            not proxy_call
            and isinstance(value, dict)
            and isinstance(value.get("error"), str)
            and "id" not in value
        ):
            raise failures.from_body(value, label, command, self._mask)
        return Reply(value, label, command)

    def _pages(
        self,
        read: Reader[Model],
        argv: Callable[[str | None, int | None], list[str]],
        what: str,
        *,
        limit: int | None = None,
    ) -> Iterator[Model]:
        """Items page by page: each page's `cursor` asks for the next, until there is none.

        A cursor seen before ends the walk, so a CLI that ignores `--cursor` cannot loop.
        """
        cursor: str | None = None
        seen: set[str] = set()
        given = 0
        for _ in range(MAX_PAGES):
            wanted = None if limit is None else min(limit - given, MAX_PAGE_LIMIT)
            reply = self._call(argv(cursor, wanted))
            items, cursor = page_of(reply.value)
            if items is None:
                raise failures.unexpected_shape(
                    reply.label, what, reply.value, reply.command, self._mask
                )
            for item in items:
                given += 1
                yield self._parse(read, item, reply, what)
            if cursor is None or cursor in seen or (limit is not None and given >= limit):
                return
            seen.add(cursor)

    def _parse(self, read: Reader[Model], data: Any, reply: Reply, what: str) -> Model:
        try:
            return read(data)
        except ShapeError:
            raise failures.unexpected_shape(
                reply.label, what, data, reply.command, self._mask
            ) from None

    def _parse_list(self, read: Reader[Model], reply: Reply, what: str) -> list[Model]:
        items = items_of(reply.value)
        if items is None:
            raise failures.unexpected_shape(
                reply.label, what, reply.value, reply.command, self._mask
            )
        return [self._parse(read, item, reply, what) for item in items]
