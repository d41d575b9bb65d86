"""What one JMESPath expression reads from the run context, and the traps it falls into.

Works on the parsed tree (`Expression.parsed`), not on text. References are the name chains
read from the context: bare ones where the expression starts (`steps.a.outputs.x`), and those
after `$` anywhere (`list[?id == $.inputs.id]`). A bare name inside a projection, a filter, a
pipe's right side or an `&expr` is read from another value; when it is one of the scope's
names (`inputs`, `steps`...), it is almost always meant as the scope, so it is a trap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, NamedTuple

from wrapper.recipe.expr import compile_expression
from wrapper.recipe.functions import OPTIONS

# Records are NamedTuples: a module on every run's path, and a dataclass costs ~0.7 ms to create.
FUNCTIONS: Final = frozenset(OPTIONS.custom_functions.FUNCTION_TABLE)  # type: ignore[union-attr]
_KEYWORDS: Final = {"true": "`true`", "false": "`false`", "null": "`null`"}
# Nodes whose children are all read from the same value as the node itself.
_SAME_SCOPE: Final = frozenset(
    {
        "or_expression",
        "and_expression",
        "not_expression",
        "comparator",
        "multi_select_list",
        "multi_select_dict",
        "key_val_pair",
        "function_expression",
    }
)
_CHAINS: Final = frozenset(
    {
        "field",
        "subexpression",
        "index_expression",
        "projection",
        "filter_projection",
        "value_projection",
        "flatten",
    }
)


class Reference(NamedTuple):
    """A name chain read from the context root: `steps.find.outputs.id` -> its names."""

    names: tuple[str, ...]
    complete: bool  # False when the chain goes on with an index, a projection or a filter
    rooted: bool = False  # written after `$`: read from the recipe scope wherever it stands


class Inner(NamedTuple):
    """A bare name chain read from an element inside a filter, projection or pipe."""

    names: tuple[str, ...]
    where: str  # "a filter", "a projection", "a pipe's right side", "an &expression"


class Trap(NamedTuple):
    code: str
    message: str
    severity: str = "error"
    name: str | None = None  # the field name the trap is about, so it is not reported twice


class Analysis(NamedTuple):
    references: tuple[Reference, ...]
    traps: tuple[Trap, ...]
    inner: tuple[Inner, ...] = ()

    @property
    def rooted(self) -> tuple[Reference, ...]:
        return tuple(ref for ref in self.references if ref.rooted)


def analyse(source: str) -> Analysis:
    """References and traps of an expression that already compiled at load time."""
    tree: dict[str, Any] = dict(compile_expression(source).parsed)
    refs = list(_references(tree, root=True))
    for ref in _rooted(tree):
        if ref not in refs:
            refs.append(ref)
    traps = tuple(_traps(tree, source))
    inner = tuple(dict.fromkeys(_inner(tree, "root")))
    return Analysis(references=tuple(refs), traps=traps, inner=inner)


def _chain(node: dict[str, Any]) -> tuple[list[str], bool, bool]:
    """The names a chain reads, whether it ends with them, and whether it starts at `$`."""
    kind = node.get("type")
    children = node.get("children", [])
    if kind == "root":
        return [], True, True
    if kind == "field":
        return [str(node["value"])], True, False
    if kind == "subexpression":
        names, complete, rooted = _chain(children[0])
        for child in children[1:]:
            if not complete:
                break
            more, complete, _ = _chain(child)
            names += more
        return names, complete, rooted
    if kind in _CHAINS:
        names, _, rooted = _chain(children[0])
        return names, False, rooted
    return [], False, False


def _rooted(tree: dict[str, Any]) -> Iterator[Reference]:
    """Every chain that starts at `$`, wherever it stands (`$` reads the scope from anywhere)."""
    for node in _walk(tree):
        if node.get("type") in _CHAINS or node.get("type") == "root":
            names, complete, rooted = _chain(node)
            if rooted and names:
                yield Reference(tuple(names), complete, rooted=True)


_ELEMENT_SIDE: Final = {
    "projection": "a projection",
    "value_projection": "a projection",
    "filter_projection": "a filter",
    "pipe": "a pipe's right side",
}


def _inner(node: Any, pos: str) -> Iterator[Inner]:
    """Bare chains read from an element. `pos` is "root" (read from the context), "cont" (a
    path step after a value: `[*].name`) or the kind of element scope the node stands in."""
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if kind == "field":
        if pos not in ("root", "cont"):
            yield Inner((str(node["value"]),), pos)
    elif kind == "subexpression":
        if pos not in ("root", "cont") and children and children[0].get("type") == "field":
            names, _, _ = _chain(node)
            yield Inner(tuple(names), pos)
        else:
            yield from _inner(children[0], pos)
        for child in children[1:]:
            yield from _inner(child, "cont")
    elif kind in ("index_expression", "flatten"):
        if children:
            yield from _inner(children[0], pos)
    elif kind in _ELEMENT_SIDE:
        yield from _inner(children[0], pos)
        side = _ELEMENT_SIDE[kind]
        if kind == "pipe":
            yield from _inner(children[1], side)
        else:
            yield from _inner(children[1], "cont")
        if kind == "filter_projection" and len(children) > 2:
            yield from _inner(children[2], side)
    elif kind == "expref":
        for child in children:
            yield from _inner(child, "an &expression")
    else:
        # Same value as the node: comparisons, functions, multi-selects. After a path step
        # (`[*].{a: x}`) their names read the element.
        inside = "a projection" if pos == "cont" else pos
        for child in children:
            yield from _inner(child, inside)


def _references(node: dict[str, Any], *, root: bool) -> Iterator[Reference]:
    """Chains read from the context. JMESPath has no way back to the root, so once a part
    reads another value (a projection's right side, a filter, a pipe's right side) nothing
    below it is a context reference."""
    kind = node.get("type")
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if not root or (not children and kind != "field"):
        return
    if kind in _CHAINS:
        names, complete, rooted = _chain(node)
        if names and not rooted:
            yield Reference(tuple(names), complete)
        else:
            yield from _references(children[0], root=True)
    elif kind == "pipe":
        yield from _references(children[0], root=True)
    elif kind in _SAME_SCOPE:
        for child in children:
            yield from _references(child, root=True)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.get("children", []):
            yield from _walk(child)


def _traps(tree: dict[str, Any], source: str) -> Iterator[Trap]:
    for node in _walk(tree):
        kind = node.get("type")
        children = node.get("children", [])
        first = children[0] if children and isinstance(children[0], dict) else {}
        if kind in ("subexpression", "index_expression") and first.get("type") == "not_expression":
            yield Trap(
                "not-binds-first",
                "'!' binds tighter than '.': it negates only the first name, so the path "
                "after it always yields null; wrap the path: !(a.b)",
            )
        if kind == "comparator":
            yield from _comparator_traps(children, source)
        if kind == "function_expression" and node.get("value") not in FUNCTIONS:
            yield Trap("unknown-function", _unknown_function(str(node.get("value"))))
        elif kind == "function_expression":
            wrong = _arity(str(node["value"]), len(children))
            if wrong is not None:
                yield Trap("function-arity", wrong)


def _comparator_traps(children: list[Any], source: str) -> Iterator[Trap]:
    for side in children:
        if not isinstance(side, dict) or side.get("type") != "field":
            continue
        name = str(side["value"])
        if name in _KEYWORDS:
            yield Trap(
                "bare-literal",
                f"{name!r} here is a field name, not the value {name}; write {_KEYWORDS[name]}",
                "warning" if name == "null" else "error",
                name,
            )
        elif f'"{name}"' in source:
            yield Trap(
                "quoted-identifier",
                f"\"{name}\" is a field name in JMESPath, not a string; write '{name}'",
                name=name,
            )


def _arity(name: str, given: int) -> str | None:
    """How a call's argument count is wrong (it would fail every time it runs), else None."""
    table = OPTIONS.custom_functions.FUNCTION_TABLE  # type: ignore[union-attr]
    signature = table[name]["signature"]
    variadic = bool(signature) and bool(signature[-1].get("variadic"))
    least = len(signature)
    if given == least or (variadic and given > least):
        return None
    wanted = f"at least {least}" if variadic else str(least)
    plural = "" if least == 1 else "s"
    return f"{name}() takes {wanted} argument{plural}, not {given}"


def _unknown_function(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(FUNCTIONS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown function {name}(){hint}"
