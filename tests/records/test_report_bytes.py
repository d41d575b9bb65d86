"""The report a run writes is byte for byte the one its earlier pydantic models wrote.

fixtures/ keeps those files, written from the event streams of report_scenarios.py, and the
report's JSON Schema as `mw schema report` printed it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.records.report_scenarios import SCENARIOS, shard_run
from wrapper.records import report_schema as models
from wrapper.records.merge import merge_reports, read_report
from wrapper.records.report import Report, ReportBuilder, report_schema, write_report

FIXTURES = Path(__file__).parent / "fixtures"


def built(name: str) -> Report:
    builder = ReportBuilder()
    for event in SCENARIOS[name]():
        builder.handle(event)
    return builder.report()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_report_file_is_byte_for_byte_the_captured_one(tmp_path, name):
    path = tmp_path / "report.json"
    write_report(built(name), path)
    assert path.read_bytes() == (FIXTURES / f"report-{name}.json").read_bytes()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_to_json_is_what_the_file_holds(name):
    text = json.dumps(built(name).to_json(), indent=2, ensure_ascii=False) + "\n"
    assert text == (FIXTURES / f"report-{name}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_report_read_back_writes_the_same_file(tmp_path, name):
    path = tmp_path / "report.json"
    write_report(read_report(FIXTURES / f"report-{name}.json"), path)
    assert path.read_bytes() == (FIXTURES / f"report-{name}.json").read_bytes()


def test_a_merged_report_is_byte_for_byte_the_captured_one(tmp_path):
    """Three shards written, read back and merged: items joined in place, each with its shard."""
    found = []
    for index in (1, 2, 3):
        builder = ReportBuilder()
        for event in shard_run(index):
            builder.handle(event)
        path = tmp_path / f"shard-{index}.json"
        write_report(builder.report(), path)
        found.append((path, read_report(path)))
    write_report(merge_reports(found, run_id="merged"), tmp_path / "merged.json")
    assert (tmp_path / "merged.json").read_bytes() == (FIXTURES / "report-merged.json").read_bytes()


def test_the_json_schema_is_the_captured_one():
    captured = json.loads((FIXTURES / "report.schema.json").read_text(encoding="utf-8"))
    assert report_schema() == captured
    assert json.dumps(report_schema(), indent=2) + "\n" == (
        FIXTURES / "report.schema.json"
    ).read_text(encoding="utf-8")


def _plain_classes():
    from wrapper.records import report_data, timing

    return [
        (getattr(report_data, name, None) or getattr(timing, name), getattr(models, name))
        for name in (
            "CallReport", "WaitReport", "ErrorReport", "ItemReport", "StepReport",
            "ConnectionReport", "AssertionReport", "ShardReport", "ShardRun", "RecipeRef",
            "Report",
        )
    ]  # fmt: skip


@pytest.mark.parametrize(("plain", "model"), _plain_classes(), ids=lambda c: c.__name__)
def test_each_plain_class_mirrors_its_pydantic_model(plain, model):
    """Same fields, same defaults, same JSON key order: the schema describes what is written."""
    import inspect

    fields = model.model_fields
    assert set(plain.__slots__) == set(fields)
    params = inspect.signature(plain.__init__).parameters
    for name, info in fields.items():
        default = params[name].default
        if info.is_required():
            assert default is inspect.Parameter.empty, name
        elif info.default_factory is not None:
            assert default is None, name  # None stands for a fresh empty list or dict
            assert getattr(plain(**_required(plain, params)), name) == info.default_factory()
        else:
            assert default == info.default, name
    keys = list(plain(**_required(plain, params)).to_json())
    assert keys == [info.alias or name for name, info in fields.items()]


def _required(plain, params):
    """Values for the fields a class requires: enough to build one and list its JSON keys."""
    import inspect

    from wrapper.records.report_data import RecipeRef

    values = {
        name: 0
        for name, param in params.items()
        if name != "self" and param.default is inspect.Parameter.empty
    }
    if "recipe" in values:
        values["recipe"] = RecipeRef(name="r", path="p", sha256="s")
    return values


def test_writing_a_report_imports_no_pydantic(tmp_path):
    """A run builds and writes its report from plain classes; pydantic is for reading."""
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parents[2])!r})
from tests.records.report_scenarios import SCENARIOS
from wrapper.records.report import ReportBuilder, write_report
from pathlib import Path
builder = ReportBuilder()
for event in SCENARIOS["resumed"]():
    builder.handle(event)
write_report(builder.report(), Path({str(tmp_path / "r.json")!r}))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core"))
print(",".join(loaded))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    assert (tmp_path / "r.json").read_bytes() == (FIXTURES / "report-resumed.json").read_bytes()


ODD_VALUES = [
    None, True, False, 0, -7, 10**30, 0.1, -0.0, 1e16, 1e-7, 2.5e300, float("inf"), float("-inf"),
    "", "plain", 'quote " back \\ slash', "tab\tnew\nline\x00nul\x1f", "Zoë ✓ 𝄞 \u2028",
    [], {}, [[]], [{}], {"a": []}, {"a": {}}, [1, [2, [3, {"b": None}]]], (1, "two"),
    {"nested": {"deep": [{"x": 1.5, "y": [True, False, None]}]}, "n": -1},
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
]  # fmt: skip


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_the_report_writer_writes_what_json_dumps_writes(value):
    from wrapper.records.jsontext import dumps

    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps({"v": value, "w": [value]}) == json.dumps(
        {"v": value, "w": [value]}, indent=2, ensure_ascii=False
    )


def test_the_report_writer_writes_subclasses_and_nan_as_json_does():
    import enum
    from collections import OrderedDict

    from wrapper.records.jsontext import dumps

    class Level(enum.IntEnum):
        HIGH = 3

    class Name(str, enum.Enum):
        ADA = "ada"

    value = {"level": Level.HIGH, "name": Name.ADA, "map": OrderedDict(b=1, a=2), "nan": [1.0]}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps(float("nan")) == json.dumps(float("nan")) == "NaN"
    with pytest.raises(TypeError):
        dumps({"x": object()})
