"""Recipe inputs: collected from the command line, a file, the environment and defaults.

Precedence, highest first: `-i name=value`, `--inputs FILE`, the input's `from_env` variable,
its `default`. Text values (`-i`, environment) are parsed by the input's declared type; every
value is then checked against the input's JSON-Schema subset before any call runs. Errors name
the input and never show a secret's value. Whether a value fits is `values.py`'s question.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from wrapper.errors import InputError, not_utf8
from wrapper.recipe.excerpt import excerpt
from wrapper.recipe.model import InputSpec
from wrapper.recipe.values import ARTICLE, check_value
from wrapper.recipe.wording import did_you_mean
from wrapper.secrets import MASK

_TRUE: Final = frozenset({"true", "yes", "on", "1"})
_FALSE: Final = frozenset({"false", "no", "off", "0"})


def resolve_inputs(
    specs: Mapping[str, InputSpec],
    *,
    given: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> dict[str, Any]:
    """Every declared input's value, typed and checked; raises InputError naming the input.

    `given` holds `-i` texts (parsed by type, `@file` reads a file), `values` already typed
    values (an `--inputs` file, a parent recipe's `input`), `environ` the process environment.
    """
    given = dict(given or {})
    values = dict(values or {})
    environ = environ or {}
    for name in [*given, *values]:
        if name not in specs:
            hint = did_you_mean(name, list(specs))
            known = ", ".join(specs) or "none"
            raise InputError(f"unknown input {name!r}{hint}; this recipe takes: {known}")
    resolved: dict[str, Any] = {}
    for name, spec in specs.items():
        if name in given:
            value = parse_text(name, spec, given[name], base_dir=base_dir)
        elif name in values:
            value = values[name]
        elif spec.from_env and spec.from_env in environ:
            value = parse_text(name, spec, environ[spec.from_env], base_dir=None, files=False)
        elif spec.has_default:
            value = spec.default
        elif spec.is_required:
            where = f" (or set {spec.from_env})" if spec.from_env else ""
            raise InputError(f"input {name!r} is required: pass -i {name}=VALUE{where}")
        else:
            resolved[name] = None
            continue
        check_value(name, spec, value)
        resolved[name] = value
    return resolved


def load_inputs_file(path: Path) -> dict[str, Any]:
    """An `--inputs` file: a YAML or JSON mapping of input names to values."""
    text = _read_text(path, "--inputs")
    try:
        data = yaml.safe_load(text) if path.suffix != ".json" else json.loads(text)
    except (yaml.YAMLError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "invalid"
        raise InputError(f"--inputs: {path} is not valid YAML or JSON: {first}") from None
    except RecursionError:
        raise InputError(f"--inputs: {path} is nested too deeply") from None
    _check_size(data, f"--inputs: {path}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"--inputs: {path} must hold a mapping of input names to values")
    return {str(k): v for k, v in data.items()}


def parse_text(
    name: str, spec: InputSpec, text: str, *, base_dir: Path | None, files: bool = True
) -> Any:
    """A text value (`-i`, environment) turned into the input's declared type."""
    shown = MASK if spec.is_secret else excerpt(text)
    if files and text.startswith("@@"):
        text = text[1:]
    elif files and text.startswith("@") and len(text) > 1:
        return _read_file(name, spec, Path(text[1:]), base_dir)
    kind = spec.type
    if kind == "string":
        return text
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    elif kind in ("integer", "number"):
        try:
            number = json.loads(text)
        except ValueError:
            number = None
        if isinstance(number, int) and not isinstance(number, bool):
            return number
        if kind == "number" and isinstance(number, float):
            return number
        if kind == "integer" and isinstance(number, float) and number.is_integer():
            return int(number)
    elif kind == "array":
        stripped = text.strip()
        if not stripped.startswith("["):
            # `-i labels=a,b` is what people type for a list of words.
            return [part.strip() for part in stripped.split(",") if part.strip()]
        return _json(name, text, shown, kind)
    elif kind == "object":
        return _json(name, text, shown, kind)
    raise InputError(f"input {name!r}: {shown} is not {ARTICLE[kind]}")


def _json(name: str, text: str, shown: str, kind: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError(f"input {name!r}: the JSON is nested too deeply") from None
    except ValueError:
        raise InputError(
            f"input {name!r}: {shown} is not {ARTICLE[kind]} in JSON",
            advice=f'Quote it for the shell, e.g. -i \'{name}=["a", "b"]\', or pass '
            f"-i {name}=@file.json.",
        ) from None
    _check_size(value, f"input {name!r}")
    return value


def _read_file(name: str, spec: InputSpec, path: Path, base_dir: Path | None) -> Any:
    if not path.is_absolute() and base_dir is not None and not path.exists():
        path = base_dir / path
    text = _read_text(path, f"input {name!r}")
    if spec.type == "string":
        return text
    suffix = path.suffix.lower()
    if suffix == ".csv" and spec.type == "array":
        return _csv_rows(name, path, text)
    value: Any
    try:
        if suffix in (".yaml", ".yml"):
            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError:
                raise InputError(f"input {name!r}: {path} is not valid YAML") from None
        elif spec.type in ("array", "object"):
            try:
                value = json.loads(text)
            except ValueError as error:
                raise InputError(f"input {name!r}: {path} is not valid JSON: {error}") from None
        else:
            return parse_text(name, spec, text.strip(), base_dir=None, files=False)
    except RecursionError:
        raise InputError(f"input {name!r}: {path} is nested too deeply") from None
    _check_size(value, f"input {name!r}: {path}")
    return value


_EXTRA: Final = "\x00extra"


def _csv_rows(name: str, path: Path, text: str) -> list[dict[str, Any]]:
    """Rows of a CSV file with a header line, as spreadsheets save them (a BOM included)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), restkey=_EXTRA)
    header = reader.fieldnames or []
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        raise InputError(f"input {name!r}: {path}:1: the header names {repeated[0]!r} twice")
    rows: list[dict[str, Any]] = []
    for row in reader:
        if _EXTRA in row:
            raise InputError(
                f"input {name!r}: {path}:{reader.line_num}: more fields than the header's "
                f"{len(header)} ({', '.join(header)})"
            )
        rows.append(row)
    return rows


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{what}: cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{what}: {path} is {not_utf8(error)}; save it as UTF-8") from None


#: An input's values, counted with aliases expanded: a YAML alias bomb is a few lines.
MAX_VALUES: Final = 200_000
MAX_DEPTH: Final = 200


def _check_size(value: Any, what: str) -> None:
    """Refuse a value too big or too deep to check, copy and mask (aliases count each time)."""
    budget = MAX_VALUES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError(f"{what}: too many values (over {MAX_VALUES}); are aliases nesting?")
        if depth > MAX_DEPTH:
            raise InputError(f"{what}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def secret_values(specs: Mapping[str, InputSpec], inputs: Mapping[str, Any]) -> list[Any]:
    """The values of every secret input (what the masker must learn)."""
    return [inputs[n] for n, s in specs.items() if s.is_secret and inputs.get(n) is not None]


def masked_inputs(specs: Mapping[str, InputSpec], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as shown in reports: secret values replaced by `***`."""
    return {
        name: (MASK if specs[name].is_secret and value is not None else value)
        if name in specs
        else value
        for name, value in inputs.items()
    }
