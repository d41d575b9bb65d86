"""JMESPath with a root reference: `$` is the document the whole expression started from.

Plain JMESPath has no way back to the root once a filter or a projection moves to an element,
so `list[?email == inputs.email]` reads `inputs` from each element and is always null. JMESPath
Community spells the root `$`; this adds exactly that to the `jmespath` package the project
already uses (the Community edition installs under the same import name, so the two cannot be
installed side by side, and other tools people have, boto3 among them, need the original).

The root may differ from the value searched: a step's `outputs` search the call's result while
`$` stays the recipe scope (`payload[?email == $.inputs.email]`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from jmespath import exceptions, lexer, parser, visitor


class _Lexer(lexer.Lexer):
    SIMPLE_TOKENS: ClassVar[dict[str, str]] = {**lexer.Lexer.SIMPLE_TOKENS, "$": "root"}


class _Interpreter(visitor.TreeInterpreter):
    def __init__(self, options: visitor.Options | None, root: Any) -> None:
        super().__init__(options)
        self._root = root

    def visit_root(self, node: dict[str, Any], value: Any) -> Any:
        return self._root


class Expression(parser.ParsedResult):
    """A compiled expression; `search(value, root=...)` evaluates it."""

    def search(
        self, value: Any, options: visitor.Options | None = None, *, root: Any = None
    ) -> Any:
        start = value if root is None else root
        return _Interpreter(options, start).visit(self.parsed, value)


class _Parser(parser.Parser):
    BINDING_POWER: ClassVar[dict[str, int]] = {**parser.Parser.BINDING_POWER, "root": 0}
    # Not the base class's cache: that one holds results of the plain parser.
    _CACHE: ClassVar[dict[str, Expression]] = {}

    def _parse(self, expression: str) -> Expression:
        # The base class's `_parse` with our lexer; its helpers are private, so untyped.
        this: Any = self
        this.tokenizer = _Lexer().tokenize(expression)
        this._tokens = list(this.tokenizer)
        this._index = 0
        parsed = this._expression(binding_power=0)
        if this._current_token() != "eof":
            token = this._lookahead_token(0)
            raise exceptions.ParseError(
                token["start"], token["value"], token["type"], f"Unexpected token: {token['value']}"
            )
        return Expression(expression, parsed)

    def _token_nud_root(self, token: dict[str, Any]) -> dict[str, Any]:
        return {"type": "root", "children": []}


def compile_jmespath(source: str) -> Expression:
    """Parse JMESPath plus `$`; raises jmespath's own errors."""
    result = _Parser().parse(source)
    assert isinstance(result, Expression)
    return result
