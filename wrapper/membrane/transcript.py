"""A redacted record of the `membrane` calls one probe made, to attach to a bug report.

Each call keeps its arguments, exit code, stdout and stderr, so a test can replay the
transcript as a fake `membrane`. Before anything is written, secrets are replaced: values of
secret-named fields, JWTs, `Bearer`/`Basic` credentials, e-mail addresses and long opaque
tokens. The same value always gets the same placeholder, in arguments and outputs alike, so an
id or cursor that one call printed and a later call passed still matches on replay.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from wrapper.errors import UsageError
from wrapper.membrane.runner import RunResult

FORMAT: Final = "mw-probe-transcript"
VERSION: Final = 1

# Names of secret fields, not a secret.
_SECRET_NAME: Final = (
    r"[\w-]*(?:token|secret|passw(?:or)?d|authori[sz]ation|api[-_]?key|credential|cookie"  # noqa: S105
    r"|session|signature|private)[\w-]*"
)
_JSON_STRING: Final = r'"(?:[^"\\]|\\.)*"'
# "someToken": "value" -> keep the name, replace the value.
_SECRET_JSON_FIELD: Final = re.compile(rf'("{_SECRET_NAME}"\s*:\s*)({_JSON_STRING})', re.IGNORECASE)
# someToken=value or Some-Token: value in text and arguments (an auth scheme is kept).
_SECRET_TEXT_FIELD: Final = re.compile(
    rf"\b({_SECRET_NAME})(\s*[=:]\s*)(?!(?:bearer|basic|token)\b)([^\s\"',;}}]+)", re.IGNORECASE
)
_JWT: Final = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
_AUTH_SCHEME: Final = re.compile(r"\b(bearer|basic|token|chatra\.simple)(\s+)([^\s\"',;]+)", re.I)
_EMAIL: Final = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
# Long opaque strings are tokens or keys more often than not; ids (24 hex, UUIDs) are shorter.
_OPAQUE: Final = re.compile(r"(?<![\w/.-])(?=[\w+/=-]*\d)(?=[\w+/=-]*[A-Za-z])[\w+/=-]{40,}")
_PLACEHOLDER: Final = re.compile(r"<(?:secret|jwt|token)-\d+>|redacted-\d+@example\.invalid")


class Redactor:
    """Replaces secrets in text, giving each distinct value one stable placeholder."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def _placeholder(self, value: str, kind: str) -> str:
        if _PLACEHOLDER.fullmatch(value):
            return value
        if value not in self._seen:
            number = len(self._seen) + 1
            self._seen[value] = (
                f"redacted-{number}@example.invalid" if kind == "email" else f"<{kind}-{number}>"
            )
        return self._seen[value]

    def _json_field(self, match: re.Match[str]) -> str:
        quoted = match.group(2)
        try:
            value = json.loads(quoted)
        except ValueError:
            value = quoted[1:-1]
        if not value:
            return match.group(0)
        return match.group(1) + json.dumps(self._placeholder(str(value), "secret"))

    def text(self, text: str) -> str:
        """`text` with every secret replaced."""
        if not text:
            return text
        for known, placeholder in self._seen.items():
            text = text.replace(known, placeholder)
        text = _JWT.sub(lambda m: self._placeholder(m.group(0), "jwt"), text)
        text = _AUTH_SCHEME.sub(
            lambda m: m.group(1) + m.group(2) + self._placeholder(m.group(3), "secret"), text
        )
        text = _SECRET_JSON_FIELD.sub(self._json_field, text)
        text = _SECRET_TEXT_FIELD.sub(
            lambda m: m.group(1) + m.group(2) + self._placeholder(m.group(3), "secret"), text
        )
        text = _EMAIL.sub(lambda m: self._placeholder(m.group(0), "email"), text)
        return _OPAQUE.sub(lambda m: self._placeholder(m.group(0), "token"), text)


@dataclass(frozen=True)
class Call:
    """One `membrane` call: what came after the command prefix, and what it left behind."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str

    def to_json(self) -> dict[str, Any]:
        return {
            "args": self.args,
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }


@dataclass
class Transcript:
    """The calls of one probe in order, plus what the probe concluded from them."""

    command: list[str]
    calls: list[Call]
    checks: list[dict[str, Any]] = field(default_factory=list)
    mw_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "mw_version": self.mw_version,
            "command": self.command,
            "calls": [call.to_json() for call in self.calls],
            "checks": self.checks,
        }


def _home_relative(arg: str) -> str:
    home = str(Path.home())
    if home not in ("", "/") and arg.startswith(home + os.sep):
        return "~" + arg[len(home) :]
    return arg


def build(
    command: Sequence[str],
    results: Sequence[RunResult],
    checks: Sequence[dict[str, Any]],
    *,
    mw_version: str = "",
) -> Transcript:
    """A redacted transcript; calls are stored without the command prefix that started them."""
    redactor = Redactor()
    prefix = list(command)
    calls: list[Call] = []
    for result in results:
        argv = list(result.argv)
        args = argv[len(prefix) :] if argv[: len(prefix)] == prefix else argv
        calls.append(
            Call(
                args=[redactor.text(arg) for arg in args],
                exit_code=result.returncode,
                stdout=redactor.text(result.stdout),
                stderr=redactor.text(result.stderr),
            )
        )
    redacted_checks = json.loads(redactor.text(json.dumps(list(checks), ensure_ascii=False)))
    return Transcript(
        command=[redactor.text(_home_relative(arg)) for arg in prefix],
        calls=calls,
        checks=redacted_checks,
        mw_version=mw_version,
    )


def write(transcript: Transcript, path: Path) -> None:
    """Write the transcript as indented JSON (a folder that does not exist is an error)."""
    text = json.dumps(transcript.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write the transcript to {path}: {error.strerror}") from None


def load(path: Path) -> Transcript:
    """Read a transcript written by `write`; anything else is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read the transcript {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path}: not a JSON transcript: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f'{path}: not an mw probe transcript (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise UsageError(f"{path}: transcript version {data.get('version')!r}, expected {VERSION}")
    try:
        calls = [
            Call(
                args=[str(arg) for arg in item["args"]],
                exit_code=int(item["exit_code"]),
                stdout=str(item["stdout"]),
                stderr=str(item["stderr"]),
            )
            for item in data["calls"]
        ]
        command = [str(arg) for arg in data["command"]]
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(f"{path}: a call in the transcript is incomplete: {error}") from None
    checks = data.get("checks")
    return Transcript(
        command=command,
        calls=calls,
        checks=list(checks) if isinstance(checks, list) else [],
        mw_version=str(data.get("mw_version", "")),
    )
