"""Extra JMESPath functions recipes may call, each one because recipes kept needing it.

JMESPath has no string case, splitting, counting by key, current time or arithmetic; support
recipes need all of them to route and summarise conversations without a script step. Arithmetic
is spelled as functions (`add(a, b)`), not operators: `-` and `*` already mean a negative number
and a projection in JMESPath, and `/` is no token of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from jmespath import functions
from jmespath.visitor import Options

from wrapper.secrets import derived


class RecipeFunctions(functions.Functions):
    """Functions available in every recipe expression (docs/recipes.md, "Expressions ...")."""

    def call_function(self, function_name: str, resolved_args: Iterable[Any]) -> Any:
        args = list(resolved_args)
        result = super().call_function(function_name, args)
        # Whatever a function makes of a secret (`upper`, `replace`, `split`...) is secret too.
        derived(args, result)
        return result

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_add(self, a: float, b: float) -> float:
        return _finite(a + b)

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_sub(self, a: float, b: float) -> float:
        return _finite(a - b)

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_mul(self, a: float, b: float) -> float:
        return _finite(a * b)

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_div(self, a: float, b: float) -> float:
        if b == 0:
            raise ZeroDivisionError(f"div({_num(a)}, 0): division by zero")
        return _finite(a / b)

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_mod(self, a: float, b: float) -> float:
        if b == 0:
            raise ZeroDivisionError(f"mod({_num(a)}, 0): division by zero")
        return a % b

    @functions.signature({"types": ["number"]}, {"types": ["number"]})
    def _func_round(self, value: float, digits: float) -> float:
        """Round to `digits` places; with 0 digits an integer (half to even, as Python does)."""
        rounded: float = round(value, int(digits))
        return int(rounded) if int(digits) <= 0 else rounded

    @functions.signature({"types": ["string"]})
    def _func_lower(self, value: str) -> str:
        return value.lower()

    @functions.signature({"types": ["string"]})
    def _func_upper(self, value: str) -> str:
        return value.upper()

    @functions.signature({"types": ["string"]})
    def _func_trim(self, value: str) -> str:
        return value.strip()

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, value: str, sep: str) -> list[str]:
        return value.split(sep) if sep else list(value)

    @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_replace(self, value: str, old: str, new: str) -> str:
        return value.replace(old, new)

    @functions.signature({"types": ["string", "null"]}, {"types": ["array"]})
    def _func_contains_any(self, text: str | None, needles: list[Any]) -> bool:
        """True when the text contains any of the words, case-insensitively (keyword routing)."""
        haystack = (text or "").lower()
        return any(isinstance(n, str) and n.lower() in haystack for n in needles)

    @functions.signature({"types": ["array"]}, {"types": ["expref"]})
    def _func_count_by(self, items: list[Any], expref: Any) -> dict[str, int]:
        """Count items per value of the expression: `count_by(items, &status)`."""
        counts: dict[str, int] = {}
        for item in items:
            key = expref.visit(expref.expression, item)
            name = "null" if key is None else str(key)
            counts[name] = counts.get(name, 0) + 1
        return counts

    @functions.signature({"types": ["array"]}, {"types": ["expref"]})
    def _func_unique_by(self, items: list[Any], expref: Any) -> list[Any]:
        """Keep the first item for each value of the expression (de-duplication by e-mail...)."""
        seen: set[str] = set()
        out: list[Any] = []
        for item in items:
            key = repr(expref.visit(expref.expression, item))
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out

    @functions.signature({"types": ["object"]})
    def _func_items(self, obj: dict[str, Any]) -> list[list[Any]]:
        return [[k, v] for k, v in obj.items()]

    @functions.signature({"types": ["array"]})
    def _func_from_items(self, pairs: list[Any]) -> dict[str, Any]:
        return {str(p[0]): p[1] for p in pairs if isinstance(p, list) and len(p) == 2}

    @functions.signature({"types": ["array", "string"]}, {"types": ["number"]})
    def _func_chunk(self, items: list[Any], size: float) -> list[Any]:
        step = max(1, int(size))
        return [items[i : i + step] for i in range(0, len(items), step)]


def _finite(value: float) -> float:
    # JSON has no infinity: a report or a later call could not carry the result.
    if math.isinf(value) or math.isnan(value):
        raise OverflowError("the result is too large for a number")
    return value


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


OPTIONS = Options(custom_functions=RecipeFunctions())
