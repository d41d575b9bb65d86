"""Recipe inputs: collected from the command line, a file, the environment and defaults.

Precedence, highest first: `-i name=value`, `--inputs FILE`, the input's `from_env` variable,
its `default`. Text values (`-i`, environment) are parsed by the input's declared type; every
value is then checked against the input's JSON-Schema subset before any call runs. Errors name
the input and never show a secret's value.

jsonschema is imported only when a value may not fit: it costs more start-up than the rest of
`mw run` together, and `_plainly_valid` answers "fits" for the common case without it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from wrapper.errors import InputError, not_utf8
from wrapper.recipe.describe import input_schema
from wrapper.recipe.excerpt import excerpt, is_long
from wrapper.recipe.messages import did_you_mean
from wrapper.recipe.model import InputSpec
from wrapper.secrets import MASK

_TRUE: Final = frozenset({"true", "yes", "on", "1"})
_FALSE: Final = frozenset({"false", "no", "off", "0"})
_ARTICLE: Final = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "string": "a string",
}
# Type tests exactly as jsonschema's Draft 2020-12 type checker words them (bool is no number).
_IS_TYPE: Final[dict[str, Callable[[Any], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# Keywords that never reject a value (annotations, and `x-` keys jsonschema ignores).
_ANNOTATIONS: Final = frozenset(
    {"description", "default", "examples", "title", "writeOnly", "readOnly", "x-from-env"}
)
_KEYWORDS: Final = _ANNOTATIONS | {
    *("type", "enum", "format", "minimum", "maximum", "minLength", "maxLength", "pattern"),
    *("minItems", "maxItems", "items"),
}


def validation_schema(spec: InputSpec) -> dict[str, Any]:
    """The input's JSON Schema (the one `mw describe --json` shows), bounds read as written."""
    schema = input_schema(spec)
    for key in ("minimum", "maximum"):
        value = schema.get(key)
        if isinstance(value, float) and value.is_integer():
            schema[key] = int(value)  # `minimum: 1` reads back as 1, not 1.0
    return schema


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
    raise InputError(f"input {name!r}: {shown} is not {_ARTICLE[kind]}")


def check_value(name: str, spec: InputSpec, value: Any) -> None:
    """Check one value against the input's schema; the first problem becomes an InputError."""
    problem = value_problem(spec, value)
    if problem is not None:
        where, text = problem
        raise InputError(f"input {name!r}{where}: {text}")


_JSON_TYPES: Final = frozenset(
    {"string", "integer", "number", "boolean", "array", "object", "null"}
)


def schema_problem(spec: InputSpec) -> str | None:
    """What is wrong with an input's free-form `items` / `properties` JSON Schema, if anything.

    A schema the usual keywords plainly make up passes without jsonschema (its import costs a
    run more than the rest of loading); anything else is checked against JSON Schema itself.
    """
    if spec.items is None and spec.properties is None:
        return None
    schema = validation_schema(spec)
    if _plainly_well_formed(schema):
        return None
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        return f"{where.lstrip('.') or 'schema'}: {error.message} (not valid JSON Schema)"
    return None


def _plainly_well_formed(schema: Any) -> bool:
    """True only for a schema of the common keywords with values of the right kind."""
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key == "type":
            kinds = value if isinstance(value, list) else [value]
            ok = bool(kinds) and all(isinstance(k, str) and k in _JSON_TYPES for k in kinds)
        elif key == "items":
            ok = _plainly_well_formed(value)
        elif key == "properties":
            ok = isinstance(value, dict) and all(map(_plainly_well_formed, value.values()))
        elif key in ("description", "title", "format", "pattern"):
            ok = isinstance(value, str)
        elif key in ("enum", "required"):
            ok = isinstance(value, list)
        elif key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif key in ("default", "examples"):
            ok = True
        else:
            ok = False
        if not ok:
            return False
    return True


def default_problem(spec: InputSpec) -> str | None:
    """`default: 'yes' is not true or false` when the input's own default does not fit it.

    The same check and words as a value given to a run, so `mw lint` says what the run would.
    """
    if not spec.has_default:
        return None
    try:
        problem = value_problem(spec, spec.default)
    except Exception:
        # `items` is free-form JSON Schema that loading does not check; one jsonschema cannot
        # apply (`type: strin`) is not the default's fault, and loading must not crash on it.
        return None
    return None if problem is None else f"default{problem[0]}: {problem[1]}"


def value_problem(spec: InputSpec, value: Any) -> tuple[str, str] | None:
    """The first way `value` does not fit the input's schema, as (`[2].name`, what is wrong)."""
    if value is None and not spec.is_required:
        return None
    schema = validation_schema(spec)
    if _plainly_valid(schema, value):
        return None
    import jsonschema  # only for a value that may not fit; it also words the error

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(e.path), list(e.path)))
    if not errors:
        return None
    error = errors[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    bad = error.instance
    shown = MASK if spec.is_secret else _short(bad)
    if error.validator == "type":
        expected = error.validator_value
        kind = expected if isinstance(expected, str) else "/".join(expected)
        text = f"{shown} is not {_ARTICLE.get(kind, kind)}"
    elif error.validator == "enum":
        choices = ", ".join(json.dumps(c) for c in error.validator_value)
        text = f"{shown} is not one of: {choices}"
    elif error.validator == "format":
        text = f"{shown} is not a valid {error.validator_value}"
    elif error.validator == "pattern":
        text = f"{shown} does not match the pattern {error.validator_value}"
    elif spec.is_secret:
        text = f"the value does not satisfy {error.validator}: {error.validator_value}"
    elif is_long(bad):
        # jsonschema's own message repeats the whole value, however long.
        text = f"{shown} does not satisfy {error.validator}: {error.validator_value}"
    else:
        text = error.message
    return where, text


def _plainly_valid(schema: Mapping[str, Any], value: Any) -> bool:
    """True only when jsonschema would certainly accept `value`; False means "ask jsonschema".

    It reads the keywords inputs use, each the way jsonschema applies it (a keyword about
    strings ignores numbers, and so on); any other keyword, a list of types, an `enum` of
    anything but strings and integers, a format other than `email`, or a keyword value of the
    wrong kind answers False, and jsonschema decides as it always did.
    """
    try:
        return _fits(schema, value)
    except (TypeError, ValueError, re.error):  # e.g. `minLength: "3"` in an `items` schema
        return False


def _fits(schema: Mapping[str, Any], value: Any) -> bool:
    if not _KEYWORDS.issuperset(schema):
        return False
    kind = schema.get("type", "")
    if "type" in schema and not (kind in _IS_TYPE and _IS_TYPE[kind](value)):
        return False
    if "enum" in schema and not _in_enum(value, schema["enum"]):
        return False
    if "format" in schema and (schema["format"] != "email" or not _IS_TYPE["string"](value)):
        return False
    if isinstance(value, str):
        size = len(value)
        if size < schema.get("minLength", 0) or size > schema.get("maxLength", size):
            return False
        if "@" not in value and "format" in schema:
            return False  # jsonschema's whole `email` check
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return False
    number = _IS_TYPE["number"](value)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        return False
    if isinstance(value, list):
        size = len(value)
        if size < schema.get("minItems", 0) or size > schema.get("maxItems", size):
            return False
        items = schema.get("items", {})
        if not isinstance(items, dict) or not all(_fits(items, item) for item in value):
            return False
    return True


def _in_enum(value: Any, choices: Any) -> bool:
    # jsonschema compares bools and numbers apart (True is not 1); plain strings and
    # integers compare the same way in Python, so only those are decided here.
    if not isinstance(choices, list):
        return False
    if isinstance(value, str):
        return any(isinstance(c, str) and c == value for c in choices)
    if isinstance(value, int) and not isinstance(value, bool):
        return any(type(c) is int and c == value for c in choices)
    return False


def _json(name: str, text: str, shown: str, kind: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError(f"input {name!r}: the JSON is nested too deeply") from None
    except ValueError:
        raise InputError(
            f"input {name!r}: {shown} is not {_ARTICLE[kind]} in JSON",
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


def _short(value: Any) -> str:
    return excerpt(value)


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
