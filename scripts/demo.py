"""The demo: what modelspec does with every example spec in specs/, then training.

Run with `make demo`. For each spec: validate and summarise it (no framework), draw it, build
the Keras model and the torch module, copy the weights across and compare the two. Diagrams go
to out/ (and the seed model's to docs/stock_lstm.png, which the README shows). Then the two seed
models train on real data (examples/datasets.py: monthly stock closes from vega_datasets, the
breast-cancer set from scikit-learn, both bundled with their packages) with both back ends, on a
training split, validated on a validation split, and evaluated on a test split whose figures are
printed side by side (the losses must fall); and a small random search tunes the classifier
(out/best_classifier.yaml). The first failing step stops the demo with its message and exit
status 1.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import modelspec
from modelspec import cli
from modelspec.backends.check import check
from modelspec.console import text_table
from modelspec.render import write
from modelspec.training import history_path
from modelspec.yamlio import write_atomic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # examples/, beside scripts/: the demo's data, outside the package
try:
    from examples import datasets
except ImportError as exc:  # scikit-learn or vega_datasets missing
    sys.exit(f"demo: {exc}; the demo's data needs the dev extra: pip install -e '.[dev]'")
OUT = ROOT / "out"


def banner(text: str) -> None:
    """A section's title line."""
    print(f"\n=== {text} " + "=" * max(0, 76 - len(text)))


def step(label: str, started: float) -> None:
    """What a step did and how long it took since `started` (`time.perf_counter()`)."""
    print(f"  {label} ({time.perf_counter() - started:.2f} s)")


def main() -> int:
    """Every spec, then training and search; the exit status (1 when a step failed)."""
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


def search_classifier(trials: int = 6) -> None:
    """A small random search over seed 004's units, dropout rates and learning rate (torch), on
    the breast-cancer training split (each trial validates on its last 20%: `validation_split`)."""
    from modelspec.search import search

    banner(f"search sequential_classifier: {trials} random trials with torch")
    data = OUT / "classifier_train.npz"  # the breast-cancer training split (train_seeds wrote it)
    db = OUT / "search.db"
    db.unlink(missing_ok=True)  # a fresh study each demo run (the same command would resume it)
    started = time.perf_counter()
    result = search(modelspec.load(ROOT / "specs" / "sequential_classifier.yaml"), data, "torch", trials=trials,
                    sampler="random", seed=0, epochs=3, storage=f"sqlite:///{db}", study_name="demo")  # fmt: skip
    print(result.table())
    best, trial, concrete = OUT / "best_classifier.yaml", result.best_trial, result.best_spec
    assert trial is not None and concrete is not None  # the first trials are never pruned
    write_atomic(best, concrete.to_yaml())
    print(f"  best: trial {trial.number}, {result.objective} {trial.value:.4f}; "
          f"wrote {best.relative_to(ROOT)}")  # fmt: skip
    step("searched", started)


def train_seeds() -> int:
    """Train both seed models on real data with both back ends: fit on the training split,
    validate on the validation split, then evaluate on the test split and print its figures
    side by side. Count the runs whose loss did not fall."""
    banner("real data for the seed models (examples/datasets.py; nothing is downloaded)")
    prepared = {"stock": datasets.stock_windows(), "classifier": datasets.breast_cancer()}
    files = {}
    for stem, splits in prepared.items():
        print("  " + "\n  ".join(splits.notes))
        files[stem] = datasets.write(splits, OUT, stem)
        print("  wrote " + ", ".join(str(p.relative_to(ROOT)) for p in files[stem].values()))
    failures = 0
    for name, stem in (("stock_lstm", "stock"), ("sequential_classifier", "classifier")):
        tested: dict[str, dict[str, float]] = {}
        for backend in ("keras", "torch"):
            banner(f"train {name} with {backend}, then evaluate it on the test split")
            status, tested[backend] = train_and_test(name, backend, files[stem])
            failures += status
        size = len(next(iter(prepared[stem].test.values())))
        banner(f"{name} on its test split ({size} samples), as each back end evaluates it")
        rows = [[k, *(f"{tested[b][k]:.4f}" for b in tested)] for k in tested["keras"]]
        print("  " + text_table(["figure", *tested], rows, "<>>").replace("\n", "\n  "))
    return failures


def train_and_test(name: str, backend: str, files: dict[str, Path]) -> tuple[int, dict[str, float]]:
    """Run `modelspec train` on files["train"] with `--val-data files["val"]`, then `modelspec
    evaluate` on files["test"] (the commands themselves, in this process); (1 when a command
    failed or the loss did not fall, else 0; the test figures)."""
    model = OUT / f"{name}.{'keras' if backend == 'keras' else 'pt'}"
    train: list[str | Path] = ["train", ROOT / "specs" / f"{name}.yaml", "--data", files["train"], "--val-data", files["val"],
             "--backend", backend, "-o", model]  # fmt: skip
    test: list[str | Path] = ["evaluate", model, "--data", files["test"]]
    for command in (train, test):
        words = [str(Path(w).relative_to(ROOT)) if isinstance(w, Path) else w for w in command]
        print("$ modelspec " + " ".join(words))
        if cli.main([str(w) for w in command]) != 0:
            return 1, {}
    history = json.loads(history_path(model).read_text())["history"]["loss"]
    fell = history[-1] < history[0]
    print(f"  loss {history[0]:.4g} -> {history[-1]:.4g} over {len(history)} epochs "
          f"({'falls' if fell else 'DID NOT FALL'})")  # fmt: skip
    return int(not fell), modelspec.load_model(model).evaluate(files["test"])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (modelspec.SpecError, modelspec.BackendError, modelspec.DataError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
