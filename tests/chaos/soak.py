"""The long chaos soak: many seeded trials of tests/chaos/harness.py, each in its own folder.

    python tests/chaos/soak.py --trials 200 --seed 1000

Trial n uses seed `--seed + n`, so a failing trial is rerun alone with `--trials 1 --seed S`.
Exits 1 on the first failure (its folder is kept and named), 0 when every trial passed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from tests.chaos.harness import check, choose, finish, run_trial


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1000, help="seed of the first trial")
    parser.add_argument("--sessions", type=int, default=6, help="chaotic sessions per trial")
    args = parser.parse_args(argv)
    started = time.monotonic()
    kills = cuts = 0
    for n in range(args.trials):
        seed = args.seed + n
        home = Path(tempfile.mkdtemp(prefix=f"mw-chaos-{seed}-"))
        trial = choose(seed)
        try:
            run_trial(trial, home, sessions=args.sessions)
            finish(trial, home)
            check(trial, home)
        except AssertionError as failure:
            print(f"trial {seed} FAILED (kept in {home}):\n{failure}", file=sys.stderr)
            return 1
        kills += sum("killed=True" in line for line in trial.log)
        cuts += sum("cut=True" in line for line in trial.log)
        kind = "plain" if trial.plain else "idempotent"
        print(f"trial {seed}: ok ({kind}, {trial.items} items, faults {trial.faults or 'none'})")
        shutil.rmtree(home, ignore_errors=True)
    spent = time.monotonic() - started
    print(
        f"{args.trials} trials, {kills} kills ({cuts} cut back to the chosen record), all ok in "
        f"{spent:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
