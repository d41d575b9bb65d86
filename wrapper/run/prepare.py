"""Everything a run checks before its first call: the recipe loaded and linted, its inputs
resolved, connection overrides and the shard; for a resume, the journal read back.

A problem found here stops the run before anything ran; it is raised (one `WrapperError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapper.errors import UsageError
from wrapper.frozen import Frozen
from wrapper.recipe.inputs import load_inputs_file, resolve_inputs
from wrapper.recipe.lint import check_recipe
from wrapper.recipe.loader import LoadedRecipe, load_recipe, recipe_argument

if TYPE_CHECKING:
    from wrapper.recipe.shard import Shard
    from wrapper.run.resume import ResumePlan

#: Told a line a person should read (a warning, a note); None: nobody is listening.
Notify = Callable[[str], None] | None


class Prepared(Frozen):
    """A recipe ready to run: loaded, linted, inputs resolved, connections and shard checked."""

    __slots__ = ("loaded", "inputs", "connections", "shard", "resume")  # noqa: RUF023  # in order
    loaded: LoadedRecipe
    inputs: dict[str, Any]
    connections: dict[str, str]
    shard: Shard | None
    resume: ResumePlan | None

    def __init__(
        self,
        loaded: LoadedRecipe,
        inputs: dict[str, Any],
        connections: dict[str, str] | None = None,
        shard: Shard | None = None,
        resume: ResumePlan | None = None,
    ) -> None:
        object.__setattr__(self, "loaded", loaded)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "connections", {} if connections is None else connections)
        object.__setattr__(self, "shard", shard)
        object.__setattr__(self, "resume", resume)


def prepare_run(
    recipe: str | Path,
    *,
    inputs: Mapping[str, Any] | None = None,
    text_inputs: Mapping[str, str] | None = None,
    inputs_file: Path | None = None,
    connections: Mapping[str, str] | None = None,
    environ: Mapping[str, str],
    shard: str | None = None,
    shard_step: str | None = None,
    rate_share: int | None = None,
    shard_from: str = "--shard",
    notify: Notify = None,
) -> Prepared:
    """Load `recipe` (a file or a shipped name) and check everything a run needs; the shard
    options are checked by `check_shard_options` first."""
    loaded = load_recipe(recipe_argument(recipe))
    # What `mw lint` calls an error stops the run before any call: a reference to a later step,
    # a sub-recipe cycle, `index` outside a foreach. Warnings are lint's to show.
    check_recipe(loaded)
    values = dict(load_inputs_file(inputs_file)) if inputs_file else {}
    values.update(inputs or {})
    resolved = resolve_inputs(
        loaded.recipe.inputs, given=dict(text_inputs or {}), values=values, environ=environ
    )
    overrides = dict(connections or {})
    unknown = [name for name in overrides if name not in loaded.recipe.connections]
    if unknown:
        declared = ", ".join(loaded.recipe.connections) or "none"
        raise UsageError(
            f"--connection {unknown[0]}: the recipe declares no such connection "
            f"(it declares: {declared})"
        )
    chosen = None
    if shard is not None:
        from wrapper.recipe.shard import choose_step, outside_writes

        chosen = choose_step(
            loaded.recipe,
            resolved,
            environ,
            shard,
            shard_step,
            rate_share=rate_share,
            name=shard_from,
        )
        writes = outside_writes(loaded.recipe, chosen)
        if writes and notify is not None:
            notify(
                f"warning: write step{'s' if len(writes) > 1 else ''} {', '.join(writes)} "
                f"run{'' if len(writes) > 1 else 's'} in every shard (only {chosen.step_id!r} "
                "is split)"
            )
        if notify is not None:
            _shard_notes(chosen, shard_from, loaded, notify)
    return Prepared(loaded, resolved, overrides, chosen)


def _shard_notes(
    shard: Shard, name: str, loaded: LoadedRecipe, notify: Callable[[str], None]
) -> None:
    """Say what chose the shard (`auto`, MW_SHARD) and what each connection may send here."""
    from wrapper.run.ratelimit import rate_notes

    source = shard.chosen_by() or (name if name != "--shard" else None)
    if source:
        notify(f"[shard] {shard.label} from {source}")
    for note in rate_notes(loaded.recipe.connections, shard):
        notify(f"[rate] {note}")


def check_shard_options(
    shard: str | None,
    shard_step: str | None,
    rate_share: str | None,
    environ: Mapping[str, str],
    name: str = "--shard",
) -> int | None:
    """`--shard` well formed (`auto` with its CI variables), `--shard-step` and `--rate-share`
    only with it: checked before the recipe is even read. The rate share (None: by N)."""
    for option, value in (("--shard-step", shard_step), ("--rate-share", rate_share)):
        if value is not None and shard is None:
            raise UsageError(f"{option} needs --shard I/N")
    if shard is None:
        return None
    from wrapper.recipe.shard import parse_rate_share, resolve_spec

    resolve_spec(shard, environ, name)
    return parse_rate_share(rate_share) if rate_share is not None else None


def prepare_resume(
    run_id: str,
    *,
    secrets: Mapping[str, str] | None = None,
    force: bool = False,
    uncertain: str | None = None,
    environ: Mapping[str, str],
    ask_secret: Callable[[str], str] | None = None,
) -> Prepared:
    """Read run `run_id`'s journal (its lock held by the caller) and plan what is left.

    `secrets` are the secret inputs given again (they are never journaled); the run's other
    inputs are reused as recorded. `ask_secret(name)` is asked for any secret still missing.
    """
    from wrapper.recipe.shard import Shard
    from wrapper.records.journal import load_state
    from wrapper.run import resume

    state = load_state(run_id)
    loaded = load_recipe(state.path)
    resume.check_recipe(state, loaded, force=force)
    specs = loaded.recipe.inputs
    pairs: dict[str, Any] = dict(secrets or {})
    recorded = [n for n in pairs if n in specs and not specs[n].is_secret]
    if recorded:
        # A new value would make one run of two inputs: items before the stop saw the old one.
        raise UsageError(
            f"-i {recorded[0]}: run {run_id} recorded this input; a resume reuses it "
            "(only secret inputs are given again)",
            advice="To run with another value, start a new run with `mw run`.",
        )

    def resolved() -> dict[str, Any]:
        values = resume.resume_values(state, specs, pairs)
        return resolve_inputs(specs, given=pairs, values=values, environ=environ)

    inputs = resolved()
    missing = resume.missing_secrets(state, specs, inputs)
    if missing and ask_secret is not None:
        for name in missing:
            pairs[name] = ask_secret(name)
        inputs = resolved()
        missing = resume.missing_secrets(state, specs, inputs)
    resume.require_secrets(missing, specs)
    plan = resume.ResumePlan(state, loaded, uncertain=uncertain)
    shard = Shard.from_json(state.shard) if state.shard else None
    return Prepared(loaded, inputs, dict(plan.connections), shard, plan)
