"""The CPU-ratio section of `benchmarks/RESULTS.md`: every comparison side by side, with the
targets of the start-up and scale budget (DESIGN section 9 and its later additions)."""

from __future__ import annotations

from bench_cpu import QUICK_SIZES, SIZES
from bench_world import CHAIN, Bench, num

STARTUP_TARGET = 1.5
PER_ITEM_TARGET_MS = 0.6
RSS_TARGET_MB = 120.0
RSS_TARGET_ITEMS = 20_000


def _median(bench: Bench, key: str) -> float:
    figure = bench.figures.get(key)
    return figure.median if figure is not None else float("nan")


def _ratio(top: float, bottom: float) -> str:
    if top != top or bottom != bottom or bottom == 0:
        return "n/a"
    return f"{top / bottom:.2f}x"


def _verdict(value: float, limit: float) -> str:
    if value != value:
        return "not measured"
    return "met" if value <= limit else "**NOT met**"


def _slope(bench: Bench, prefix: str) -> float:
    """CPU (ms) of one more call: the 50-call figure less the 1-call one, over 49."""
    return (_median(bench, f"{prefix}{CHAIN}") - _median(bench, f"{prefix}1")) / (CHAIN - 1)


def cpu_section(bench: Bench) -> list[str]:
    m = lambda key: _median(bench, key)  # noqa: E731
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, ratio: str, detail: str, verdict: str = "") -> None:
        rows.append((what, ratio, detail, verdict))

    mw1, floor4, floor3 = m("c_mw1"), m("c_floor4"), m("c_floor3")
    ratio = mw1 / floor4 if floor4 == floor4 and floor4 else float("nan")
    row(
        "1-step `mw run` / import click, yaml, jmespath, pydantic",
        _ratio(mw1, floor4),
        f"{num(mw1)} / {num(floor4)} ms",
        f"target ≤ {STARTUP_TARGET}x: {_verdict(ratio, STARTUP_TARGET)}",
    )
    actions = m("c_actions")
    ratio = actions / floor3 if floor3 == floor3 and floor3 else float("nan")
    row(
        "`mw actions run` / import click, yaml, jmespath",
        _ratio(actions, floor3),
        f"{num(actions)} / {num(floor3)} ms",
        f"target ≤ {STARTUP_TARGET}x: {_verdict(ratio, STARTUP_TARGET)}",
    )
    row("`mw run --help` / import click, yaml, jmespath", _ratio(m("c_runhelp"), floor3), "")
    row("`mw --version` / `python -c pass`", _ratio(m("c_version"), m("c_python")), "")
    sh, py, mw = _slope(bench, "c_sh"), _slope(bench, "c_py"), _slope(bench, "c_run")
    row(
        "one more step: `mw run` / shell loop",
        _ratio(mw, sh),
        f"{num(mw)} / {num(sh)} ms per call",
    )
    row(
        "one more step: `mw run` / Python `subprocess.run` loop",
        _ratio(mw, py),
        f"{num(mw)} / {num(py)} ms; mw adds {num(mw - py)} ms",
    )
    mw50 = m(f"c_run{CHAIN}")
    row(f"{CHAIN} calls all-in: `mw run` / shell loop", _ratio(mw50, m(f"c_sh{CHAIN}")), "")
    row(f"{CHAIN} calls all-in: `mw run` / Python loop", _ratio(mw50, m(f"c_py{CHAIN}")), "")
    row(f"{CHAIN} calls: go-task / `mw run`", _ratio(m("t_cpu"), mw50), bench_note(bench, "t_cpu"))
    row(f"{CHAIN} calls: Ansible / `mw run`", _ratio(m("a_cpu"), mw50), bench_note(bench, "a_cpu"))
    row(
        "200-item fan-out, wall: `mw run` / `xargs -P 10`",
        _ratio(m("x_mw_wall"), m("x_xargs_wall")),
        f"{num(m('x_mw_wall'))} / {num(m('x_xargs_wall'))} s (ideal 1.0 s)",
    )
    row(
        "200-item fan-out, CPU: `mw run` / `xargs -P 10`",
        _ratio(m("x_mw_cpu"), m("x_xargs_cpu")),
        "",
    )
    row(
        "resume of a half-failed run / the whole run (items as in the figures)",
        _ratio(m("r_resume"), m("r_fresh")),
        f"{num(m('r_resume'))} / {num(m('r_fresh'))} s CPU (half the calls: about 0.5x)",
    )
    lines = [
        "## CPU ratios",
        "",
        "CPU time (user + system of the process and every process it waited for, so the calls "
        "to the fake are in it), medians, the same machine and the same minutes.",
        "",
        "| Comparison | Ratio | Detail | Target |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        *growth_table(bench, py),
    ]
    return lines


def bench_note(bench: Bench, key: str) -> str:
    figure = bench.figures.get(key)
    return figure.note if figure is not None else ""


def growth_table(bench: Bench, call_ms: float) -> list[str]:
    """Per size: CPU per item over the calls, memory, and whether growth stays linear."""
    m = lambda key: _median(bench, key)  # noqa: E731
    sizes = [n for n in (QUICK_SIZES if bench.quick else SIZES) if f"g{n}_cpu" in bench.figures]
    if not sizes:
        return []
    start_ms = m("c_mw1")
    lines = [
        "### Growth: a foreach of N items with `--report` (fast fake, concurrency 10)",
        "",
        "CPU per item over the calls = (CPU of the run − the 1-step run's CPU − N × the CPU of "
        f"one call from a Python loop, {num(call_ms)} ms) / N.",
        "",
        "| Items | Wall | CPU | CPU per item over the calls | Peak RSS | Journal per item |",
        "|---|---|---|---|---|---|",
    ]
    per_item: dict[int, float] = {}
    for n in sizes:
        cpu_ms = m(f"g{n}_cpu") * 1000
        per_item[n] = (cpu_ms - start_ms - n * call_ms) / n
        lines.append(
            f"| {n:,} | {num(m(f'g{n}_wall'))} s | {num(m(f'g{n}_cpu'))} s "
            f"| {num(per_item[n])} ms | {num(m(f'g{n}_rss'))} MB "
            f"| {num(m(f'g{n}_journal'))} B |"
        )
    first, last = sizes[0], sizes[-1]
    rss_slope = (m(f"g{last}_rss") - m(f"g{first}_rss")) * 1024 / (last - first)
    lines += [
        "",
        f"- CPU per item over the calls, largest run: **{num(per_item[last])} ms** "
        f"(target ≤ {PER_ITEM_TARGET_MS} ms: {_verdict(per_item[last], PER_ITEM_TARGET_MS)}); "
        f"CPU per item at {last:,} / at {first:,} items: "
        f"{_ratio(m(f'g{last}_cpu') / last, m(f'g{first}_cpu') / first)} (1.0x is linear).",
        f"- Memory grows {num(rss_slope)} KB per item from {first:,} to {last:,} items.",
    ]
    if RSS_TARGET_ITEMS in sizes:
        rss = m(f"g{RSS_TARGET_ITEMS}_rss")
        lines.append(
            f"- {RSS_TARGET_ITEMS:,} items with `--report`: **{num(rss)} MB** peak "
            f"(target under {RSS_TARGET_MB:.0f} MB: {_verdict(rss, RSS_TARGET_MB)})."
        )
    return lines
