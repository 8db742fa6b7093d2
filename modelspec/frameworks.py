"""Importing a framework (TensorFlow, Keras, PyTorch, Optuna) when it is first needed.

`import_framework` is how every back end and the search import theirs: a missing one is a
`MissingFramework` naming the extra to install (from the back-end table, `registry.py`), and
TensorFlow's start-up noise on stderr is muted unless the import fails.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from .errors import MissingFramework
from .registry import extra_for


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
        top = module.split(".")[0]
        extra = extra_for(module) or top
        raise MissingFramework(
            f"this needs {top}, which is not installed ({exc}); install it with: pip install 'modelspec[{extra}]'"
        ) from None


def tensorflow_environment() -> None:
    """The settings TensorFlow reads when it is first imported (users' own settings win)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # TensorFlow turns oneDNN on by itself only on some CPUs (not on AMD EPYC), and without it a
    # dilated Conv2DTranspose fails at run time ("CPU implementations do not yet support
    # dilation rates larger than 1"): the same spec must run on every x86 machine.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


@contextlib.contextmanager
def _muted_stderr() -> Iterator[None]:
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
