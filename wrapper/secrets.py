"""Masking of secret values in everything `mw` shows or writes.

Secrets are masked by value, not by key: a token that ends up inside a header, a URL or an error
message three steps later is still caught, while the data flowing between steps keeps the real
value. Every sink (console, events, report, JUnit, the client's error messages) passes its text
through one `Masker`.

Values computed from a secret are secrets too (taint): while a run `tracks` its masker, every
expression function called with a secret among its arguments (`upper`, `replace`, `split`...)
teaches the masker its result, so `upper(inputs.token)` is masked wherever it appears later.
Selection and concatenation need no learning: their results hold the secret as it was.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
import shlex
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Any, Final, TypeVar

MASK: Final = "***"
#: A secret shorter than this (a PIN like `1`, `42`) is masked only where it stands alone:
#: masked inside every id, hash and number it happens to occur in, it would garble them all.
SHORT: Final = 4
E = TypeVar("E", bound=BaseException)


def _alternative(value: str) -> str:
    escaped = re.escape(value)
    if len(value) >= SHORT:
        return escaped
    return rf"(?<![0-9A-Za-z]){escaped}(?![0-9A-Za-z])"


def _escapes(value: str) -> set[str]:
    """`value` as it reads inside JSON text (ASCII or not) and inside a Python repr."""
    return {
        json.dumps(value, ensure_ascii=True)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        # repr quotes with `"` when the text holds only `'`; with both it escapes `'`.
        repr(value + "'\"")[1:-4],
    }


def _variants(value: str) -> set[str]:
    """Every form a secret takes in text mw shows: as written, JSON- and repr-escaped (also
    twice, as when a JSON body quotes an error message), shell-quoted and URL-encoded."""
    if not value:
        return set()
    found = {value}
    once = _escapes(value)
    found |= once
    for escaped in once:
        found |= _escapes(escaped)
    found.add(shlex.quote(value))
    found.add(urllib.parse.quote(value, safe=""))
    found.add(urllib.parse.quote_plus(value, safe=""))
    return {v for v in found if v}


class Masker:
    """Replaces every known secret value with `***`; safe to share between threads.

    Longer secrets are replaced first, so a secret that contains another is masked whole.
    One shorter than `SHORT` characters is masked only where no letter or digit touches it.
    """

    def __init__(self, secrets: Iterable[Any] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *values: Any) -> None:
        """Learn more secret values (non-strings are masked in their text form)."""
        with self._lock:
            before = len(self._values)
            for value in values:
                if value is None or isinstance(value, bool):
                    continue
                if isinstance(value, (dict, list)):
                    self._values.update(_leaves(value))
                    continue
                self._values.update(_variants(str(value)))
            if len(self._values) != before:
                ordered = sorted(self._values, key=lambda v: (-len(v), v))
                self._pattern = re.compile("|".join(_alternative(v) for v in ordered))

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        """`text` with every secret replaced by `***`."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def derive(self, sources: Any, result: Any) -> None:
        """Learn `result` as secret when `sources` (a function's arguments) hold a secret.

        Only strings the function made are candidates: one it merely selected or reordered
        (`sort_by`, `max_by`) is already known or not secret. A made string that still holds a
        known secret verbatim is masked where the secret stands, so it is not learned either
        (a concatenation per foreach item would otherwise grow the pattern by one per item),
        and neither is a fragment shorter than `SHORT`: it reveals little, and masked wherever
        it stood alone it would garble every output.
        """
        pattern = self._pattern
        if pattern is None:
            return
        made = {text for text in _strings(result) if len(text) >= SHORT}
        if not made:
            return
        given = list(_strings(sources))
        made.difference_update(given)
        if not made or not any(pattern.search(text) for text in given):
            return
        learned = [text for text in made if not pattern.search(text)]
        if learned:
            self.add(*learned)

    def mask_value(self, value: Any) -> Any:
        """A copy of a JSON-like value with secrets masked in every string (keys included)."""
        if self._pattern is None:
            return value
        return self._walk(value)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(k)): self._walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._walk(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = json.dumps(value)
            masked = self.mask(text)
            return value if masked == text else masked
        return value

    def mask_error(self, error: E) -> E:
        """Mask an exception's message, advice and carried command/output in place."""
        if self._pattern is None:
            return error
        error.args = tuple(self.mask(a) if isinstance(a, str) else a for a in error.args)
        for name in ("message", "advice", "output"):
            current = getattr(error, name, None)
            if isinstance(current, str):
                setattr(error, name, self.mask(current))
        command = getattr(error, "command", None)
        if isinstance(command, list):
            error.command = [self.mask(str(a)) for a in command]  # type: ignore[attr-defined]
        body = getattr(error, "body", None)
        if isinstance(body, dict):
            error.body = self.mask_value(body)  # type: ignore[attr-defined]
        problems = getattr(error, "problems", None)
        if isinstance(problems, list):
            error.problems = [self.mask(str(p)) for p in problems]  # type: ignore[attr-defined]
        return error


_TRACKING: contextvars.ContextVar[Masker | None] = contextvars.ContextVar("mw_taint", default=None)


@contextlib.contextmanager
def tracking(masker: Masker) -> Iterator[Masker]:
    """Within the block (and threads started with a copy of its context), values expression
    functions derive from a secret are learned by `masker`."""
    token = _TRACKING.set(masker)
    try:
        yield masker
    finally:
        _TRACKING.reset(token)


def derived(sources: Any, result: Any) -> None:
    """Called by expression functions: taint `result` when `sources` hold a tracked secret."""
    masker = _TRACKING.get()
    if masker is not None:
        masker.derive(sources, result)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value, dict keys included (other objects are skipped)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _leaves(value: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            out |= _leaves(item)
    elif isinstance(value, list):
        for item in value:
            out |= _leaves(item)
    elif value is not None and not isinstance(value, bool):
        out |= _variants(str(value))
    return out
