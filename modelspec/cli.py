"""The `modelspec` command. Exit status: 0 ok, 1 invalid spec or data, 2 usage error.

Only the subcommands that need a framework import one, and only when they run, so `validate`,
`summary` and `schema` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence

from .cli_import import add_import
from .cli_training import add_search, add_training
from .errors import (
    BackendError,
    DataError,
    ImportProblems,
    Problem,
    RenderError,
    SpecError,
    StudyError,
)
from .registry import NAMES
from .shell import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    file_name,
    load_spec,
    model_files,
    model_path,
    reader_gone,
    seed_number,
    version,
    weights_argument,
)


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


def cmd_validate(args: argparse.Namespace) -> int:
    """`modelspec validate SPEC...`: each spec loaded and reported; EXIT_INVALID if any is invalid."""
    status = EXIT_OK
    for path in args.specs:
        try:
            spec = load_spec(path)
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
    spec = load_spec(args.spec)
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
    chosen = model_path(args.backend, args.output)
    spec = load_spec(args.spec)
    model = chosen.build(spec.graph)
    if args.weights:
        spec.load_weights(model, args.weights)
    chosen.save(model, args.output, spec.to_yaml())
    print(f"wrote {args.output} ({spec.graph.params:,} params)")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """`modelspec check SPEC [--weights W]`: both back ends built (with the weights file's
    weights, or Keras' copied into torch) and compared; EXIT_INVALID if they differ."""
    from .registry import CHECK

    spec = load_spec(args.spec)
    report = CHECK(spec, seed=args.seed, weights=args.weights)
    print(report)
    return EXIT_OK if report.ok else EXIT_INVALID


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
                   help=model_files())  # fmt: skip
    weights_argument(p, "build it with these weights")

    add_import(add)
    add_training(add)

    p = add(
        "check",
        cmd_check,
        "build both back ends, copy Keras' weights into torch, and compare "
        "shapes, parameter counts and outputs on random inputs (exit 1 on any disagreement)",
        "modelspec check specs/stock_lstm.yaml",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--seed", type=seed_number, default=0, help="seed of the random inputs")
    weights_argument(
        p, "load these weights into both back ends instead of copying Keras' random ones"
    )

    add_search(add)

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
