"""Build time: spec file -> model, against constructing the same model by hand.

Keras: `modelspec.load(path).to_keras(compile=False)` against the model written with Keras'
Sequential or functional API (both sides use Keras' own layers and initializers; neither compiles).

torch: `modelspec.load(path).to_torch()` against instantiating the hand-written `nn.Module`.
The compiled module starts from Keras' initial distributions (glorot kernels, orthogonal
recurrent kernels, zero biases, forget bias 1), so it is timed against two hand-written
references: torch's default initialisation (what most people write), and the same module
re-initialised as Keras does (`references.keras_init`, what a person porting a Keras model
writes). Both timings include reading the spec file.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import modelspec

from bench import references as ref
from bench.timing import Comparison, Measurement, Report, compare, fmt_time, interleaved, median_time, medians

SPECS = Path(__file__).resolve().parent.parent / "specs"
MODELS = [  # label, spec file, torch module by hand, Keras model by hand
    ("seed 004 classifier", "sequential_classifier.yaml", ref.Classifier, ref.keras_classifier),
    ("toy ResNet", "toy_resnet.yaml", ref.ToyResNet, ref.keras_toy_resnet),
    ("stock LSTM (relu)", "stock_lstm.yaml", ref.StockLSTM, ref.keras_stock_lstm),
]


def run(quick: bool) -> Report:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    import keras
    import torch

    # Park everything imported so far (TensorFlow alone is ~400,000 objects) outside the cyclic
    # GC's reach: collecting between blocks then costs ms instead of 0.2 s, and a collection that
    # falls inside a timed block costs what it would without the frameworks loaded.
    gc.collect()
    gc.freeze()
    try:
        return _run(quick, keras, torch)
    finally:
        gc.unfreeze()


def _run(quick: bool, keras, torch) -> Report:
    torch.set_num_threads(1)
    repeats, block = (3, 0.01) if quick else (15, 0.04)
    report = Report(f"Build time (torch on {torch.get_num_threads()} thread; Keras {keras.__version__}, "
                    f"backend {keras.backend.backend()})")  # fmt: skip
    for label, file, _, keras_model in MODELS:
        path = SPECS / file
        _check_keras(label, modelspec.load(path).to_keras(compile=False), keras_model(keras))
        row = compare(f"Keras: {label}, spec file -> keras.Model vs written in Keras",
                      lambda: modelspec.load(path).to_keras(compile=False), lambda: keras_model(keras),
                      repeats=repeats, block=block, goal=1.10, gc_off=False, collect=True)  # fmt: skip
        lowered = _explain_keras(row, path, keras_model, keras, repeats, block, quick)
        report.rows.append(row)
        report.diagnostics.append(lowered)
        print(row.row(), flush=True)
        print(lowered.row(), flush=True)
    for label, file, hand, _ in MODELS:
        path = SPECS / file
        plain = compare(f"torch: {label}, spec file -> module vs hand-written (torch's default init)",
                        lambda: modelspec.load(path).to_torch(), lambda: hand().eval(),
                        repeats=repeats, block=block, goal=1.10, gc_off=False, collect=True)  # fmt: skip
        same = compare(f"torch: {label}, spec file -> module vs hand-written + Keras' init",
                       lambda: modelspec.load(path).to_torch(), lambda: ref.keras_init(hand()).eval(),
                       repeats=repeats, block=block, goal=1.10, gc_off=False, collect=True)  # fmt: skip
        parts = _explain_torch(plain, same, path, hand, quick)
        report.rows += [plain, same]
        report.diagnostics.append(parts)
        for row in (plain, same):
            print(row.row(), flush=True)
    report.notes.append(
        "torch build, where the time goes (medians, same run): `load` = read, parse, validate, "
        "resolve and infer the spec; `to_torch` = build the module from the loaded spec, of which "
        "`Keras init` = drawing Keras' initial weights for every layer, `fx codegen` = generating "
        "and compiling the forward code (timed as `fx.GraphModule(built, built.graph)`), and `spare GraphModule` = "
        "the empty `fx.GraphModule` the builder makes on every call only to list its attribute "
        "names (`_Builder.__init__`: `set(dir(fx.GraphModule(nn.Module(), fx.Graph())))`).")  # fmt: skip
    return report


def _check_keras(label: str, ours, hand) -> None:
    """The hand-written Keras model is the same model: the same layers, names and weight shapes."""
    def layers(model):
        return [(layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights]) for layer in model.layers
                if type(layer).__name__ != "InputLayer"]  # fmt: skip

    if layers(ours) != layers(hand):
        raise AssertionError(f"{label}: the hand-written Keras model differs: {layers(ours)} vs {layers(hand)}")


def _explain_keras(row: Comparison, path: Path, keras_model, keras, repeats: int, block: float,
                   quick: bool) -> Comparison:  # fmt: skip
    """Split the Keras build's difference: reading the spec, and lowering a loaded spec to Keras."""
    load = median_time(lambda: modelspec.load(path), 3 if quick else 9)
    spec = modelspec.load(path)
    lowered = compare(f"Keras: {path.name}, `spec.to_keras(compile=False)` from a loaded spec vs written in Keras",
                      lambda: spec.to_keras(compile=False), lambda: keras_model(keras), repeats=repeats,
                      block=block, goal=None, gc_off=False, collect=True)  # fmt: skip
    extra = row.ours_median - row.reference_median
    row.why = (f"{fmt_time(extra)} more per build ({fmt_time(row.ours_median)} against "
               f"{fmt_time(row.reference_median)}). Reading, validating and resolving the spec "
               f"(`modelspec.load`) takes {fmt_time(load)}; from a loaded spec, `to_keras` against the "
               f"hand-written model is {lowered.ratio:.3f} ({fmt_time(lowered.ours_median)} against "
               f"{fmt_time(lowered.reference_median)}): every layer is made by Keras itself, with every "
               f"argument passed explicitly, and each output's shape is checked against modelspec's.")  # fmt: skip
    return lowered


def _explain_torch(plain: Comparison, same: Comparison, path: Path, hand, quick: bool) -> Measurement:
    import torch
    from torch import fx, nn

    from modelspec.backends.torch.init import keras_initial_weights

    spec = modelspec.load(path)
    graph = spec.graph
    weighted = [(node.layer, [graph.tensor_type(t).shape for t in node.inputs]) for node in graph.nodes
                if node.layer is not None and not node.shared]  # fmt: skip
    built = spec.to_torch()
    parts = medians(interleaved({
        "load": lambda: modelspec.load(path),
        "to_torch": spec.to_torch,
        "Keras init": lambda: [keras_initial_weights(layer, shapes) for layer, shapes in weighted],
        "fx codegen": lambda: fx.GraphModule(built, built.graph),  # generate and exec the forward
        "spare GraphModule": lambda: set(dir(fx.GraphModule(nn.Module(), fx.Graph()))),
        "hand-written": lambda: hand().eval(),
        "hand-written + Keras init": lambda: ref.keras_init(hand()).eval(),
    }, 3 if quick else 11))  # fmt: skip
    del torch
    load, to_torch, init = parts["load"], parts["to_torch"], parts["Keras init"]
    codegen, spare = parts["fx codegen"], parts["spare GraphModule"]
    rest = max(0.0, to_torch - init - spare - codegen)
    plain.why = (f"{fmt_time(plain.ours_median)} against {fmt_time(plain.reference_median)}. Reading and "
                 f"checking the spec alone (`modelspec.load`) takes {fmt_time(load)}, "
                 f"{load / plain.reference_median:.1f}x the whole hand-written construction. `to_torch` "
                 f"then takes {fmt_time(to_torch)}: drawing Keras' initial weights {fmt_time(init)} "
                 f"(the hand-written module gets torch's default init in its constructor, without the "
                 f"orthogonal recurrent kernel's QR), generating and compiling the forward code "
                 f"{fmt_time(codegen)}, a spare empty GraphModule {fmt_time(spare)}, and about "
                 f"{fmt_time(rest)} for the rest: walking the graph, making the submodules (each first "
                 f"initialised by torch, then overwritten), mapping and loading the weights.")  # fmt: skip
    same.why = (f"{fmt_time(same.ours_median)} against {fmt_time(same.reference_median)}, with the same initial "
                f"distributions on both sides: what is left is the compiler's own work, `load` "
                f"{fmt_time(load)} plus `to_torch` besides the initial weights, "
                f"{fmt_time(max(0.0, to_torch - init))} "
                f"(forward code {fmt_time(codegen)}, spare GraphModule {fmt_time(spare)}, submodules made "
                f"then overwritten).")  # fmt: skip
    return Measurement(f"torch build of {path.name}", [load + to_torch], extra=parts)
