"""The demo: what modelspec does with every example spec in specs/, then training.

Run with `make demo`. For each spec: validate and summarise it (no framework), draw it, build
the Keras model and the torch module, copy the weights across and compare the two. Diagrams go
to out/ (and the seed model's to docs/stock_lstm.png, which the README shows). Then the two seed
models train on synthetic data with both back ends (the losses must fall), and a small random
search tunes the classifier (out/best_classifier.yaml). The first failing
step stops the demo with its message and exit status 1.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import modelspec
from modelspec.backends.check import check
from modelspec.render import write
from modelspec.yamlio import write_atomic

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
    failures += train_seeds()
    search_classifier()
    return 1 if failures else 0


def stock_windows(n: int = 600, seed: int = 0) -> dict[str, np.ndarray]:
    """A synthetic price series (in hundreds: a random walk with a seasonal swing), windowed as
    seed 000 windows it: 10 prices in, the next price and whether it went up out."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + 10)
    series = 1.0 + 0.05 * np.sin(t / 8) + np.cumsum(rng.normal(0, 0.005, n + 10))
    windows = np.stack([series[i : i + 10] for i in range(n)])[..., None].astype("float32")
    following = series[10 : n + 10].astype("float32")
    return {"prices": windows, "price": following, "direction": (following > windows[:, -1, 0]).astype("float32")}


def classes(n: int = 1000, seed: int = 0) -> dict[str, np.ndarray]:
    """Seed 004's data shape: 5 features, 2 classes (one-hot), separable up to some noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 5)).astype("float32")
    label = (features @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + rng.normal(0, 0.5, n) > 0).astype(int)
    return {"features": features, "classes": np.eye(2, dtype="float32")[label]}


def search_classifier(trials: int = 6) -> None:
    """A small random search over seed 004's units, dropout rates and learning rate (torch)."""
    from modelspec.search import search

    banner(f"search sequential_classifier: {trials} random trials with torch")
    data = OUT / "classifier.npz"
    np.savez(data, **classes(256))
    db = OUT / "search.db"
    db.unlink(missing_ok=True)  # a fresh study each demo run (the same command would resume it)
    started = time.perf_counter()
    result = search(modelspec.load(ROOT / "specs" / "sequential_classifier.yaml"), data, "torch", trials=trials,
                    sampler="random", seed=0, epochs=3, storage=f"sqlite:///{db}", study_name="demo")  # fmt: skip
    print(result.table())
    best = OUT / "best_classifier.yaml"
    write_atomic(best, result.best_spec.to_yaml())
    print(f"  best: trial {result.best_trial.number}, {result.objective} {result.best_trial.value:.4f}; "
          f"wrote {best.relative_to(ROOT)}")  # fmt: skip
    step("searched", started)


def train_seeds() -> int:
    """Train both seed models with both back ends; count the runs whose loss did not fall."""
    failures = 0
    for name, data in (("stock_lstm", stock_windows()), ("sequential_classifier", classes())):
        spec = modelspec.load(ROOT / "specs" / f"{name}.yaml")
        for backend in ("keras", "torch"):
            banner(f"train {name} with {backend}")
            result = spec.train(data, backend, echo=lambda line: print("  " + line))
            first, last = result.history[0]["loss"], result.history[-1]["loss"]
            fell = last < first
            print(f"  loss {first:.4g} -> {last:.4g} over {len(result.history)} epochs "
                  f"({'falls' if fell else 'DID NOT FALL'}); {result.seconds:.1f} s")  # fmt: skip
            failures += not fell
    return failures


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (modelspec.SpecError, modelspec.BackendError, modelspec.DataError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
