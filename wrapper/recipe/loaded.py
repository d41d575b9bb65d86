"""A recipe as loaded: the validated recipe, its text and hash, and where each value is written.

Loading (`wrapper.recipe.loader`) makes these; errors and lint name a value's place through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from wrapper.frozen import Frozen
from wrapper.recipe.model import Recipe

#: Where a value is in a recipe: the keys and list indexes from its root.
Loc = tuple[str | int, ...]
#: 1-based (line, column) in the recipe's text.
Position = tuple[int, int]
# The names users write for the model's Python-safe field names.
_ALIASES: Final = {"if_": "if", "finally_": "finally", "assert_": "assert"}


class LoadedRecipe(Frozen):
    """A validated recipe plus its source, hash and the position of every value.

    Two are equal when their recipe, path, text and hash are: where values sit, and how the
    path is shown, are not compared (nor shown by `repr`).
    """

    __slots__ = (  # noqa: RUF023  # the order of __init__'s arguments
        "recipe",
        "path",
        "text",
        "sha256",
        "positions",
        "key_positions",
        "display_path",
    )
    recipe: Recipe
    path: Path
    text: str
    sha256: str
    positions: Mapping[Loc, Position]
    key_positions: Mapping[Loc, Position]
    display_path: str

    def __init__(
        self,
        recipe: Recipe,
        path: Path,
        text: str,
        sha256: str,
        positions: Mapping[Loc, Position] | None = None,
        key_positions: Mapping[Loc, Position] | None = None,
        display_path: str = "",
    ) -> None:
        object.__setattr__(self, "recipe", recipe)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "positions", {} if positions is None else positions)
        object.__setattr__(self, "key_positions", {} if key_positions is None else key_positions)
        object.__setattr__(self, "display_path", display_path)

    def _compared(self) -> tuple[Any, ...]:
        return (self.recipe, self.path, self.text, self.sha256)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        return (
            f"LoadedRecipe(recipe={self.recipe!r}, path={self.path!r}, text={self.text!r}, "
            f"sha256={self.sha256!r})"
        )

    def position(self, loc: Loc) -> Position | None:
        """1-based (line, col) of the value at `loc`, else of its nearest located parent."""
        return find_position(self.positions, _user_loc(loc))

    def key_position(self, loc: Loc) -> Position | None:
        """Where the key of `loc` is written (falls back like `position`)."""
        user = _user_loc(loc)
        return self.key_positions.get(user) or self.position(user)

    def location(self, loc: Loc = ()) -> str:
        """`path:line:col` of the value at `loc`."""
        return location_text(self.display_path or str(self.path), self.position(loc))

    def key_location(self, loc: Loc) -> str:
        return location_text(self.display_path or str(self.path), self.key_position(loc))


def location_text(path: str, position: Position | None) -> str:
    if position is None:
        return path
    return f"{path}:{position[0]}:{position[1]}"


def _user_loc(loc: Loc) -> Loc:
    return tuple(_ALIASES.get(p, p) if isinstance(p, str) else p for p in loc)


def find_position(table: Mapping[Loc, Position], loc: Loc) -> Position | None:
    for end in range(len(loc), -1, -1):
        found = table.get(loc[:end])
        if found is not None:
            return found
    return None
