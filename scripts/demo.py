"""The demo: what modelspec does with every example spec in specs/.

Run with `make demo`. For each spec: validate and summarise it (no framework), draw it, build
the Keras model and the torch module, copy the weights across and compare the two. Diagrams go
to out/ (and the seed model's to docs/stock_lstm.png, which the README shows). The first
failing step stops the demo with its message and exit status 1.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import modelspec
from modelspec.backends.check import check
from modelspec.render import write

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out"


def banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 76 - len(text)))


def step(label: str, started: float) -> None:
    print(f"  {label} ({time.perf_counter() - started:.2f} s)")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    failures = 0
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        banner(str(path.relative_to(ROOT)))
        started = time.perf_counter()
        spec = modelspec.load(path)
        print(spec.summary())
        step("validated and summarised, no framework imported", started)
        if spec.search_space:
            sample = spec.sample(seed=0)
            print(f"  search space {', '.join(spec.search_space)}; sample(seed=0) -> "
                  f"{sample.values}: {sample.graph.params:,} params")  # fmt: skip

        started = time.perf_counter()
        write(spec.render(), OUT / f"{path.stem}.svg")
        if path.stem == "stock_lstm":
            write(spec.render(), ROOT / "docs" / "stock_lstm.png")
        step(f"drew out/{path.stem}.svg", started)

        started = time.perf_counter()
        report = check(spec)
        print("  " + str(report).replace("\n", "\n  "))
        step("built the Keras model and the torch module, transferred weights, compared", started)
        failures += not report.ok
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (modelspec.SpecError, modelspec.BackendError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
