"""The demo: what modelspec does with every example spec in specs/.

Run with `make demo`. Each step prints what it did; the first failing step stops the demo with
its message (exit status 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import modelspec

ROOT = Path(__file__).resolve().parent.parent


def banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 76 - len(text)))


def main() -> int:
    specs = sorted((ROOT / "specs").glob("*.yaml"))
    for path in specs:
        banner(f"{path.relative_to(ROOT)}")
        spec = modelspec.load(path)
        print(spec.summary())
        if spec.search_space:
            sample = spec.sample(seed=0)
            print(f"search space {', '.join(spec.search_space)}; sample(seed=0): {sample.values}, "
                  f"{sample.graph.params:,} params")  # fmt: skip
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except modelspec.SpecError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
