"""modelspec benchmarks: `make bench` (or `python -m bench [GROUP...] [--quick]`).

Every comparison times both sides in the same run, alternating, and reports medians and the
ratio ours / hand-written. Results go to bench/RESULTS.md. Not part of the test suite.
Groups: forward, build, validate, scale, render.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import Comparison, compare, once  # noqa: E402

import modelspec  # noqa: E402
from modelspec.yamlio import write_atomic  # noqa: E402

SPECS = ROOT / "specs"


def forward(quick: bool) -> list[Comparison]:
    """Compiled torch module vs the same architecture written by hand, eval mode, one thread."""
    import torch

    from bench import references as ref

    torch.set_num_threads(1)
    out = []
    stock_tanh = (SPECS / "stock_lstm.yaml").read_text().replace("activation: relu, inputs: prices", "inputs: prices")
    cases = [
        ("seed 004 classifier", modelspec.load(SPECS / "sequential_classifier.yaml").to_torch(), ref.Classifier(), (5,), 1.02),
        ("toy ResNet", modelspec.load(SPECS / "toy_resnet.yaml").to_torch(), ref.ToyResNet(), (32, 32, 3), 1.02),
        ("stock LSTM, tanh", modelspec.loads(stock_tanh).to_torch(), ref.StockLSTM(), (10, 1), 1.02),
        ("stock LSTM, relu (seed) vs nn.LSTM", modelspec.load(SPECS / "stock_lstm.yaml").to_torch(), ref.StockLSTM(), (10, 1), 2.0),
    ]  # fmt: skip
    for name, ours, hand, shape, goal in cases:
        if name in ("seed 004 classifier", "toy ResNet"):
            hand.load_state_dict(ours.state_dict())  # same weights, and a check they are one model
        ours.eval(), hand.eval()
        for batch in (1, 64):
            x = torch.randn(batch, *shape)
            if name in ("seed 004 classifier", "toy ResNet"):
                with torch.no_grad():
                    assert torch.allclose(ours(x), hand(x), atol=1e-5), name
            number = {1: 200, 64: 20}[batch] if "ResNet" not in name else {1: 20, 64: 2}[batch]
            with torch.no_grad():
                out.append(compare(f"torch forward, {name}, batch {batch}", lambda: ours(x), lambda: hand(x),
                                   number=max(1, number // (4 if quick else 1)), repeats=5 if quick else 15,
                                   goal=goal))  # fmt: skip
    return out


def build(quick: bool) -> list[Comparison]:
    """Spec file -> model vs constructing the same model by hand."""
    import keras
    import torch

    from bench import references as ref

    torch.set_num_threads(1)
    repeats = 3 if quick else 9
    out = [
        compare("build keras, stock LSTM (file -> keras.Model)",
                lambda: modelspec.load(SPECS / "stock_lstm.yaml").to_keras(compile=False),
                lambda: ref.keras_stock_lstm(keras), number=1, repeats=repeats, goal=1.10),
        compare("build keras, seed 004 classifier",
                lambda: modelspec.load(SPECS / "sequential_classifier.yaml").to_keras(compile=False),
                lambda: ref.keras_classifier(keras), number=1, repeats=repeats, goal=1.10),
        compare("build torch, seed 004 classifier (file -> module)",
                lambda: modelspec.load(SPECS / "sequential_classifier.yaml").to_torch(),
                lambda: ref.Classifier(), number=3, repeats=repeats, goal=1.10),
        compare("build torch, toy ResNet", lambda: modelspec.load(SPECS / "toy_resnet.yaml").to_torch(),
                lambda: ref.ToyResNet(), number=2, repeats=repeats, goal=1.10),
        compare("build torch, stock LSTM", lambda: modelspec.load(SPECS / "stock_lstm.yaml").to_torch(),
                lambda: ref.StockLSTM(), number=2, repeats=repeats, goal=1.10),
    ]  # fmt: skip
    return out


def validate(quick: bool) -> list[Comparison]:
    """`modelspec validate` as a process vs `python -c "import pydantic, yaml"`."""
    exe = [sys.executable, "-m", "modelspec", "validate", "-q", str(SPECS / "stock_lstm.yaml")]
    base = [sys.executable, "-c", "import pydantic, yaml"]
    run = lambda cmd: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
    return [compare("modelspec validate stock_lstm.yaml vs import pydantic, yaml", lambda: run(exe),
                    lambda: run(base), number=1, repeats=5 if quick else 15, goal=1.5)]  # fmt: skip


def chain(n: int) -> str:
    """About n nodes: a chain that branches and merges at every step, with a skip (as in tests)."""
    lines = ["modelspec: 1", "name: big", "inputs:", "  x: {shape: [16]}", "layers:"]
    merges = ["x"]
    for i in range(n // 3):
        prev, far = merges[-1], merges[max(0, len(merges) - 4)]
        lines.append(f"  a{i}: {{type: Dense, units: 16, activation: relu, inputs: {prev}}}")
        lines.append(f"  b{i}: {{type: Dense, units: 16, inputs: a{i}}}")
        lines.append(f"  m{i}: {{type: Add, inputs: [b{i}, {far}, {prev}]}}")
        merges.append(f"m{i}")
    lines.append(f"outputs: [{merges[-1]}]")
    return "\n".join(lines) + "\n"


def scale(quick: bool) -> list[tuple[str, float]]:
    """Parse + validate + shape inference of generated specs (seconds), to read linearity."""
    sizes = (100, 1000) if quick else (100, 1000, 10000)
    out = []
    for n in sizes:
        text = chain(n)
        out.append((f"validate + infer, {n:,} nodes", once(lambda: modelspec.loads(text), 3 if n > 1000 else 7)))
    return out


def render(quick: bool) -> list[tuple[str, float]]:
    from modelspec.render import pipe

    out = []
    for n in (100, 1000):
        spec = modelspec.loads(chain(n))
        out.append((f"render to svg, {n:,} nodes (dot included)", once(lambda: pipe(spec.render(), "svg"), 1 if quick else 3)))
    return out


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    versions = []
    for name in ("torch", "tensorflow", "keras", "pydantic"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return (f"{datetime.date.today().isoformat()}, {platform.node()}: {cpu}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {', '.join(versions)}; torch forward timings on 1 thread")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=["forward", "build", "validate", "scale", "render", []],
                        metavar="GROUP")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    groups = args.groups or ["forward", "build", "validate", "scale", "render"]
    started = time.perf_counter()
    lines = ["# Benchmark results", "", f"Measured {machine()}.", "",
             "Ratio = ours / hand-written (lower is better); medians of alternated repetitions.", "",
             "| comparison | modelspec | by hand | ratio | goal | met |", "|---|---|---|---|---|---|"]  # fmt: skip
    plain: list[tuple[str, float]] = []
    for group in groups:
        result = globals()[group](args.quick)
        for item in result:
            if isinstance(item, Comparison):
                lines.append(item.row())
                print(item.row(), flush=True)
            else:
                plain.append(item)
                print(f"| {item[0]} | {item[1]:.3f} s |", flush=True)
    if plain:
        lines += ["", "| measurement | median |", "|---|---|"] + [f"| {n} | {s:.3f} s |" for n, s in plain]
    lines += ["", f"Total run: {time.perf_counter() - started:.0f} s. Command: `make bench`."]
    write_atomic(args.out, "\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
