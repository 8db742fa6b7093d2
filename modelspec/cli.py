"""The `modelspec` command. Exit status: 0 ok, 1 invalid spec or data, 2 usage error.

Only the subcommands that need a framework import one, and only when they run, so `validate`,
`summary` and `schema` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from .cli_devices import placement_arguments
from .cli_training import add_commands, train_options
from .errors import (
    BackendError,
    DataError,
    ImportProblems,
    Problem,
    RenderError,
    SpecError,
    StudyError,
)
from .limits import MAX_SEED
from .registry import BACKENDS, NAMES, Backend, backend
from .shell import UsageError, file_name, reader_gone, version

if TYPE_CHECKING:
    from .spec import Spec

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _colour() -> bool:
    return (
        sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def report(problems: Iterable[Problem]) -> None:
    """Print problems to stderr as FILE:LINE:COL: path: message, coloured only on a terminal."""
    paint = _colour()
    for p in problems:
        if not paint:
            print(p, file=sys.stderr)
            continue
        tone = "\033[33m" if p.severity == "warning" else "\033[31m"
        prefix = "warning: " if p.severity == "warning" else ""
        print(
            f"\033[1m{p.location}\033[0m: \033[36m{p.dotted_path}\033[0m: {tone}{prefix}{p.message}\033[0m",
            file=sys.stderr,
        )


def _load(path: str) -> Spec:
    from .spec import load

    return load(path)


def cmd_validate(args: argparse.Namespace) -> int:
    """`modelspec validate SPEC...`: each spec loaded and reported; EXIT_INVALID if any is invalid."""
    status = EXIT_OK
    for path in args.specs:
        try:
            spec = _load(path)
        except SpecError as exc:
            report(exc.problems)
            status = EXIT_INVALID
            continue
        report(spec.warnings)
        refused = [p for name in args.backend or () for p in spec.refusals(name)]
        if refused:
            report(refused)
            status = EXIT_INVALID
            continue
        if not args.quiet:
            n = len(spec.graph.nodes)
            print(f"{path}: ok ({n} node{'s' * (n != 1)}, {spec.graph.params:,} params)")
    return status


def cmd_summary(args: argparse.Namespace) -> int:
    """`modelspec summary SPEC`: Keras' `model.summary()` table, or with `--json` its figures."""
    spec = _load(args.spec)
    summary = spec.summary()
    if args.json:
        import json

        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(summary)
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """`modelspec render SPEC -o FILE`: the graph drawn with Graphviz (`RenderError` when
    `dot` is missing or the file's format is unknown). An invalid spec is drawn as far as it
    resolves, its problems marked, and reported as `validate` reports them: EXIT_INVALID."""
    from .analysis import analyse
    from .render import render_analysis, write
    from .yamlio import read

    doc = read(args.spec)
    analysis = analyse(doc)
    report(SpecError(analysis.problems).problems if analysis.errors else analysis.problems)
    digraph = render_analysis(analysis, doc, rankdir=args.rankdir, collapse_blocks=args.collapse)
    write(digraph, args.output)
    print(f"wrote {args.output}")
    return EXIT_INVALID if analysis.errors else EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    """`modelspec compile SPEC --backend B -o FILE [--weights W]`: the model built (with the
    weights file's weights) and saved; `UsageError` for a file suffix the back end does not write.
    """
    chosen = _model_path(args.backend, args.output)
    spec = _load(args.spec)
    model = chosen.build(spec.graph)
    if args.weights:
        spec.load_weights(model, args.weights)
    chosen.save(model, args.output, spec.to_yaml())
    print(f"wrote {args.output} ({spec.graph.params:,} params)")
    return EXIT_OK


def _model_path(name: str, path: str | None) -> Backend:
    """The back end `name`; `UsageError` when `path` does not end in a suffix it writes."""
    chosen = backend(name)
    if path:
        try:
            chosen.check_path(path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return chosen


def _writable_folder(path: str | None) -> None:
    """Refuse an output path that cannot be written before hours of training, not after."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write {path!r} ({exc.strerror}: {folder})") from None


def cmd_train(args: argparse.Namespace) -> int:
    """`modelspec train SPEC --data FILE.npz --backend B`: train, print the history and the
    evaluation, and save the model if `-o` is given.
    """
    from .cli_devices import launched, placement
    from .cli_training import resumed
    from .training import history_table, train

    saved = resumed(args)  # `--resume MODEL`: the spec, back end and model are the file's
    spec = saved.spec if saved else _load(args.spec)
    _model_path(args.backend, args.output)
    _writable_folder(args.output)
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


def cmd_import(args: argparse.Namespace) -> int:
    """`modelspec import MODEL.keras -o SPEC.yaml`: a Keras model (a `.keras` file or its JSON
    config) written as a spec that `validate` accepts; `ImportProblems` lists what no kind
    expresses; `--flat`: every layer a node, no blocks."""
    from .files import write_atomic
    from .keras_import import import_config, read_config

    if not args.output.endswith((".yaml", ".yml")):
        raise UsageError(f"a spec file ends in .yaml or .yml, got {args.output!r}")
    if args.weights and not args.weights.endswith(".safetensors"):
        raise UsageError(f"a weights file ends in .safetensors, got {args.weights!r}")
    if args.weights and not args.model.endswith(".keras"):
        raise UsageError(f"--weights reads the weights from a .keras file, got {args.model!r}")
    config = read_config(args.model)
    if args.weights and "model.weights.h5" not in _archive_names(args.model):
        raise ImportProblems(
            args.model, ["it holds no weights (no model.weights.h5)"], layers=False
        )
    spec, imported = import_config(config, source=args.model, blocks=not args.flat)
    arrays = None
    if args.weights:
        from .keras_import import keras_weights

        try:
            model = BACKENDS["keras"].load(args.model)
        except (ValueError, OSError, KeyError, TypeError) as exc:  # Keras' words for a bad file
            raise ImportProblems(
                args.model, [f"Keras cannot load it: {exc}"], layers=False
            ) from None
        arrays = keras_weights(model, spec, imported)
    write_atomic(args.output, imported.text)
    nodes = len(spec.graph.nodes)
    print(f"wrote {args.output} ({nodes} node{'s' * (nodes != 1)}, {spec.graph.params:,} params)")
    if arrays is not None:
        from .weights import write

        write(args.weights, arrays, spec.name)
        print(f"wrote {args.weights} ({len(arrays)} arrays, {spec.graph.params:,} weights)")
    return EXIT_OK


def _archive_names(path: str) -> list[str]:
    """The files in a zip archive (a `.keras` file); none for any other file."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return []
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def cmd_check(args: argparse.Namespace) -> int:
    """`modelspec check SPEC [--weights W]`: both back ends built (with the weights file's
    weights, or Keras' copied into torch) and compared; EXIT_INVALID if they differ."""
    from .registry import CHECK

    spec = _load(args.spec)
    report = CHECK(spec, seed=args.seed, weights=args.weights)
    print(report)
    return EXIT_OK if report.ok else EXIT_INVALID


def cmd_search(args: argparse.Namespace) -> int:
    """`modelspec search SPEC --data FILE.npz --backend B --trials N`: an Optuna study over the
    spec's search spaces; the best trial, and with `--best-out` its concrete spec written.
    """
    from .search import search

    spec = _load(args.spec)
    _writable_folder(args.best_out)
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
    p.add_argument("--epochs", type=_positive, metavar="N", help=epochs_help)


def weights_argument(p: argparse.ArgumentParser, what: str) -> None:
    """`--weights FILE.safetensors`: a weights file (`modelspec.weights`), `what` it is for."""
    p.add_argument(
        "--weights",
        metavar="FILE.safetensors",
        help=f"{what} (safetensors, keyed NODE/WEIGHT; `Spec.save_weights` writes one)",
    )


def _positive(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    value = int(text) if text.isdigit() and len(text) <= 10 else -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {MAX_SEED}, got {text!r}")
    return value


def cmd_schema(args: argparse.Namespace) -> int:
    """`modelspec schema [-o FILE]`: the JSON Schema of spec files, to stdout or a file."""
    from .schema import schema_text

    text = schema_text()
    if args.output:
        from .files import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _model_files() -> str:
    """`FILE.keras or FILE.pt`: the model files the back ends write."""
    return " or ".join(f"FILE{suffix}" for b in BACKENDS.values() for suffix in b.suffixes)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelspec",
        description="Validate, summarise, draw and compile neural-network specs written in YAML.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action="version", version=version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    p = add(
        "validate",
        cmd_validate,
        "check specs; print every problem as FILE:LINE:COL: path: message",
        "modelspec validate specs/*.yaml",
    )
    p.add_argument("specs", nargs="+", metavar="SPEC")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.add_argument("--backend", action="append", choices=NAMES,
                   help="also check that this back end builds the spec exactly, as it would "
                        "compile it (imports its framework; may be given twice)")  # fmt: skip

    p = add(
        "summary",
        cmd_summary,
        "print layers, output shapes and parameter counts",
        "modelspec summary specs/stock_lstm.yaml --json",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add(
        "render",
        cmd_render,
        "draw a spec with graphviz (svg, png, pdf or dot, by suffix); "
        "an invalid spec is drawn as far as it resolves, its problems marked",
        "modelspec render specs/toy_resnet.yaml -o resnet.svg --rankdir LR",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("-o", "--output", type=file_name, metavar="FILE", required=True,
                   help="FILE.svg|.png|.pdf|.dot")  # fmt: skip
    p.add_argument("--rankdir", choices=["TB", "LR"], default="TB", help="top-down or left-right")
    p.add_argument("--collapse", action="store_true", help="draw each block instance as one box")

    p = add(
        "compile",
        cmd_compile,
        "build the Keras model or the torch module and save it",
        "modelspec compile specs/stock_lstm.yaml --backend torch -o stock.pt",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--backend", choices=NAMES, required=True)
    p.add_argument("-o", "--output", type=file_name, metavar="FILE", required=True,
                   help=_model_files())  # fmt: skip
    weights_argument(p, "build it with these weights")

    p = add(
        "import",
        cmd_import,
        "write a Keras model (.keras file, or its JSON config) as a spec",
        "modelspec import model.keras -o model.yaml --weights model.safetensors",
    )
    p.add_argument("model", metavar="MODEL", help="MODEL.keras, or a JSON config (model.to_json())")
    p.add_argument(
        "-o", "--output", type=file_name, metavar="SPEC", required=True, help="SPEC.yaml"
    )
    p.add_argument("--weights", type=file_name, metavar="FILE",
                   help="also write the model's weights to FILE.safetensors, keyed by the spec's "
                        "nodes (reads the .keras file with Keras)")  # fmt: skip
    p.add_argument(
        "--flat", action="store_true", help="every layer a node (no blocks for repeated parts)"
    )

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
        help=f"save the model ({_model_files()}) and its history as FILE.history.json beside it",
    )
    train_options(p)
    placement_arguments(p)
    add_commands(add)

    p = add(
        "check",
        cmd_check,
        "build both back ends, copy Keras' weights into torch, and compare "
        "shapes, parameter counts and outputs on random inputs (exit 1 on any disagreement)",
        "modelspec check specs/stock_lstm.yaml",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random inputs")
    weights_argument(
        p, "load these weights into both back ends instead of copying Keras' random ones"
    )

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
        type=_positive,
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
        "--seed", type=_seed, help="sampler seed (offset by the trials already in the study)"
    )
    p.add_argument(
        "--best-out",
        type=file_name,
        metavar="FILE.yaml",
        help="write the best trial's concrete spec here",
    )

    p = add(
        "schema",
        cmd_schema,
        "print the JSON Schema of spec files (for editors)",
        "modelspec schema -o schema/modelspec.schema.json",
    )
    p.add_argument(
        "-o", "--output", type=file_name, metavar="FILE", help="write to FILE instead of stdout"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default `sys.argv[1:]`); returns the exit status: EXIT_OK,
    EXIT_INVALID for a `SpecError`, `DataError`, `BackendError`, `RenderError`, `StudyError`,
    `OSError` or an internal error (`--debug` re-raises), EXIT_USAGE for a `UsageError`, 130 on
    an interrupt, 141 (as SIGPIPE ends a tool) when the reader of stdout has gone.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(
        sys.argv[1:] if argv is None else argv
    )  # as given: `train --nproc` runs it again
    try:
        status: int = args.func(args)
        sys.stdout.flush()  # here, so that a reader gone is seen here, not at the exit
        return status
    except BrokenPipeError:  # `modelspec summary --json | head -1`: the reader has what it wants
        return reader_gone()
    except SpecError as exc:
        report(exc.problems)
        return EXIT_INVALID
    except ImportProblems as exc:
        print(f"modelspec: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except DataError as exc:
        for line in exc.problems:
            print(f"modelspec: error: {line}", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"modelspec: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (BackendError, RenderError, StudyError) as exc:
        if args.debug:
            raise
        print(f"modelspec: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"modelspec: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # a bug in modelspec: say so, briefly, unless asked for the traceback
        if args.debug:
            raise
        print(
            f"modelspec: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
