"""The back ends, in one table: what each is called, which files it writes, which extra installs
its framework, and where its entry points live.

    backend("torch").build(graph)         # imports modelspec.backends.torch now, not before
    backend("keras").check_path("m.pt")   # ValueError: a keras model file ends in .keras, ...

Entry points are written as `"module:attribute"` strings and imported on first use, so the core
reaches a back end only through this table and never imports TensorFlow, Keras or PyTorch by
itself. Each back end's entry points take and return the same things:

    build(graph, **options) -> model          save(model, path, source) -> None
    load(path) -> model                       trainer(graph, model=, seed=, source=,
                                                      device=, dtype_policy=[, distributed=]) -> Trainer
    release() -> None                         run(model, graph, inputs) -> [array per output]
    count_params(model) -> (trainable, non-trainable)
    refusals(graph) -> [(node, message)]: what it cannot build exactly, found without building
    get_weights(model, graph) -> {node: {weight: array}}: each owning node's weights, Keras' layout
    set_weights(model, graph, {node: {weight: array}}) -> None: the same, set (`weights.by_node` checked)
    read_saved(path) -> (model, spec text or None, training state or None, resume state or None):
        a model file it wrote, with what resuming its training needs (`modelspec.saved`)

`source` is the spec's YAML text, which the model files of both back ends carry.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from .errors import BackendError


@dataclass(frozen=True)
class EntryPoint:
    """A callable named by `"package.module:attribute"`, imported when first loaded."""

    target: str

    @property
    def module(self) -> str:
        """The module part of the target (`package.module`)."""
        return self.target.partition(":")[0]

    def load(self) -> Any:
        """The attribute, its module imported now (`MissingFramework` when that needs a framework
        that is not installed: the back-end modules import theirs through `import_framework`)."""
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Load the callable and call it with these arguments."""
        return self.load()(*args, **kwargs)


@dataclass(frozen=True)
class Backend:
    """One back end: its name, the suffixes of the model files it writes, the extra that installs
    its frameworks (top-level module names, for the "install this" message), and its entry points."""

    name: str
    suffixes: tuple[str, ...]
    extra: str
    frameworks: tuple[str, ...]
    build: EntryPoint
    save: EntryPoint
    load: EntryPoint
    trainer: EntryPoint
    release_models: EntryPoint
    run: EntryPoint
    count_params: EntryPoint
    refusals: EntryPoint
    get_weights: EntryPoint
    set_weights: EntryPoint
    read_saved: EntryPoint

    @property
    def install(self) -> str:
        """The command that installs this back end's frameworks."""
        return f"pip install 'modelspec[{self.extra}]'"

    def check_path(self, path: str | os.PathLike) -> None:
        """Raise `ValueError` unless `path` ends in one of the suffixes this back end writes."""
        if not os.fspath(path).endswith(self.suffixes):
            raise ValueError(
                f"a {self.name} model file ends in {' or '.join(self.suffixes)}, got {os.fspath(path)!r}"
            )

    def release(self) -> None:
        """Free what the framework keeps of the models built so far (Keras' global graph state);
        nothing to do when this back end was never used in this process."""
        if self.release_models.module in sys.modules:
            self.release_models()


def _backend(
    name: str,
    module: str,
    suffixes: tuple[str, ...],
    frameworks: tuple[str, ...],
    *,
    build: str,
    save: str,
    load: str,
    trainer: str,
    release: str,
    run: str,
    count_params: str,
    refusals: str = "refusals",
    get_weights: str = "get_weights",
    set_weights: str = "set_weights",
    read_saved: str = "read_saved",
) -> Backend:
    def entry(target: str) -> EntryPoint:
        return EntryPoint(target if ":" in target else f"{module}:{target}")

    return Backend(
        name,
        suffixes,
        name,
        frameworks,
        entry(build),
        entry(save),
        entry(load),
        entry(trainer),
        entry(release),
        entry(run),
        entry(count_params),
        entry(refusals),
        entry(get_weights),
        entry(set_weights),
        entry(read_saved),
    )


BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        _backend(
            "keras",
            "modelspec.backends.keras",
            (".keras",),
            ("keras", "tensorflow"),
            build="to_keras",
            save="save_keras",
            load="load_keras",
            trainer="modelspec.backends.keras_train:KerasTrainer",
            release="release",
            run="modelspec.backends.check:run_keras",
            count_params="modelspec.backends.check:count_keras_params",
        ),
        _backend(
            "torch",
            "modelspec.backends.torch",
            (".pt",),
            ("torch",),
            build="to_torch",
            save="save",
            load="load_torch",
            trainer="modelspec.backends.torch.distributed:trainer",
            release="release",
            run="modelspec.backends.check:run_torch",
            count_params="count_params",
        ),
    )
}
"""Every back end by name, in the order the CLI lists them (the first one is `check`'s reference)."""

NAMES = tuple(BACKENDS)

# Tools that work across back ends, reached the same way.
CHECK = EntryPoint("modelspec.backends.check:check")
TRANSFER_WEIGHTS = EntryPoint("modelspec.backends.transfer:transfer_weights")
REMEMBER = EntryPoint("modelspec.backends.transfer:remember")
# `train --nproc N`: torchrun runs the command in N processes (PyTorch DDP).
LAUNCH_DDP = EntryPoint("modelspec.backends.torch.launch:launch")

# Frameworks that are no back end's but are installed by an extra too.
OTHER_EXTRAS = {"optuna": "search"}


def backend(name: str) -> Backend:
    """The back end called `name`; `ValueError` naming the choices when there is none."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"backend must be one of {', '.join(NAMES)}, got {name!r}") from None


def backend_for_file(path: str | os.PathLike) -> Backend:
    """The back end whose model files end as `path` does (`.keras`, `.pt`); `ValueError` naming
    the suffixes for any other file."""
    for b in BACKENDS.values():
        if os.fspath(path).endswith(b.suffixes):
            return b
    suffixes = " or ".join(s for b in BACKENDS.values() for s in b.suffixes)
    raise ValueError(f"a model file ends in {suffixes}, got {os.fspath(path)!r}")


def backend_of(model: Any) -> Backend:
    """The back end whose framework made `model` (a Keras model, a torch module), told by the
    module of its class, so that nothing is imported; `BackendError` for any other object."""
    for cls in type(model).__mro__:  # its own class first: a Keras layer may also be a torch module
        top = cls.__module__.split(".")[0]
        for b in BACKENDS.values():
            if top in b.frameworks:
                return b
    raise BackendError(
        f"expected a model built by modelspec ({' or '.join(n for n in NAMES)}), "
        f"got {type(model).__name__}"
    )


def extra_for(module: str) -> str | None:
    """The extra that installs the top-level module `module` (`keras` -> `keras`), if any."""
    top = module.split(".")[0]
    for b in BACKENDS.values():
        if top in b.frameworks:
            return b.extra
    return OTHER_EXTRAS.get(top)


__all__ = [
    "BACKENDS",
    "NAMES",
    "Backend",
    "EntryPoint",
    "backend",
    "backend_for_file",
    "backend_of",
    "extra_for",
]
