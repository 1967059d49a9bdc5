"""``make mutation``: do the unit tests catch a change to a business rule?

mutmut (configured in pyproject's ``[tool.mutmut]``) changes the pure domain and pricing
modules one small edit at a time (``<`` for ``<=``, ``and`` for ``or``, ``None`` for a value)
and runs the unit tests against each change. A change no test notices is a rule no test
states. This prints, per module, the mutants killed, survived and reached by no test, the
score (killed / all, so an unreached mutant counts as a survivor), and every survivor; it
exits non-zero when the overall score or any module's is below the thresholds.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
LOG = MUTANTS / "mutmut-run.log"
OVERALL_MIN = 90.0
MODULE_MIN = 85.0

# mutmut's exit codes for a mutant (mutmut.stats.status_by_exit_code): 1 and 3 are test
# failures, timeouts count as caught; 5 and 33 mean no unit test runs the mutated function.
KILLED = {1, 3, 36, 24, -24, 152, 255}
NOT_REACHED = {5, 33}


@dataclass
class Module:
    path: str
    killed: int = 0
    not_reached: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survived) + len(self.not_reached)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.total


def mutated_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns: list[str] = config["tool"]["mutmut"]["only_mutate"]
    return patterns


def run_mutmut(*, reuse: bool) -> None:
    if not reuse:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    MUTANTS.mkdir(exist_ok=True)
    print(f"mutmut: mutating {', '.join(mutated_patterns())} (progress in {LOG.relative_to(ROOT)})")
    started = time.monotonic()
    with LOG.open("w") as log:
        done = subprocess.run(
            [sys.executable, "-m", "mutmut", "run"], cwd=ROOT, stdout=log, stderr=log, check=False
        )
    if done.returncode != 0:
        sys.exit(f"mutmut failed (exit {done.returncode}); see {LOG}")
    print(f"mutmut: done in {time.monotonic() - started:.0f} s")


def collect() -> list[Module]:
    patterns = mutated_patterns()
    modules = []
    metas = [*MUTANTS.glob("services/**/*.py.meta"), *MUTANTS.glob("shared/**/*.py.meta")]
    for meta in sorted(metas):
        path = str(meta.relative_to(MUTANTS).with_suffix(""))
        if not any(fnmatch.fnmatch(path, pattern) for pattern in patterns):
            continue
        module = Module(path)
        for name, code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].items():
            if code in KILLED:
                module.killed += 1
            elif code in NOT_REACHED:
                module.not_reached.append(name)
            else:  # survived, or not run at all: nothing shows a test would catch it
                module.survived.append(name)
        if module.total:
            modules.append(module)
    if not modules:
        sys.exit(f"no mutation results under {MUTANTS}; run without --report-only first")
    return modules


def change(name: str, path: str) -> str:
    """The mutated lines of one mutant, as ``old -> new``."""
    diff = get_diff_for_mutant(name, path=path).splitlines()[2:]
    old = " / ".join(line[1:].strip() for line in diff if line.startswith("-"))
    new = " / ".join(line[1:].strip() for line in diff if line.startswith("+"))
    return f"{old}  ->  {new}"


def report(modules: list[Module]) -> bool:
    print(f"\n{'module':<45} {'killed':>7} {'survived':>9} {'no test':>8} {'score':>7}")
    for m in modules:
        print(
            f"{m.path:<45} {m.killed:>7} {len(m.survived):>9} {len(m.not_reached):>8} "
            f"{m.score:>6.1f}%"
        )
    killed = sum(m.killed for m in modules)
    survived = sum(len(m.survived) for m in modules)
    not_reached = sum(len(m.not_reached) for m in modules)
    overall = 100.0 * killed / (killed + survived + not_reached)
    print(f"{'all':<45} {killed:>7} {survived:>9} {not_reached:>8} {overall:>6.1f}%")

    survivors = [(m.path, name) for m in modules for name in m.not_reached + m.survived]
    if survivors:
        print(f"\n{len(survivors)} mutants no unit test catches (`mutmut show <name>` for each):")
        for path, name in survivors:
            print(f"  {name}\n      {change(name, path)}")

    weak = [m.path for m in modules if m.score < MODULE_MIN]
    passed = overall >= OVERALL_MIN and not weak
    print(
        f"\nscore {overall:.1f}% (needs {OVERALL_MIN:.0f}% overall, {MODULE_MIN:.0f}% per module)"
        + (f"; below in {', '.join(weak)}" if weak else "")
        + (": PASS" if passed else ": FAIL")
    )
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse", action="store_true", help="keep mutants/ and re-test only what changed"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="report the last run's results, run nothing"
    )
    args = parser.parse_args(argv)
    if not args.report_only:
        run_mutmut(reuse=args.reuse)
    return 0 if report(collect()) else 1


if __name__ == "__main__":
    sys.exit(main())
