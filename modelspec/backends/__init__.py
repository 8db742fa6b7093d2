"""Back ends: the graph IR lowered to a framework, one lowering rule per layer kind.

Each back end is a table from layer kind to a rule, filled with a decorator, and a builder that
walks the IR once and looks rules up (as JAX registers one lowering per primitive per platform).
Frameworks are imported here lazily, only when a back end is used.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

EXTRAS = {"keras": "keras", "tensorflow": "keras", "torch": "torch", "optuna": "search"}


class BackendError(Exception):
    """A spec cannot be built by a back end: the message names the node, the kind and the back end."""


class MissingFramework(BackendError):
    """The framework a back end needs is not installed."""


def import_framework(module: str) -> Any:
    """Import `module`, or raise `MissingFramework` saying which extra to install."""
    quiet = module.split(".")[0] in ("keras", "tensorflow") and module not in sys.modules
    if quiet:
        tensorflow_environment()
    try:
        if not quiet:
            return importlib.import_module(module)
        with _muted_stderr():  # TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL
            return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module.split(".")[0], module)
        raise MissingFramework(
            f"this needs {module.split('.')[0]}, which is not installed ({exc}); "
            f"install it with: pip install 'modelspec[{extra}]'"
        ) from None


def release_models(backend: str) -> None:
    """Free what a back end keeps of the models built so far (Keras' global graph state)."""
    if backend == "keras" and "keras" in sys.modules:
        import_framework("keras").backend.clear_session()


def tensorflow_environment() -> None:
    """The settings TensorFlow reads when it is first imported (users' own settings win)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # TensorFlow turns oneDNN on by itself only on some CPUs (not on AMD EPYC), and without it a
    # dilated Conv2DTranspose fails at run time ("CPU implementations do not yet support
    # dilation rates larger than 1"): the same spec must run on every x86 machine.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


@contextlib.contextmanager
def _muted_stderr():
    """Send file descriptor 2 to a temporary file; replay what it caught if the body fails."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to mute
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            caught.seek(0)
            sys.stderr.write(caught.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class RuleTable(dict):
    """Layer kind -> lowering rule for one back end."""

    def __init__(self, backend: str):
        super().__init__()
        self.backend = backend

    def register(self, *kinds: str) -> Callable[[F], F]:
        def decorate(rule: F) -> F:
            for kind in kinds:
                if kind in self:
                    raise ValueError(f"{self.backend}: a rule for {kind} is registered twice")
                self[kind] = rule
            return rule

        return decorate

    def rule(self, kind: str, node: str) -> Callable[..., Any]:
        try:
            return self[kind]
        except KeyError:
            raise BackendError(
                f"node {node!r}: layer kind {kind} is not supported by the {self.backend} back end"
            ) from None
