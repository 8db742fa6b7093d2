"""`modelspec import`: a Keras model as a spec, with its weights.

`read_config(path)` reads a model's config from a `.keras` file or a JSON file (`model.to_json()`
or `get_config()`) without importing Keras; `import_config` turns it into a validated `Spec`
(`structure.py`: the graph; `arguments.py`: each layer's arguments; `ops.py`: raw Keras ops). The
weights of a live Keras model are read through the layers the importer records for each node
(`keras_weights`), which needs no Keras import either: the model object is given.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from ..errors import ImportProblems, SpecError
from ..spec import Spec, loads
from ..yamlio import Flow, dump_spec
from .arguments import Unsupported
from .blocks import compress
from .structure import Imported
from .structure import import_config as _walk

__all__ = ["from_keras", "import_config", "keras_weights", "read_config", "spec_text"]


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """The model config in a `.keras` file (its `config.json`) or a `.json` file.

    Raises `OSError` for a file that cannot be read and `ImportProblems` for one that is not a
    Keras model file (not a zip with `config.json`, not JSON, not a model config).
    """
    path = Path(path)
    source = str(path)
    if path.suffix == ".keras" or zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                text = archive.read("config.json").decode("utf-8")
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ImportProblems(
                source, [f"not a Keras model file ({exc})"], layers=False
            ) from None
    elif path.suffix in (".h5", ".hdf5"):
        raise ImportProblems(
            source, ["legacy HDF5 models: save it as .keras (model.save('m.keras'))"]
        )
    else:
        text = path.read_text(encoding="utf-8")
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise ImportProblems(source, [f"not JSON ({exc})"], layers=False) from None
    if not isinstance(config, dict):
        raise ImportProblems(source, ["not a Keras model config"], layers=False)
    return config


def import_config(
    config: dict[str, Any], source: str = "<config>", blocks: bool = True
) -> tuple[Spec, Imported]:
    """A validated `Spec` of a Keras model config, and what the importer recorded (each node's
    Keras layer, for its weights). `blocks`: repeated sub-graphs written as `blocks:`
    (`blocks.py`; the same model, some nodes renamed); False: every layer a node. Raises
    `ImportProblems` listing every layer, argument or op no kind expresses."""
    try:
        imported = _walk(config)
    except Unsupported as exc:
        raise ImportProblems(source, [str(exc)], layers=False) from None
    if imported.problems:
        raise ImportProblems(source, imported.problems)
    renames: dict[str, str] = {}
    if blocks:
        imported.data, renames = compress(imported.data)
    text = spec_text(imported.data)
    try:
        spec = loads(text, source=f"{source} (imported)")
    except SpecError as exc:
        raise ImportProblems(
            source, [f"{p.dotted_path}: {p.message}" for p in exc.errors]
        ) from None
    names = [node.name for node in spec.graph.nodes]
    imported.layers = {renames.get(k, k): v for k, v in imported.named(names).items()}
    imported.text = text
    return spec, imported


def spec_text(data: dict[str, Any]) -> str:
    """The YAML of imported spec data: one input, node and block node per line."""
    shaped = dict(data)
    shaped["inputs"] = {k: Flow(v) for k, v in data.get("inputs", {}).items()}
    layers = data.get("layers")
    if isinstance(layers, dict):
        shaped["layers"] = {k: Flow(v) for k, v in layers.items()}
    elif isinstance(layers, list):
        shaped["layers"] = [Flow(v) for v in layers]
    if "blocks" in data:
        shaped["blocks"] = {
            name: {**block, "layers": {k: Flow(v) for k, v in block["layers"].items()}}
            for name, block in data["blocks"].items()
        }
        shaped = {
            k: shaped[k]
            for k in ("modelspec", "name", "blocks", "inputs", "layers", "outputs")
            if k in shaped
        }
    header = "# Imported from a Keras model by `modelspec import`.\n"
    return header + dump_spec(shaped)


def from_keras(model: Any, weights: str | os.PathLike | None = None, blocks: bool = True) -> Spec:
    """The spec of a live Keras model (`model.get_config()`; `blocks=False`: every layer a node),
    and with `weights` its weights written to that safetensors file (`modelspec.weights`), keyed
    by the spec's nodes. Raises `ImportProblems` as `import_config` does."""
    source = repr(getattr(model, "name", "model"))
    spec, imported = import_config(_model_config(model), source=source, blocks=blocks)
    if weights is not None:
        from ..weights import write

        write(weights, keras_weights(model, spec, imported), spec.name)
    return spec


def keras_weights(model: Any, spec: Spec, imported: Imported) -> dict[str, Any]:
    """The weights of a Keras model, keyed `NODE/WEIGHT` by the spec's nodes (Keras' layout).
    Raises `ImportProblems` for a layer whose weights are not the ones its node declares."""
    arrays: dict[str, Any] = {}
    problems = []
    for node in spec.graph.nodes:
        if node.shared or not node.weights:
            continue
        path = imported.layers.get(node.name)
        if path is None:
            problems.append(f"{node.name}: no Keras layer recorded for its weights")
            continue
        layer = model
        for name in path:
            layer = layer.get_layer(name)
        values = layer.get_weights()
        names = list(node.weights)
        if len(values) != len(names):
            problems.append(
                f"{path[-1]} ({type(layer).__name__}): {len(values)} weights, its node declares {len(names)} ({', '.join(names)})"
            )
            continue
        for name, value in zip(names, values, strict=True):
            arrays[f"{node.name}/{name}"] = value
    if problems:
        raise ImportProblems(repr(getattr(model, "name", "model")), problems)
    return arrays


def _model_config(model: Any) -> dict[str, Any]:
    """`{"class_name": ..., "config": ...}` of a live Keras model."""
    return {"class_name": type(model).__name__, "config": model.get_config()}
