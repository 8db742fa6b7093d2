"""Torch forward pass: the compiled module (`spec.to_torch()`) against a hand-written `nn.Module`.

Both sides hold the same weights (the compiled module's state is loaded into the hand-written one,
and their outputs are checked equal before timing), run in eval mode under `torch.no_grad()` on
one thread, at batch 1 (where per-call Python overhead shows) and batch 64.

Cases: the seed 004 classifier, the toy ResNet, the stock LSTM with tanh (the layers are the same
as nn.LSTM's: goal <= 1.02) and the seed's relu LSTM, which nn.LSTM cannot compute (the compiled
module runs Keras' cell in a step loop), against nn.LSTM as the floor (goal <= 2.0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import modelspec

from bench import references as ref
from bench.timing import Comparison, Report, compare, fmt_time

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
THREADS = 1


def stock_lstm_tanh() -> modelspec.Spec:
    """specs/stock_lstm.yaml with Keras' default (tanh) LSTM activation instead of relu."""
    text = (SPECS / "stock_lstm.yaml").read_text()
    tanh = text.replace("activation: relu, inputs: prices", "inputs: prices")
    assert tanh != text, "specs/stock_lstm.yaml changed: update bench/torch_forward.py"
    return modelspec.loads(tanh, source="stock_lstm.yaml (tanh)")


def _spec(name: str):
    return lambda: modelspec.load(SPECS / name)


CASES = [  # name, spec, hand-written module, input shape, goal, same computation
    ("seed 004 classifier", _spec("sequential_classifier.yaml"), ref.Classifier, (5,), 1.02, True),
    ("toy ResNet", _spec("toy_resnet.yaml"), ref.ToyResNet, (32, 32, 3), 1.02, True),
    ("stock LSTM, tanh", stock_lstm_tanh, ref.StockLSTM, (10, 1), 1.02, True),
    ("stock LSTM, relu (seed) vs nn.LSTM", _spec("stock_lstm.yaml"), ref.StockLSTM, (10, 1), 2.0, False),
]
# glibc malloc keeping freed memory instead of handing it back to the kernel (then every large
# tensor is fresh pages again: page faults); setting them also turns off the dynamic thresholds.
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(32 << 20)}
ALLOCATOR_CASES = [("toy ResNet", 64), ("stock LSTM, tanh", 64)]


def pair(name: str):
    """(compiled module, hand-written module with its weights, shape, goal, same computation)."""
    for label, spec, hand_class, shape, goal, same in CASES:
        if label == name:
            ours, hand = spec().to_torch().eval(), hand_class()
            ref.copy_weights(ours, hand)
            return ours, hand.eval(), shape, goal, same
    raise KeyError(name)


def run(quick: bool) -> Report:
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    repeats, block = (5, 0.005) if quick else (101, 0.01)
    report = Report(f"Torch forward (eval, no_grad, {torch.get_num_threads()} thread)")
    results: dict[tuple[str, int], Comparison] = {}
    faults: dict[tuple[str, int], tuple[float, float]] = {}
    modules = {}
    for name, *_ in CASES:
        ours, hand, shape, goal, same = pair(name)
        modules[name] = (ours, hand)
        for batch in (1, 64):
            x = torch.randn(batch, *shape)
            with torch.no_grad():
                if same:
                    _check_same(name, ours(x), hand(x))
                a, b = lambda: ours(x), lambda: hand(x)
                if (name, batch) in ALLOCATOR_CASES:  # count page faults while timing (~1 µs a call)
                    a, b = FaultCounter.warmed(a), FaultCounter.warmed(b)
                result = compare(f"{name}, batch {batch}", a, b, repeats=repeats, block=block, goal=goal)
            if isinstance(a, FaultCounter):
                faults[name, batch] = (a.per_call, b.per_call)
            results[name, batch] = result
            report.rows.append(result)
            print(result.row(), flush=True)
    _explain(report, results, modules, repeats, block)
    _allocator(report, results, faults, quick)
    return report


class FaultCounter:
    """Calls `fn`, counting the minor page faults the calls take."""

    def __init__(self, fn):
        import resource

        self.fn, self.usage = fn, resource.getrusage
        self.self_ = resource.RUSAGE_SELF
        self.faults = self.calls = 0

    def __call__(self):
        before = self.usage(self.self_).ru_minflt
        self.fn()
        self.faults += self.usage(self.self_).ru_minflt - before
        self.calls += 1

    @classmethod
    def warmed(cls, fn, calls: int = 3) -> "FaultCounter":
        """A counter that starts counting after `calls` calls (the heap's first growth is not counted)."""
        counter = cls(fn)
        for _ in range(calls):
            counter()
        counter.faults = counter.calls = 0
        return counter

    @property
    def per_call(self) -> float:
        return self.faults / max(1, self.calls)


def _allocator(report: Report, results: dict, counted: dict, quick: bool) -> None:
    """The large-batch cases again, in a process whose malloc keeps freed memory: what is left is
    the computation. `counted`: page faults per call measured while the main comparison ran."""
    env = {**os.environ, **KEEP_MEMORY}
    code = "import sys; from bench.torch_forward import _allocator_child; _allocator_child(sys.argv[1] == 'quick')"
    done = subprocess.run([sys.executable, "-c", code, "quick" if quick else "full"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        report.notes.append(f"(The allocator diagnostic failed: {done.stderr.strip().splitlines()[-1:]})")
        return
    child = json.loads(done.stdout.strip().splitlines()[-1])
    lines = []
    for (name, batch), (ours_faults, hand_faults) in counted.items():
        ours_t, hand_t, child_faults = child[f"{name}, batch {batch}"]
        row = Comparison(f"{name}, batch {batch}, malloc keeping freed memory", ours_t, hand_t, None)
        report.diagnostics.append(row)
        print(row.row(), flush=True)
        main = results[name, batch]
        main.why = (f"At this batch glibc's allocator shapes the time: {ours_faults:,.0f} minor page faults per "
                    f"call compiled, {hand_faults:,.0f} hand-written; in a process whose malloc keeps freed "
                    f"memory the ratio is {row.ratio:.3f} (see Where the time goes).")  # fmt: skip
        lines.append(f"{name} at batch {batch}: {ours_faults:,.0f} minor page faults per call compiled, "
                     f"{hand_faults:,.0f} hand-written (ratio {main.ratio:.3f}); with malloc keeping freed memory "
                     f"({child_faults[0]:,.0f} and {child_faults[1]:,.0f} faults) "
                     f"{fmt_time(row.ours_median)} against "
                     f"{fmt_time(row.reference_median)}, ratio {row.ratio:.3f}")  # fmt: skip
    report.notes.append(
        "Large batches and glibc's allocator: a freed tensor of more than a few hundred kB goes back to "
        "the kernel (`munmap`, or heap trimming), and the next one is fresh pages, each a page fault. How "
        "many depends on when each intermediate is freed (the generated code drops every intermediate at "
        "its last use, `x = None`; the hand-written one when its variable is rebound) and on glibc's "
        "thresholds, which adapt to what the process freed before, so the count changes from run to run. "
        "Faults counted while the comparison above ran; then again with "
        f"{', '.join(f'`{k}={v}`' for k, v in KEEP_MEMORY.items())} (a subprocess), where "
        "both sides take few or no faults: " + "; ".join(lines) + ".")  # fmt: skip


def _allocator_child(quick: bool) -> None:
    """In a process started with KEEP_MEMORY: time ALLOCATOR_CASES, print JSON on the last line."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    repeats, block = (5, 0.005) if quick else (15, 0.025)
    out = {}
    with torch.no_grad():
        for name, batch in ALLOCATOR_CASES:
            ours, hand, shape, _, _ = pair(name)
            x = torch.randn(batch, *shape)
            a, b = FaultCounter.warmed(lambda: ours(x)), FaultCounter.warmed(lambda: hand(x))
            row = compare(name, a, b, repeats=repeats, block=block, goal=None)
            out[f"{name}, batch {batch}"] = [row.ours, row.reference, [a.per_call, b.per_call]]
    print(json.dumps(out))


def _check_same(name: str, a, b) -> None:
    import torch

    for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        if not torch.allclose(u, v, atol=1e-5, rtol=1e-4):
            raise AssertionError(f"{name}: the hand-written module computes something else "
                                 f"(max difference {(u - v).abs().max().item():.3g})")  # fmt: skip


def _explain(report: Report, results: dict, modules: dict, repeats: int, block: float) -> None:
    """Diagnostics measured in the same run: the classifier's per-call cost with and without
    torch.fx's call wrapper, and what the relu LSTM's step loop costs."""
    import torch

    x = torch.randn(1, 5)
    ours, hand = modules["seed 004 classifier"]
    has_wrapper = "__call__" in vars(type(ours))
    wrapped = modelspec.load(SPECS / "sequential_classifier.yaml").to_torch().eval()
    wrapped.load_state_dict(ours.state_dict())
    wrapped.recompile()  # what a plain GraphModule is: fx's `__call__` wrapper on its class
    assert "__call__" in vars(type(wrapped))
    with torch.no_grad():
        _check_same("classifier with fx's call wrapper", wrapped(x), hand(x))
        options = {"repeats": repeats, "block": block, "goal": None}
        with_wrapper = compare("classifier, batch 1: compiled module with fx's `__call__` wrapper "
                               "(after `recompile()`)", lambda: wrapped(x), lambda: hand(x), **options)
        direct = compare("classifier, batch 1: generated `forward` vs hand-written `forward`, called "
                         "directly", lambda: ours.forward(x), lambda: hand.forward(x), **options)
    report.diagnostics += [with_wrapper, direct]
    for row in (with_wrapper, direct):
        print(row.row(), flush=True)
    b1 = results["seed 004 classifier", 1]
    b64 = results["seed 004 classifier", 64]
    state = ("still has fx's `__call__` wrapper on its class" if has_wrapper else
             "is called through plain `nn.Module.__call__` (the builder deletes fx's wrapper)")  # fmt: skip
    b1.why = (f"{(b1.ours_median - b1.reference_median) * 1e6:.1f} µs more per call "
              f"({fmt_time(b1.ours_median)} against "
              f"{fmt_time(b1.reference_median)}). The generated code is the hand-written forward statement for "
              f"statement (`print(module.code)`), and the module {state}. Its `forward` called directly against "
              f"the hand-written `forward`: {direct.ratio:.3f}; with fx's wrapper: {with_wrapper.ratio:.3f}. The "
              f"cost is fixed per call: at batch 64 the ratio is {b64.ratio:.3f}.")  # fmt: skip
    report.notes.append(
        f"Classifier at batch 1: the compiled module, which {state}, costs "
        f"{(b1.ours_median - b1.reference_median) * 1e6:+.1f} µs per call against the hand-written one. "
        f"torch.fx's own `GraphModule.recompile()` sets the class's `__call__` to a wrapper "
        f"(`call_wrapped` -> `_WrappedCall.__call__` -> `super(cls, obj).__call__`, a try/except that adds "
        f"the generated source to tracebacks): with it, "
        f"{(with_wrapper.ours_median - with_wrapper.reference_median) * 1e6:+.1f} µs "
        f"(ratio {with_wrapper.ratio:.3f}). The generated `forward` against the hand-written `forward`, both "
        f"called directly: ratio {direct.ratio:.3f}.")  # fmt: skip
    relu, tanh = results["stock LSTM, relu (seed) vs nn.LSTM", 1], results["stock LSTM, tanh", 1]
    relu64, tanh64 = results["stock LSTM, relu (seed) vs nn.LSTM", 64], results["stock LSTM, tanh", 64]
    steps = 10
    report.notes.append(
        f"The seed's relu LSTM runs Keras' cell in a Python step loop ({steps} steps: one matmul for every "
        f"step's input projection, then per step a matmul, an add, a chunk, 3 sigmoids, 2 relus and the gate "
        f"arithmetic, about ten kernel launches each); nn.LSTM and the compiled module's own tanh path run "
        f"one fused kernel (`torch.lstm`). Against that fused path of the same module the loop costs "
        f"{(relu.ours_median - tanh.ours_median) / steps * 1e6:.1f} µs more per step at batch 1 "
        f"({fmt_time(relu.ours_median)} against {fmt_time(tanh.ours_median)}) and "
        f"{(relu64.ours_median - tanh64.ours_median) / steps * 1e6:.1f} µs at batch 64.")  # fmt: skip
