"""JUnit XML of a run's report: what CI shows as tests (`--junit`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wrapper.records.report import AssertionReport, ErrorReport, Report, run_failures, write_text

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


def junit_xml(report: Report) -> str:
    """A testsuite per run; a testcase per step, or per item of a foreach step, one per failed
    assertion, and a run-level one for a failure outside any step (a connection that could not
    be had, an output that failed, a shard that stopped early), so the suite is red whenever
    the run is."""
    # Imported here: only --junit needs XML, and every run pays for what is imported at start.
    import xml.etree.ElementTree as ET

    suite = ET.Element("testsuite", name=report.recipe.name)
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for step in report.steps:
        if step.items:
            for item in step.items:
                case_name = f"{step.id}[{item.index}]"
                _case(suite, report, case_name, item.status, item.duration_s, item.error, counts)
        else:
            _case(suite, report, step.id, step.status, step.duration_s, step.error, counts)
    for i, check in enumerate(report.assertions):
        failure = None if check.ok else ErrorReport(message=_assertion_text(check))
        _case(suite, report, f"assert[{i}]", "ok" if check.ok else "failed", 0.0, failure, counts)
    for name, error in run_failures(report):
        _case(suite, report, name, "failed", report.duration_s, error, counts)
    suite.set("tests", str(counts["tests"]))
    suite.set("failures", str(counts["failures"]))
    suite.set("errors", "0")
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", f"{report.duration_s:.3f}")
    suite.set("timestamp", report.started_at)
    root = ET.Element("testsuites", name="mw")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _assertion_text(check: AssertionReport) -> str:
    return check.error or f"assertion failed: {check.message or check.that}"


def _case(
    suite: ET.Element,
    report: Report,
    name: str,
    status: str,
    duration_s: float,
    error: ErrorReport | None,
    counts: dict[str, int],
) -> None:
    import xml.etree.ElementTree as ET

    case = ET.SubElement(
        suite, "testcase", classname=report.recipe.name, name=name, time=f"{duration_s:.3f}"
    )
    counts["tests"] += 1
    if status in ("failed", "interrupted"):
        counts["failures"] += 1
        message = error.message if error else status
        failure = ET.SubElement(
            case, "failure", message=message, type=error.type or "" if error else ""
        )
        failure.text = message
    elif status in ("skipped", "cancelled", "planned"):
        counts["skipped"] += 1
        reason = {"planned": "a write not run by mw plan", "cancelled": "cancelled"}.get(
            status, "condition not met"
        )
        ET.SubElement(case, "skipped", message=reason)


def write_junit(report: Report, path: Path) -> None:
    write_text(path, junit_xml(report) + "\n")
