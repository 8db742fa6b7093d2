"""`modelspec import`: a Keras model (a `.keras` file or its JSON config) written as a spec.
Registered by `modelspec.cli`.

    modelspec import model.keras -o model.yaml --weights model.safetensors
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .errors import ImportProblems
from .registry import BACKENDS
from .shell import EXIT_OK, UsageError, file_name

Add = Callable[[str, Callable, str, str], argparse.ArgumentParser]


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


def add_import(add: Add) -> None:
    """Register `import` with the parser's `add(name, func, help, example)`."""
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
