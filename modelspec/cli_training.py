"""The commands around training: `train` (with `--val-data` and `--resume`), `evaluate` and
`predict` of a saved model, and `search`. Registered by `modelspec.cli`.

    modelspec train specs/stock_lstm.yaml --data train.npz --val-data val.npz --backend torch -o stock.pt
    modelspec evaluate stock.pt --data test.npz          # loss and every metric, as model.evaluate
    modelspec predict stock.pt --data x.npz -o pred.npz  # one array per output, by output name
    modelspec train --resume stock.pt --data train.npz --epochs 8 -o stock.pt
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .cli_devices import placement_arguments
from .registry import NAMES
from .shell import (
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    file_name,
    load_spec,
    model_files,
    model_path,
    positive,
    seed_number,
    writable_folder,
)

if TYPE_CHECKING:
    from .saved import SavedModel

Add = Callable[[str, Callable, str, str], argparse.ArgumentParser]


def cmd_train(args: argparse.Namespace) -> int:
    """`modelspec train SPEC --data FILE.npz --backend B`: train, print the history and the
    evaluation, and save the model if `-o` is given.
    """
    from .cli_devices import launched, placement
    from .cli_training import resumed
    from .training import history_table, train

    saved = resumed(args)  # `--resume MODEL`: the spec, back end and model are the file's
    spec = saved.spec if saved else load_spec(args.spec)
    model_path(args.backend, args.output)
    writable_folder(args.output)
    status = launched(args, spec, args.argv)  # --nproc N: this command in N processes (torchrun)
    if status is not None:
        return status
    more = {"model": saved.model, "resume": saved.resume} if saved else {}
    result = train(
        spec,
        args.data,
        args.backend,
        epochs=args.epochs,
        val_data=args.val_data,
        **more,
        **placement(args),
    )
    print(
        f"\ntrained {spec.name} with {args.backend} in {result.seconds:.1f} s\n{history_table(result.history)}"
    )
    figures = "  ".join(f"{k} {v:.4g}" for k, v in result.evaluation.items())
    print(f"evaluation on the {result.evaluated_on}: {figures}")
    if args.output:
        history = result.save(args.output)
        print(f"wrote {args.output} and {history}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """`modelspec search SPEC --data FILE.npz --backend B --trials N`: an Optuna study over the
    spec's search spaces; the best trial, and with `--best-out` its concrete spec written.
    """
    from .search import search

    spec = load_spec(args.spec)
    writable_folder(args.best_out)
    result = search(
        spec,
        args.data,
        args.backend,
        args.trials,
        sampler=args.sampler,
        storage=args.storage,
        study_name=args.study,
        seed=args.seed,
        epochs=args.epochs,
    )
    print(result.table())
    best, trial = result.best_spec, result.best_trial
    if best is None or trial is None:
        print("no trial completed, so there is no best spec", file=sys.stderr)
        return EXIT_INVALID
    print(f"best: trial {trial.number}, {result.objective} {trial.value:.4g}")
    if args.best_out:
        from .files import write_atomic

        write_atomic(args.best_out, best.to_yaml())
        print(f"wrote {args.best_out}")
    return EXIT_OK


def training_arguments(
    p: argparse.ArgumentParser, epochs_help: str, resumable: bool = False
) -> None:
    """What `train` and `search` both take: the spec, its data, the back end, an epoch count
    (`resumable`: the spec and back end may come from `--resume MODEL` instead)."""
    p.add_argument("spec", metavar="SPEC", nargs="?" if resumable else None)
    p.add_argument(
        "--data", metavar="FILE.npz", required=True, help="one array per input and output, by name"
    )
    p.add_argument("--backend", choices=NAMES, required=not resumable)
    p.add_argument("--epochs", type=positive, metavar="N", help=epochs_help)


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
    return EXIT_OK


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
    return EXIT_OK


def _loaded(path: str) -> SavedModel:
    """`load_model(path)`; a suffix no back end writes is a usage error."""
    from .saved import load_model

    try:
        return load_model(path)
    except ValueError as exc:
        if type(exc) is ValueError:  # the suffix (a DataError is one too: a missing file)
            raise UsageError(str(exc)) from None
        raise


def add_training(add: Add) -> None:
    """Register `train`, `evaluate` and `predict` with the parser's `add(name, func, help,
    example)`."""
    p = add(
        "train",
        cmd_train,
        "train the spec per its `training:` section on arrays named after its "
        "inputs and outputs (checked against the spec before any training)",
        "modelspec train specs/stock_lstm.yaml --data prices.npz --backend torch -o stock.pt",
    )
    training_arguments(p, epochs_help="instead of training.epochs", resumable=True)
    p.add_argument(
        "-o",
        "--output",
        type=file_name,
        metavar="FILE",
        help=f"save the model ({model_files()}) and its history beside it (FILE.keras.history.json, FILE.pt.history.json)",
    )
    train_options(p)
    placement_arguments(p)

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


def add_search(add: Add) -> None:
    """Register `search` with the parser's `add(name, func, help, example)`."""
    p = add(
        "search",
        cmd_search,
        "search the spec's params with Optuna: train one trial per sample and print "
        "the trials and the best sample; the study is kept in a database, so running the same command "
        "again resumes it, and workers given one --storage share it",
        "modelspec search specs/sequential_classifier.yaml --data data.npz --backend keras --trials 20 "
        "--best-out best.yaml",
    )
    p.epilog = (p.epilog or "") + (
        "\n\n--trials N: the study ends up holding N counted trials (complete, pruned, or failed\n"
        "because the sample made the spec or data invalid, or the objective NaN), however many\n"
        "workers share it (a total, as Optuna's MaxTrialsCallback; not n_trials per worker); a\n"
        "rerun runs only the missing ones. A trial left running by a process that died (same host: its pid is gone;\n"
        "any host: no heartbeat for 2 minutes) is failed and not counted. Workers racing for the\n"
        "last place: the later trial number yields. Details: modelspec/study.py.\n"
    )
    training_arguments(p, epochs_help="train each trial N epochs instead of training.epochs")
    p.add_argument(
        "--trials",
        type=positive,
        required=True,
        metavar="N",
        help="counted trials the study ends with, all its workers together",
    )
    p.add_argument(
        "--sampler", choices=["tpe", "random"], default="tpe", help="Optuna sampler (default tpe)"
    )
    p.add_argument(
        "--storage", metavar="URL", help="database URL (default sqlite:///STUDY.db here)"
    )
    p.add_argument("--study", metavar="NAME", help="study name (default: the spec's name)")
    p.add_argument(
        "--seed", type=seed_number, help="sampler seed (offset by the trials already in the study)"
    )
    p.add_argument(
        "--best-out",
        type=file_name,
        metavar="FILE.yaml",
        help="write the best trial's concrete spec here",
    )


def _model_arguments(p: argparse.ArgumentParser, data: str) -> None:
    p.add_argument("model", metavar="MODEL", help="MODEL.keras or MODEL.pt")
    p.add_argument("--data", metavar="FILE.npz", required=True, help=data)
    p.add_argument("--batch-size", type=positive, metavar="N",
                   help="samples per batch (default training.batch_size)")  # fmt: skip
