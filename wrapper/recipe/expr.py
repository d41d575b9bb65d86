"""JMESPath expressions and `${...}` templates: compiled once at load, evaluated per call.

Expression fields (`if`, `outputs.*`, `foreach.items`...) hold bare JMESPath. Other strings are
templates: `${expr}` parts are evaluated and joined; a string that is exactly one `${expr}` keeps
the JSON type of its value. `$${` stands for a literal `${`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final

from jmespath import exceptions as jmes_exc

from wrapper.frozen import Frozen
from wrapper.recipe.excerpt import excerpt
from wrapper.recipe.functions import OPTIONS
from wrapper.recipe.jmes import Expression, compile_jmespath

TEMPLATE_OPEN: Final = "${"


_NOTHING: Final = object()


class ExpressionError(ValueError):
    """An expression that does not compile or evaluate; the message says where in it.

    `path` is where inside a step the expression stood (`("input", "email")`), so the run can
    name the recipe line it came from; `seen` is the value it failed on, kept apart from
    `reason` so the run can mask it before cutting it short.
    """

    def __init__(self, reason: str, path: tuple[str | int, ...] = (), seen: Any = _NOTHING) -> None:
        self.reason = reason
        self.path = path
        self.seen = seen
        super().__init__(self.render(lambda value: value))

    @property
    def has_seen(self) -> bool:
        return self.seen is not _NOTHING

    def render(self, mask: Callable[[Any], Any]) -> str:
        """The message, with the value it saw masked by `mask` and then cut."""
        if not self.has_seen:
            return self.reason
        return f"{self.reason} {excerpt(mask(self.seen))}"

    def at(self, path: tuple[str | int, ...]) -> ExpressionError:
        """The same failure, placed under `path` in the step."""
        return ExpressionError(self.reason, (*path, *self.path), self.seen)


@lru_cache(maxsize=8192)
def compile_expression(source: str) -> Expression:
    """Compile JMESPath once per distinct text; raises ExpressionError with a short reason."""
    if not source.strip():
        raise ExpressionError("empty expression")
    try:
        parsed = compile_jmespath(source)
    except jmes_exc.JMESPathError as error:
        raise ExpressionError(_describe_parse_error(source, error)) from None
    if _stray_expref(parsed.parsed, in_call=False):
        # Evaluated anywhere else, `&x` yields jmespath's internal object, which no step,
        # output or report can hold; refuse it at load time so lint names the field.
        raise ExpressionError(
            f"{source!r}: `&` makes an expression argument and is allowed only directly inside "
            "a function call, e.g. sort_by(items, &name)"
        )
    return parsed


def _stray_expref(node: Any, *, in_call: bool) -> bool:
    if not isinstance(node, dict):
        return False
    kind = node.get("type")
    if kind == "expref" and not in_call:
        return True
    children = node.get("children") or []
    call = kind == "function_expression"
    return any(_stray_expref(child, in_call=call) for child in children)


def evaluate(source: str, value: Any, root: Any = None) -> Any:
    """Evaluate a bare JMESPath expression on `value`; `$` reads `root` (default: `value`)."""
    return _search(compile_expression(source), value, root)


class Template(Frozen):
    """A string split into literal text and `${expr}` parts, in order."""

    __slots__ = ("parts", "whole")
    parts: tuple[str | Expression, ...]
    whole: bool  # exactly one `${expr}` and nothing else: the value keeps its JSON type

    def __init__(self, parts: tuple[str | Expression, ...], whole: bool) -> None:
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "whole", whole)

    def render(self, context: Mapping[str, Any]) -> Any:
        if self.whole:
            only = self.parts[0]
            assert isinstance(only, Expression)
            return _search(only, context)
        out: list[str] = []
        for part in self.parts:
            out.append(part if isinstance(part, str) else to_text(_search(part, context)))
        return "".join(out)


def _search(parsed: Expression, value: Any, root: Any = None) -> Any:
    try:
        return parsed.search(value, OPTIONS, root=root)
    except jmes_exc.JMESPathTypeError as error:
        # jmespath's own text repeats the whole value, which may be a 300 KB list.
        expected = " or ".join(error.expected_types)
        raise ExpressionError(
            f"{parsed.expression!r}: {error.function_name}() expected {expected}, got "
            f"{error.actual_type}",
            seen=error.current_value,
        ) from None
    except jmes_exc.JMESPathError as error:
        raise ExpressionError(f"{parsed.expression!r}: {_first_line(error)}") from None
    except (ArithmeticError, ValueError, TypeError, RecursionError) as error:
        # From a function given a value it cannot use (div by zero, a huge number).
        raise ExpressionError(f"{parsed.expression!r}: {_first_line(error)}") from None


def to_text(value: Any) -> str:
    """How a value reads inside a longer string: null is empty, containers are compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@lru_cache(maxsize=8192)
def compile_template(text: str) -> Template | None:
    """Parse a string into a Template, or None when it holds no `${`."""
    if TEMPLATE_OPEN not in text:
        return None
    parts: list[str | Expression] = []
    literal: list[str] = []
    count = 0
    for kind, chunk in _scan(text):
        if kind == "text":
            literal.append(chunk)
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(compile_expression(chunk))
        count += 1
    if literal:
        parts.append("".join(literal))
    if count == 0:
        return Template(parts=("".join(p for p in parts if isinstance(p, str)),), whole=False)
    whole = count == 1 and len(parts) == 1
    return Template(parts=tuple(parts), whole=whole)


def _scan(text: str) -> Iterator[tuple[str, str]]:
    """Yield ("text", s) and ("expr", s) chunks; braces inside JMESPath literals are skipped."""
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("$${", i):
            yield "text", "${"
            i += 3
            continue
        if text.startswith(TEMPLATE_OPEN, i):
            end = _matching_brace(text, i + 2)
            if end < 0:
                raise ExpressionError(f"unclosed '${{' at character {i + 1} of {text!r}")
            yield "expr", text[i + 2 : end].strip()
            i = end + 1
            continue
        nxt = text.find("$", i + 1)
        stop = n if nxt < 0 else nxt
        yield "text", text[i:stop]
        i = stop


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def render_value(value: Any, context: Mapping[str, Any], path: tuple[str | int, ...] = ()) -> Any:
    """Render every template inside a JSON-like value (dicts, lists, strings); a failure
    carries the path of the string that failed."""
    if isinstance(value, str):
        template = compile_template(value)
        if template is None:
            return value
        try:
            return template.render(context)
        except ExpressionError as error:
            raise error.at(path) from None
    if isinstance(value, dict):
        return {k: render_value(v, context, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, context, (*path, i)) for i, v in enumerate(value)]
    return value


def iter_templates(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield (path, text) of every string in a JSON-like value that holds a template."""
    if isinstance(value, str):
        if TEMPLATE_OPEN in value:
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from iter_templates(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_templates(v, (*path, i))


def template_expressions(text: str) -> list[str]:
    """The JMESPath sources inside one template string (for lint's reference checks)."""
    return [chunk for kind, chunk in _scan(text) if kind == "expr"]


def _describe_parse_error(source: str, error: Exception) -> str:
    position = getattr(error, "lex_position", None)
    token = getattr(error, "token_value", None)
    where = f" at character {position + 1}" if isinstance(position, int) else ""
    what = f" near {token!r}" if token not in (None, "") else ""
    reason = _first_line(error).split(":")[0] if not where else "invalid JMESPath"
    return f"{reason}{where}{what} in {source!r}{_hint(source, error)}"


def _hint(source: str, error: Exception) -> str:
    """The two mistakes that account for most parse errors in recipes."""
    text = source.strip()
    if text.startswith(TEMPLATE_OPEN) and text.endswith("}"):
        return f"; this field takes bare JMESPath: write {text[2:-1].strip()!r} without ${{ }}"
    if getattr(error, "token_type", None) == "NUMBER":
        number = getattr(error, "token_value", "")
        return f"; a number needs backticks here: `{number}`"
    return ""


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


Renderer = Callable[[Any, Mapping[str, Any]], Any]
