"""The commands around training: `evaluate` and `predict` of a saved model, and what `train`
takes beyond a spec and its data (`--val-data`, `--resume`). Registered by `modelspec.cli`.

    modelspec train specs/stock_lstm.yaml --data train.npz --val-data val.npz --backend torch -o stock.pt
    modelspec evaluate stock.pt --data test.npz          # loss and every metric, as model.evaluate
    modelspec predict stock.pt --data x.npz -o pred.npz  # one array per output, by output name
    modelspec train --resume stock.pt --data train.npz --epochs 8 -o stock.pt
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .shell import UsageError, file_name

if TYPE_CHECKING:
    from .saved import SavedModel

Add = Callable[[str, Callable, str, str], argparse.ArgumentParser]


def train_options(p: argparse.ArgumentParser) -> None:
    """`train`'s `--val-data VAL.npz` and `--resume MODEL`."""
    p.add_argument("--val-data", metavar="FILE.npz",
                   help="the validation set (inputs and targets, as --data), evaluated after each "
                        "epoch and at the end; training.validation_split is then ignored, as Keras "
                        "ignores it given validation_data")  # fmt: skip
    p.add_argument("--resume", metavar="MODEL",
                   help="continue training MODEL.keras or MODEL.pt (which train -o wrote) from "
                        "where it stopped, with its optimizer state, instead of a SPEC: --epochs "
                        "is then the final epoch (default training.epochs), as in Keras' "
                        "fit(initial_epoch=)")  # fmt: skip


def resumed(args: argparse.Namespace) -> SavedModel | None:
    """The model `train --resume` continues (None without `--resume`), checked against the
    rest of the command line: no SPEC with it, `--backend` (if given) the file's, `--epochs`
    past the epochs it has trained. A SPEC and `--backend` are needed without it."""
    if not args.resume:
        if not args.spec or not args.backend:
            raise UsageError("train needs a SPEC and --backend (or --resume MODEL)")
        return None
    if args.spec:
        raise UsageError(
            "give a SPEC or --resume MODEL, not both (the model file carries its spec)"
        )
    saved = _loaded(args.resume)
    if args.backend and args.backend != saved.backend:
        raise UsageError(f"{args.resume} is a {saved.backend} model, not a {args.backend} one")
    args.backend = saved.backend
    epochs = args.epochs or saved.spec.graph.training_plan().epochs
    if epochs <= saved.resume.epoch:
        raise UsageError(
            f"{args.resume} has trained {saved.resume.epoch} epochs: --epochs N is the final "
            f"epoch when resuming, so N must be more than {saved.resume.epoch}"
        )
    return saved


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`modelspec evaluate MODEL --data TEST.npz [--json]`: Keras' `model.evaluate` figures
    (loss, each output's loss, every metric) of a saved model, as a table or JSON."""
    from .console import text_table

    model = _loaded(args.model)
    logs = model.evaluate(args.data, args.batch_size)
    if args.json:
        print(json.dumps(logs, indent=2))
    else:
        rows = [[name, f"{value:.6g}"] for name, value in logs.items()]
        print(f"{args.model} on {args.data} ({model.backend}):")
        print(text_table(["figure", "value"], rows, "<>"))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """`modelspec predict MODEL --data X.npz -o PRED.npz`: one array per model output, named
    after it, written atomically."""
    import numpy as np

    from .files import write_atomic

    if not args.output.endswith(".npz"):
        raise UsageError(f"predictions are written as an .npz file, got {args.output!r}")
    model = _loaded(args.model)
    outputs = model.predict(args.data, args.batch_size)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:  # a file object: np.savez adds no suffix to it
            np.savez(handle, **outputs)  # type: ignore[arg-type]

    write_atomic(args.output, write)
    shapes = ", ".join(f"{name} {tuple(value.shape)}" for name, value in outputs.items())
    print(f"wrote {args.output} ({shapes})")
    return 0


def _loaded(path: str) -> SavedModel:
    """`load_model(path)`; a suffix no back end writes is a usage error."""
    from .saved import load_model

    try:
        return load_model(path)
    except ValueError as exc:
        if type(exc) is ValueError:  # the suffix (a DataError is one too: a missing file)
            raise UsageError(str(exc)) from None
        raise


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def add_commands(add: Add) -> None:
    """Register `evaluate` and `predict` with the parser's `add(name, func, help, example)`."""
    p = add(
        "evaluate",
        cmd_evaluate,
        "evaluate a model file that train or compile wrote (.keras or .pt) on a test set: the "
        "loss, each output's loss and every metric, named as Keras' model.evaluate names them",
        "modelspec evaluate stock.pt --data test.npz",
    )
    _model_arguments(p, "inputs and targets, by name")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add(
        "predict",
        cmd_predict,
        "run a model file that train or compile wrote (.keras or .pt) on inputs, in inference "
        "mode, and write one array per output, named after it",
        "modelspec predict stock.pt --data x.npz -o pred.npz",
    )
    _model_arguments(p, "one array per model input, by name (targets may be there too)")
    p.add_argument("-o", "--output", type=file_name, metavar="PRED.npz", required=True,
                   help="the predictions: one array per output, by output name")  # fmt: skip


def _model_arguments(p: argparse.ArgumentParser, data: str) -> None:
    p.add_argument("model", metavar="MODEL", help="MODEL.keras or MODEL.pt")
    p.add_argument("--data", metavar="FILE.npz", required=True, help=data)
    p.add_argument("--batch-size", type=_positive, metavar="N",
                   help="samples per batch (default training.batch_size)")  # fmt: skip
